/**
 * createDelivery on its own: idempotency, in-process sharing, other instances' claims, store
 * failures, ordering and the deadline. Time is faked (Node's mock timers; tap 21 ships no clock
 * and no fake-timer package is installed), so deadlines and store timeouts are exact.
 */
import { mock } from 'node:test'
import t from 'tap'
import type { FastifyBaseLogger } from 'fastify'
import type { Callback, ChannelConfig, DeliveryConfig } from '../../lib/config'
import { createDelivery, type Delivery, eventKey } from '../../lib/delivery/delivery'
import { createStats } from '../../lib/options/index'
import { CALL_STATUSES, MESSAGE_STATUSES } from '../../lib/families/statuses'
import { accountOf, type Channel } from '../../lib/families/index'
import { MemoryStore } from '../../lib/stores/memory'
import type { Claim, Stats, StatusStore } from '../../types/index'
import { EMPTY_TWIML } from '../../lib/dispatch/twiml'

const DAY = 24 * 60 * 60 * 1000
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>thanks</Message></Response>'

interface LogLine { level: string, obj: Record<string, unknown>, msg: string }

function recordingLog (): { log: FastifyBaseLogger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const log: Record<string, unknown> = { level: 'info', silent () {} }
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) {
    log[level] = (obj: Record<string, unknown>, msg: string) => { lines.push({ level, obj, msg }) }
  }
  log.child = () => log
  return { log: log as unknown as FastifyBaseLogger, lines }
}

interface Callbacks { [status: string]: Callback | undefined, onAny?: Callback, onStale?: Callback }

function channelOf (channel: Channel, callbacks: Callbacks = {}): ChannelConfig {
  const { onAny, onStale, ...byStatus } = callbacks
  return {
    channel,
    path: `/${channel}`,
    byStatus: new Map(Object.entries(byStatus).filter((e): e is [string, Callback] => e[1] !== undefined)),
    onAny,
    onStale,
    known: new Set<string>(channel === 'sms' ? MESSAGE_STATUSES : CALL_STATUSES)
  }
}

/** A harness: one delivery function with its store, stats, log and the callbacks' calls. */
function setup (config: Partial<DeliveryConfig> = {}) {
  const stats: Stats = createStats()
  const { log, lines } = recordingLog()
  const store = config.store ?? new MemoryStore()
  const deliver = createDelivery({
    store,
    doneTtl: DAY,
    pendingTtl: 60_000,
    orderingTtl: null,
    deadline: 10_000,
    storeTimeout: 1000,
    stats,
    ...config
  })
  const calls: string[] = []
  /** A callback that records `name` and returns what `result` gives. */
  const rec = (name: string, result: () => unknown = () => undefined): Callback => () => {
    calls.push(name)
    return result()
  }
  function delivery (channel: ChannelConfig, status: string, sid: string, extra: Record<string, unknown> = {}): Delivery {
    const statusName = channel.channel === 'sms' ? 'MessageStatus' : 'CallStatus'
    const sidName = channel.channel === 'sms' ? 'MessageSid' : 'CallSid'
    const event = { AccountSid: 'AC1', [statusName]: status, [sidName]: sid, ...extra }
    return { channel, account: accountOf(event), status, sid, event, request: { log } }
  }
  return { deliver, stats, lines, store, calls, rec, delivery }
}

function deferred<T = unknown> (): { promise: Promise<T>, resolve: (value: T) => void, reject: (err: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

/** Let promise chains run (setImmediate stays real under the fake timers). */
async function flush (): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Fake setTimeout/clearTimeout (and Date) for this test. */
function fakeTimers (t: tap.Test): void {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] })
  t.teardown(() => mock.timers.reset())
}

/** Settle a promise into a value the test can inspect without an unhandled rejection. */
function outcome<T> (promise: Promise<T>): { settled: () => boolean, value: () => T | undefined, error: () => unknown } {
  let settled = false
  let value: T | undefined
  let error: unknown
  promise.then((v) => { settled = true; value = v }, (e) => { settled = true; error = e })
  return { settled: () => settled, value: () => value, error: () => error }
}

/** A store whose every method fails the way `fail` says, counting calls. */
function failingStore (fail: (op: string) => unknown): StatusStore & { calls: string[] } {
  const calls: string[] = []
  const method = (op: string) => () => {
    calls.push(op)
    return fail(op) as never
  }
  return { calls, claim: method('claim'), complete: method('complete'), release: method('release'), advance: method('advance') }
}

const sms = channelOf('sms')
const call = channelOf('call')

