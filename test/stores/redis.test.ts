/**
 * RedisStore against a real redis-server (started by the helper, or REDIS_URL from CI). No Redis
 * is a failure, never a skip. Each test uses its own key prefix, so test files may share a server.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type Redis from 'ioredis'
import { claimOf, RedisStore, slotted } from '../../lib/stores/redis'
import { MAX_BATCH } from '../../lib/stores/redis-watches'
import type { RedisClient } from '../../types/index'
import { startRedis, type TestRedis } from '../helpers/redis'
import { storeContract } from '../helpers/store-contract'
import { watchContract } from '../helpers/watch-contract'

let redis: TestRedis
let client: Redis
let other: Redis

t.before(async () => {
  redis = await startRedis()
  client = redis.client()
  other = redis.client()
})
t.teardown(async () => { await redis.stop() })

function prefix (): string {
  return `test:${randomUUID()}:`
}

/** The EVALSHA calls a counting client saw: a script not yet loaded on the server adds an EVAL after its NOSCRIPT. */
function shas ({ calls }: { calls: string[] }): number {
  return calls.filter((call) => call === 'evalsha').length
}

/** A client that counts the commands the store sends through it; `args`, the keys and arguments of each EVALSHA. */
function counting (inner: RedisClient): RedisClient & { calls: string[], args: string[][] } {
  const calls: string[] = []
  const args: string[][] = []
  return {
    calls,
    args,
    evalsha (sha, n, ...rest) { calls.push('evalsha'); args.push(rest.map(String)); return inner.evalsha(sha, n, ...rest) },
    eval (...args) { calls.push('eval'); return inner.eval(...args) }
  }
}

t.test('the StatusStore contract', async (t) => {
  storeContract(t, {
    store: () => new RedisStore({ client, prefix: prefix() }),
    // Expiry happens on the server, by its own clock: real time has to pass.
    elapse: (ms) => sleep(ms),
    shortTtl: 50
  })
})

t.test('the WatchStore contract', async (t) => {
  watchContract(t, {
    store: () => new RedisStore({ client, prefix: prefix() }),
    elapse: (ms) => sleep(ms),
    shortTtl: 50
  })
})

t.test('watches: every script touches keys of one hash tag, the due sets sharded over 16 of them', async (t) => {
  const p = prefix()
  const seen: string[][] = []
  const spy: RedisClient = {
    evalsha (_sha, n, ...args) { seen.push(args.slice(0, n).map(String)); return client.evalsha(_sha, n, ...args) },
    eval (source, n, ...args) { return client.eval(source, n, ...args) }
  }
  const store = new RedisStore({ client: spy, prefix: p })
  const now = Date.now()
  for (let i = 0; i < 64; i++) await store.watch(`sms:SM${i}`, String(i), now - 1, 60_000)
  await store.seen('sms:SM1', 'delivered', 'x', true, 60_000)
  await store.reschedule('sms:SM2', now - 1)
  await store.unwatch('sms:SM3')
  await store.seenStatuses('sms:SM4')
  t.equal((await store.dueWatches(now, 60_000, 100)).length, 62, 'all but the ended and the unwatched')
  const tags = new Set<string>()
  for (const keys of seen) {
    const own = new Set(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]))
    t.equal(own.size, 1, `one hash tag per script: ${keys.join(' ')}`)
    tags.add([...own][0] as string)
  }
  t.equal(tags.size, 16, 'the ids spread over the 16 shards')
})

