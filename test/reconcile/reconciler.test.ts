/**
 * Reconciliation through the plugin, one instance on the memory store, against the local
 * stand-in for Twilio's REST API (test/helpers/fake-twilio-api.ts): tracked Sids are fetched
 * when no final status came, their status runs the same callbacks once, and `waitFor`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import Fastify from 'fastify'
import twilioStatus from '../../lib/index'
import type { FastifyTwilioStatusOptions, ReconcileOptions } from '../../types/index'
import { ACCOUNT_SID, callResource, type FakeTwilioApi, messageResource, startFakeTwilioApi } from '../helpers/fake-twilio-api'
import { callCallback, credentialsFor, requestsFor, smsCallback, until } from '../helpers/reconcile'
import { captureLogs, formPost, sid, TOKEN } from '../helpers/sign'
import { MemoryStore } from '../../lib/stores/memory'
import { normalizeOptions } from '../../lib/options/index'
import type { ReconcileConfig } from '../../lib/config'
import { Reconciler } from '../../lib/reconcile/reconciler'
import type { Fetcher } from '../../lib/reconcile/rest'
import pino from 'pino'
import { keyOf } from '../../lib/families/index'
import { messageParams } from '../../lib/reconcile/rest'

let api: FakeTwilioApi
t.before(async () => { api = await startFakeTwilioApi() })
t.teardown(async () => { await api.close() })

interface Seen { name: string, sid: string, status: string, reconciled: boolean }

/** A host with the plugin and reconciliation against the fake API; the callbacks record what ran. */
async function host (t: tap.Test, reconcile: Partial<ReconcileOptions> = {}, more: Partial<FastifyTwilioStatusOptions> = {}) {
  const seen: Seen[] = []
  const rec = (name: string) => (event: Record<string, unknown>, request: unknown) => {
    seen.push({ name, sid: String(event.MessageSid ?? event.CallSid), status: String(event.MessageStatus ?? event.CallStatus), reconciled: (request as { reconciled?: boolean }).reconciled === true })
  }
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(twilioStatus, {
    authToken: TOKEN,
    sms: { onSent: rec('sent'), onDelivered: rec('delivered'), onUndelivered: rec('undelivered'), onFailed: rec('failed') },
    call: { onCompleted: rec('completed'), onNoAnswer: rec('no-answer'), onCanceled: rec('canceled'), onRinging: rec('ringing') },
    reconcile: { credentials: credentialsFor(api), after: 40, interval: 10, ...reconcile },
    ...more
  } as FastifyTwilioStatusOptions)
  await app.ready()
  return { app, seen, logs }
}

t.test('a tracked message with no callback is fetched after `after`, and its final status runs its callback once, marked reconciled', async (t) => {
  const { app, seen } = await host(t)
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'delivered'))
  await app.twilioStatus.track(message)
  await until(() => seen.length === 1)
  t.same(seen, [{ name: 'delivered', sid: message, status: 'delivered', reconciled: true }])
  t.equal(requestsFor(api, message), 1)
  t.equal(app.twilioStatus.stats.reconciled, 1)

  const late = await app.inject(smsCallback(message, 'delivered'))
  t.equal(late.statusCode, 200, 'the late real callback is acknowledged')
  t.equal(seen.length, 1, 'and runs nothing')
  await sleep(120)
  t.equal(requestsFor(api, message), 1, 'a Sid whose final status ran is not fetched again')
})

t.test('a late real call callback (with its SequenceNumber) after a reconciled completed runs nothing', async (t) => {
  const { app, seen } = await host(t)
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'completed'))
  await app.twilioStatus.track(call)
  await until(() => seen.length === 1)
  t.same(seen, [{ name: 'completed', sid: call, status: 'completed', reconciled: true }])
  t.equal((await app.inject(callCallback(call, 'completed', '4'))).statusCode, 200)
  t.equal(seen.length, 1)
})

