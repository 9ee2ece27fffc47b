/**
 * Queue mode's processing side with a real Redis and BullMQ: workers run the plugin's callbacks
 * with retries, timeouts, ordering across workers, held events, dead letters, a graceful close,
 * and the default store on the worker's own connection.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Queue } from 'bullmq'
import Redis from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { RedisStore } from '../lib/stores/redis'
import { createQueueStats } from '../lib/options/queue'
import { createStats } from '../lib/options/index'
import { createTwilioWorker } from '../lib/worker'
import { replayFailed } from '../lib/queue/replay'
import { build } from './helpers/app'
import { startRedis, type TestRedis } from './helpers/redis'
import { CALL_PATH, callParams, formPost, type Params, smsParams, TOKEN } from './helpers/sign'
import { connectionOf, newQueue, silent, startWorker, until } from './helpers/queue'

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
  await store.claim(`sms:${params.AccountSid}:${params.MessageSid}:delivered`, 60_000)
  let runs = 0
  const w = startWorker(t, redis, name, prefix, { sms: { onDelivered: () => { runs++ } } })
  await inject(app, params)
  await until(async () => (await queue.getJobCounts('delayed')).delayed === 1)
  t.equal(runs, 0)
  await store.release(`sms:${params.AccountSid}:${params.MessageSid}:delivered`)
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
  // A Sid of its own: the default store prefix outlives the test, and the claim left by this close would hold SM1 on a rerun.
  const sid = `SM${randomUUID().replaceAll('-', '')}`
  await queue.add('sms sent', { channel: 'sms', status: 'sent', sid, event: { MessageSid: sid } }, { jobId: 'x2' })
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
  // A Sid of its own, as above: a rerun on the same Redis would find CA9 handled.
  const sid = `CA${randomUUID().replaceAll('-', '')}`
  await queue.add('call ringing', { channel: 'call', status: 'ringing', sid, event: { CallSid: sid } })
  await until(() => seen.length === 1)
  t.same(seen, [sid])
})

t.test('a receiver, a worker, RedisStore and replayFailed all work as the Redis ACL user docs/security.md gives, which can touch nothing else', async (t) => {
  const docs = readFileSync(join(__dirname, '../docs/security.md'), 'utf8')
  const line = /^\s*ACL SETUSER twilio-status (.*)$/m.exec(docs)?.[1]
  if (line === undefined) throw new Error('docs/security.md gives no ACL SETUSER line')
  // The documented rules, for this test's own user, password, queue and store prefix.
  const id = randomUUID()
  const user = `twilio-status-${id}`
  const password = randomUUID()
  const name = `twilio-${id}`
  const prefix = `twilio-status-${id}:`
  const rules = line.split(' ').map((rule) => rule.startsWith('>') ? `>${password}` : rule.replace('bull:twilio:', `bull:${name}:`).replace('twilio-status:', prefix))
  const admin = redis.client()
  await admin.call('ACL', 'SETUSER', user, ...rules)
  t.teardown(async () => { await admin.call('ACL', 'DELUSER', user) })
  const url = new URL(redis.url)
  const connection = { host: url.hostname, port: Number(url.port), username: user, password, maxRetriesPerRequest: null }
  const client = (): Redis => {
    const c = new Redis(connection)
    t.teardown(() => c.quit())
    return c
  }
  const queue = new Queue(name, { connection })
  t.teardown(async () => {
    await queue.obliterate({ force: true })
    await queue.close()
  })

  const app = await build(t, { authToken: TOKEN, queue: { queue, attempts: 1 }, store: new RedisStore({ client: client(), prefix }), sms: {} })
  let failing = true
  const seen: string[] = []
  const store = new RedisStore({ client: client(), prefix })
  const onDelivered = (event: { MessageSid: string }): void => {
    seen.push(event.MessageSid)
    if (failing) throw new Error('down')
  }
  const w = createTwilioWorker({ connection, queueName: name, store, logger: silent, ordering: true, sms: { onDelivered } })
  t.teardown(() => w.close({ timeout: 2000 }))
  const params = smsParams('delivered')
  t.equal((await inject(app, params)).statusCode, 200)
  await until(() => w.queueStats.failed === 1)
  failing = false
  t.equal(await replayFailed(queue), 1)
  await until(() => w.queueStats.processed === 1)
  t.same(seen, [params.MessageSid, params.MessageSid])
  t.equal(w.stats.storeErrors, 0)

  const own = client()
  await t.rejects(own.set('another-service:key', '1'), /NOPERM/, 'other keys are out of reach')
  await t.rejects(own.flushall(), /NOPERM/, 'and so are dangerous commands')
  const denied = (await admin.call('ACL', 'LOG')) as Array<Array<string | number>>
  const mine = denied.filter((entry) => entry[entry.indexOf('username') + 1] === user).map((entry) => entry[entry.indexOf('object') + 1])
  t.same(mine.sort(), ['another-service:key', 'flushall'], 'nothing the plugin, BullMQ or replay did was denied')
})