t.test('eventKey: account, Sid, status and the family\'s key parameters', async (t) => {
  const { delivery } = setup()
  t.equal(eventKey(delivery(sms, 'delivered', 'SM1')), 'sms:AC1:SM1:delivered', 'account, Sid and status')
  t.equal(eventKey(delivery(sms, 'sent', 'SM1')), 'sms:AC1:SM1:sent', 'another status, another key')
  t.equal(eventKey(delivery(sms, 'delivered', 'SM1', { AccountSid: 'AC2' })), 'sms:AC2:SM1:delivered', 'another account, another key')
  t.equal(eventKey(delivery(sms, 'delivered', 'SM1', { AccountSid: undefined })), 'sms::SM1:delivered', 'no AccountSid: the empty account')
  t.equal(eventKey(delivery(call, 'ringing', 'CA1', { SequenceNumber: '3' })), 'call:AC1:CA1:ringing:3', 'calls add SequenceNumber')
  t.equal(eventKey(delivery(call, 'ringing', 'CA1', { SequenceNumber: '4' })), 'call:AC1:CA1:ringing:4')
  t.equal(eventKey(delivery(call, 'ringing', 'CA1')), 'call:AC1:CA1:ringing', 'no SequenceNumber')
  t.equal(eventKey(delivery(call, 'ringing', 'CA1', { SequenceNumber: 3 })), 'call:AC1:CA1:ringing', 'a non-text SequenceNumber is left out')
  t.equal(eventKey(delivery(call, 'completed', 'CA1', { SequenceNumber: '3' })), 'call:AC1:CA1:completed', 'a call\'s terminal status is keyed without SequenceNumber: a reconciled one has none')
  t.equal(eventKey(delivery(sms, 'delivered', '')), null, 'no Sid, no key')
})

t.test('accounts are apart: one account\'s events never make another\'s a duplicate or stale', async (t) => {
  t.test('the same Sid and status from another account is not a duplicate', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const channel = channelOf('sms', { delivered: rec('delivered') })
    await deliver(delivery(channel, 'delivered', 'SM1', { AccountSid: 'AC2' }))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.same(calls, ['delivered', 'delivered'])
    t.equal(stats.duplicates, 0)
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.equal(stats.duplicates, 1, 'the account\'s own redelivery still is one')
  })

  t.test('ordering is per account: another account\'s later status leaves this one fresh', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', { delivered: rec('delivered'), read: rec('read'), onStale: rec('stale') })
    await deliver(delivery(channel, 'read', 'SM1', { AccountSid: 'AC2' }))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.same(calls, ['read', 'delivered'])
    t.equal(stats.stale, 0)
    await deliver(delivery(channel, 'read', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM1'))
    t.same(calls, ['read', 'delivered', 'read', 'stale'], 'the account\'s own order still holds')
  })

  t.test('an AccountSid with \':\' or \'%\' cannot reach into another account\'s keys', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const channel = channelOf('call', { ringing: rec('ringing'), onAny: rec('any') })
    // Unescaped, this key would be `call:AC1:CA1:ringing:5`: the key of AC1's own event below.
    await deliver(delivery(channel, '5', 'ringing', { AccountSid: 'AC1:CA1' }))
    await deliver(delivery(channel, 'ringing', 'CA1', { SequenceNumber: '5' }))
    await deliver(delivery(channel, '5', 'ringing', { AccountSid: 'AC1%3ACA1' }))
    t.same(calls, ['any', 'ringing', 'any', 'any'])
    t.equal(stats.duplicates, 0)
  })
})

