import { mock } from 'node:test'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { hashKey, lastHash, MemoryStore } from '../../lib/stores/memory'
import { storeContract } from '../helpers/store-contract'
import { watchContract } from '../helpers/watch-contract'

const T0 = 1_700_000_000_000

/**
 * Fake `Date` for this test (tap 21 has no clock plugin and no fake-timer package is installed;
 * Node's own `mock.timers` is). Only `Date` is faked, so tap's own timers keep running.
 */
function fakeDate (t: tap.Test): void {
  mock.timers.enable({ apis: ['Date'], now: T0 })
  t.teardown(() => mock.timers.reset())
}

async function tick (ms: number): Promise<void> {
  mock.timers.tick(ms)
}

t.test('the StatusStore contract', async (t) => {
  storeContract(t, {
    store (t) {
      fakeDate(t)
      return new MemoryStore()
    },
    elapse: tick,
    shortTtl: 1000
  })
})

t.test('the WatchStore contract', async (t) => {
  watchContract(t, {
    store (t) {
      fakeDate(t)
      return new MemoryStore()
    },
    elapse: tick,
    shortTtl: 1000
  })
})

t.test('watches: at most maxEntries of them, the first made evicted first', async (t) => {
  const store = new MemoryStore({ maxEntries: 2 })
  const now = Date.now()
  for (const id of ['sms:SM1', 'sms:SM2', 'sms:SM3']) t.equal(store.watch(id, id, now - 1, 60_000), true)
  t.same(store.dueWatches(now, 1000, 10).map((w) => w.id), ['sms:SM2', 'sms:SM3'])
  t.equal(store.watch('sms:SM1', 'again', now - 1, 60_000), true, 'the evicted one can be watched anew')
})

t.test('expiry is exact: alive 1 ms before the ttl, gone at the ttl', async (t) => {
  fakeDate(t)
  const store = new MemoryStore()
  store.claim('claim', 1000)
  store.complete('done', 'r', 1000)
  store.advance('rank', 5, 1000)
  await tick(999)
  t.same(store.claim('claim', 1000), { state: 'pending' })
  t.same(store.claim('done', 1000), { state: 'done', reply: 'r' })
  t.equal(store.advance('rank', 4, 1000), false)
  await tick(1)
  t.same(store.claim('claim', 1000), { state: 'claimed' })
  t.same(store.claim('done', 1000), { state: 'claimed' })
  t.equal(store.advance('rank', 4, 1000), true)
})

t.test('an expired entry is dropped when read', async (t) => {
  fakeDate(t)
  const store = new MemoryStore()
  store.complete('a', 'r', 10)
  store.complete('b', 'r', 10_000)
  t.equal(store.size, 2)
  await tick(10)
  t.equal(store.size, 2, 'still held until read or evicted')
  store.release('a')
  t.equal(store.size, 2, 'release does not touch a completed (even expired) key')
  t.same(store.claim('a', 10), { state: 'claimed' }, 'read: expired, so claimable')
  t.equal(store.size, 2)
})

t.test('release drops only a live claim', async (t) => {
  fakeDate(t)
  const store = new MemoryStore()
  store.claim('live', 1000)
  store.complete('done', 'r', 1000)
  store.advance('rank', 1, 1000)
  store.release('live')
  store.release('done')
  store.release('rank')
  store.release('unknown')
  t.equal(store.size, 2)
  t.same(store.claim('live', 1000), { state: 'claimed' })
  t.same(store.claim('done', 1000), { state: 'done', reply: 'r' })
  t.equal(store.advance('rank', 0, 1000), false)
})

t.test('methods answer synchronously', async (t) => {
  const store = new MemoryStore()
  t.notOk(store.claim('k', 1000) instanceof Promise)
  t.equal(store.complete('k', 'r', 1000), undefined)
  t.equal(store.release('k'), undefined)
  t.equal(store.advance('s', 1, 1000), true)
})

t.test('eviction keeps size at maxEntries, oldest first', async (t) => {
  fakeDate(t)
  const store = new MemoryStore({ maxEntries: 3 })
  store.claim('a', 60_000)
  store.claim('b', 60_000)
  store.claim('c', 60_000)
  t.equal(store.size, 3)
  store.claim('d', 60_000)
  t.equal(store.size, 3)
  t.same(store.claim('b', 60_000), { state: 'pending' })
  t.same(store.claim('c', 60_000), { state: 'pending' })
  t.same(store.claim('d', 60_000), { state: 'pending' })
  t.same(store.claim('a', 60_000), { state: 'claimed' }, 'a, the oldest, was evicted (and is now the youngest)')
  t.same(store.claim('b', 60_000), { state: 'claimed' }, 'b was next')
  t.equal(store.size, 3)
})