t.test('with ordering on, a reconciled completed ends the call\'s order: a late real ringing runs nothing', async (t) => {
  const { app, seen } = await host(t, {}, { ordering: true })
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'completed'))
  await app.twilioStatus.track(call)
  await until(() => seen.length === 1)
  t.equal((await app.inject(callCallback(call, 'ringing', '1'))).statusCode, 200)
  t.same(seen.map(({ name, reconciled }) => [name, reconciled]), [['completed', true]], 'onRinging did not run')
})

t.test('the real callback first: reconciliation fetches nothing, and a reconciled copy would run nothing', async (t) => {
  const { app, seen } = await host(t)
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'completed'))
  await app.twilioStatus.track(call)
  t.equal((await app.inject(callCallback(call, 'completed', '3'))).statusCode, 200)
  await sleep(120)
  t.equal(requestsFor(api, call), 0, 'the final status ended the watch')
  t.same(seen.map((s) => s.reconciled), [false])
  // waitFor's fetch at its timeout delivers too: the same key, so nothing runs twice.
  const result = await app.twilioStatus.waitFor(call, ['completed'], { timeout: 10 })
  t.same([result.status, result.reconciled], ['completed', false], 'waitFor finds the status delivered already')
  t.equal(seen.length, 1)
})

t.test('a canceled call, which sends no callback at all, is reconciled', async (t) => {
  const { app, seen } = await host(t)
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'canceled', { duration: '0', end_time: null }))
  await app.twilioStatus.track(call, { channel: 'call' })
  await until(() => seen.length === 1)
  t.same(seen[0], { name: 'canceled', sid: call, status: 'canceled', reconciled: true })
})

t.test('a status that is not final is delivered for a message, looked at again after `after`, and given up after maxFetches', async (t) => {
  const { app, seen, logs } = await host(t, { maxFetches: 3 })
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'sent'))
  await app.twilioStatus.track(message)
  await until(() => app.twilioStatus.stats.unresolved === 1)
  t.equal(requestsFor(api, message), 3, 'maxFetches requests, no more')
  t.same(seen.map((s) => s.name), ['sent'], 'sent ran once (the same key each time)')
  t.match(logs.text(), /reconcile gave up on a Sid: still sent/)
  await sleep(150)
  t.equal(requestsFor(api, message), 3)
})

t.test('a call still in progress is not delivered (a REST status has no SequenceNumber), only looked at again', async (t) => {
  const { app, seen } = await host(t, { maxFetches: 2 })
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'in-progress', { end_time: null }))
  await app.twilioStatus.track(call)
  await until(() => app.twilioStatus.stats.unresolved === 1)
  t.equal(requestsFor(api, call), 2)
  t.same(seen, [])
})

t.test('404: the Sid is given up, logged at warn and counted', async (t) => {
  const { app, seen, logs } = await host(t)
  const message = sid('SM')
  await app.twilioStatus.track(message)
  await until(() => app.twilioStatus.stats.notFound === 1)
  await sleep(100)
  t.equal(requestsFor(api, message), 1, 'never fetched again')
  t.same(seen, [])
  const line = logs.lines.find((l) => /404/.test(String(l.msg)))
  t.equal(line?.level, 40, 'logged at warn')
})

t.test('429 with Retry-After: no request of this instance before it has passed', async (t) => {
  const { app, seen } = await host(t)
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'delivered'))
  api.script(message, { status: 429, retryAfter: 1 })
  await app.twilioStatus.track(message)
  await until(() => seen.length === 1, 4000)
  const times = api.requests.filter((r) => r.path.includes(message)).map((r) => r.at)
  t.equal(times.length, 2)
  t.ok((times[1] as number) - (times[0] as number) >= 990, `waited ${(times[1] as number) - (times[0] as number)} ms`)
  t.equal(app.twilioStatus.stats.throttled, 1)
})