t.test('idempotency', async (t) => {
  t.test('a handled event is not run again and gets the original TwiML reply', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const channel = channelOf('sms', { delivered: rec('delivered', () => TWIML), onAny: rec('any') })
    t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML)
    t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML)
    t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML)
    t.same(calls, ['delivered', 'any'])
    t.match(stats, { dispatched: 1, duplicates: 2, storeErrors: 0 })
  })

  t.test('a reply that is not TwiML is stored as the empty document', async (t) => {
    const { deliver, calls, rec, delivery } = setup()
    const channel = channelOf('sms', { sent: rec('sent', () => 'OK') })
    t.equal(await deliver(delivery(channel, 'sent', 'SM1')), EMPTY_TWIML)
    t.equal(await deliver(delivery(channel, 'sent', 'SM1')), EMPTY_TWIML)
    t.same(calls, ['sent'])
  })

  t.test('distinct events all run', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const channel = channelOf('call', { onAny: rec('any') })
    await deliver(delivery(channel, 'ringing', 'CA1', { SequenceNumber: '1' }))
    await deliver(delivery(channel, 'completed', 'CA1', { SequenceNumber: '2' }))
    await deliver(delivery(channel, 'completed', 'CA2', { SequenceNumber: '2' }))
    t.equal(calls.length, 3)
    t.equal(stats.duplicates, 0)
  })

  t.test('failing callbacks release the key, so a redelivery runs them again', async (t) => {
    const { deliver, stats, store, calls, rec, delivery } = setup()
    let fail = true
    const channel = channelOf('sms', {
      delivered: rec('delivered', () => { if (fail) throw new Error('db down') }),
      onAny: rec('any')
    })
    await t.rejects(deliver(delivery(channel, 'delivered', 'SM1')), { code: 'FST_TWILIO_CALLBACK_FAILED', statusCode: 500 })
    t.same(await store.claim('sms:AC1:SM1:delivered', 1000), { state: 'claimed' }, 'the key was released')
    await store.release('sms:AC1:SM1:delivered')
    fail = false
    t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), EMPTY_TWIML, 'the redelivery runs them')
    t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), EMPTY_TWIML, 'then it is a duplicate')
    t.same(calls, ['delivered', 'any', 'delivered', 'any'])
    t.match(stats, { dispatched: 1, duplicates: 1 })
  })

  t.test('onAny failing alone releases the key too', async (t) => {
    const { deliver, calls, rec, delivery } = setup()
    let fail = true
    const channel = channelOf('sms', { onAny: rec('any', () => (fail ? Promise.reject(new Error('x')) : undefined)) })
    await t.rejects(deliver(delivery(channel, 'sent', 'SM1')), { code: 'FST_TWILIO_CALLBACK_FAILED' })
    fail = false
    await deliver(delivery(channel, 'sent', 'SM1'))
    t.same(calls, ['any', 'any'])
  })

  t.test('an event without a Sid runs every time and never touches the store', async (t) => {
    const store = failingStore(() => { throw new Error('must not be called') })
    const { deliver, stats, calls, rec, delivery } = setup({ store, orderingTtl: DAY })
    const channel = channelOf('sms', { onAny: rec('any') })
    await deliver(delivery(channel, 'delivered', ''))
    await deliver(delivery(channel, 'delivered', ''))
    t.equal(calls.length, 2)
    t.same(store.calls, [])
    t.match(stats, { dispatched: 2, duplicates: 0, storeErrors: 0 })
  })

  t.test('doneTtl null turns it off: every delivery runs, the store is not used', async (t) => {
    const store = failingStore(() => { throw new Error('must not be called') })
    const { deliver, stats, calls, rec, delivery } = setup({ store, doneTtl: null })
    const gate = deferred()
    const channel = channelOf('sms', { delivered: rec('delivered', () => gate.promise) })
    const first = deliver(delivery(channel, 'delivered', 'SM1'))
    const second = deliver(delivery(channel, 'delivered', 'SM1'))
    await flush()
    t.same(calls, ['delivered', 'delivered'], 'concurrent duplicates both run')
    gate.resolve(TWIML)
    t.same(await Promise.all([first, second]), [TWIML, TWIML])
    t.same(store.calls, [])
    t.match(stats, { dispatched: 2, duplicates: 0 })
  })

  t.test('the store keeps the key for doneTtl and claims for pendingTtl', async (t) => {
    const seen: Array<[string, string, number]> = []
    const inner = new MemoryStore()
    const store: StatusStore = {
      claim: (key, ttl) => { seen.push(['claim', key, ttl]); return inner.claim(key, ttl) },
      complete: (key, reply, ttl) => { seen.push(['complete', key, ttl]); return inner.complete(key, reply, ttl) },
      release: (key) => inner.release(key),
      advance: (subject, rank, ttl) => { seen.push(['advance', subject, ttl]); return inner.advance(subject, rank, ttl) }
    }
    const { deliver, delivery } = setup({ store, doneTtl: 5000, pendingTtl: 700, orderingTtl: 9000 })
    await deliver(delivery(sms, 'sent', 'SM1'))
    t.same(seen, [['claim', 'sms:AC1:SM1:sent', 700], ['advance', 'o:sms:AC1:SM1', 9000], ['complete', 'sms:AC1:SM1:sent', 5000]])
  })
})

t.test('a store with claimInOrder claims and orders an ordered event in one call', async (t) => {
  const seen: unknown[][] = []
  const inner = new MemoryStore()
  const store: StatusStore = {
    claim: (key, ttl) => { seen.push(['claim', key]); return inner.claim(key, ttl) },
    complete: (key, reply, ttl) => { seen.push(['complete', key]); return inner.complete(key, reply, ttl) },
    release: (key) => inner.release(key),
    advance: (subject, rank, ttl) => { seen.push(['advance', subject]); return inner.advance(subject, rank, ttl) },
    claimInOrder: async (key, ttl, subject, rank, orderTtl) => {
      seen.push(['claimInOrder', key, ttl, subject, typeof rank, orderTtl])
      const claim = inner.claim(key, ttl)
      return claim.state === 'claimed' ? { state: 'claimed', stale: !inner.advance(subject, rank, orderTtl) } : claim
    }
  }
  const { deliver, stats, calls, rec, delivery } = setup({ store, pendingTtl: 700, orderingTtl: 9000 })
  const channel = channelOf('sms', { delivered: rec('delivered'), sent: rec('sent'), onStale: rec('stale') })
  await deliver(delivery(channel, 'delivered', 'SM1'))
  t.same(seen, [['claimInOrder', 'sms:AC1:SM1:delivered', 700, 'o:sms:AC1:SM1', 'number', 9000], ['complete', 'sms:AC1:SM1:delivered']], 'no separate advance')
  seen.length = 0
  await deliver(delivery(channel, 'sent', 'SM1'))
  t.same(seen, [['claimInOrder', 'sms:AC1:SM1:sent', 700, 'o:sms:AC1:SM1', 'number', 9000], ['complete', 'sms:AC1:SM1:sent']])
  t.same(calls, ['delivered', 'stale'], 'the store said stale: onStale, not onSent')
  t.match(stats, { stale: 1, dispatched: 2 })
  seen.length = 0
  t.equal(await deliver(delivery(channel, 'sent', 'SM1')), EMPTY_TWIML)
  t.same(seen, [['claimInOrder', 'sms:AC1:SM1:sent', 700, 'o:sms:AC1:SM1', 'number', 9000]], 'a duplicate: answered from the claim')
  t.match(stats, { duplicates: 1 })
  seen.length = 0
  await deliver(delivery(channel, 'no-such-status', 'SM1'))
  t.same(seen, [['claim', 'sms:AC1:SM1:no-such-status'], ['complete', 'sms:AC1:SM1:no-such-status']], 'an event without a rank: a plain claim')
})

