/**
 * Idempotency, ordering and shared state through the real plugin: requests signed by the twilio
 * package, one app with the default memory store, and two apps (two instances) sharing Redis.
 */
import { randomUUID } from 'node:crypto'
import { mock } from 'node:test'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { RedisStore } from '../lib/stores/redis'
import { createStats } from '../lib/options/index'
import type { Stats } from '../types/index'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { build, codeOf, EMPTY_TWIML } from './helpers/app'
import { startRedis, type TestRedis } from './helpers/redis'
import { CALL_PATH, callParams, formPost, type Params, smsParams, TOKEN } from './helpers/sign'

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>thanks</Message></Response>'

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

function deferred (): { promise: Promise<void>, resolve: () => void, reject: (err: Error) => void } {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

/** Callbacks that record their names, in call order. */
function recorder (): { rec: (name: string) => () => void, names: () => string[] } {
  const calls: string[] = []
  return { rec: (name) => () => { calls.push(name) }, names: () => calls }
}

/**
 * Wait until `check` holds (the callback has started, say), polling the event loop for up to 10 s
 * of real time: `setImmediate` and `performance.now()`, which the fake timers of one test leave
 * alone. A bound by iterations failed on a loaded machine before a Redis round trip came back.
 */
async function until (check: () => boolean): Promise<void> {
  const end = performance.now() + 10_000
  while (!check() && performance.now() < end) await new Promise((resolve) => setImmediate(resolve))
  if (!check()) throw new Error('condition never held')
}

/** The same delivery again, as Twilio would send it: same body, same signature. */
function post (params: Params, headers: Record<string, string> = {}, target?: string) {
  const request = formPost(params, target === undefined ? {} : { target })
  Object.assign(request.headers, headers)
  return request
}

/** Two instances of one service: two apps, each with its own ioredis client and RedisStore. */
async function twoInstances (t: tap.Test, options: (name: 'A' | 'B') => FastifyTwilioStatusOptions): Promise<[FastifyInstance, FastifyInstance]> {
  const prefix = `test:${randomUUID()}:`
  const make = (name: 'A' | 'B') => build(t, { ...options(name), store: new RedisStore({ client: redis.client(), prefix }) })
  return [await make('A'), await make('B')]
}

t.test('idempotency is on by default: a redelivery runs nothing and gets the same reply', async (t) => {
  const { rec, names } = recorder()
  const stats = createStats()
  const app = await build(t, { authToken: TOKEN, stats, sms: { onDelivered: () => { rec('delivered')(); return TWIML } } })
  const request = post(smsParams('delivered'))
  const first = await app.inject(request)
  const second = await app.inject(request)
  t.equal(first.statusCode, 200)
  t.equal(first.body, TWIML)
  t.equal(second.statusCode, 200)
  t.equal(second.body, TWIML)
  t.match(second.headers['content-type'], /^text\/xml/)
  t.same(names(), ['delivered'])
  t.match(stats, { dispatched: 1, duplicates: 1 })
})

t.test('idempotency: false runs every delivery', async (t) => {
  const { rec, names } = recorder()
  const stats = createStats()
  const app = await build(t, { authToken: TOKEN, stats, idempotency: false, sms: { onDelivered: rec('delivered') } })
  const request = post(smsParams('delivered'))
  t.equal((await app.inject(request)).statusCode, 200)
  t.equal((await app.inject(request)).statusCode, 200)
  t.same(names(), ['delivered', 'delivered'])
  t.match(stats, { dispatched: 2, duplicates: 0 })
})

t.test('idempotency TTLs can be set', async (t) => {
  const { rec, names } = recorder()
  const app = await build(t, { authToken: TOKEN, idempotency: { ttl: 60_000, pendingTtl: 5000 }, sms: { onSent: rec('sent') } })
  const request = post(smsParams('sent'))
  await app.inject(request)
  await app.inject(request)
  t.same(names(), ['sent'])
})

t.test('the I-Twilio-Idempotency-Token header is the key when sent', async (t) => {
  const { rec, names } = recorder()
  const stats = createStats()
  const app = await build(t, { authToken: TOKEN, stats, sms: { onAny: rec('any') } })
  const token = randomUUID()
  t.equal((await app.inject(post(smsParams('delivered'), { 'i-twilio-idempotency-token': token }))).statusCode, 200)
  t.equal((await app.inject(post(smsParams('delivered'), { 'i-twilio-idempotency-token': token }))).statusCode, 200,
    'another Sid with the same token: a duplicate')
  const params = smsParams('sent')
  await app.inject(post(params, { 'i-twilio-idempotency-token': randomUUID() }))
  await app.inject(post(params, { 'i-twilio-idempotency-token': randomUUID() }))
  t.same(names(), ['any', 'any', 'any'], 'the same event with two tokens ran twice: the token wins')
  t.equal(stats.duplicates, 1)

  // Regression: an empty header was a key of its own, making every later event a duplicate.
  await app.inject(post(smsParams('delivered'), { 'i-twilio-idempotency-token': '' }))
  await app.inject(post(smsParams('delivered'), { 'i-twilio-idempotency-token': '' }))
  t.equal(names().length, 5, 'an empty token is no token: two events, two runs')
})

t.test('a failing callback answers 500 and releases the event: the redelivery runs it', async (t) => {
  let fail = true
  const { rec, names } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    sms: { onDelivered: () => { rec('delivered')(); if (fail) throw new Error('db down') } }
  })
  const request = post(smsParams('delivered'))
  const first = await app.inject(request)
  t.equal(first.statusCode, 500)
  t.equal(codeOf(first.body), 'FST_TWILIO_CALLBACK_FAILED')
  fail = false
  t.equal((await app.inject(request)).statusCode, 200)
  t.equal((await app.inject(request)).statusCode, 200)
  t.same(names(), ['delivered', 'delivered'])
})

