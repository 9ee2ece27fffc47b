/**
 * RedisStore on a real Redis Cluster of three masters (started by the helper, or
 * REDIS_CLUSTER_NODES from `npm test`): the StatusStore and WatchStore contracts, and every
 * script's keys in one slot. Each test uses its own key prefix, so test files may share the cluster.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Cluster } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import type { ChannelConfig } from '../../lib/config'
import { createDelivery, type Delivery } from '../../lib/delivery/delivery'
import { createStats } from '../../lib/options/index'
import { CALL_STATUSES } from '../../lib/families/statuses'
import { RedisStore } from '../../lib/stores/redis'
import { SHARDS } from '../../lib/stores/redis-watches'
import type { RedisClient } from '../../types/index'
import { startCluster, type TestCluster } from '../helpers/redis-cluster'
import { storeContract } from '../helpers/store-contract'
import { watchContract } from '../helpers/watch-contract'

let cluster: TestCluster
let client: Cluster
let other: Cluster

t.before(async () => {
  cluster = await startCluster()
  client = cluster.client()
  other = cluster.client()
})
t.teardown(async () => { await cluster.stop() })

function prefix (): string {
  return `test:${randomUUID()}:`
}

/** A client that counts the commands the store sends through it, still a cluster to the store; `keys`, the keys of each EVALSHA. */
function counting (inner: Cluster): RedisClient & { calls: string[], keys: string[][], isCluster: true } {
  const calls: string[] = []
  const keys: string[][] = []
  return {
    calls,
    keys,
    isCluster: true,
    evalsha (sha, n, ...args) { calls.push('evalsha'); keys.push(args.slice(0, n).map(String)); return inner.evalsha(sha, n, ...args) },
    eval (...args) { calls.push('eval'); return inner.eval(...args) }
  }
}

t.test('the StatusStore contract, on a Redis Cluster', async (t) => {
  storeContract(t, {
    store: () => new RedisStore({ client, prefix: prefix() }),
    elapse: (ms) => sleep(ms),
    shortTtl: 50
  })
})

t.test('the WatchStore contract, on a Redis Cluster', async (t) => {
  watchContract(t, {
    store: () => new RedisStore({ client, prefix: prefix() }),
    elapse: (ms) => sleep(ms),
    shortTtl: 50
  })
})

t.test('the watch list on a cluster: its shards spread over the three masters, each script in one slot, and dueWatches gathers every shard', async (t) => {
  const p = prefix()
  const store = new RedisStore({ client, prefix: p })
  const masters = new Set<number>()
  for (let shard = 0; shard < SHARDS; shard++) masters.add((await cluster.masterOf(`${p}r{${shard}}:due`)).port)
  t.equal(masters.size, 3, 'the 16 shards live on all three masters')
  const now = Date.now()
  const ids = Array.from({ length: 48 }, (_, i) => `sms:SM${i}`)
  for (const id of ids) t.equal(await store.watch(id, id, now - 1, 60_000), true)
  await store.seen('sms:SM1', 'delivered', 'x', true, 60_000)
  await store.unwatch('sms:SM2')
  await store.reschedule('sms:SM3', now + 60_000)
  t.same(await store.seenStatuses('sms:SM1'), { delivered: 'x' })
  const due = await store.dueWatches(now, 60_000, 100)
  t.same(due.map((w) => w.id).sort(), ids.filter((id) => !['sms:SM1', 'sms:SM2', 'sms:SM3'].includes(id)).sort(), 'every due id, from every shard')
  t.same(await store.dueWatches(now, 60_000, 100), [], 'each leased')
})

t.test('an ioredis Cluster is a RedisClient: the store takes it as it is', async (t) => {
  const p = prefix()
  const typed: RedisClient = other // compiles: no cast needed
  const store = new RedisStore({ client: typed, prefix: p })
  t.same(await store.claim('sms:AC1:SM1:sent', 60_000), { state: 'claimed' })
  t.equal(await client.get(`${p}{sms:AC1:SM1}:sent`), 'p', 'named with its hash tag')
})

