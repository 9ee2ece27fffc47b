import Fastify from 'fastify'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import twilioStatus, { createTwilioWorker, RedisStore, type CallEvent, type MessageEvent } from 'fastify-twilio-status'

// One set of callbacks for the workers, and for the receiver's inline fallback while Redis is
// down. They use only the event, so they fit both (a worker passes the job, not the request).
export function callbacks (db: { save (sid: string, status: string): Promise<void> }) {
  return {
    sms: {
      onDelivered: async (event: MessageEvent<'delivered'>) => { await db.save(event.MessageSid, 'delivered') },
      onUndelivered: async (event: MessageEvent<'undelivered'>) => { await db.save(event.MessageSid, 'undelivered') }
    },
    call: {
      onCompleted: async (event: CallEvent<'completed'>) => { await db.save(event.CallSid, 'completed') }
    }
  }
}

// The app Twilio calls: verify, enqueue, answer 200 once Redis has the event.
export async function buildReceiver (authToken: string, redis: { host: string, port: number }, db: Parameters<typeof callbacks>[0]) {
  // No offline queue: while Redis is down an add fails at once and the event runs inline.
  const queue = new Queue('twilio', { connection: { ...redis, enableOfflineQueue: false } })
  const client = new Redis({ ...redis, maxRetriesPerRequest: 1 })
  const app = Fastify()
  app.addHook('onClose', async () => { await queue.close(); client.disconnect() })
  await app.register(twilioStatus, {
    authToken,
    queue: { queue, attempts: 8, backoff: 1000 },
    store: new RedisStore({ client }), // the workers' store: an inline event is not run again by them
    ...callbacks(db)
  })
  return app
}

// A worker: run as many processes as you like, on any machine that reaches Redis.
export function startWorker (redis: { host: string, port: number }, db: Parameters<typeof callbacks>[0]) {
  return createTwilioWorker({
    connection: { ...redis, maxRetriesPerRequest: null },
    concurrency: 20,
    ordering: true,
    ...callbacks(db)
  })
}
