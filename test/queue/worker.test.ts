/**
 * Queue mode's processing side with a real Redis and BullMQ: workers run the plugin's callbacks
 * with retries, timeouts, ordering across workers, held events, dead letters, a graceful close,
 * and the default store on the worker's own connection.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { RedisStore } from '../../lib/stores/redis'
import { createQueueStats } from '../../lib/queue/stats'
import { createStats } from '../../lib/delivery/stats'
import { createTwilioWorker } from '../../lib/queue/worker'
import { replayFailed } from '../../lib/queue/replay'
import { build } from '../helpers/app'
import { startRedis, type TestRedis } from '../helpers/redis'
import { CALL_PATH, callParams, formPost, type Params, smsParams, TOKEN } from '../helpers/sign'
import { connectionOf, newQueue, silent, startWorker, until } from '../helpers/queue'

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

async function inject (app: FastifyInstance, params: Params, target?: string) {
  return await app.inject(formPost(params, target === undefined ? {} : { target }))
}

t.test('a failing callback is retried with backoff, then kept in the failed set, then replayed and recorded as handled', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue: { queue, attempts: 3, backoff: 10 }, sms: {} })
  let failing = true
  let runs = 0
  const w = startWorker(t, redis, name, prefix, {
    concurrency: 2,
    sms: { onFailed: () => { runs++; if (failing) throw new Error('downstream is down') } }
  })
  const params = smsParams('failed')
  await inject(app, params)
  await until(() => w.queueStats.failed === 1)
  t.equal(runs, 3)
  t.equal(w.queueStats.retried, 2)
  const [dead] = await queue.getFailed()
  t.match(dead.failedReason, /downstream is down/)
  t.equal(dead.attemptsMade, 3)

  failing = false
  t.equal(await replayFailed(queue), 1)
  await until(() => w.queueStats.processed === 1)
  t.equal(w.queueStats.replayed, 1)
  t.equal(runs, 4)
  t.same(await queue.getJobCounts('failed'), { failed: 0 })
  // Recorded as handled: the event again (a Twilio redelivery after the job was removed) runs nothing.
  await (await queue.getJob(dead.id as string))?.remove()
  await inject(app, params)
  await until(() => w.queueStats.processed === 2)
  t.equal(runs, 4)
  t.equal(await replayFailed(queue, { limit: 10 }), 0)
})

t.test('ordering holds per Sid across workers: an older status processed after a newer one goes to onStale', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue, call: {} })
  const calls: string[] = []
  const options = { ordering: true, call: { onCompleted: () => { calls.push('completed') }, onRinging: () => { calls.push('ringing') }, onStale: (e: { CallStatus: string }) => { calls.push(`stale ${e.CallStatus}`) } } }
  const first = startWorker(t, redis, name, prefix, options)
  const completed = callParams('completed', { SequenceNumber: '3' })
  await inject(app, completed, CALL_PATH)
  await until(() => first.queueStats.processed === 1)
  await first.close()
  const second = startWorker(t, redis, name, prefix, options)
  await inject(app, callParams('ringing', { SequenceNumber: '1', CallSid: completed.CallSid }), CALL_PATH)
  await until(() => second.queueStats.processed === 1)
  t.same(calls, ['completed', 'stale ringing'])
  t.equal(second.stats.stale, 1)
})

t.test('a callback slower than the timeout fails the attempt; its late success is recorded', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue: { queue, attempts: 5, backoff: 200 }, sms: {} })
  let runs = 0
  const w = startWorker(t, redis, name, prefix, { timeout: 100, sms: { onSent: async () => { runs++; await new Promise((resolve) => setTimeout(resolve, 250)) } } })
  await inject(app, smsParams('sent'))
  await until(() => w.queueStats.processed === 1)
  t.equal(runs, 1) // the retry found the event handled (or still running here, and shared it)
  t.ok(w.queueStats.retried >= 1)
})

t.test('an event another worker holds waits without spending an attempt', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue: { queue, attempts: 1 }, sms: {} })
  const store = new RedisStore({ client: redis.client(), prefix })
  const params = smsParams('delivered')
  await store.claim(`sms:${params.MessageSid}:delivered`, 60_000)
  let runs = 0
  const w = startWorker(t, redis, name, prefix, { sms: { onDelivered: () => { runs++ } } })
  await inject(app, params)
  await until(async () => (await queue.getJobCounts('delayed')).delayed === 1)
  t.equal(runs, 0)
  await store.release(`sms:${params.MessageSid}:delivered`)
  await until(() => w.queueStats.processed === 1, 10_000)
  t.equal(runs, 1)
  t.equal(w.queueStats.failed, 0)
})

t.test('a job for a channel the worker lacks fails at once; close gives back jobs still running', async (t) => {
  const { queue, name } = newQueue(t, redis)
  const logs: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((chunk: string) => { logs.push(String(chunk)); return true }) as typeof process.stderr.write
  t.teardown(() => { process.stderr.write = write })
  // The default store (a RedisStore on the worker's own connection) and the default logger.
  let started = false
  const w = createTwilioWorker({ connection: connectionOf(redis), queueName: name, sms: { onSent: () => { started = true; return new Promise(() => {}) } } })
  await w.waitUntilReady()
  await queue.add('call completed', { channel: 'call', status: 'completed', sid: 'CA1', event: {} }, { jobId: 'x1', attempts: 3 })
  await until(() => w.queueStats.failed === 1)
  const [dead] = await queue.getFailed()
  t.match(dead.failedReason, /no call callbacks/)
  await queue.add('sms sent', { channel: 'sms', status: 'sent', sid: 'SM1', event: { MessageSid: 'SM1' } }, { jobId: 'x2' })
  await until(() => started)
  await w.close({ timeout: 50 })
  t.same(await queue.getJobCounts('wait', 'active'), { wait: 1, active: 0 }) // given back, for another worker
  process.stderr.write = write
  const lines = logs.join('').trim().split('\n').map((line) => JSON.parse(line) as { level: string, msg: string, err?: { message: string } })
  t.ok(lines.some((l) => l.level === 'error' && /attempts exhausted/.test(l.msg) && /no call callbacks/.test(l.err?.message ?? '')))
  t.ok(lines.some((l) => l.level === 'warn' && /given back/.test(l.msg)))
})

t.test('a thrown non-Error is named in the failed reason', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const w = startWorker(t, redis, name, prefix, { sms: { onFailed: () => { throw 'a string' } } }) // eslint-disable-line no-throw-literal
  await queue.add('sms failed', { channel: 'sms', status: 'failed', sid: 'SM2', event: { MessageSid: 'SM2' } }, { attempts: 1 })
  await until(() => w.queueStats.failed === 1)
  t.match((await queue.getFailed())[0].failedReason, /: a string$/)
})

t.test('a worker on an ioredis instance duplicates it for its store', async (t) => {
  const { queue, name } = newQueue(t, redis)
  const connection = redis.client()
  connection.options.maxRetriesPerRequest = null
  const stats = createStats()
  const queueStats = createQueueStats()
  const seen: string[] = []
  const w = createTwilioWorker({ connection, queueName: name, stats, queueStats, logger: silent, call: { onAny: (e) => { seen.push(e.CallSid) } } })
  t.teardown(() => w.close())
  t.equal(w.stats, stats)
  t.equal(w.queueStats, queueStats)
  t.ok(w.worker)
  await queue.add('call ringing', { channel: 'call', status: 'ringing', sid: 'CA9', event: { CallSid: 'CA9' } })
  await until(() => seen.length === 1)
  t.same(seen, ['CA9'])
})