t.test('watch and seen calls of one event-loop turn go to Redis together, each answered for its own id; only a watched id\'s report is sent with its event', async (t) => {
  const counted = counting(client)
  const store = new RedisStore({ client: counted, prefix: prefix() })
  const now = Date.now()
  const ids = Array.from({ length: 10 }, (_, i) => `sms:SM${i}`)
  const watched = await Promise.all([...ids, 'sms:SM0'].map(async (id) => await store.watch(id, id, now - 1, 60_000)))
  t.same(watched, [...ids.map(() => true), false], 'an id given twice in one turn is watched once')
  t.same(shas(counted), 1)
  counted.calls.length = 0
  counted.args.length = 0
  const seen = await Promise.all([
    store.seen('sms:SM1', 'delivered', 'first', true, 60_000),
    store.seen('sms:SM1', 'delivered', 'again', true, 60_000),
    store.seen('sms:SM2', 'sent', 'x', false, 60_000),
    store.seen('sms:SM99', 'sent', 'x', false, 60_000)
  ])
  t.same(seen, [true, true, true, false], 'the unwatched id is not recorded')
  t.equal(shas(counted), 2, 'which are watched, then the reports of those')
  t.notOk(counted.args[0]?.includes('first'), 'the first call names the ids only')
  t.same(counted.args[1]?.filter((arg) => arg === 'sms:SM99'), [], 'the second leaves the unwatched id out')
  counted.calls.length = 0
  t.equal(await store.seen('sms:SM98', 'sent', 'x', false, 60_000), false)
  t.equal(shas(counted), 1, 'none of a turn\'s ids watched: one call')
  t.same({ ...await store.seenStatuses('sms:SM1') }, { delivered: 'first' }, 'the first report of a status kept')
  t.same({ ...await store.seenStatuses('sms:SM99') }, {})
  const due = await store.dueWatches(now, 60_000, 100)
  t.same(due.map((w) => w.id).sort(), ids.filter((id) => id !== 'sms:SM1').sort(), 'the final status ended its watch')
})

t.test('a burst of reports is cut into script calls of at most MAX_BATCH ids', async (t) => {
  const counted = counting(client)
  const store = new RedisStore({ client: counted, prefix: prefix() })
  const count = 2 * MAX_BATCH + 1
  const seen = await Promise.all(Array.from({ length: count }, async (_, i) => await store.seen(`sms:SM${i}`, 'sent', 'x', false, 60_000)))
  t.equal(seen.filter((s) => !s).length, count, 'none watched')
  t.equal(shas(counted), 3)
})

t.test('a report made in the same turn as its id\'s watch, after another report, finds the watch', async (t) => {
  const store = new RedisStore({ client, prefix: prefix() })
  const now = Date.now()
  const [other, watched, final] = await Promise.all([
    store.seen('sms:SMY', 'sent', 'y', false, 60_000),
    store.watch('sms:SMX', 'x', now - 1, 60_000),
    store.seen('sms:SMX', 'delivered', 'x', true, 60_000)
  ])
  t.same([other, watched, final], [false, true, true])
  t.same({ ...await store.seenStatuses('sms:SMX') }, { delivered: 'x' })
  t.same(await store.dueWatches(now, 60_000, 10), [], 'its final status ended the watch')
})

t.test('a report whose event cannot be made into text fails alone; a reply that is not a list fails its batch', async (t) => {
  const store = new RedisStore({ client, prefix: prefix() })
  await store.watch('sms:SM1', 'a', Date.now() + 60_000, 60_000)
  await store.watch('sms:SM2', 'b', Date.now() + 60_000, 60_000)
  const results = await Promise.allSettled([
    store.seen('sms:SM1', 'sent', () => { throw new TypeError('Do not know how to serialize a BigInt') }, false, 60_000),
    store.seen('sms:SM2', 'sent', () => 'fine', false, 60_000)
  ])
  t.match(results, [{ status: 'rejected', reason: { message: /BigInt/ } }, { status: 'fulfilled', value: true }])
  t.same({ ...await store.seenStatuses('sms:SM2') }, { sent: 'fine' })

  const odd = new RedisStore({ client: { evalsha: async () => null, eval: async () => null } })
  await t.rejects(odd.watch('sms:SM1', 'a', 0, 1000), { message: /answered with no list/ })
  await t.rejects(odd.seen('sms:SM1', 'sent', 'x', false, 1000), { message: /answered with no list/ })
})

