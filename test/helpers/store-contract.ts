/**
 * The `StatusStore` contract, written once and run against every store (memory and Redis):
 * what `claim`, `complete`, `release` and `advance` promise to the delivery code.
 */
import type { StatusStore } from '../../types/index'

export interface ContractHarness {
  /** A fresh, empty store (its own key space) for test `t`. */
  store (t: tap.Test): StatusStore | Promise<StatusStore>
  /**
   * Let `ms` pass for the store: fake timers for the memory store, real time for Redis
   * (whose clock is the server's own).
   */
  elapse (ms: number): Promise<void>
  /** A time to live short enough to wait out with `elapse`. */
  readonly shortTtl: number
}

const LONG = 60_000

export function storeContract (t: tap.Test, harness: ContractHarness): void {
  const { elapse, shortTtl } = harness

  t.test('claim answers claimed once, then pending', async (t) => {
    const store = await harness.store(t)
    t.same(await store.claim('k', LONG), { state: 'claimed' })
    t.same(await store.claim('k', LONG), { state: 'pending' })
    t.same(await store.claim('k', LONG), { state: 'pending' })
  })

  t.test('keys are independent', async (t) => {
    const store = await harness.store(t)
    t.same(await store.claim('sms:SM1:sent', LONG), { state: 'claimed' })
    t.same(await store.claim('sms:SM1:delivered', LONG), { state: 'claimed' })
    t.same(await store.claim('sms:SM2:sent', LONG), { state: 'claimed' })
    t.same(await store.claim('sms:SM1:sent', LONG), { state: 'pending' })
  })

  t.test('complete turns a claim into done, with the stored reply', async (t) => {
    const store = await harness.store(t)
    const reply = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>héllo 👋</Message></Response>'
    await store.claim('k', LONG)
    await store.complete('k', reply, LONG)
    t.same(await store.claim('k', LONG), { state: 'done', reply })
    t.same(await store.claim('k', LONG), { state: 'done', reply }, 'claiming a done key changes nothing')
  })

  t.test('replies that look like the internal markers are kept verbatim', async (t) => {
    const store = await harness.store(t)
    for (const reply of ['', 'p', 'd', 'dp', '1']) {
      await store.complete(`k${reply}`, reply, LONG)
      t.same(await store.claim(`k${reply}`, LONG), { state: 'done', reply }, JSON.stringify(reply))
    }
  })

  t.test('a decision is kept with its key: a redelivery reads back the status code and JSON body verbatim', async (t) => {
    const store = await harness.store(t)
    // As delivery encodes them (lib/dispatch/decision.ts): three digits, then the body.
    const decisions = {
      'conversations:AC1:Zm9vYmFyLWRpZ2VzdF8tX2Jhe:onMessageAdd': '200{"body":"héllo 👋","attributes":"{\\"a\\":[1,2]}"}',
      'conversations:AC1:YmF6LWRpZ2VzdF8tX2Jhei1kaWc:onParticipantAdd': '403{"rejected":true}',
      'taskrouterAssignment:AC1:WR1:assignment': '200{"instruction":"dequeue","from":"+15017250604","timeout":30}'
    }
    for (const [key, decision] of Object.entries(decisions)) {
      t.same(await store.claim(key, LONG), { state: 'claimed' })
      await store.complete(key, decision, LONG)
    }
    for (const [key, decision] of Object.entries(decisions)) t.same(await store.claim(key, LONG), { state: 'done', reply: decision }, key)
  })

  t.test('complete without a claim marks the key done', async (t) => {
    const store = await harness.store(t)
    await store.complete('k', 'r', LONG)
    t.same(await store.claim('k', LONG), { state: 'done', reply: 'r' })
  })

  t.test('release drops a live claim, so the next claim wins again', async (t) => {
    const store = await harness.store(t)
    await store.claim('k', LONG)
    await store.release('k')
    t.same(await store.claim('k', LONG), { state: 'claimed' })
  })

  t.test('release leaves a completed key completed', async (t) => {
    const store = await harness.store(t)
    await store.claim('k', LONG)
    await store.complete('k', 'r', LONG)
    await store.release('k')
    t.same(await store.claim('k', LONG), { state: 'done', reply: 'r' })
  })

  t.test('release of an unknown key does nothing', async (t) => {
    const store = await harness.store(t)
    await store.release('never-claimed')
    t.same(await store.claim('never-claimed', LONG), { state: 'claimed' })
  })

  t.test('a claim expires after its ttl', async (t) => {
    const store = await harness.store(t)
    t.same(await store.claim('k', shortTtl), { state: 'claimed' })
    await elapse(shortTtl * 2)
    t.same(await store.claim('k', LONG), { state: 'claimed' })
  })

  t.test('a completed key expires after its ttl', async (t) => {
    const store = await harness.store(t)
    await store.claim('k', LONG)
    await store.complete('k', 'r', shortTtl)
    await elapse(shortTtl * 2)
    t.same(await store.claim('k', LONG), { state: 'claimed' })
  })

  t.test('complete sets a new ttl: a short claim completed for long stays done', async (t) => {
    const store = await harness.store(t)
    await store.claim('k', shortTtl)
    await store.complete('k', 'r', LONG)
    await elapse(shortTtl * 2)
    t.same(await store.claim('k', LONG), { state: 'done', reply: 'r' })
  })

  t.test('advance: the first rank is fresh, an equal rank is fresh, a lower one is stale', async (t) => {
    const store = await harness.store(t)
    t.equal(await store.advance('s', 3, LONG), true, 'first')
    t.equal(await store.advance('s', 3, LONG), true, 'equal')
    t.equal(await store.advance('s', 2, LONG), false, 'lower')
    t.equal(await store.advance('s', 0, LONG), false, 'zero')
    t.equal(await store.advance('s', 4, LONG), true, 'higher')
    t.equal(await store.advance('s', 3, LONG), false, 'the old rank is now lower')
  })

  t.test('advance: a stale rank does not lower the record', async (t) => {
    const store = await harness.store(t)
    await store.advance('s', 5, LONG)
    await store.advance('s', 1, LONG)
    t.equal(await store.advance('s', 4, LONG), false)
    t.equal(await store.advance('s', 5, LONG), true)
  })

  t.test('advance compares numbers, not text (10 > 9), up to 15 digits', async (t) => {
    const store = await harness.store(t)
    t.equal(await store.advance('s', 9, LONG), true)
    t.equal(await store.advance('s', 10, LONG), true)
    t.equal(await store.advance('s', 9, LONG), false)
    t.equal(await store.advance('big', 999_999_999_999_998, LONG), true)
    t.equal(await store.advance('big', 999_999_999_999_999, LONG), true)
    t.equal(await store.advance('big', 999_999_999_999_998, LONG), false)
  })

  t.test('advance: subjects are independent', async (t) => {
    const store = await harness.store(t)
    t.equal(await store.advance('a', 5, LONG), true)
    t.equal(await store.advance('b', 1, LONG), true)
    t.equal(await store.advance('a', 1, LONG), false)
  })

  t.test('advance: the record expires after its ttl', async (t) => {
    const store = await harness.store(t)
    await store.advance('s', 5, shortTtl)
    await elapse(shortTtl * 2)
    t.equal(await store.advance('s', 1, LONG), true)
  })

  t.test('keys may hold any text', async (t) => {
    const store = await harness.store(t)
    const keys = ['sms:t:a b', 'call:CA1:no-answer:7', 'ключ 👋', '*?[]{}', 'x'.repeat(2000)]
    for (const key of keys) t.same(await store.claim(key, LONG), { state: 'claimed' }, key.slice(0, 20))
    for (const key of keys) t.same(await store.claim(key, LONG), { state: 'pending' }, key.slice(0, 20))
  })
}
