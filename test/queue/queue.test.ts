/**
 * Queue mode end to end with a real Redis and BullMQ: the plugin enqueues verified events (job id
 * from the idempotency key, nothing added twice), inline where TwiML is needed or the add fails;
 * workers run the same callbacks with retries, timeouts, ordering across workers, dead letters
 * and replay.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { RedisStore } from '../../lib/stores/redis'
import { createQueueStats } from '../../lib/queue/stats'
import { createStats } from '../../lib/delivery/stats'
import { jobIdOf, needsInline } from '../../lib/queue/enqueue'
import { createTwilioWorker } from '../../lib/queue/worker'
import { normalizeWorkerOptions } from '../../lib/queue/worker-options'
import { queueLag, replayFailed } from '../../lib/queue/replay'
import { checkQueue } from '../../lib/queue/options'
import { MemoryStore } from '../../lib/stores/memory'
import type { TwilioWorker, TwilioWorkerOptions } from '../../types/index'
import { build, EMPTY_TWIML } from '../helpers/app'
import { startRedis, type TestRedis } from '../helpers/redis'
import { CALL_PATH, callParams, formPost, type Params, smsParams, TOKEN } from '../helpers/sign'
import { connectionOf, newQueue, until } from '../helpers/queue'

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

const quiet = (): void => {}
const silent = { level: 'silent', fatal: quiet, error: quiet, warn: quiet, info: quiet, debug: quiet, trace: quiet, silent: quiet, child: () => silent } as never

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>thanks</Message></Response>'

function worker (t: { teardown (fn: () => unknown): void }, name: string, prefix: string, options: Partial<TwilioWorkerOptions>): TwilioWorker {
  const w = createTwilioWorker({ connection: connectionOf(redis), queueName: name, store: new RedisStore({ client: redis.client(), prefix }), logger: silent, ...options })
  t.teardown(() => w.close({ timeout: 2000 }))
  return w
}

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
  t.equal(job.id, jobIdOf(`sms:${params.MessageSid}:delivered`))
  t.notOk(job.id?.includes(':'))
  t.match(job.data, { channel: 'sms', status: 'delivered', sid: params.MessageSid, event: { MessageStatus: 'delivered' } })
  t.match(job.opts, { attempts: 8, backoff: { type: 'exponential', delay: 1000 } })

  const seen: Array<{ event: Record<string, unknown>, context: { id: string, attemptsMade: number } }> = []
  const any: string[] = []
  const w = worker(t, name, prefix, {
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

t.test('a failing callback is retried with backoff, then kept in the failed set, then replayed and recorded as handled', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue: { queue, attempts: 3, backoff: 10 }, sms: {} })
  let failing = true
  let runs = 0
  const w = worker(t, name, prefix, {
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
  const first = worker(t, name, prefix, options)
  const completed = callParams('completed', { SequenceNumber: '3' })
  await inject(app, completed, CALL_PATH)
  await until(() => first.queueStats.processed === 1)
  await first.close()
  const second = worker(t, name, prefix, options)
  await inject(app, callParams('ringing', { SequenceNumber: '1', CallSid: completed.CallSid }), CALL_PATH)
  await until(() => second.queueStats.processed === 1)
  t.same(calls, ['completed', 'stale ringing'])
  t.equal(second.stats.stale, 1)
})

t.test('a callback slower than the timeout fails the attempt; its late success is recorded', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = await build(t, { authToken: TOKEN, queue: { queue, attempts: 5, backoff: 200 }, sms: {} })
  let runs = 0
  const w = worker(t, name, prefix, { timeout: 100, sms: { onSent: async () => { runs++; await new Promise((resolve) => setTimeout(resolve, 250)) } } })
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
  const w = worker(t, name, prefix, { sms: { onDelivered: () => { runs++ } } })
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

t.test('replayFailed skips a job removed meanwhile; a thrown non-Error is named in the failed reason', async (t) => {
  const retried: unknown[] = []
  const job = { data: { channel: 'sms' as const, status: 'failed', sid: 'SM1', event: {}, replays: 1 }, updateData: async (data: unknown) => { retried.push(data) }, retry: async () => {} }
  const reader = { getFailed: async () => [undefined, job], getJobs: async () => [] }
  t.equal(await replayFailed(reader), 1)
  t.match(retried, [{ replays: 2 }])

  const { queue, name, prefix } = newQueue(t, redis)
  const w = worker(t, name, prefix, { sms: { onFailed: () => { throw 'a string' } } }) // eslint-disable-line no-throw-literal
  await queue.add('sms failed', { channel: 'sms', status: 'failed', sid: 'SM2', event: { MessageSid: 'SM2' } }, { attempts: 1 })
  await until(() => w.queueStats.failed === 1)
  t.match((await queue.getFailed())[0].failedReason, /: a string$/)
})

t.test('queueLag is the age of the oldest waiting job', async (t) => {
  const { queue } = newQueue(t, redis)
  t.equal(await queueLag(queue), 0)
  await queue.add('a', { channel: 'sms', status: 'sent', sid: 'SM1', event: {} })
  await new Promise((resolve) => setTimeout(resolve, 30))
  await queue.add('b', { channel: 'sms', status: 'sent', sid: 'SM2', event: {} })
  t.ok(await queueLag(queue) >= 25)
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

// ---- Options

const fakeQueue = { add: async () => ({}) }

t.test('queue: a Queue, or an object with one; defaults; job options merged over them', async (t) => {
  t.equal(checkQueue(undefined), null)
  const plain = checkQueue(fakeQueue)
  t.equal(plain?.queue, fakeQueue)
  t.same(plain?.jobOptions, { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: false })
  t.equal(plain?.timeout, 2000)
  const stats = createQueueStats()
  const full = checkQueue({ queue: fakeQueue, attempts: 3, backoff: 50, timeout: 100, jobOptions: { removeOnComplete: true, priority: 2 }, stats })
  t.match(full, { timeout: 100, stats, jobOptions: { attempts: 3, backoff: { delay: 50 }, removeOnComplete: true, priority: 2 } })
})

t.test('queue: bad values are refused at register', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['redis', /option queue must be a BullMQ Queue or/],
    [{ queue: {} }, /option queue\.queue must be a BullMQ Queue/],
    [{ queue: fakeQueue, attemps: 3 }, /unknown option queue\.attemps; did you mean attempts\?/],
    [{ queue: fakeQueue, attempts: 0 }, /option queue\.attempts must be an integer from 1 to 100/],
    [{ queue: fakeQueue, backoff: -1 }, /queue\.backoff/],
    [{ queue: fakeQueue, timeout: 1 }, /queue\.timeout/],
    [{ queue: fakeQueue, jobOptions: 'x' }, /queue\.jobOptions must be an object/],
    [{ queue: fakeQueue, stats: { enqueued: 0 } }, /queue\.stats must be an object made by createQueueStats\(\)/],
    [{ queue: fakeQueue, stats: null }, /queue\.stats/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => checkQueue(value), { code: 'FST_TWILIO_INVALID_OPTION', message }, String(message))
  }
  await t.rejects(build(t, { authToken: TOKEN, sms: {}, queue: 'redis' as never }), { code: 'FST_TWILIO_INVALID_OPTION' })
})

t.test('worker options: checked, with defaults', async (t) => {
  const base = { connection: { host: '127.0.0.1' }, sms: {} }
  const config = normalizeWorkerOptions(base)
  t.match(config, { queueName: 'twilio', concurrency: 1, timeout: 30_000, delivery: { store: null, doneTtl: 86_400_000, pendingTtl: 60_000, orderingTtl: null, storeTimeout: 1000 } })
  t.same(config.workerOptions, { connection: base.connection })
  t.same([...config.channels.keys()], ['sms'])
  const store = new MemoryStore()
  const full = normalizeWorkerOptions({ ...base, queueName: 'q', prefix: 'p', concurrency: 5, timeout: 120_000, store, idempotency: false, ordering: true, storeTimeout: 50, workerOptions: { stalledInterval: 5000 }, call: {} })
  t.match(full, { queueName: 'q', concurrency: 5, timeout: 120_000, delivery: { store, doneTtl: null, orderingTtl: 86_400_000, storeTimeout: 50 } })
  t.same(full.workerOptions, { connection: base.connection, prefix: 'p', stalledInterval: 5000 })

  const cases: Array<[unknown, RegExp]> = [
    [null, /\(worker options\) must be an object/],
    [{ ...base, conection: 1 }, /unknown option conection; did you mean connection\?/],
    [{ sms: {} }, /option connection must be ioredis options/],
    [{ ...base, connection: null }, /option connection/],
    [{ ...base, queueName: '' }, /option queueName must be a non-empty string/],
    [{ ...base, workerOptions: 1 }, /option workerOptions must be an object/],
    [{ ...base, prefix: 1 }, /option prefix must be a string/],
    [{ ...base, logger: {} }, /option logger must be a pino-like logger/],
    [{ ...base, logger: { error () {} } }, /option logger/],
    [{ ...base, logger: { error () {}, warn () {} } }, /option logger/],
    [{ connection: {} }, /at least one channel \(sms, call, recording/],
    [{ ...base, sms: { onDelivred () {} } }, /unknown option sms\.onDelivred/],
    [{ ...base, eventStreams: {} }, /unknown option eventStreams/],
    [{ ...base, concurrency: 0 }, /option concurrency/],
    [{ ...base, timeout: 10 }, /option timeout/],
    [{ ...base, timeout: 60_000 }, /option timeout must be less than idempotency\.pendingTtl \(60000 ms\)/],
    [{ ...base, store: {} }, /option store must be a store/],
    [{ ...base, queueStats: {} }, /option queueStats must be an object made by createQueueStats/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => normalizeWorkerOptions(value as TwilioWorkerOptions), { code: 'FST_TWILIO_INVALID_OPTION', message }, String(message))
  }
})

t.test('the default worker logger writes warnings and errors to stderr as JSON lines', async (t) => {
  const { logger } = normalizeWorkerOptions({ connection: {}, sms: {} })
  const lines: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((chunk: string) => { lines.push(String(chunk)); return true }) as typeof process.stderr.write
  try {
    logger.info('not written')
    logger.debug('not written')
    logger.trace('not written')
    logger.silent('not written')
    logger.warn('plain text')
    logger.child({ jobId: 'j1' }).error({ err: new Error('boom'), sid: 'SM1' }, 'failed')
    logger.fatal({ err: 'not an Error' }, 'fatal')
  } finally {
    process.stderr.write = write
  }
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  t.match(parsed, [
    { level: 'warn', msg: 'plain text', name: 'fastify-twilio-status' },
    { level: 'error', msg: 'failed', jobId: 'j1', sid: 'SM1', err: { message: 'boom', stack: /boom/ } },
    { level: 'fatal', err: 'not an Error' }
  ])
  t.equal(logger.level, 'warn')
})