t.test('a failed batch rejects each call in it with the error', async (t) => {
  const calls: string[] = []
  const store = new RedisStore({
    client: {
      evalsha: async () => { calls.push('evalsha'); throw new Error('READONLY You can\'t write against a read only replica.') },
      eval: async () => null
    }
  })
  const results = await Promise.allSettled([store.seen('sms:SM1', 'sent', 'x', false, 1000), store.seen('sms:SM2', 'sent', 'x', false, 1000)])
  t.same(results.map((r) => r.status === 'rejected' && String(r.reason.message).slice(0, 8)), ['READONLY', 'READONLY'])
  t.same(calls, ['evalsha'], 'one call for both')
})

t.test('claims are atomic: 100 concurrent claims from two clients, exactly one wins', async (t) => {
  const p = prefix()
  const stores = [new RedisStore({ client, prefix: p }), new RedisStore({ client: other, prefix: p })]
  for (let round = 0; round < 5; round++) {
    const key = `sms:SM${round}:delivered`
    const claims = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 2].claim(key, 60_000)))
    const states = claims.map((c) => c.state)
    t.equal(states.filter((s) => s === 'claimed').length, 1, `round ${round}: one claimed`)
    t.equal(states.filter((s) => s === 'pending').length, 99, `round ${round}: the rest pending`)
  }
})

t.test('advance is atomic: concurrent ranks from two clients never lower the record', async (t) => {
  const p = prefix()
  const stores = [new RedisStore({ client, prefix: p }), new RedisStore({ client: other, prefix: p })]
  // Interleave high and low ranks so a read-then-write race would leave a low one behind.
  const ranks = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 99 - i : i))
  const results = await Promise.all(ranks.map((rank, i) => stores[i % 2].advance('o:call:CA1', rank, 60_000)))
  t.equal(await client.get(`${p}o:call:CA1`), '99')
  t.equal(results[ranks.indexOf(99)], true, 'the highest rank is always fresh')
  t.equal(await stores[1].advance('o:call:CA1', 98, 60_000), false)
})

t.test('expiry is set on the server (PX)', async (t) => {
  const p = prefix()
  const store = new RedisStore({ client, prefix: p })

  await store.claim('claim', 5000)
  const claimTtl = await client.pttl(`${p}claim`)
  t.ok(claimTtl > 0 && claimTtl <= 5000, `claim PTTL ${claimTtl} in (0, 5000]`)

  await store.complete('claim', 'r', 86_400_000)
  const doneTtl = await client.pttl(`${p}claim`)
  t.ok(doneTtl > 5000 && doneTtl <= 86_400_000, `complete resets the PTTL (${doneTtl})`)
  t.equal(await client.get(`${p}claim`), 'dr', 'stored as d + reply')

  await store.advance('rank', 3, 7000)
  const rankTtl = await client.pttl(`${p}rank`)
  t.ok(rankTtl > 0 && rankTtl <= 7000, `advance PTTL ${rankTtl} in (0, 7000]`)
  t.equal(await client.get(`${p}rank`), '3')

  await store.advance('rank', 1, 90_000)
  t.ok(await client.pttl(`${p}rank`) <= 7000, 'a stale rank leaves the record and its ttl alone')

  await store.claim('released', 5000)
  await store.release('released')
  t.equal(await client.exists(`${p}released`), 0, 'release deletes the key')

  await store.claim('gone', 30)
  await sleep(80)
  t.equal(await client.exists(`${p}gone`), 0, 'the server expired the claim by itself')
})

t.test('a claim holds the pending marker until completed', async (t) => {
  const p = prefix()
  const store = new RedisStore({ client, prefix: p })
  await store.claim('k', 60_000)
  t.equal(await client.get(`${p}k`), 'p')
})

/**
 * A redis-server of this test's own, even when CI shares one through REDIS_URL: SCRIPT FLUSH is
 * server-wide, and a test file running alongside could load a script again between our FLUSH
 * and our call, hiding the NOSCRIPT path.
 */
