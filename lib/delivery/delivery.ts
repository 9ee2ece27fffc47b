/**
 * At-least-once in, exactly-once out (as far as a store can make it): idempotency, ordering
 * and the deadline around `dispatch`. docs/twilio-facts.md §4.1, §4.3–§4.4: Twilio may deliver an event twice
 * or out of order, and gives up after 15 s.
 *
 * An event is marked handled only after all its callbacks succeeded; a failure releases it so a
 * redelivery runs them again. A duplicate that arrives while the first delivery runs waits for
 * it in this process, or is answered 503 when another instance holds it. A store failure is
 * logged and counted and the event is processed anyway: a lost event is worse than a twice-run
 * one, since Twilio does not redeliver a 5xx by default. Once the store answers again, such an
 * event is recorded as handled (or its late claim released), so it is not held "in progress".
 */
import type { FastifyBaseLogger } from 'fastify'
import { Deadlines } from './deadline'
import { withTimeout } from './timeout'
import { dispatchNow, isThenable } from '../dispatch/dispatch'
import { CallbackFailedError, DeadlineError, InProgressError, StoreTimeoutError } from '../errors'
import type { ChannelConfig, DeliveryConfig } from '../config'
import { accountSegment, keyOf, rankOf } from '../families/index'
import type { Claim } from '../../types/index'
import { EMPTY_TWIML, twimlOf } from '../dispatch/twiml'

/** One verified event, ready for delivery. */
export interface Delivery {
  readonly channel: ChannelConfig
  /**
   * The account the event belongs to (`accountOf`): part of its idempotency key and its ordering
   * subject, so that whoever can sign for one account never touches another's events.
   */
  readonly account: string
  readonly status: string
  readonly sid: string
  readonly event: Record<string, unknown>
  readonly request: { readonly log: FastifyBaseLogger }
}

const FAILED = Symbol('store failed')

/**
 * The idempotency key, from what Twilio signed: account, Sid, status and the family's key
 * parameters (a call's `SequenceNumber`, …).
 * `I-Twilio-Idempotency-Token` is not covered by the signature, so it never takes part: a
 * replayed request with another token would otherwise run again.
 */
export function eventKey ({ channel, account, status, sid, event }: Delivery): string | null {
  return sid === '' ? null : keyOf(channel.channel, account, sid, status, event)
}

/** The ordering subject of an event: its family, account and Sid. */
function subjectOf ({ channel, account, sid }: Delivery): string {
  return `o:${channel.channel}:${accountSegment(account)}:${sid}`
}

/** A delivery function: the reply, synchronously when the store and the callbacks answered so. */
export type Deliver = (delivery: Delivery) => string | Promise<string>

/** `createDeliver` with every outcome as a promise. */
export function createDelivery (config: DeliveryConfig): (delivery: Delivery) => Promise<string> {
  const deliverNow = createDeliver(config)
  return async function deliver (delivery) {
    return await deliverNow(delivery)
  }
}

/** Set when the claim failed: the store's own answer, still on its way after a timeout. */
interface Unclaimed { readonly claim: PromiseLike<Claim> | undefined }

/**
 * Deliveries, synchronous end to end while the store and the callbacks answer synchronously (the
 * memory store and plain functions): then an event costs no promise, no closure and no deadline
 * watch, and a failure is thrown. Once anything answers with a promise, the rest of that delivery
 * is asynchronous and answers by the deadline.
 */