t.test('with ordering off, a store\'s claimInOrder is not used', async (t) => {
  const inner = new MemoryStore()
  const used: string[] = []
  const store: StatusStore = {
    claim: (key, ttl) => { used.push('claim'); return inner.claim(key, ttl) },
    complete: (key, reply, ttl) => inner.complete(key, reply, ttl),
    release: (key) => inner.release(key),
    advance: (subject, rank, ttl) => inner.advance(subject, rank, ttl),
    claimInOrder: () => { throw new Error('must not be called') }
  }
  const { deliver, delivery } = setup({ store })
  await deliver(delivery(sms, 'delivered', 'SM1'))
  t.same(used, ['claim'])
})

t.test('a duplicate arriving while the first runs, in this process', async (t) => {
  t.test('waits for it and shares its success', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const gate = deferred()
    const channel = channelOf('sms', { delivered: rec('delivered', () => gate.promise) })
    const first = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
    await flush()
    const second = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
    await flush()
    t.same(calls, ['delivered'], 'run once')
    t.notOk(second.settled(), 'the duplicate is not answered before the first succeeded')
    gate.resolve(TWIML)
    await flush()
    t.equal(first.value(), TWIML)
    t.equal(second.value(), TWIML)
    t.match(stats, { dispatched: 1, duplicates: 1, inProgress: 0 })
  })

  t.test('a duplicate arriving before the claim is answered still waits', async (t) => {
    // Both start in the same tick, before the store has answered the first claim.
    const inner = new MemoryStore()
    const store: StatusStore = {
      claim: async (key, ttl) => await Promise.resolve(inner.claim(key, ttl)),
      complete: async (key, reply, ttl) => { inner.complete(key, reply, ttl) },
      release: async (key) => { inner.release(key) },
      advance: async (subject, rank, ttl) => inner.advance(subject, rank, ttl)
    }
    const { deliver, stats, calls, rec, delivery } = setup({ store })
    const channel = channelOf('sms', { delivered: rec('delivered', () => TWIML) })
    t.same(await Promise.all([deliver(delivery(channel, 'delivered', 'SM1')), deliver(delivery(channel, 'delivered', 'SM1'))]), [TWIML, TWIML])
    t.same(calls, ['delivered'])
    t.match(stats, { duplicates: 1, inProgress: 0 })
  })

  t.test('waits for it and shares its failure; a later redelivery runs again', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const gate = deferred()
    const channel = channelOf('sms', { delivered: rec('delivered', () => gate.promise) })
    const first = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
    const second = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
    await flush()
    t.notOk(second.settled())
    gate.reject(new Error('db down'))
    await flush()
    t.match(first.error(), { code: 'FST_TWILIO_CALLBACK_FAILED' })
    t.equal(second.error(), first.error(), 'the same failure')
    t.equal(stats.dispatched, 0)
    // The gate stays rejected: the redelivery runs the callback again and fails afresh.
    const third = await deliver(delivery(channel, 'delivered', 'SM1')).catch((err: Error) => err)
    t.not(third, first.error(), 'a new run, not the shared outcome')
    t.equal((third as Error).cause, (first.error() as Error).cause)
    t.same(calls, ['delivered', 'delivered'])
  })
})

t.test('a claim held by another instance: 503 FST_TWILIO_IN_PROGRESS, no callback', async (t) => {
  const shared = new MemoryStore()
  const { deliver, stats, calls, rec, delivery } = setup({ store: shared })
  const channel = channelOf('sms', { delivered: rec('delivered') })
  shared.claim('sms:AC1:SM1:delivered', 60_000) // the other instance
  await t.rejects(deliver(delivery(channel, 'delivered', 'SM1')), {
    code: 'FST_TWILIO_IN_PROGRESS',
    statusCode: 503,
    message: 'Event SM1 (delivered) is being handled by another instance; retry later'
  })
  t.same(calls, [])
  t.match(stats, { inProgress: 1, duplicates: 0, dispatched: 0 })

  shared.complete('sms:AC1:SM1:delivered', TWIML, DAY) // the other instance succeeded
  t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML)
  t.same(calls, [])
  t.match(stats, { inProgress: 1, duplicates: 1 })
})

t.test('two instances sharing a store', async (t) => {
  const shared = new MemoryStore()
  const a = setup({ store: shared })
  const b = setup({ store: shared })
  const gate = deferred()
  const onA = channelOf('sms', { delivered: a.rec('delivered', () => gate.promise) })
  const onB = channelOf('sms', { delivered: b.rec('delivered', () => 'never') })
  const first = a.deliver(a.delivery(onA, 'delivered', 'SM1'))
  await flush()
  await t.rejects(b.deliver(b.delivery(onB, 'delivered', 'SM1')), { code: 'FST_TWILIO_IN_PROGRESS' }, 'B while A runs')
  gate.resolve(TWIML)
  t.equal(await first, TWIML)
  t.equal(await b.deliver(b.delivery(onB, 'delivered', 'SM1')), TWIML, 'B after A: a duplicate, with A\'s reply')
  t.same(a.calls, ['delivered'])
  t.same(b.calls, [])
})