t.test('5xx and slow answers are retried with backoff; every tracked Sid ends, within maxFetches requests each', async (t) => {
  const { app, seen } = await host(t, { requestTimeout: 150, maxFetches: 4, concurrency: 3 })
  const sids = Array.from({ length: 12 }, () => sid('SM'))
  sids.forEach((message, i) => {
    api.resources.set(message, messageResource(message, i % 2 === 0 ? 'delivered' : 'undelivered', i % 2 === 0 ? {} : { error_code: 30005, error_message: 'Unknown destination handset' }))
    if (i % 3 === 0) api.script(message, { status: 500 }, { status: 503 })
    if (i % 3 === 1) api.script(message, { delay: 400 })
  })
  // Counted where the plugin makes its requests: an abandoned slow request's socket may close at
  // the server a moment after the next request arrived.
  const realFetch = globalThis.fetch
  let active = 0
  let peak = 0
  globalThis.fetch = async (...args) => {
    peak = Math.max(peak, ++active)
    try { return await realFetch(...args) } finally { active-- }
  }
  t.teardown(() => { globalThis.fetch = realFetch })
  for (const message of sids) await app.twilioStatus.track(message)
  await until(() => seen.length === 12, 8000)
  t.same(new Set(seen.map((s) => s.sid)).size, 12, 'each Sid ran once')
  const counts = sids.map((id) => requestsFor(api, id))
  // One request per Sid, one more per scripted failure (a slow answer may also be abandoned by a
  // loaded machine's timing), never more than maxFetches.
  t.ok(counts.every((n, i) => n >= ([3, 2, 1][i % 3] as number) && n <= 4), `requests per Sid: ${counts.join(' ')}`)
  t.ok(peak <= 3 && peak > 1, `at most concurrency (3) requests in flight, saw ${peak}`)
  const failed = seen.find((s) => s.name === 'undelivered')
  t.ok(failed)
})

t.test('an outage: the REST requests stay within maxFetches per tracked Sid, and all end once it is over', async (t) => {
  const { app, seen } = await host(t, { maxFetches: 6, concurrency: 8 })
  const sids = Array.from({ length: 30 }, () => sid('SM'))
  for (const message of sids) api.resources.set(message, messageResource(message, 'delivered'))
  const before = api.requests.length
  api.always({ status: 503 })
  for (const message of sids) await app.twilioStatus.track(message)
  await sleep(150)
  api.always(null)
  await until(() => seen.length === 30, 8000)
  const made = api.requests.length - before
  t.ok(made <= 6 * 30, `${made} requests for 30 Sids`)
  t.equal(app.twilioStatus.stats.requests, made, 'counted in stats.requests')
})

t.test('waitFor', async (t) => {
  const { app, seen } = await host(t, { after: 60_000 })

  t.test('resolves when the callback arrives', async (t) => {
    const message = sid('SM')
    const waiting = app.twilioStatus.waitFor(message, ['delivered', 'undelivered'], { timeout: 5000 })
    await sleep(20)
    t.equal((await app.inject(smsCallback(message, 'sent'))).statusCode, 200)
    t.equal((await app.inject(smsCallback(message, 'undelivered'))).statusCode, 200)
    const result = await waiting
    t.same([result.status, result.reconciled, result.event.MessageSid], ['undelivered', false, message])
  })

  t.test('resolves at once with a status that arrived already', async (t) => {
    const message = sid('SM')
    await app.twilioStatus.track(message)
    await app.inject(smsCallback(message, 'delivered'))
    const result = await app.twilioStatus.waitFor(message, ['delivered'], { timeout: 5000 })
    t.equal(result.status, 'delivered')
  })

  t.test('at the timeout, fetches once: a status waited for resolves it and runs its callback', async (t) => {
    const message = sid('SM')
    api.resources.set(message, messageResource(message, 'delivered'))
    const result = await app.twilioStatus.waitFor(message, ['delivered'], { timeout: 30 })
    t.same([result.status, result.reconciled], ['delivered', true])
    t.equal(requestsFor(api, message), 1)
    t.same(seen.filter((s) => s.sid === message).map((s) => [s.name, s.reconciled]), [['delivered', true]])
  })

  t.test('at the timeout, another status rejects with FST_TWILIO_WAIT_TIMEOUT naming it', async (t) => {
    const message = sid('SM')
    api.resources.set(message, messageResource(message, 'sent'))
    await t.rejects(app.twilioStatus.waitFor(message, ['delivered'], { timeout: 30 }), { code: 'FST_TWILIO_WAIT_TIMEOUT', message: `No ${message} status delivered by the timeout; Twilio shows sent` })
  })

  t.test('a Sid Twilio does not know rejects with FST_TWILIO_SID_NOT_FOUND', async (t) => {
    await t.rejects(app.twilioStatus.waitFor(sid('CA'), ['completed'], { timeout: 10 }), { code: 'FST_TWILIO_SID_NOT_FOUND' })
  })

  t.test('the REST API down at the timeout rejects with FST_TWILIO_WAIT_TIMEOUT', async (t) => {
    const message = sid('SM')
    api.script(message, { status: 500 })
    await t.rejects(app.twilioStatus.waitFor(message, ['delivered'], { timeout: 10 }), { code: 'FST_TWILIO_WAIT_TIMEOUT' })
  })

  t.test('a Sid of no tracked family is refused', async (t) => {
    await t.rejects(app.twilioStatus.waitFor('RE123', ['completed']), { code: 'FST_TWILIO_UNTRACKABLE_SID' })
    await t.rejects(app.twilioStatus.track(''), { code: 'FST_TWILIO_UNTRACKABLE_SID' })
  })
})