async function ownRedis (t: tap.Test): Promise<Redis> {
  const shared = process.env.REDIS_URL
  delete process.env.REDIS_URL
  const started = startRedis() // reads REDIS_URL synchronously, before its first await
  if (shared !== undefined) process.env.REDIS_URL = shared
  const own = await started
  t.teardown(() => own.stop())
  t.not(own.url, shared)
  return own.client()
}

t.test('NOSCRIPT: after SCRIPT FLUSH the store loads its scripts again', async (t) => {
  const own = await ownRedis(t)
  const counted = counting(own)
  const store = new RedisStore({ client: counted })
  t.same(await store.claim('k', 60_000), { state: 'claimed' })
  t.same(counted.calls, ['evalsha', 'eval'], 'a new server: EVALSHA failed with NOSCRIPT, EVAL ran the script')

  counted.calls.length = 0
  t.same(await store.claim('k', 60_000), { state: 'pending' })
  t.same(counted.calls, ['evalsha'], 'EVAL cached it: EVALSHA works')

  await own.script('FLUSH')
  counted.calls.length = 0
  t.same(await store.claim('k', 60_000), { state: 'pending' })
  t.same(counted.calls, ['evalsha', 'eval'], 'flushed: EVALSHA failed with NOSCRIPT, EVAL ran the script')

  // Each script recovers on its own.
  for (const step of [
    () => store.complete('k', 'r', 60_000),
    async () => t.same(await store.claim('k', 60_000), { state: 'done', reply: 'r' }),
    () => store.claim('k2', 60_000),
    () => store.release('k2'),
    async () => t.equal(await own.exists('twilio-status:k2'), 0),
    async () => t.equal(await store.advance('s', 2, 60_000), true),
    async () => t.equal(await store.advance('s', 1, 60_000), false),
    async () => t.same(await store.claimInOrder('k3', 60_000, 's', 3, 60_000), { state: 'claimed', stale: false })
  ]) {
    await own.script('FLUSH')
    counted.calls.length = 0
    await step()
    t.ok(counted.calls.length === 0 || counted.calls.join() === 'evalsha,eval', counted.calls.join())
  }
})

t.test('NOSCRIPT: the watch list\'s scripts load again after SCRIPT FLUSH; other errors are passed on', async (t) => {
  const own = await ownRedis(t)
  const counted = counting(own)
  const store = new RedisStore({ client: counted })
  const now = Date.now()
  for (const step of [
    async () => t.equal(await store.watch('sms:SM1', 'a', now - 1, 60_000), true),
    async () => t.same(await store.dueWatches(now, 60_000, 10), [{ id: 'sms:SM1', data: 'a', fetches: 1 }]),
    async () => t.equal(await store.seen('sms:SM1', 'sent', 'x', false, 60_000), true),
    async () => t.same({ ...await store.seenStatuses('sms:SM1') }, { sent: 'x' }),
    () => store.reschedule('sms:SM1', now),
    () => store.unwatch('sms:SM1')
  ]) {
    await own.script('FLUSH')
    counted.calls.length = 0
    await step()
    t.same(counted.calls.slice(0, 2), ['evalsha', 'eval'], 'EVALSHA failed with NOSCRIPT, EVAL ran the script')
  }
  const failing = new RedisStore({ client: { evalsha: async () => { throw new Error('READONLY') }, eval: async () => null } })
  await t.rejects(failing.watch('sms:SM1', 'a', now, 60_000), /READONLY/)
})

t.test('errors other than NOSCRIPT are passed on, without a retry', async (t) => {
  const store = new RedisStore({ client, prefix: prefix() })
  // A real server error: PX 0 is an invalid expire time.
  await t.rejects(store.claim('k', 0), /invalid expire time/)

  const calls: string[] = []
  const failing: RedisClient = {
    evalsha: async () => { calls.push('evalsha'); throw new Error('READONLY You can\'t write against a read only replica.') },
    eval: async () => { calls.push('eval'); return null }
  }
  await t.rejects(new RedisStore({ client: failing }).claim('k', 1000), { message: /^READONLY/ })
  t.same(calls, ['evalsha'])

  const odd: RedisClient = {
    evalsha: () => Promise.reject(undefined), // eslint-disable-line prefer-promise-reject-errors
    eval: async () => null
  }
  await t.rejects(new RedisStore({ client: odd }).release('k'))
})