t.test('store failures: the event is processed anyway, counted and logged', async (t) => {
  const failures: Array<[string, (op: string) => unknown]> = [
    ['throwing', () => { throw new Error('store down') }],
    ['rejecting', () => Promise.reject(new Error('store down'))]
  ]
  for (const [name, fail] of failures) {
    t.test(name, async (t) => {
      const store = failingStore(fail)
      const { deliver, stats, lines, calls, rec, delivery } = setup({ store, orderingTtl: DAY })
      const channel = channelOf('sms', { delivered: rec('delivered', () => TWIML) })
      t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML)
      await flush()
      t.same(calls, ['delivered'])
      t.same(store.calls, ['claim', 'advance', 'complete'], 'processed without a claim, then recorded as handled (tried)')
      t.match(stats, { storeErrors: 3, dispatched: 1 })
      const errors = lines.filter((l) => l.level === 'error')
      t.match(errors, [
        { obj: { op: 'claim', err: { message: 'store down' } }, msg: 'fastify-twilio-status: store failed, processing without it' },
        { obj: { op: 'advance' } },
        { obj: { op: 'complete' } }
      ])

      t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML, 'the redelivery runs again: at least once')
      await flush()
      t.same(store.calls, ['claim', 'advance', 'complete', 'claim', 'advance', 'complete'], 'and tries the store again')
      t.same(calls, ['delivered', 'delivered'])
      t.equal(stats.storeErrors, 6)
    })
  }
})

t.test('a store that never answers times out after storeTimeout', async (t) => {
  fakeTimers(t)
  const store = failingStore(() => new Promise(() => {}))
  const { deliver, stats, lines, calls, rec, delivery } = setup({ store, storeTimeout: 50, orderingTtl: DAY })
  const channel = channelOf('sms', { delivered: rec('delivered', () => TWIML) })
  const result = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
  await flush()
  mock.timers.tick(49)
  await flush()
  t.same(calls, [], 'still waiting for the claim')
  mock.timers.tick(1)
  await flush()
  t.same(store.calls, ['claim', 'advance'])
  mock.timers.tick(50)
  await flush()
  t.equal(result.value(), TWIML)
  t.same(calls, ['delivered'])
  t.match(stats, { storeErrors: 2, dispatched: 1, deadlines: 0 })
  t.match(lines.filter((l) => l.level === 'error'), [
    { obj: { op: 'claim', err: { code: 'FST_TWILIO_STORE_TIMEOUT', message: 'Store claim did not answer within 50 ms' } } },
    { obj: { op: 'advance', err: { code: 'FST_TWILIO_STORE_TIMEOUT' } } }
  ])
})

/** A MemoryStore whose first claim answers only after `delay` ms (a paused or restarting Redis). */
function lateFirstClaim (delay: number): StatusStore {
  const inner = new MemoryStore()
  let first = true
  return {
    claim (key, ttl) {
      if (!first) return inner.claim(key, ttl)
      first = false
      return new Promise<Claim>((resolve) => setTimeout(() => resolve(inner.claim(key, ttl)), delay))
    },
    complete: (key, reply, ttl) => inner.complete(key, reply, ttl),
    release: (key) => inner.release(key),
    advance: (subject, rank, ttl) => inner.advance(subject, rank, ttl)
  }
}

t.test('a claim that times out and lands late is completed: a redelivery is a duplicate, never "in progress"', async (t) => {
  fakeTimers(t)
  const store = lateFirstClaim(200)
  const { deliver, stats, calls, rec, delivery } = setup({ store, storeTimeout: 50 })
  const channel = channelOf('sms', { received: rec('received', () => TWIML) })
  const first = outcome(deliver(delivery(channel, 'received', 'SM1')))
  await flush()
  mock.timers.tick(50)
  await flush()
  t.equal(first.value(), TWIML, 'processed without the claim')
  mock.timers.tick(150)
  await flush()
  // The late claim has landed: it must not hold the event as pending.
  t.equal(await deliver(delivery(channel, 'received', 'SM1')), TWIML, 'the redelivery gets the first reply')
  t.same(calls, ['received'], 'and runs nothing')
  t.match(stats, { storeErrors: 1, dispatched: 1, duplicates: 1, inProgress: 0 })
})

t.test('a late claim of an event whose callbacks failed is released: a redelivery runs it', async (t) => {
  fakeTimers(t)
  const store = lateFirstClaim(200)
  const { deliver, stats, calls, rec, delivery } = setup({ store, storeTimeout: 50 })
  let fail = true
  const channel = channelOf('sms', { delivered: rec('delivered', () => { if (fail) throw new Error('db down') }) })
  const first = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
  await flush()
  mock.timers.tick(50)
  await flush()
  t.match(first.error(), { code: 'FST_TWILIO_CALLBACK_FAILED' })
  mock.timers.tick(150)
  await flush()
  fail = false
  t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), EMPTY_TWIML, 'not 503: nothing holds it')
  t.same(calls, ['delivered', 'delivered'])
  t.match(stats, { inProgress: 0, dispatched: 1 })
})

