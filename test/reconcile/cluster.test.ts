/**
 * Reconciliation across instances on a real Redis Cluster of three masters (started by the
 * helper, or REDIS_CLUSTER_NODES from `npm test`): the watch list, its leases and the waiters
 * live in the cluster, sharded over its masters. Two Fastify apps, a RedisStore each on its own
 * cluster connection, and the local stand-in for Twilio's REST API.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { callResource, type FakeTwilioApi, messageResource } from '../helpers/fake-twilio-api'
import { pair, requestsFor, smsCallback, until, startForFile } from '../helpers/reconcile'
import { startCluster, type TestCluster } from '../helpers/redis-cluster'
import { sid } from '../helpers/sign'

let api: FakeTwilioApi
let cluster: TestCluster
t.before(async () => { [api, cluster] = await startForFile(t, startCluster) })

t.test('on a Redis Cluster, two instances reconcile each tracked Sid once: one REST request, one callback run', async (t) => {
  const { a, b, ran } = await pair(t, api, () => cluster.client())
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
  t.same(api.problems, [])
})

t.test('on a Redis Cluster, waitFor on instance B resolves for an event instance A received, and a race of A\'s poller and B\'s waitFor runs each status once', async (t) => {
  // Nothing due while the callback is on its way: B resolves from the store, not by a fetch.
  const { a, b } = await pair(t, api, () => cluster.client(), 60_000)
  const message = sid('SM')
  const waiting = b.twilioStatus.waitFor(message, ['delivered'], { timeout: 5000 })
  await sleep(30)
  t.equal((await a.inject(smsCallback(message, 'delivered'))).statusCode, 200)
  const result = await waiting
  t.same([result.status, result.reconciled, result.event.MessageSid], ['delivered', false, message])
  t.equal(requestsFor(api, message), 0, 'no REST request')

  // Due at once: A's poller and B's waits race for each Sid.
  const racing = await pair(t, api, () => cluster.client(), 20)
  const sids = Array.from({ length: 20 }, () => sid('SM'))
  for (const id of sids) api.resources.set(id, messageResource(id, 'delivered'))
  for (const id of sids) await racing.a.twilioStatus.track(id)
  const waits = await Promise.all(sids.map((id) => racing.b.twilioStatus.waitFor(id, ['delivered'], { timeout: 20 })))
  t.ok(waits.every((w) => w.status === 'delivered'))
  await until(() => new Set(racing.ran.filter((r) => r.reconciled).map((r) => r.sid)).size === 20)
  await sleep(150)
  t.equal(racing.ran.filter((r) => r.reconciled).length, 20, 'each Sid\'s status ran once')
})