t.test('prefixes isolate stores sharing one database', async (t) => {
  const a = new RedisStore({ client, prefix: prefix() })
  const b = new RedisStore({ client, prefix: prefix() })
  t.same(await a.claim('k', 60_000), { state: 'claimed' })
  t.same(await b.claim('k', 60_000), { state: 'claimed' })
  await a.complete('k', 'from a', 60_000)
  t.same(await b.claim('k', 60_000), { state: 'pending' })
  t.same(await a.claim('k', 60_000), { state: 'done', reply: 'from a' })
  t.equal(await a.advance('s', 5, 60_000), true)
  t.equal(await b.advance('s', 1, 60_000), true)
})

t.test('the default prefix is twilio-status:', async (t) => {
  const store = new RedisStore({ client })
  const key = `test-default-prefix:${randomUUID()}`
  await store.claim(key, 60_000)
  t.equal(await client.get(`twilio-status:${key}`), 'p')
  await store.release(key)
  t.equal(await client.exists(`twilio-status:${key}`), 0)
})

t.test('stores on different clients see the same keys (one per instance)', async (t) => {
  const p = prefix()
  const a = new RedisStore({ client, prefix: p })
  const b = new RedisStore({ client: other, prefix: p })
  t.same(await a.claim('k', 60_000), { state: 'claimed' })
  t.same(await b.claim('k', 60_000), { state: 'pending' })
  await a.complete('k', '<Response/>', 60_000)
  t.same(await b.claim('k', 60_000), { state: 'done', reply: '<Response/>' })
})

t.test('the constructor rejects anything but an ioredis-like client', async (t) => {
  const bad: unknown[] = [
    undefined,
    {},
    { client: undefined },
    { client: null },
    { client: 'redis://localhost' },
    { client: { evalsha () {} } },
    { client: { eval () {} } },
    { client: { evalsha: 1, eval () {} } }
  ]
  for (const options of bad) {
    t.throws(() => new RedisStore(options as { client: RedisClient }), {
      name: 'FastifyError',
      code: 'FST_TWILIO_INVALID_OPTION',
      message: 'fastify-twilio-status: RedisStore option client must be an ioredis client (with eval and evalsha)'
    }, JSON.stringify(options))
  }
  t.doesNotThrow(() => new RedisStore({ client: { evalsha: async () => null, eval: async () => null } }))
})

t.test('claimOf reads a stored Redis value: p is a live claim, d + reply a handled event', async (t) => {
  t.same(claimOf('p'), { state: 'pending' })
  t.same(claimOf('d'), { state: 'done', reply: '' })
  t.same(claimOf('dp'), { state: 'done', reply: 'p' })
  t.same(claimOf('d<Response/>'), { state: 'done', reply: '<Response/>' })
})

t.test('claimInOrder claims and orders an event in one round trip', async (t) => {
  const counted = counting(client)
  const store = new RedisStore({ client: counted, prefix: prefix() })
  await store.claim('warm', 60_000)
  await store.claimInOrder('warm', 60_000, 'o:warm', 1, 60_000)
  counted.calls.length = 0
  t.same(await store.claimInOrder('call:CA1:ringing', 60_000, 'o:call:CA1', 2, 120_000), { state: 'claimed', stale: false }, 'first event of the subject: fresh')
  t.same(counted.calls, ['evalsha'], 'one command')
  t.same(await store.claimInOrder('call:CA1:ringing', 60_000, 'o:call:CA1', 2, 120_000), { state: 'pending' }, 'the same event again: pending, as claim says')
  t.same(await store.claimInOrder('call:CA1:completed', 60_000, 'o:call:CA1', 9, 120_000), { state: 'claimed', stale: false }, 'a later status: fresh')
  t.same(await store.claimInOrder('call:CA1:in-progress', 60_000, 'o:call:CA1', 5, 120_000), { state: 'claimed', stale: true }, 'an earlier status after it: claimed, but stale')
  t.equal(await store.advance('o:call:CA1', 8, 120_000), false, 'the subject holds the highest rank, 9')
  await store.complete('call:CA1:completed', 'r', 60_000)
  t.same(await store.claimInOrder('call:CA1:completed', 60_000, 'o:call:CA1', 9, 120_000), { state: 'done', reply: 'r' }, 'handled: done with its reply')
})