t.test('eviction goes by when a key was first stored: completing it or raising its rank updates it in place', async (t) => {
  fakeDate(t)
  const store = new MemoryStore({ maxEntries: 3 })
  store.claim('a', 60_000)
  store.claim('b', 60_000)
  store.claim('c', 60_000)
  store.complete('a', 'r', 60_000) // in place: the order stays a, b, c
  store.claim('d', 60_000) // evicts a
  t.same(store.claim('b', 60_000), { state: 'pending' }, 'b survived')
  t.same(store.claim('c', 60_000), { state: 'pending' })
  t.same(store.claim('d', 60_000), { state: 'pending' })
  t.equal(store.size, 3)
  t.same(store.claim('a', 60_000), { state: 'claimed' }, 'a, stored first, went first, although completed last')

  // A fresh rank is recorded in place too; a key replaced after it expired moves to the young end.
  const ranks = new MemoryStore({ maxEntries: 2 })
  ranks.advance('x', 1, 60_000)
  ranks.advance('y', 1, 60_000)
  ranks.advance('x', 2, 60_000) // order stays x, y
  ranks.advance('z', 1, 60_000) // evicts x
  t.equal(ranks.advance('y', 0, 60_000), false, 'y kept its rank')
  t.equal(ranks.advance('x', 0, 60_000), true, 'x was evicted')
})

t.test('a key replaced after it expired moves to the young end', async (t) => {
  fakeDate(t)
  const store = new MemoryStore({ maxEntries: 3 })
  store.claim('a', 1000)
  store.claim('b', 60_000)
  store.claim('c', 60_000)
  await tick(1000)
  t.same(store.claim('a', 60_000), { state: 'claimed' }, 'expired: claimed again, at the young end (order b, c, a)')
  store.claim('d', 60_000) // evicts b
  t.same(store.claim('a', 60_000), { state: 'pending' }, 'a survived')
  t.same(store.claim('b', 60_000), { state: 'claimed' }, 'b was evicted')
  t.equal(store.size, 3)
})

t.test('a stale advance does not refresh its subject', async (t) => {
  fakeDate(t)
  const store = new MemoryStore({ maxEntries: 2 })
  store.advance('x', 5, 60_000)
  store.advance('y', 1, 60_000)
  t.equal(store.advance('x', 1, 60_000), false) // order stays x, y
  store.advance('z', 1, 60_000) // evicts x
  t.equal(store.advance('x', 1, 60_000), true, 'x was the oldest')
})

t.test('maxEntries 1 holds exactly one key', async (t) => {
  const store = new MemoryStore({ maxEntries: 1 })
  store.claim('a', 60_000)
  store.claim('b', 60_000)
  t.equal(store.size, 1)
  t.same(store.claim('b', 60_000), { state: 'pending' })
})

t.test('memory stays flat: 100,000 distinct events never grow past maxEntries', async (t) => {
  const store = new MemoryStore({ maxEntries: 1000 })
  let largest = 0
  for (let i = 0; i < 100_000; i++) {
    store.claim(`sms:SM${i}:delivered`, 60_000)
    store.complete(`sms:SM${i}:delivered`, '', 60_000)
    store.advance(`o:sms:SM${i}`, 4, 60_000)
    if (store.size > largest) largest = store.size
  }
  t.equal(largest, 1000)
  t.same(store.claim('sms:SM99999:delivered', 60_000), { state: 'done', reply: '' }, 'the newest are kept')
  t.same(store.claim('sms:SM0:delivered', 60_000), { state: 'claimed' }, 'the oldest are gone')
})

t.test('the default bound is 100,000 keys', async (t) => {
  const store = new MemoryStore()
  for (let i = 0; i < 100_500; i++) store.complete(`k${i}`, '', 60_000)
  t.equal(store.size, 100_000)
  t.same(store.claim('k500', 60_000), { state: 'done', reply: '' }, 'the oldest kept')
  t.same(store.claim('k499', 60_000), { state: 'claimed' }, 'the youngest evicted')
})

t.test('the constructor rejects a bad maxEntries', async (t) => {
  for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', true, null]) {
    t.throws(() => new MemoryStore({ maxEntries: maxEntries as number }), {
      name: 'FastifyError',
      code: 'FST_TWILIO_INVALID_OPTION',
      message: /^fastify-twilio-status: MemoryStore option maxEntries must be a positive integer, got /
    }, String(maxEntries))
  }
  t.throws(() => new MemoryStore({ maxEntries: 0 }), { message: 'fastify-twilio-status: MemoryStore option maxEntries must be a positive integer, got 0' })
  t.throws(() => new MemoryStore({ maxEntries: null as unknown as number }), { message: /got null$/ }, 'null is not the default')
  t.doesNotThrow(() => new MemoryStore({ maxEntries: 1 }))
  t.doesNotThrow(() => new MemoryStore({ maxEntries: undefined }))
  t.doesNotThrow(() => new MemoryStore({}))
  t.doesNotThrow(() => new MemoryStore())
})