t.test('a late claim that finds the event handled elsewhere leaves it alone', async (t) => {
  fakeTimers(t)
  const inner = new MemoryStore()
  inner.complete('sms:AC1:SM1:delivered', '', DAY)
  const released: string[] = []
  const store: StatusStore = {
    claim: (key, ttl) => new Promise<Claim>((resolve) => setTimeout(() => resolve(inner.claim(key, ttl)), 200)),
    complete: (key, reply, ttl) => inner.complete(key, reply, ttl),
    release: (key) => { released.push(key) },
    advance: (subject, rank, ttl) => inner.advance(subject, rank, ttl)
  }
  const { deliver, rec, delivery } = setup({ store, storeTimeout: 50 })
  const channel = channelOf('sms', { delivered: rec('delivered', () => { throw new Error('boom') }) })
  const first = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
  await flush()
  mock.timers.tick(200)
  await flush()
  t.match(first.error(), { code: 'FST_TWILIO_CALLBACK_FAILED' })
  t.same(released, [], 'no release of a claim that is not ours')
  t.same(inner.claim('sms:AC1:SM1:delivered', 1000), { state: 'done', reply: '' })
})

t.test('a store that fails once recovers on the next request', async (t) => {
  const inner = new MemoryStore()
  let down = true
  const guard = <T>(call: () => T): T => {
    if (down) throw new Error('store down')
    return call()
  }
  const store: StatusStore = {
    claim: (key, ttl) => guard(() => inner.claim(key, ttl)),
    complete: (key, reply, ttl) => guard(() => inner.complete(key, reply, ttl)),
    release: (key) => guard(() => inner.release(key)),
    advance: (subject, rank, ttl) => guard(() => inner.advance(subject, rank, ttl))
  }
  const { deliver, stats, calls, rec, delivery } = setup({ store })
  const channel = channelOf('sms', { delivered: rec('delivered') })
  await deliver(delivery(channel, 'delivered', 'SM1'))
  down = false
  await deliver(delivery(channel, 'delivered', 'SM1'))
  await deliver(delivery(channel, 'delivered', 'SM1'))
  t.same(calls, ['delivered', 'delivered'], 'run without the store, then with it, then a duplicate')
  t.match(stats, { storeErrors: 2, dispatched: 2, duplicates: 1 }, 'the claim and the attempt to record it handled failed')
})

t.test('complete failing: the reply is still sent, the failure counted', async (t) => {
  const inner = new MemoryStore()
  const store: StatusStore = {
    claim: (key, ttl) => inner.claim(key, ttl),
    complete: async () => { throw new Error('write failed') },
    release: (key) => inner.release(key),
    advance: (subject, rank, ttl) => inner.advance(subject, rank, ttl)
  }
  const { deliver, stats, lines, rec, delivery } = setup({ store })
  const channel = channelOf('sms', { delivered: rec('delivered', () => TWIML) })
  t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML)
  t.match(stats, { storeErrors: 1, dispatched: 1 })
  t.match(lines, [{ level: 'error', obj: { op: 'complete' } }])
})

t.test('release failing: the callback\'s failure is what is answered', async (t) => {
  const inner = new MemoryStore()
  const store: StatusStore = {
    claim: (key, ttl) => inner.claim(key, ttl),
    complete: (key, reply, ttl) => inner.complete(key, reply, ttl),
    release: () => { throw new Error('release failed') },
    advance: (subject, rank, ttl) => inner.advance(subject, rank, ttl)
  }
  const { deliver, stats, lines, rec, delivery } = setup({ store })
  const channel = channelOf('sms', { delivered: rec('delivered', () => { throw new Error('boom') }) })
  await t.rejects(deliver(delivery(channel, 'delivered', 'SM1')), { code: 'FST_TWILIO_CALLBACK_FAILED', cause: { message: 'boom' } })
  t.match(stats, { storeErrors: 1, dispatched: 0 })
  t.match(lines, [{ level: 'error', obj: { op: 'release', err: { message: 'release failed' } } }])
})