t.test('a duplicate arriving while the first runs waits for it, in one app', async (t) => {
  const gate = deferred()
  let started = 0
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: async () => { started++; await gate.promise; return TWIML } } })
  const request = post(smsParams('delivered'))
  const first = app.inject(request)
  await until(() => started === 1)
  const second = app.inject(request)
  await new Promise((resolve) => setImmediate(resolve))
  gate.resolve()
  const [a, b] = await Promise.all([first, second])
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  t.equal(b.body, TWIML)
  t.equal(started, 1)
})

t.test('ordering (opt-in) through the plugin', async (t) => {
  const { rec, names } = recorder()
  const stats = createStats()
  const app = await build(t, {
    authToken: TOKEN,
    stats,
    ordering: true,
    sms: { onSent: rec('sent'), onDelivered: rec('delivered'), onRead: rec('read'), onStale: rec('stale'), onAny: rec('any') },
    call: { onRinging: rec('ringing'), onCompleted: rec('completed'), onStale: rec('stale') }
  })
  const delivered = smsParams('delivered')
  const sid = delivered.MessageSid as string
  const same = (status: string): Params => ({ ...delivered, MessageStatus: status, SmsStatus: status, MessageSid: sid, SmsSid: sid })
  for (const params of [delivered, same('sent'), same('read')]) t.equal((await app.inject(post(params))).statusCode, 200)

  const completed = callParams('completed', { SequenceNumber: '3' })
  const ringing = { ...completed, CallStatus: 'ringing', SequenceNumber: '1' }
  for (const params of [completed, ringing]) t.equal((await app.inject(post(params, {}, CALL_PATH))).statusCode, 200)

  t.same(names(), ['delivered', 'any', 'stale', 'any', 'read', 'any', 'completed', 'stale'])
  t.match(stats, { stale: 2, dispatched: 5 })
})

t.test('ordering TTL can be set', async (t) => {
  const { rec, names } = recorder()
  const app = await build(t, { authToken: TOKEN, ordering: { ttl: 60_000 }, sms: { onSent: rec('sent'), onStale: rec('stale') } })
  const delivered = smsParams('delivered')
  await app.inject(post(delivered))
  await app.inject(post({ ...delivered, MessageStatus: 'sent', SmsStatus: 'sent' }))
  t.same(names(), ['stale'])
})

