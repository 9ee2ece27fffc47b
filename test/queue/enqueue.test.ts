/**
 * Queue mode's receiving side with a real Redis and BullMQ: a verified event is added with its
 * idempotency key as job id (nothing added twice), inline where TwiML is the reply or the add
 * fails, and 503 where nothing here could run it.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { createQueueStats } from '../../lib/options/queue'
import { jobIdOf, needsInline } from '../../lib/queue/enqueue'
import { build, EMPTY_TWIML } from '../helpers/app'
import { startRedis, type TestRedis } from '../helpers/redis'
import { CALL_PATH, callParams, formPost, type Params, smsParams, TOKEN } from '../helpers/sign'
import { newQueue, startWorker, until } from '../helpers/queue'

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>thanks</Message></Response>'

async function inject (app: FastifyInstance, params: Params, target?: string) {
  return await app.inject(formPost(params, target === undefined ? {} : { target }))
}

t.test('an event is enqueued with its idempotency key as job id, once, and a worker runs its callbacks', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const stats = createQueueStats()
  const app = await build(t, { authToken: TOKEN, queue: { queue, stats }, sms: {}, call: {} })
  const params = smsParams('delivered')
  const res = await inject(app, params)
  t.equal(res.statusCode, 200)
  t.match(res.body, EMPTY_TWIML)
  t.equal((await inject(app, params)).statusCode, 200) // a redelivery: same job id, nothing added
  t.equal(stats.enqueued, 2)
  t.same(await queue.getJobCounts('wait'), { wait: 1 })
  const [job] = await queue.getWaiting()
  t.equal(job.id, jobIdOf(`sms:${params.AccountSid}:${params.MessageSid}:delivered`))
  t.notOk(job.id?.includes(':'))
  t.match(job.data, { channel: 'sms', status: 'delivered', sid: params.MessageSid, event: { MessageStatus: 'delivered' } })
  t.match(job.opts, { attempts: 8, backoff: { type: 'exponential', delay: 1000 } })

  const seen: Array<{ event: Record<string, unknown>, context: { id: string, attemptsMade: number } }> = []
  const any: string[] = []
  const w = startWorker(t, redis, name, prefix, {
    sms: { onDelivered: (event, context) => { seen.push({ event, context: context as unknown as { id: string, attemptsMade: number } }) }, onAny: (event) => { any.push(event.MessageSid) } }
  })
  await until(() => w.queueStats.processed === 1)
  t.equal(seen.length, 1)
  t.equal(seen[0].event.MessageSid, params.MessageSid)
  t.equal(Object.getPrototypeOf(seen[0].event), null)
  t.equal(seen[0].context.id, job.id)
  t.equal(seen[0].context.attemptsMade, 0)
  t.same(any, [params.MessageSid])
  t.equal(w.stats.dispatched, 1)
  t.ok(w.queueStats.lag >= 0)
  // The same event again after the job completed: a new job is a duplicate for the store.
  await queue.add('again', job.data, { jobId: 'again' })
  await until(() => w.queueStats.processed === 2)
  t.equal(seen.length, 1)
  t.equal(w.stats.duplicates, 1)
})

t.test('an inbound message is answered inline with its TwiML; declared webhooks stay inline', async (t) => {
  const { queue } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue, sms: { onReceived: () => TWIML } })
  const res = await inject(app, smsParams('received', { Body: 'hi' }))
  t.equal(res.body, TWIML)
  t.same(await queue.getJobCounts('wait'), { wait: 0 })
  t.ok(needsInline('sms', 'receiving'))
  t.notOk(needsInline('call', 'received'))
})

t.test('an add that fails or hangs falls back to inline processing, logged and counted', async (t) => {
  const stats = createQueueStats()
  let mode: 'reject' | 'hang' = 'reject'
  const queue = {
    add: async () => {
      if (mode === 'reject') throw new Error('Connection is closed.')
      return await new Promise(() => {})
    }
  }
  const ran: string[] = []
  const app = await build(t, { authToken: TOKEN, queue: { queue, stats, timeout: 50 }, sms: { onDelivered: (e) => { ran.push(e.MessageSid) } } })
  t.equal((await inject(app, smsParams('delivered'))).statusCode, 200)
  mode = 'hang'
  t.equal((await inject(app, smsParams('delivered'))).statusCode, 200)
  t.equal(ran.length, 2)
  t.same({ enqueued: stats.enqueued, fallbacks: stats.fallbacks }, { enqueued: 0, fallbacks: 2 })
})

t.test('an add that fails where this instance has no callback for the event is answered 503, never 200', async (t) => {
  const stats = createQueueStats()
  const queue = { add: async () => { throw new Error('Connection is closed.') } }
  const anyRan: string[] = []
  const app = await build(t, { authToken: TOKEN, queue: { queue, stats }, sms: { onSent: () => {} }, call: { onAny: (e) => { anyRan.push(e.CallStatus) } } })
  const res = await inject(app, smsParams('delivered'))
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'FST_TWILIO_QUEUE_UNAVAILABLE')
  t.equal(stats.fallbacks, 0)
  // onAny can run any status inline.
  t.equal((await inject(app, callParams('ringing'), CALL_PATH)).statusCode, 200)
  t.same(anyRan, ['ringing'])
  t.equal(stats.fallbacks, 1)
})