t.test('ordering', async (t) => {
  const messageCallbacks = (rec: (name: string, result?: () => unknown) => Callback): Callbacks => ({
    sent: rec('sent', () => TWIML),
    delivered: rec('delivered'),
    undelivered: rec('undelivered'),
    read: rec('read'),
    received: rec('received'),
    onAny: rec('any'),
    onStale: rec('stale', () => TWIML)
  })

  t.test('sent after delivered goes to onStale (and onAny), not onSent', async (t) => {
    const { deliver, stats, lines, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.equal(await deliver(delivery(channel, 'sent', 'SM1')), EMPTY_TWIML, 'acknowledged; onStale cannot reply')
    t.same(calls, ['delivered', 'any', 'stale', 'any'])
    t.match(stats, { stale: 1, dispatched: 2 })
    t.match(lines, [{ level: 'info', obj: { sid: 'SM1', status: 'sent' }, msg: 'fastify-twilio-status: stale event, passed to onStale' }])
  })

  t.test('an async onStale that resolves to TwiML is still only acknowledged', async (t) => {
    const { deliver, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', { delivered: rec('delivered'), onStale: rec('stale', async () => TWIML) })
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.equal(await deliver(delivery(channel, 'sent', 'SM1')), EMPTY_TWIML)
    t.same(calls, ['delivered', 'stale'])
  })

  t.test('read after delivered is progress; equal ranks are fresh', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'sent', 'SM1'))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'undelivered', 'SM1'))
    await deliver(delivery(channel, 'read', 'SM1'))
    t.same(calls, ['sent', 'any', 'delivered', 'any', 'undelivered', 'any', 'read', 'any'])
    t.equal(stats.stale, 0)
  })

  t.test('subjects are per Sid', async (t) => {
    const { deliver, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM2'))
    t.same(calls, ['delivered', 'any', 'sent', 'any'])
  })

  t.test('unranked statuses are always dispatched', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'read', 'SM1'))
    await deliver(delivery(channel, 'received', 'SM1'))
    await deliver(delivery(channel, 'bogus', 'SM1'))
    t.same(calls, ['read', 'any', 'received', 'any', 'any'])
    t.equal(stats.stale, 0)
  })

  t.test('regression: a status named like an Object.prototype member does not reset the order', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'constructor', 'SM1'))
    await deliver(delivery(channel, '__proto__', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM1'))
    t.same(calls, ['delivered', 'any', 'any', 'any', 'stale', 'any'], 'sent is still stale')
    t.equal(stats.stale, 1)
  })

  t.test('calls: a lower SequenceNumber is stale, whatever the status', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('call', { ringing: rec('ringing'), 'in-progress': rec('in-progress'), completed: rec('completed'), onStale: rec('stale') })
    await deliver(delivery(channel, 'in-progress', 'CA1', { SequenceNumber: '3' }))
    await deliver(delivery(channel, 'ringing', 'CA1', { SequenceNumber: '1' }))
    await deliver(delivery(channel, 'in-progress', 'CA1', { SequenceNumber: '2' }))
    await deliver(delivery(channel, 'completed', 'CA1', { SequenceNumber: '10' }))
    t.same(calls, ['in-progress', 'stale', 'stale', 'completed'])
    t.equal(stats.stale, 2)
  })

  t.test('without onStale a stale event reaches only onAny, and is acknowledged', async (t) => {
    const { deliver, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', { sent: rec('sent'), onAny: rec('any') })
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.equal(await deliver(delivery(channel, 'sent', 'SM1')), EMPTY_TWIML)
    t.same(calls, ['any', 'any'])
  })

  t.test('a stale event is recorded as handled: its redelivery is a duplicate', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', { onStale: rec('stale') })
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM1'))
    t.same(calls, ['stale'])
    t.match(stats, { stale: 1, duplicates: 1 })
  })

  t.test('a failing onStale releases the key like any callback', async (t) => {
    const { deliver, calls, rec, delivery } = setup({ orderingTtl: DAY })
    let fail = true
    const channel = channelOf('sms', { onStale: rec('stale', () => { if (fail) throw new Error('x') }) })
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await t.rejects(deliver(delivery(channel, 'sent', 'SM1')), { code: 'FST_TWILIO_CALLBACK_FAILED' })
    fail = false
    await deliver(delivery(channel, 'sent', 'SM1'))
    t.same(calls, ['stale', 'stale'])
  })

  t.test('ordering works with idempotency off', async (t) => {
    const { deliver, calls, rec, delivery } = setup({ orderingTtl: DAY, doneTtl: null })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM1'))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    t.same(calls, ['delivered', 'any', 'stale', 'any', 'delivered', 'any'])
  })

  t.test('off by default (orderingTtl null): a late status is dispatched', async (t) => {
    const { deliver, stats, calls, rec, delivery } = setup()
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'sent', 'SM1'))
    t.same(calls, ['delivered', 'any', 'sent', 'any'])
    t.equal(stats.stale, 0)
  })

  t.test('an event without a Sid is not ordered', async (t) => {
    const { deliver, calls, rec, delivery } = setup({ orderingTtl: DAY })
    const channel = channelOf('sms', messageCallbacks(rec))
    await deliver(delivery(channel, 'delivered', ''))
    await deliver(delivery(channel, 'sent', ''))
    t.same(calls, ['delivered', 'any', 'sent', 'any'])
  })

  t.test('ordering shared between instances through the store', async (t) => {
    const shared = new MemoryStore()
    const a = setup({ store: shared, orderingTtl: DAY })
    const b = setup({ store: shared, orderingTtl: DAY })
    await a.deliver(a.delivery(channelOf('sms', messageCallbacks(a.rec)), 'delivered', 'SM1'))
    await b.deliver(b.delivery(channelOf('sms', messageCallbacks(b.rec)), 'sent', 'SM1'))
    t.same(b.calls, ['stale', 'any'])
  })
})