t.test('waits ending at once fetch within `concurrency`, and after a 429 wait out its Retry-After', async (t) => {
  const own = await startFakeTwilioApi()
  t.teardown(() => own.close())
  const { app } = await host(t, { credentials: credentialsFor(own), after: 60_000, concurrency: 2 })
  const messages = Array.from({ length: 8 }, () => sid('SM'))
  for (const message of messages) {
    own.resources.set(message, messageResource(message, 'delivered'))
    own.script(message, { delay: 30 })
  }
  const results = await Promise.all(messages.map(async (message) => await app.twilioStatus.waitFor(message, ['delivered'], { timeout: 10 })))
  t.same(results.map((r) => r.status), messages.map(() => 'delivered'))
  t.equal(own.peak(), 2, 'never more than 2 requests at once')

  const throttled = sid('SM')
  own.script(throttled, { status: 429, retryAfter: 1 })
  await t.rejects(app.twilioStatus.waitFor(throttled, ['delivered'], { timeout: 10 }), { code: 'FST_TWILIO_WAIT_TIMEOUT' })
  const pausedAt = Date.now()
  const next = sid('SM')
  own.resources.set(next, messageResource(next, 'delivered'))
  t.equal((await app.twilioStatus.waitFor(next, ['delivered'], { timeout: 10 })).status, 'delivered')
  const fetchedAt = own.requests.find((r) => r.path.includes(next))?.at as number
  t.ok(fetchedAt - pausedAt >= 950, `fetched ${fetchedAt - pausedAt} ms after the 429, Retry-After: 1`)

  own.script(next, { status: 429, retryAfter: 5 })
  await t.rejects(app.twilioStatus.waitFor(next, ['failed'], { timeout: 10 }), { code: 'FST_TWILIO_WAIT_TIMEOUT' })
  const paused = app.twilioStatus.waitFor(sid('SM'), ['delivered'], { timeout: 10 })
  await sleep(50)
  await app.close()
  await t.rejects(paused, { code: 'FST_TWILIO_RECONCILE_CLOSED' }, 'a wait still waiting to fetch at close')
})

t.test('a wait\'s fetch goes before a backlog of due Sids, and a status that arrives while it queues answers it without a fetch', async (t) => {
  const own = await startFakeTwilioApi()
  t.teardown(() => own.close())
  const { app } = await host(t, { credentials: credentialsFor(own), after: 20, interval: 10, concurrency: 1 })
  const backlog = Array.from({ length: 6 }, () => sid('SM'))
  for (const message of backlog) {
    own.resources.set(message, messageResource(message, 'delivered'))
    own.script(message, { delay: 80 })
    await app.twilioStatus.track(message)
  }
  await until(() => own.requests.length === 1)
  const waited = sid('SM')
  own.resources.set(waited, messageResource(waited, 'delivered'))
  t.equal((await app.twilioStatus.waitFor(waited, ['delivered'], { timeout: 10 })).status, 'delivered')
  const before = own.requests.findIndex((r) => r.path.includes(waited))
  t.ok(before >= 1 && before <= 2, `fetched after ${before} of the 6 due Sids, not after all of them`)

  const arrives = sid('SM')
  const waiting = app.twilioStatus.waitFor(arrives, ['delivered'], { timeout: 10 })
  await sleep(30)
  t.equal((await app.inject(smsCallback(arrives, 'delivered'))).statusCode, 200)
  const result = await waiting
  t.same([result.status, result.reconciled], ['delivered', false], 'the callback that came while it queued')
  await until(() => app.twilioStatus.stats.reconciled === 7)
  t.equal(requestsFor(own, arrives), 0, 'no fetch for it')
})