t.test('two instances sharing Redis', async (t) => {
  t.test('an event handled on A is a duplicate on B, with A\'s reply', async (t) => {
    const { rec, names } = recorder()
    const stats = { A: createStats(), B: createStats() }
    const [a, b] = await twoInstances(t, (name) => ({
      authToken: TOKEN,
      stats: stats[name],
      sms: { onDelivered: () => { rec(name)(); return TWIML } }
    }))
    const request = post(smsParams('delivered'))
    const onA = await a.inject(request)
    const onB = await b.inject(request)
    t.equal(onA.statusCode, 200)
    t.equal(onB.statusCode, 200)
    t.equal(onB.body, TWIML)
    t.same(names(), ['A'])
    t.match(stats.B, { duplicates: 1, dispatched: 0, storeErrors: 0 })
  })

  t.test('while A\'s callback still runs, B answers 503 so Twilio may retry', async (t) => {
    const gate = deferred()
    let started = 0
    const ran: string[] = []
    const stats = { A: createStats(), B: createStats() }
    const [a, b] = await twoInstances(t, (name) => ({
      authToken: TOKEN,
      stats: stats[name],
      call: { onCompleted: async () => { ran.push(name); started++; await gate.promise } }
    }))
    const request = post(callParams('completed'), {}, CALL_PATH)
    const first = a.inject(request)
    await until(() => started === 1)
    const busy = await b.inject(request)
    t.equal(busy.statusCode, 503)
    t.equal(codeOf(busy.body), 'FST_TWILIO_IN_PROGRESS')
    t.match(stats.B, { inProgress: 1 })
    gate.resolve()
    t.equal((await first).statusCode, 200)
    const retried = await b.inject(request)
    t.equal(retried.statusCode, 200)
    t.match(retried.body, EMPTY_TWIML)
    t.same(ran, ['A'])
  })

  t.test('a failure on A releases the event: B runs it', async (t) => {
    const ran: string[] = []
    const [a, b] = await twoInstances(t, (name) => ({
      authToken: TOKEN,
      sms: { onFailed: () => { ran.push(name); if (name === 'A') throw new Error('A is broken') } }
    }))
    const request = post(smsParams('failed'))
    t.equal((await a.inject(request)).statusCode, 500)
    t.equal((await b.inject(request)).statusCode, 200)
    t.equal((await a.inject(request)).statusCode, 200, 'then handled everywhere')
    t.same(ran, ['A', 'B'])
  })

  t.test('ordering across instances', async (t) => {
    const { rec, names } = recorder()
    const [a, b] = await twoInstances(t, (name) => ({
      authToken: TOKEN,
      ordering: true,
      sms: { onSent: rec(`${name}:sent`), onDelivered: rec(`${name}:delivered`), onRead: rec(`${name}:read`), onStale: rec(`${name}:stale`) },
      call: { onInProgress: rec(`${name}:in-progress`), onRinging: rec(`${name}:ringing`), onStale: rec(`${name}:stale`) }
    }))
    const delivered = smsParams('delivered')
    const sid = delivered.MessageSid as string
    const later = (status: string): Params => ({ ...delivered, MessageStatus: status, SmsStatus: status, MessageSid: sid, SmsSid: sid })
    await a.inject(post(delivered))
    await b.inject(post(later('sent')))
    await b.inject(post(later('read')))
    await a.inject(post(later('delivered'))) // a duplicate: nothing runs

    const inProgress = callParams('in-progress', { SequenceNumber: '2' })
    await b.inject(post(inProgress, {}, CALL_PATH))
    await a.inject(post({ ...inProgress, CallStatus: 'ringing', SequenceNumber: '1' }, {}, CALL_PATH))
    t.same(names(), ['A:delivered', 'B:stale', 'B:read', 'B:in-progress', 'A:stale'])
  })

  t.test('Redis gone: events are still processed, and the failures counted', async (t) => {
    const client = redis.client()
    await client.quit()
    const stats: Stats = createStats()
    const { rec, names } = recorder()
    const app = await build(t, {
      authToken: TOKEN,
      stats,
      ordering: true,
      storeTimeout: 500,
      store: new RedisStore({ client, prefix: `test:${randomUUID()}:` }),
      sms: { onDelivered: rec('delivered') }
    }, { logger: { level: 'silent' } })
    const request = post(smsParams('delivered'))
    t.equal((await app.inject(request)).statusCode, 200)
    t.equal((await app.inject(request)).statusCode, 200)
    t.same(names(), ['delivered', 'delivered'], 'at least once: a lost event is worse')
    await until(() => stats.storeErrors === 6)
    t.match(stats, { storeErrors: 6, dispatched: 2 }, 'claim, advance and recording it handled, on each request')
  })

  t.test('Redis paused past storeTimeout: the late claim is completed, a redelivery is a duplicate, not 503', async (t) => {
    const client = redis.client()
    const admin = redis.client()
    const stats: Stats = createStats()
    const { rec, names } = recorder()
    const app = await build(t, {
      authToken: TOKEN,
      stats,
      storeTimeout: 50,
      store: new RedisStore({ client, prefix: `test:${randomUUID()}:` }),
      sms: { onDelivered: rec('delivered') }
    }, { logger: { level: 'silent' } })
    await client.ping()
    // Every client but this one waits 300 ms: the claim is sent, times out here, then lands.
    await admin.call('CLIENT', 'PAUSE', '300', 'ALL')
    const request = post(smsParams('delivered'))
    t.equal((await app.inject(request)).statusCode, 200, 'processed without waiting for the store')
    t.equal(stats.storeErrors, 1, 'the claim timed out')
    await new Promise((resolve) => setTimeout(resolve, 400))
    await client.ping()
    const again = await app.inject(request)
    t.equal(again.statusCode, 200, 'the stray claim was completed: not FST_TWILIO_IN_PROGRESS')
    t.same(names(), ['delivered'], 'and it ran once')
    t.match(stats, { duplicates: 1, inProgress: 0 })
  })
})

t.test('the deadline: 503 FST_TWILIO_DEADLINE, then the late success is recorded', async (t) => {
  const gate = deferred()
  let started = 0
  const stats = createStats()
  const app = await build(t, { authToken: TOKEN, stats, deadline: 2000, call: { onCompleted: async () => { started++; await gate.promise; return TWIML } } })
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] })
  t.teardown(() => mock.timers.reset())
  const request = post(callParams('completed'), {}, CALL_PATH)
  const first = app.inject(request)
  await until(() => started === 1)
  mock.timers.tick(2000)
  const late = await first
  t.equal(late.statusCode, 503)
  t.equal(codeOf(late.body), 'FST_TWILIO_DEADLINE')
  t.equal(stats.deadlines, 1)
  gate.resolve()
  await until(() => stats.dispatched === 1)
  const again = await app.inject(request)
  t.equal(again.statusCode, 200)
  t.equal(again.body, TWIML, 'the redelivery is a duplicate with the late reply')
  t.equal(started, 1)
})