// A full collection, in this process: the flag makes V8 install `gc` in contexts made after it.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap bytes still in use after a full collection, once `fill` has run and returned. */
function heapAfter (fill: () => void): number {
  gc()
  gc()
  const before = getHeapStatistics().used_heap_size
  fill()
  gc()
  gc()
  return getHeapStatistics().used_heap_size - before
}

const PARENTS = 16
/** About 1 MiB of form body per parent: one-byte (percent-encoded) or two-byte (raw emoji). */
function bigBody (i: number, twoByte: boolean): string {
  const sid = 'SM' + String(i).padStart(32, '0')
  return `MessageSid=${sid}&Body=` + (twoByte ? '\u{1F600}'.repeat(1 << 18) : '%F0%9F%98%80'.repeat(87_381)) + `&i=${i}`
}

t.test('a stored key or reply does not keep the bigger string it was cut from alive', async (t) => {
  // V8 makes a slice of a long string point into it and a concatenation point to its parts:
  // a key cut out of a request body kept the whole body alive as long as the key was stored.
  // The store keeps copies, so the bodies go; what stays is the keys and their numbers.
  const cases: Record<string, (store: MemoryStore, body: string) => void> = {
    'a claimed key (a slice)': (store, body) => { store.claim(body.slice(11, 45), 60_000) },
    'a claimed key (a concatenation of a slice)': (store, body) => { store.claim(`sms:${body.slice(11, 45)}:received`, 60_000) },
    'a completed key': (store, body) => {
      const key = `sms:${body.slice(11, 45)}:received`
      store.claim(key, 60_000)
      store.complete(key, '', 60_000)
    },
    'a reply': (store, body) => { store.complete(`k${body.slice(-2)}`, body.slice(50, 150), 60_000) },
    'an ordering subject': (store, body) => { store.advance(`o:sms:${body.slice(11, 45)}`, 4, 60_000) }
  }
  for (const twoByte of [false, true]) {
    for (const [name, use] of Object.entries(cases)) {
      const store = new MemoryStore()
      const grown = heapAfter(() => {
        for (let i = 0; i < PARENTS; i++) use(store, bigBody(i, twoByte))
      })
      t.equal(store.size, PARENTS)
      // Kept alive, the bodies would take at least 16 MiB.
      t.ok(grown < 1 << 20, `${name}, ${twoByte ? 'two' : 'one'}-byte bodies: the heap grew ${grown} bytes for ${PARENTS} entries`)
    }
  }
})

t.test('a key is stored as 96 bits of seeded hash: no collision among 300,000 Sid-like keys, each word spread evenly', async (t) => {
  const seeds = new Int32Array([0x1234567, -0x7654321, 0x0badf00d])
  const whole = new Set<string>()
  const words = [new Set<number>(), new Set<number>(), new Set<number>()]
  const N = 300_000
  for (let i = 0; i < N; i++) {
    hashKey(`sms:SM${i.toString(16).padStart(32, '0')}:delivered`, seeds)
    const hash = lastHash()
    whole.add(hash.join())
    hash.forEach((word, w) => words[w].add(word))
  }
  t.equal(whole.size, N, 'no two keys share the 96 bits')
  // Birthday bound for one 32-bit word: about N²/2³³ ≈ 10 repeats expected; far more would mean a poor spread.
  for (const [w, set] of words.entries()) t.ok(N - set.size < 60, `word ${w}: ${N - set.size} repeats`)
  hashKey('sms:SM1:delivered', seeds)
  const once = lastHash()
  hashKey('sms:SM1:delivered', new Int32Array([1, 2, 3]))
  t.notSame(lastHash(), once, 'other seeds, other hash: each store draws its own')
})

t.test('a full store keeps answering: 250,000 events through 1,000 positions, each found or refused as it should be', async (t) => {
  const store = new MemoryStore({ maxEntries: 1000 })
  let notClaimed = 0
  for (let i = 0; i < 250_000; i++) {
    const key = `call:CA${i}:completed`
    if (i % 7 === 0) store.release(`call:CA${i - 1}:completed`)
    if (store.claim(key, 60_000).state !== 'claimed') notClaimed++
    if (i % 3 !== 0) store.complete(key, i % 5 === 0 ? `<Response>${i}</Response>` : '', 60_000)
  }
  t.equal(notClaimed, 0, 'every new event was claimed: no false duplicate')
  t.ok(store.size <= 1000)
  for (let i = 249_500; i < 250_000; i++) {
    const expected = i % 3 === 0 ? { state: 'pending' } : { state: 'done', reply: i % 5 === 0 ? `<Response>${i}</Response>` : '' }
    if (i % 7 === 6 && i % 3 === 0) continue // released by the next event
    t.same(store.claim(`call:CA${i}:completed`, 60_000), expected)
  }
})