t.test('claimInOrder sets both expiries on the server and leaves the subject alone unless it claims', async (t) => {
  const p = prefix()
  const store = new RedisStore({ client, prefix: p })
  await store.claimInOrder('sms:SM1:sent', 60_000, 'o:sms:SM1', 3, 120_000)
  const [claimTtl, subjectTtl] = await Promise.all([client.pttl(`${p}sms:SM1:sent`), client.pttl(`${p}o:sms:SM1`)])
  t.ok(claimTtl > 59_000 && claimTtl <= 60_000, `claim PX ${claimTtl}`)
  t.ok(subjectTtl > 119_000 && subjectTtl <= 120_000, `subject PX ${subjectTtl}`)
  t.same(await store.claimInOrder('sms:SM1:sent', 60_000, 'o:sms:SM1', 7, 120_000), { state: 'pending' })
  t.equal(await client.get(`${p}o:sms:SM1`), '3', 'a claim that is not ours records no rank')
})

t.test('claimInOrder is atomic: 100 concurrent calls from two clients, exactly one claims', async (t) => {
  const p = prefix()
  const stores = [new RedisStore({ client, prefix: p }), new RedisStore({ client: other, prefix: p })]
  const claims = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 2].claimInOrder('call:CA2:completed', 60_000, 'o:call:CA2', 9, 60_000)))
  t.equal(claims.filter((c) => c.state === 'claimed').length, 1, 'one claimed')
  t.equal(claims.filter((c) => c.state === 'pending').length, 99, 'the rest pending')
})

t.test('slotted: a key\'s hash tag is its family, account and Sid, so an event and its Sid\'s order share a slot', async (t) => {
  t.equal(slotted('sms:AC1:SM1:sent'), '{sms:AC1:SM1}:sent')
  t.equal(slotted('call:AC1:CA1:completed:3'), '{call:AC1:CA1}:completed:3', 'key parameters stay after the tag')
  t.equal(slotted('o:sms:AC1:SM1'), 'o:{sms:AC1:SM1}', 'an ordering subject: the same tag')
  t.equal(slotted('call:AC1:CA1'), '{call:AC1:CA1}', 'three fields: all of it')
  t.equal(slotted('k'), '{k}', 'any other key: all of it')
  t.equal(slotted('o:'), 'o:{}')
})

t.test('a client with isCluster names its keys hash-tagged; a single server\'s keys are as given', async (t) => {
  const p = prefix()
  const cluster = new RedisStore({ client: Object.assign(counting(client), { isCluster: true }), prefix: p })
  t.same(await cluster.claimInOrder('call:AC1:CA3:completed', 60_000, 'o:call:AC1:CA3', 3, 60_000), { state: 'claimed', stale: false })
  t.same(await client.mget(`${p}{call:AC1:CA3}:completed`, `${p}o:{call:AC1:CA3}`), ['p', '3'])
  await cluster.complete('call:AC1:CA3:completed', 'r', 60_000)
  t.equal(await cluster.advance('o:call:AC1:CA3', 2, 60_000), false)
  t.same(await cluster.claim('call:AC1:CA3:completed', 60_000), { state: 'done', reply: 'r' })
  const single = new RedisStore({ client, prefix: p })
  await single.claim('call:AC1:CA3:completed', 60_000)
  t.equal(await client.get(`${p}call:AC1:CA3:completed`), 'p', 'a different key from the tagged one')
})
