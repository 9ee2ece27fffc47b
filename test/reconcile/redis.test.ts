/**
 * Reconciliation across instances: two Fastify apps sharing one real Redis (a RedisStore each,
 * on its own connection) and the local stand-in for Twilio's REST API. A Sid is fetched by one
 * instance, its status runs once whichever instance hears of it, and `waitFor` on one instance
 * resolves for an event received by the other.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { ACCOUNT_SID, callResource, type FakeTwilioApi, messageResource } from '../helpers/fake-twilio-api'
import { callCallback, pair, requestsFor, smsCallback, until, startForFile } from '../helpers/reconcile'
import { startRedis, type TestRedis } from '../helpers/redis'
import { CALL_PATH, callParams, formPost, sid } from '../helpers/sign'

let api: FakeTwilioApi
let redis: TestRedis
t.before(async () => { [api, redis] = await startForFile(t, startRedis) })

t.test('two instances on one Redis reconcile each tracked Sid once: one REST request, one callback run', async (t) => {
  const { a, b, ran } = await pair(t, api, () => redis.client())
  const sids = Array.from({ length: 40 }, (_, i) => sid(i % 2 === 0 ? 'SM' : 'CA'))
  for (const [i, id] of sids.entries()) {
    api.resources.set(id, id.startsWith('SM') ? messageResource(id, 'delivered') : callResource(id, 'busy', { duration: '0' }))
    await (i % 2 === 0 ? a : b).twilioStatus.track(id)
  }
  await until(() => ran.length === 40)
  await sleep(150)
  t.equal(ran.length, 40, 'each status ran once')
  t.equal(new Set(ran.map((r) => r.sid)).size, 40)
  t.ok(ran.every((r) => r.reconciled))
  t.same(sids.map((id) => requestsFor(api, id)), sids.map(() => 1), 'each Sid fetched once, by one instance')
  const byA = ran.filter((r) => r.instance === 'A').length
  t.ok(byA > 0 && byA < 40, `both instances took a share (A ran ${byA})`)
  t.equal(a.twilioStatus.stats.requests + b.twilioStatus.stats.requests, 40, 'and counted it')
  t.same(api.problems, [])
})

t.test('waitFor on instance B resolves for an event instance A received', async (t) => {
  const { a, b } = await pair(t, api, () => redis.client(), 60_000)
  const message = sid('SM')
  const waiting = b.twilioStatus.waitFor(message, ['delivered'], { timeout: 5000 })
  await sleep(30)
  t.equal((await a.inject(smsCallback(message, 'delivered'))).statusCode, 200)
  const result = await waiting
  t.same([result.status, result.reconciled, result.event.MessageSid], ['delivered', false, message])
  t.equal(requestsFor(api, message), 0, 'no REST request')

  // Tracked at A when placed; its final status arrives at A before B waits: B finds it in the store.
  const call = sid('CA')
  await a.twilioStatus.track(call)
  await a.inject(formPost(callParams('completed', { CallSid: call, AccountSid: ACCOUNT_SID }), { target: CALL_PATH }))
  await sleep(20)
  const done = await b.twilioStatus.waitFor(call, ['completed', 'busy'], { timeout: 5000 })
  t.same([done.status, done.event.CallSid], ['completed', call])
  t.equal(requestsFor(api, call), 0)
})

t.test('a late real callback at instance B, after A reconciled the Sid, runs nothing', async (t) => {
  const { a, b, ran } = await pair(t, api, () => redis.client())
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'undelivered', { error_code: 30005, error_message: 'Unknown destination handset' }))
  await a.twilioStatus.track(message)
  await until(() => ran.length === 1)
  const late = await b.inject(smsCallback(message, 'undelivered'))
  t.equal(late.statusCode, 200)
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'completed'))
  await b.twilioStatus.track(call)
  await until(() => ran.length === 2)
  t.equal((await a.inject(callCallback(call, 'completed', '5'))).statusCode, 200)
  await sleep(50)
  t.same(ran.map((r) => [r.sid, r.status, r.reconciled]), [[message, 'undelivered', true], [call, 'completed', true]])
})

t.test('a reconciled status never runs twice: the poller of A and waitFor\'s fetch on B race for the same Sid', async (t) => {
  const { a, b, ran } = await pair(t, api, () => redis.client(), 20)
  const sids = Array.from({ length: 20 }, () => sid('SM'))
  for (const id of sids) api.resources.set(id, messageResource(id, 'delivered'))
  for (const id of sids) await a.twilioStatus.track(id)
  const waits = await Promise.all(sids.map((id) => b.twilioStatus.waitFor(id, ['delivered'], { timeout: 20 })))
  t.ok(waits.every((w) => w.status === 'delivered'))
  await until(() => new Set(ran.map((r) => r.sid)).size === 20)
  await sleep(150)
  t.equal(ran.length, 20, 'each Sid\'s status ran once')
})

t.test('trackSeen on one Redis: a Sid first seen with a status that is not final at A is watched in the store and reconciled once', async (t) => {
  const { a, ran } = await pair(t, api, () => redis.client(), 40, { trackSeen: true })
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'delivered'))
  t.equal((await a.inject(smsCallback(message, 'sent'))).statusCode, 200)
  await until(() => ran.length === 2)
  await sleep(100)
  t.same(ran.map((r) => [r.status, r.reconciled]), [['sent', false], ['delivered', true]])
  t.equal(requestsFor(api, message), 1)
})

t.test('waitFor at its timeout finds a status another instance recorded before its next look, and fetches nothing', async (t) => {
  const { a, b } = await pair(t, api, () => redis.client(), 60_000, { interval: 60_000 })
  const message = sid('SM')
  await b.twilioStatus.track(message)
  const waiting = b.twilioStatus.waitFor(message, ['delivered'], { timeout: 300 })
  t.equal((await a.inject(smsCallback(message, 'delivered'))).statusCode, 200)
  const result = await waiting
  t.same([result.status, result.reconciled, result.event.MessageSid], ['delivered', false, message])
  t.equal(requestsFor(api, message), 0)
})