t.test('a wait pending at close rejects with FST_TWILIO_RECONCILE_CLOSED', async (t) => {
  const { app } = await host(t)
  const waiting = app.twilioStatus.waitFor(sid('SM'), ['delivered'], { timeout: 60_000 })
  await sleep(20)
  await app.close()
  await t.rejects(waiting, { code: 'FST_TWILIO_RECONCILE_CLOSED' })
  await t.rejects(app.twilioStatus.waitFor(sid('SM'), ['delivered']), { code: 'FST_TWILIO_RECONCILE_CLOSED' })
})

t.test('trackSeen: a Sid first seen with a status that is not final is tracked, and reconciled', async (t) => {
  const { app, seen } = await host(t, { trackSeen: true })
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'failed', { error_code: 30003, error_message: 'Unreachable destination handset' }))
  await app.inject(smsCallback(message, 'sent'))
  await until(() => seen.length === 2)
  t.same(seen.map((s) => [s.name, s.reconciled]), [['sent', false], ['failed', true]])
  t.equal(app.twilioStatus.stats.tracked, 0, 'tracked by the plugin, not through the handle')
})

t.test('the handle', async (t) => {
  t.test('a second registration with reconcile under the same name is refused with FST_TWILIO_HANDLE_TAKEN', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    const reconcile = { credentials: credentialsFor(api) }
    app.register(twilioStatus, { authToken: TOKEN, sms: {}, reconcile })
    app.register(twilioStatus, { authToken: TOKEN, prefix: '/b', sms: {}, reconcile })
    await t.rejects(async () => { await app.ready() }, { code: 'FST_TWILIO_HANDLE_TAKEN' })
  })

  t.test('a per-registration name puts each handle on the host', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    const credentials = credentialsFor(api)
    await app.register(twilioStatus, { authToken: TOKEN, sms: {}, reconcile: { credentials } })
    await app.register(twilioStatus, { authToken: TOKEN, prefix: '/b', sms: {}, reconcile: { credentials, name: 'otherTwilio' } })
    await app.ready()
    t.type(app.twilioStatus.waitFor, 'function')
    t.type((app as unknown as Record<string, { track: unknown }>).otherTwilio?.track, 'function')
    t.ok(app.hasRoute({ method: 'POST', url: '/b/twilio/sms/status' }), 'the register options (prefix) still apply to the routes')
  })

  t.test('the host\'s own routes and parsers are untouched by the handle', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(twilioStatus, { authToken: TOKEN, sms: {}, reconcile: { credentials: credentialsFor(api) } })
    app.post('/host', async (request) => ({ body: request.body }))
    t.notOk(app.hasContentTypeParser('application/x-www-form-urlencoded'), 'no form parser at the root')
    const unsigned = await app.inject({ method: 'POST', url: '/host', payload: { a: 1 } })
    t.same(unsigned.json(), { body: { a: 1 } }, 'no signature asked for')
  })
})

t.test('a slot freed by an answer takes the next due Sid at once, not at the next interval', async (t) => {
  const { app, seen } = await host(t, { interval: 2000, concurrency: 2 })
  const sids = Array.from({ length: 6 }, () => sid('SM'))
  for (const message of sids) api.resources.set(message, messageResource(message, 'delivered'))
  const before = api.requests.length
  for (const message of sids) await app.twilioStatus.track(message)
  await until(() => seen.length === 6, 8000)
  const times = api.requests.slice(before).map((r) => r.at)
  t.equal(times.length, 6)
  // Taken two per interval, the six would span two intervals (4 s).
  t.ok(Math.max(...times) - Math.min(...times) < 2000, `fetched within ${Math.max(...times) - Math.min(...times)} ms`)
})

