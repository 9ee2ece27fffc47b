/**
 * The `WatchStore` contract (reconciliation's watch list), written once and run against every
 * store: what `watch`, `seen`, `dueWatches`, `reschedule`, `unwatch` and `seenStatuses` promise.
 */
import type { WatchStore } from '../../types/index'

export interface WatchHarness {
  /** A fresh, empty store (its own key space) for test `t`. */
  store (t: tap.Test): WatchStore | Promise<WatchStore>
  /** Let `ms` pass for the store's expiry. */
  elapse (ms: number): Promise<void>
  readonly shortTtl: number
}

const LONG = 60_000

export function watchContract (t: tap.Test, harness: WatchHarness): void {
  const { elapse, shortTtl } = harness

  t.test('watch: a new id is watched once; a second watch changes nothing', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    t.equal(await store.watch('sms:SM1', 'data-1', now - 1, LONG), true)
    t.equal(await store.watch('sms:SM1', 'data-2', now + LONG, LONG), false)
    t.same(await store.dueWatches(now, 1000, 10), [{ id: 'sms:SM1', data: 'data-1', fetches: 1 }], 'the first watch, due')
  })

  t.test('dueWatches: only ids due by now, each leased so no second call takes it', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    await store.watch('sms:SM1', 'a', now - 10, 10 * LONG)
    await store.watch('sms:SM2', 'b', now + LONG, 10 * LONG)
    const first = await store.dueWatches(now, LONG, 10)
    t.same(first.map((w) => w.id), ['sms:SM1'])
    t.same(await store.dueWatches(now, LONG, 10), [], 'leased: not due again')
    t.same((await store.dueWatches(now + LONG + 1, LONG, 10)).map((w) => [w.id, w.fetches]).sort(), [['sms:SM1', 2], ['sms:SM2', 1]], 'after the lease, due again, its fetches counted')
  })

  t.test('dueWatches takes at most max', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    for (let i = 0; i < 30; i++) await store.watch(`call:CA${i}`, String(i), now - 1, LONG)
    const first = await store.dueWatches(now, LONG, 7)
    t.equal(first.length, 7)
    const rest = await store.dueWatches(now, LONG, 100)
    t.equal(rest.length, 23)
    t.equal(new Set([...first, ...rest].map((w) => w.id)).size, 30, 'each id taken once')
  })

  t.test('reschedule moves the due time of a watched id', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    await store.watch('sms:SM1', 'a', now + LONG, LONG)
    await store.reschedule('sms:SM1', now - 1)
    t.same((await store.dueWatches(now, LONG, 10)).map((w) => w.id), ['sms:SM1'])
    await store.reschedule('sms:never', now - 1)
    t.same(await store.dueWatches(now, LONG, 10), [], 'an id never watched is not made due')
  })

  t.test('seen: an event given as a function is made only for a watched id, and kept as its text', async (t) => {
    const store = await harness.store(t)
    let made = 0
    const event = (): string => { made++; return '{"e":3}' }
    t.equal(await store.seen('sms:SM7', 'sent', event, false, LONG), false)
    t.equal(made, 0, 'not made for an id nobody watches')
    await store.watch('sms:SM7', 'a', Date.now() + LONG, LONG)
    t.equal(await store.seen('sms:SM7', 'sent', event, false, LONG), true)
    t.equal(made, 1)
    t.same({ ...await store.seenStatuses('sms:SM7') }, { sent: '{"e":3}' })
  })

  t.test('seen: a final status ends the watch; statuses of a watched id are kept', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    t.equal(await store.seen('sms:SM1', 'sent', '{"e":1}', false, LONG), false, 'an id not watched records nothing')
    t.same(await store.seenStatuses('sms:SM1'), {})
    await store.watch('sms:SM1', 'a', now - 1, LONG)
    t.equal(await store.seen('sms:SM1', 'sent', '{"e":1}', false, LONG), true)
    t.same((await store.dueWatches(now, 1, 10)).map((w) => w.id), ['sms:SM1'], 'a status that is not final keeps it watched')
    t.equal(await store.seen('sms:SM1', 'delivered', '{"e":2}', true, LONG), true)
    t.same({ ...await store.seenStatuses('sms:SM1') }, { sent: '{"e":1}', delivered: '{"e":2}' })
    t.same(await store.dueWatches(now + 10, 1, 10), [], 'ended: never due again')
    await store.reschedule('sms:SM1', now)
    t.same(await store.dueWatches(now + 10, 1, 10), [], 'and not made due by a reschedule')
    t.equal(await store.watch('sms:SM1', 'b', now, LONG), false, 'nor watched anew')
  })

  t.test('seen: a status reported again keeps its first record (the event whose callbacks ran)', async (t) => {
    const store = await harness.store(t)
    await store.watch('call:CA9', 'a', Date.now() + LONG, LONG)
    await store.seen('call:CA9', 'completed', '{"real":1}', true, LONG)
    t.equal(await store.seen('call:CA9', 'completed', '{"reconciled":1}', true, LONG), true)
    t.same({ ...await store.seenStatuses('call:CA9') }, { completed: '{"real":1}' })
  })

  t.test('unwatch ends the watch; statuses seen later are still kept', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    await store.watch('call:CA1', 'a', now - 1, LONG)
    await store.unwatch('call:CA1')
    t.same(await store.dueWatches(now, 1, 10), [])
    await store.seen('call:CA1', 'completed', 'x', true, LONG)
    t.same({ ...await store.seenStatuses('call:CA1') }, { completed: 'x' })
    await store.unwatch('call:never')
  })

  t.test('watches and statuses expire after their ttl', async (t) => {
    const store = await harness.store(t)
    const now = Date.now()
    await store.watch('sms:SM1', 'a', now + LONG, shortTtl)
    await store.watch('sms:SM2', 'b', now + LONG, LONG)
    await store.watch('sms:SM3', 'd', now - 1, shortTtl)
    await store.seen('sms:SM2', 'sent', 'x', false, shortTtl)
    await elapse(shortTtl * 2)
    t.equal(await store.watch('sms:SM1', 'c', now - 1, LONG), true, 'an expired watch is gone: watched anew')
    t.same({ ...await store.seenStatuses('sms:SM2') }, {}, 'statuses expire')
    t.same((await store.dueWatches(Date.now(), LONG, 10)).map((w) => w.data), ['c'], 'an expired watch is never due')
    await store.seen('sms:SM2', 'delivered', 'y', true, LONG)
    t.same({ ...await store.seenStatuses('sms:SM2') }, { delivered: 'y' }, 'a status seen after the others expired is alone')
  })
}
