import Fastify from 'fastify'
import { Queue } from 'bullmq'
import { Cluster, type ClusterNode } from 'ioredis'
import twilioStatus, { createTwilioWorker, RedisStore } from 'fastify-twilio-status'
import { callbacks } from './queue'

// BullMQ's keys of one queue must share a slot: a hash tag in the prefix, the same for the
// receiver's Queue and every worker.
const prefix = '{twilio}'

// The app Twilio calls, on a Redis Cluster: verify, enqueue, answer 200 once the cluster has the event.
export async function buildClusterReceiver (authToken: string, nodes: ClusterNode[], db: Parameters<typeof callbacks>[0]) {
  // No offline queue: while the queue's master is down an add fails at once and the event runs inline.
  const queueConnection = new Cluster(nodes, { enableOfflineQueue: false })
  const queue = new Queue('twilio', { connection: queueConnection, prefix })
  // The store's keys spread over the masters by their own hash tags: no braces in its prefix.
  const client = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 } })
  const app = Fastify()
  app.addHook('onClose', async () => {
    await queue.close()
    queueConnection.disconnect()
    client.disconnect()
  })
  await app.register(twilioStatus, {
    authToken,
    queue: { queue, attempts: 8, backoff: 1000 },
    store: new RedisStore({ client }),
    ...callbacks(db)
  })
  return app
}

// A worker on the same cluster: BullMQ needs `maxRetriesPerRequest: null` on a worker's connection.
export function startClusterWorker (connection: Cluster, db: Parameters<typeof callbacks>[0]) {
  return createTwilioWorker({
    connection,
    prefix,
    concurrency: 20,
    ordering: true,
    // After the queue's master was unreachable, look for jobs again within a second (BullMQ: 15 s).
    workerOptions: { runRetryDelay: 1000 },
    ...callbacks(db)
  })
}

export function workerConnection (nodes: ClusterNode[]) {
  return new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } })
}