t.test('at close, a running fetch finishes and no further due Sid is taken', async (t) => {
  const { app } = await host(t, { concurrency: 1 })
  const [first, second] = [sid('SM'), sid('SM')]
  api.resources.set(first, messageResource(first, 'delivered'))
  api.resources.set(second, messageResource(second, 'delivered'))
  api.script(first, { delay: 300 })
  await app.twilioStatus.track(first)
  await until(() => requestsFor(api, first) === 1)
  await app.twilioStatus.track(second)
  await app.close()
  await sleep(100)
  t.equal(requestsFor(api, second), 0, 'the second Sid was not fetched after close')
})

t.test('a reconciled status whose claim is held (left pending by an instance that stopped) is fetched again once the claim may have expired, not given up', async (t) => {
  const store = new MemoryStore()
  const { app, seen } = await host(t, { maxFetches: 2 }, { store, idempotency: { pendingTtl: 300 } })
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'delivered'))
  // Another instance claimed the event, then stopped before completing it.
  const key = keyOf('sms', ACCOUNT_SID, message, 'delivered', messageParams(messageResource(message, 'delivered')))
  t.equal((await store.claim(key, 300)).state, 'claimed')
  await app.twilioStatus.track(message)
  await until(() => seen.length === 1, 4000)
  t.same(seen, [{ name: 'delivered', sid: message, status: 'delivered', reconciled: true }])
  t.equal(requestsFor(api, message), 2, 'one answer while the claim was held, one after it expired')
  t.equal(app.twilioStatus.stats.unresolved, 0)
})

t.test('a reconciled status whose callback fails is retried with backoff, and runs once it succeeds', async (t) => {
  let calls = 0
  const ran: string[] = []
  const { app } = await host(t, { maxFetches: 3 }, { sms: { onDelivered: (event: Record<string, unknown>) => { if (++calls === 1) throw new Error('not yet'); ran.push(String(event.MessageSid)) } } })
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'delivered'))
  await app.twilioStatus.track(message)
  await until(() => ran.length === 1, 4000)
  t.same(ran, [message])
  t.equal(requestsFor(api, message), 2)
})

t.test('gives up after maxFetches whatever the failure: 429 every time, 5xx every time, callbacks failing every time', async (t) => {
  const failing = { fails: 0 }
  const { app, seen, logs } = await host(t, { maxFetches: 2 }, {
    call: { onCompleted: () => { failing.fails++; throw new Error('db down') } }
  })
  const throttled = sid('SM')
  const broken = sid('SM')
  const call = sid('CA')
  api.resources.set(throttled, messageResource(throttled, 'delivered'))
  api.resources.set(broken, messageResource(broken, 'delivered'))
  api.resources.set(call, callResource(call, 'completed'))
  // 429 without Retry-After: the instance backs off on its own.
  api.script(throttled, { status: 429 }, { status: 429 })
  api.script(broken, { status: 500 }, { status: 503 })
  await app.twilioStatus.track(throttled)
  await app.twilioStatus.track(broken)
  await app.twilioStatus.track(call)
  await until(() => app.twilioStatus.stats.unresolved === 3)
  t.same([requestsFor(api, throttled), requestsFor(api, broken), requestsFor(api, call)], [2, 2, 2])
  t.same(seen, [])
  t.equal(failing.fails, 2, 'the callback ran on each fetch, failed, and its claim was released')
  t.match(logs.text(), /throttled \(429\) on every fetch/)
  t.match(logs.text(), /the REST API failed \(HTTP 503\)/)
  t.match(logs.text(), /its callbacks failed/)
})

t.test('events of families reconciliation does not watch pass through untouched', async (t) => {
  const recordings: unknown[] = []
  const { app } = await host(t, {}, { recording: { onCompleted: (event: Record<string, unknown>) => { recordings.push(event.RecordingStatus) } } })
  const params = { AccountSid: ACCOUNT_SID, CallSid: sid('CA'), RecordingSid: 'RE' + '1'.repeat(32), RecordingStatus: 'completed', RecordingUrl: 'https://api.twilio.com/r' }
  t.equal((await app.inject(formPost(params, { target: '/twilio/recording/status' }))).statusCode, 200)
  t.same(recordings, ['completed'])
})