export function createDeliver (config: DeliveryConfig): Deliver {
  const { store, stats, doneTtl, orderingTtl, pendingTtl } = config
  /** Events being handled asynchronously in this process: a duplicate shares the first one's outcome. */
  const running = new Map<string, Promise<string>>()

  const deadlines = new Deadlines(config.deadline)
  /** Claim and order in one step, when ordering is on and the store can. */
  const claimInOrder = orderingTtl === null ? undefined : store.claimInOrder?.bind(store)

  function failed (name: string, log: FastifyBaseLogger, err: unknown): typeof FAILED {
    stats.storeErrors++
    log.error({ err, op: name }, 'fastify-twilio-status: store failed, processing without it')
    return FAILED
  }

  /** A store's promise, bounded by `storeTimeout`: its value, or `FAILED` (logged and counted). */
  function timed<T> (name: string, log: FastifyBaseLogger, result: PromiseLike<T>): Promise<T | typeof FAILED> {
    return withTimeout(result, config.storeTimeout, () => new StoreTimeoutError(name, config.storeTimeout))
      .then(undefined, (err: unknown) => failed(name, log, err))
  }

  /**
   * A store call that never throws: failures and timeouts are logged, counted, and `FAILED`.
   * It answers synchronously when the store does (the memory store).
   */
  function safely<T> (name: string, log: FastifyBaseLogger, call: () => T | PromiseLike<T>): T | typeof FAILED | Promise<T | typeof FAILED> {
    let result: T | PromiseLike<T>
    try {
      result = call()
    } catch (err) {
      return failed(name, log, err)
    }
    return isThenable(result) ? timed(name, log, result) : result
  }

  /** The usual empty reply is stored as '': nothing to keep per event. */
  function complete (key: string, reply: string, log: FastifyBaseLogger): unknown {
    const stored = reply === EMPTY_TWIML ? '' : reply
    let result: void | PromiseLike<void>
    try {
      result = store.complete(key, stored, doneTtl as number)
    } catch (err) {
      return failed('complete', log, err)
    }
    return isThenable(result) ? timed('complete', log, result) : result
  }

  /**
   * An event processed without a claim (the store failed or timed out) still ends up recorded:
   * once its claim has settled (a timed-out claim may land late), a success is marked handled and
   * a failure releases the claim if it landed. Not awaited: the reply does not wait for a store
   * that is down, and `safely` logs what fails.
   */
  function settleUnclaimed (key: string, claim: PromiseLike<Claim> | undefined, reply: string | null, log: FastifyBaseLogger): void {
    const finish = (landed: boolean): void => {
      if (reply !== null) complete(key, reply, log)
      else if (landed) safely('release', log, () => store.release(key))
    }
    if (claim === undefined) finish(false)
    else Promise.resolve(claim).then((late) => { finish(late.state === 'claimed') }, () => { finish(false) })
  }

  /** The TwiML a status callback returned; a `toString` that throws is that callback's failure. */
  function replyOf (result: unknown, sid: string, status: string): string {
    try {
      return twimlOf(result) ?? EMPTY_TWIML
    } catch (cause) {
      throw new CallbackFailedError(sid, status, { cause })
    }
  }

  /** Where the event stands in its subject's order; `undefined` when ordering is off or cannot apply. */
  function rankFor ({ channel, status, sid, event }: Delivery): number | undefined {
    return orderingTtl === null || sid === '' ? undefined : rankOf(channel.channel, status, event)
  }

  /**
   * Claim the event (when it has a key; with the store's `claimInOrder`, ordered in the same
   * step), run its callbacks, then mark it handled or release it.
   */
  function run (delivery: Delivery, key: string | null): string | Promise<string> {
    if (key === null) return proceed(delivery, null, false, null)
    const rank = claimInOrder === undefined ? undefined : rankFor(delivery)
    let claim: Claim | PromiseLike<Claim> | typeof FAILED
    try {
      claim = rank === undefined
        ? store.claim(key, pendingTtl)
        : (claimInOrder as NonNullable<typeof claimInOrder>)(key, pendingTtl, subjectOf(delivery), rank, orderingTtl as number)
    } catch (err) {
      claim = failed('claim', delivery.request.log, err)
    }
    if (isThenable(claim)) return claimLater(delivery, key, claim)
    return afterClaim(delivery, key, claim, undefined)
  }

  async function claimLater (delivery: Delivery, key: string, sent: PromiseLike<Claim>): Promise<string> {
    return await afterClaim(delivery, key, await timed('claim', delivery.request.log, sent), sent)
  }

  function afterClaim (delivery: Delivery, key: string, claim: Claim | typeof FAILED, sent: PromiseLike<Claim> | undefined): string | Promise<string> {
    if (claim === FAILED) return proceed(delivery, key, false, { claim: sent })
    if (claim.state === 'done') {
      stats.duplicates++
      return claim.reply === '' ? EMPTY_TWIML : claim.reply
    }
    if (claim.state === 'pending') {
      stats.inProgress++
      throw new InProgressError(delivery.sid, delivery.status)
    }
    if (claim.stale !== undefined) return dispatchEvent(delivery, key, true, null, !claim.stale)
    return proceed(delivery, key, true, null)
  }

  /** Ordering (when on), then the callbacks. */
  function proceed (delivery: Delivery, key: string | null, claimed: boolean, unclaimed: Unclaimed | null): string | Promise<string> {
    const rank = rankFor(delivery)
    if (rank === undefined) return dispatchEvent(delivery, key, claimed, unclaimed, true)
    const advanced = safely('advance', delivery.request.log, () => store.advance(subjectOf(delivery), rank, orderingTtl as number))
    if (isThenable(advanced)) return advanceLater(delivery, key, claimed, unclaimed, advanced)
    return dispatchEvent(delivery, key, claimed, unclaimed, advanced !== false)
  }

  async function advanceLater (delivery: Delivery, key: string | null, claimed: boolean, unclaimed: Unclaimed | null, advanced: Promise<unknown>): Promise<string> {
    return await dispatchEvent(delivery, key, claimed, unclaimed, (await advanced) !== false)
  }

  function dispatchEvent (delivery: Delivery, key: string | null, claimed: boolean, unclaimed: Unclaimed | null, fresh: boolean): string | Promise<string> {
    const { channel, status, sid, event, request } = delivery
    let result: unknown
    let reply: string
    try {
      if (fresh) {
        result = dispatchNow(channel.byStatus.get(status), channel.onAny, sid, status, event, request)
      } else {
        stats.stale++
        request.log.info({ sid, status }, 'fastify-twilio-status: stale event, passed to onStale')
        result = dispatchNow(channel.onStale, channel.onAny, sid, status, event, request)
      }
      if (isThenable(result)) return dispatchLater(delivery, key, claimed, unclaimed, fresh, result)
      reply = fresh ? replyOf(result, sid, status) : EMPTY_TWIML
    } catch (err) {
      return failedRun(key, claimed, unclaimed, request.log, err)
    }
    return succeeded(key, claimed, unclaimed, reply, request.log)
  }

  async function dispatchLater (delivery: Delivery, key: string | null, claimed: boolean, unclaimed: Unclaimed | null, fresh: boolean, pending: PromiseLike<unknown>): Promise<string> {
    const { status, sid, request } = delivery
    let reply: string
    try {
      const result = await pending
      reply = fresh ? replyOf(result, sid, status) : EMPTY_TWIML
    } catch (err) {
      return await failedRun(key, claimed, unclaimed, request.log, err)
    }
    // Not awaited: with the memory store this is the reply itself, and an await would cost a tick.
    return succeeded(key, claimed, unclaimed, reply, request.log)
  }

  function succeeded (key: string | null, claimed: boolean, unclaimed: Unclaimed | null, reply: string, log: FastifyBaseLogger): string | Promise<string> {
    stats.dispatched++
    if (claimed) {
      const completed = complete(key as string, reply, log)
      if (isThenable(completed)) return (completed as Promise<unknown>).then(() => reply)
    } else if (unclaimed !== null) {
      settleUnclaimed(key as string, unclaimed.claim, reply, log)
    }
    return reply
  }

  function failedRun (key: string | null, claimed: boolean, unclaimed: Unclaimed | null, log: FastifyBaseLogger, err: unknown): never | Promise<never> {
    if (claimed) {
      const released = safely('release', log, () => store.release(key as string))
      if (isThenable(released)) return (released as Promise<unknown>).then(() => { throw err })
    } else if (unclaimed !== null) {
      settleUnclaimed(key as string, unclaimed.claim, null, log)
    }
    throw err
  }

  /**
   * Answer by the deadline; callbacks still running then go on and their outcome is logged. With
   * `key`, the first delivery of a running event: it is forgotten once its work settles.
   */
  function byDeadline (work: Promise<string>, { sid, status, request }: Delivery, key: string | null): Promise<string> {
    return new Promise((resolve, reject) => {
      let late = false
      const watch = deadlines.watch(() => {
        late = true
        stats.deadlines++
        request.log.warn({ sid, status, deadline: config.deadline }, 'fastify-twilio-status: callbacks past the deadline, answered 503')
        reject(new DeadlineError(sid, status, config.deadline))
      })
      work.then((reply) => {
        if (key !== null) running.delete(key)
        deadlines.unwatch(watch)
        if (late) request.log.info({ sid, status }, 'fastify-twilio-status: late callbacks succeeded, event recorded as handled')
        resolve(reply)
      }, (err) => {
        if (key !== null) running.delete(key)
        deadlines.unwatch(watch)
        if (late) request.log.error({ err, sid, status }, 'fastify-twilio-status: late callbacks failed, event released')
        reject(err)
      })
    })
  }

  return function deliver (delivery) {
    const key = doneTtl === null ? null : eventKey(delivery)
    if (key !== null && running.size > 0) {
      const work = running.get(key)
      if (work !== undefined) {
        stats.duplicates++
        return byDeadline(work, delivery, null)
      }
    }
    const work = run(delivery, key)
    if (!isThenable(work)) return work
    // Registered before anything awaited, so a duplicate arriving meanwhile waits for this one.
    if (key !== null) running.set(key, work)
    return byDeadline(work, delivery, key)
  }
}