t.test('the deadline', async (t) => {
  t.test('a callback still running at the deadline is answered 503, then recorded when it succeeds', async (t) => {
    fakeTimers(t)
    const { deliver, stats, lines, calls, rec, delivery } = setup({ deadline: 10_000 })
    const gate = deferred()
    const channel = channelOf('call', { completed: rec('completed', () => gate.promise) })
    const event = () => delivery(channel, 'completed', 'CA1', { SequenceNumber: '4' })
    const first = outcome(deliver(event()))
    await flush()
    mock.timers.tick(9_999)
    await flush()
    t.notOk(first.settled(), 'not before the deadline')
    mock.timers.tick(1)
    await flush()
    t.match(first.error(), { code: 'FST_TWILIO_DEADLINE', statusCode: 503, message: 'Callbacks for CA1 (completed) still running after 10000 ms' })
    t.match(stats, { deadlines: 1, dispatched: 0 })
    t.match(lines, [{ level: 'warn', obj: { sid: 'CA1', status: 'completed', deadline: 10_000 }, msg: 'fastify-twilio-status: callbacks past the deadline, answered 503' }])

    // Twilio retries (rp=5xx) while the callback still runs: it joins the running work.
    const retry = outcome(deliver(event()))
    await flush()
    t.same(calls, ['completed'])
    gate.resolve(TWIML)
    await flush()
    t.equal(retry.value(), TWIML, 'the retry shares the late success')
    t.match(lines, [{}, { level: 'info', msg: 'fastify-twilio-status: late callbacks succeeded, event recorded as handled' }])
    t.equal(await deliver(event()), TWIML, 'a later redelivery is a duplicate')
    t.same(calls, ['completed'], 'never run twice')
    t.match(stats, { deadlines: 1, dispatched: 1, duplicates: 2 })
  })

  t.test('when the late callback fails, the event is released and a redelivery runs it', async (t) => {
    fakeTimers(t)
    const { deliver, stats, lines, calls, rec, delivery } = setup({ deadline: 5000 })
    const gate = deferred()
    let attempt = 0
    const channel = channelOf('sms', { delivered: rec('delivered', () => (++attempt === 1 ? gate.promise : TWIML)) })
    const first = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
    await flush()
    mock.timers.tick(5000)
    await flush()
    t.match(first.error(), { code: 'FST_TWILIO_DEADLINE' })
    gate.reject(new Error('timeout talking to the CRM'))
    await flush()
    t.match(lines, [{ level: 'warn' }, { level: 'error', obj: { sid: 'SM1', status: 'delivered', err: { code: 'FST_TWILIO_CALLBACK_FAILED' } }, msg: 'fastify-twilio-status: late callbacks failed, event released' }])
    t.equal(await deliver(delivery(channel, 'delivered', 'SM1')), TWIML, 'the redelivery runs it')
    t.same(calls, ['delivered', 'delivered'])
    t.match(stats, { deadlines: 1, dispatched: 1, duplicates: 0 })
  })

  t.test('a fast delivery clears its deadline timer', async (t) => {
    fakeTimers(t)
    const { deliver, stats, lines, rec, delivery } = setup({ deadline: 100 })
    const channel = channelOf('sms', { delivered: rec('delivered') })
    await deliver(delivery(channel, 'delivered', 'SM1'))
    await deliver(delivery(channel, 'delivered', 'SM1'))
    mock.timers.tick(1000)
    await flush()
    t.equal(stats.deadlines, 0)
    t.same(lines, [])
  })

  t.test('a failure before the deadline is answered as it is, no deadline log', async (t) => {
    fakeTimers(t)
    const { deliver, stats, lines, rec, delivery } = setup({ deadline: 100 })
    const channel = channelOf('sms', { delivered: rec('delivered', () => { throw new Error('x') }) })
    await t.rejects(deliver(delivery(channel, 'delivered', 'SM1')), { code: 'FST_TWILIO_CALLBACK_FAILED' })
    mock.timers.tick(1000)
    t.equal(stats.deadlines, 0)
    t.same(lines, [])
  })

  t.test('events without a key have a deadline too', async (t) => {
    fakeTimers(t)
    const { deliver, stats, rec, delivery } = setup({ deadline: 100, doneTtl: null })
    const gate = deferred()
    const channel = channelOf('sms', { delivered: rec('delivered', () => gate.promise) })
    const first = outcome(deliver(delivery(channel, 'delivered', 'SM1')))
    await flush()
    mock.timers.tick(100)
    await flush()
    t.match(first.error(), { code: 'FST_TWILIO_DEADLINE' })
    gate.resolve(undefined)
    await flush()
    t.match(stats, { deadlines: 1, dispatched: 1 })
  })
})

t.test('claims are reported as the store says', async (t) => {
  // A store answering `done` straight away (another instance handled it long ago).
  const done: Claim = { state: 'done', reply: TWIML }
  const store: StatusStore = { claim: () => done, complete: () => {}, release: () => {}, advance: () => true }
  const { deliver, stats, calls, rec, delivery } = setup({ store })
  t.equal(await deliver(delivery(channelOf('sms', { onAny: rec('any') }), 'sent', 'SM9')), TWIML)
  t.same(calls, [])
  t.equal(stats.duplicates, 1)
})