t.test('waitFor a call status that is not final: the REST answer resolves it, and is not delivered', async (t) => {
  const { app, seen } = await host(t, { after: 60_000 })
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'in-progress', { end_time: null }))
  const result = await app.twilioStatus.waitFor(call, ['in-progress'], { timeout: 10 })
  t.same([result.status, result.reconciled, result.event.CallStatus], ['in-progress', true, 'in-progress'])
  t.same(seen, [])
})

t.test('a store that fails: logged and counted, reconciliation goes on', async (t) => {
  const store = new MemoryStore()
  let broken = true
  const failing = new Proxy(store, {
    get (target, name: string) {
      const value = Reflect.get(target, name) as unknown
      if (typeof value !== 'function') return value
      if (broken && name === 'seen') return () => { throw new Error('seen failed') }
      if (broken && (name === 'dueWatches' || name === 'seenStatuses')) return async () => { throw new Error(`${name} failed`) }
      if (name === 'reschedule') return async () => { throw new Error('reschedule failed') }
      return (value as (...args: unknown[]) => unknown).bind(target)
    }
  })
  const { app, logs } = await host(t, { maxFetches: 5 }, { store: failing })
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'sent'))
  await app.twilioStatus.track(message)
  const waiting = app.twilioStatus.waitFor(sid('SM'), ['delivered'], { timeout: 60_000 }).catch((err: Error) => err)
  await app.inject(smsCallback(sid('SM'), 'delivered'))
  await until(() => app.twilioStatus.stats.storeErrors >= 3)
  t.match(logs.text(), /reconcile store call failed/)
  broken = false
  await until(() => requestsFor(api, message) >= 1)
  // A failing store after the fetch: the Sid's reconciliation fails as a whole, logged at error.
  await until(() => /reconciling a Sid failed/.test(logs.text()))
  await app.close()
  t.match(await waiting, { code: 'FST_TWILIO_RECONCILE_CLOSED' })
})

t.test('a waiter resolved by a local event while the store is asked for it is not looked at again', async (t) => {
  const store = new MemoryStore()
  const slow = new Proxy(store, {
    get (target, name: string) {
      const value = (Reflect.get(target, name) as (...args: unknown[]) => unknown).bind(target)
      return name === 'seenStatuses' ? async (id: string) => { await sleep(40); return value(id) } : value
    }
  })
  const { app } = await host(t, { after: 60_000 }, { store: slow })
  const message = sid('SM')
  const waiting = app.twilioStatus.waitFor(message, ['delivered'], { timeout: 5000 })
  await sleep(60)
  await app.inject(smsCallback(message, 'delivered'))
  t.equal((await waiting).status, 'delivered')
  await sleep(60)
})

t.test('a resource without an account is delivered under the empty account', async (t) => {
  const config = normalizeOptions({ authToken: TOKEN, sms: {}, reconcile: { client: { messages: () => ({ fetch: async () => ({}) }), calls: () => ({ fetch: async () => ({}) }) } } })
  const reconcile = config.reconcile as ReconcileConfig
  const fetcher: Fetcher = async (_channel, id) => ({ kind: 'ok', resource: { sid: id, status: 'delivered' } })
  const reconciler = new Reconciler(reconcile, config.channels, pino({ level: 'silent' }), fetcher)
  const accounts: string[] = []
  reconciler.observe((delivery) => { accounts.push(delivery.account); return '' })
  const result = await reconciler.waitFor(sid('SM'), ['delivered'], { timeout: 1 })
  t.same([result.status, accounts], ['delivered', ['']])
  await reconciler.close()
})

t.test('every request the plugin made, and every answer it got, fits Twilio\'s description', async (t) => {
  t.ok(api.requests.length > 50, `${api.requests.length} requests`)
  t.same(api.problems, [])
  t.ok(api.requests.every((r) => r.method === 'GET'))
})