t.test('claimInOrder is one command on a cluster too: an event\'s claim and its Sid\'s order share a slot', async (t) => {
  const p = prefix()
  const counted = counting(client)
  const store = new RedisStore({ client: counted, prefix: p })
  const sids = Array.from({ length: 30 }, (_, i) => `CA${i}`)
  for (const sid of sids) {
    t.same(await store.claimInOrder(`call:AC1:${sid}:completed:3`, 60_000, `o:call:AC1:${sid}`, 9, 60_000), { state: 'claimed', stale: false })
    t.same(await store.claimInOrder(`call:AC1:${sid}:ringing:1`, 60_000, `o:call:AC1:${sid}`, 2, 60_000), { state: 'claimed', stale: true }, `${sid}: behind its Sid's order`)
  }
  t.notOk(counted.calls.length > sids.length * 2 * 2, 'one EVALSHA per call (an EVAL after it when a master lacks the script)')
  const masters = new Set<number>()
  for (const sid of sids) masters.add((await cluster.masterOf(`${p}{call:AC1:${sid}}`)).port)
  t.equal(masters.size, 3, 'the Sids spread over the three masters: the store is not pinned to one slot')
})

t.test('claims are atomic on a cluster: 100 concurrent claims from two clients, exactly one wins', async (t) => {
  const p = prefix()
  const stores = [new RedisStore({ client, prefix: p }), new RedisStore({ client: other, prefix: p })]
  for (let round = 0; round < 3; round++) {
    const claims = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 2]?.claimInOrder(`sms:AC1:SM${round}:delivered`, 60_000, `o:sms:AC1:SM${round}`, 5, 60_000)))
    t.equal(claims.filter((c) => c?.state === 'claimed').length, 1, `round ${round}: one claimed`)
    t.equal(claims.filter((c) => c?.state === 'pending').length, 99, `round ${round}: the rest pending`)
  }
})

t.test('the delivery orders a Sid\'s events on a cluster, one command per event, and a duplicate runs nothing', async (t) => {
  const counted = counting(client)
  const store = new RedisStore({ client: counted, prefix: prefix() })
  const ran: string[] = []
  const runs = (name: string) => () => { ran.push(name) }
  const channel: ChannelConfig = {
    channel: 'call',
    path: '/call',
    byStatus: new Map([['completed', runs('completed')], ['ringing', runs('ringing')]]),
    onAny: undefined,
    onStale: runs('stale'),
    known: new Set<string>(CALL_STATUSES)
  }
  const deliver = createDelivery({ store, doneTtl: 60_000, pendingTtl: 60_000, orderingTtl: 60_000, deadline: 10_000, storeTimeout: 5000, stats: createStats() })
  const log = { info () {}, warn () {}, error () {} } as unknown as FastifyBaseLogger
  // A call's order is its SequenceNumber.
  const event = (status: string, sequence: string): Delivery => ({ channel, account: 'AC1', status, sid: 'CA3', event: { AccountSid: 'AC1', CallStatus: status, CallSid: 'CA3', SequenceNumber: sequence }, request: { log } })
  await deliver(event('completed', '3'))
  await deliver(event('ringing', '1'))
  t.same(ran, ['completed', 'stale'], 'ringing after completed is stale')
  counted.calls.length = 0
  await deliver(event('ringing', '1'))
  t.same(counted.calls, ['evalsha'], 'a duplicate: one command answers it')
  t.same(ran, ['completed', 'stale'], 'and runs nothing')
})

t.test('on a cluster, the reports of one event-loop turn go out as one script call per shard, each in one slot', async (t) => {
  const counted = counting(client)
  const store = new RedisStore({ client: counted, prefix: prefix() })
  const now = Date.now()
  const ids = Array.from({ length: 64 }, (_, i) => `sms:SM${i}`)
  t.same(await Promise.all(ids.map(async (id) => await store.watch(id, id, now - 1, 60_000))), ids.map(() => true))
  t.same(await Promise.all(ids.map(async (id) => await store.seen(id, 'delivered', id, true, 60_000))), ids.map(() => true))
  t.equal(counted.calls.filter((call) => call === 'evalsha').length, 3 * SHARDS, 'one call per shard to watch, one to ask which are watched, one to report')
  for (const keys of counted.keys) t.equal(new Set(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1])).size, 1, 'one hash tag per call')
  t.same({ ...await store.seenStatuses('sms:SM7') }, { delivered: 'sms:SM7' })
  t.same(await store.dueWatches(now, 60_000, 100), [], 'every watch ended by its final status')
})
