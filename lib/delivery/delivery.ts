/**
 * Idempotency, ordering and the deadline around `dispatch`: Twilio may deliver an event twice or
 * out of order (docs/twilio-facts.md §4.4; the design: docs/design.md, "Delivery").
 */
import type { FastifyBaseLogger } from 'fastify'
import { Deadlines } from './deadline'
import { withTimeout } from '../timeout'
import { dispatchNow } from '../dispatch/dispatch'
import { CallbackFailedError, DeadlineError, InProgressError, StoreTimeoutError } from '../errors'
import type { ChannelConfig, DeliveryConfig } from '../config'
import { accountSegment, decisionOf, keyOf, rankOf } from '../families/index'
import { isThenable } from '../thenable'
import type { Claim, StatusStore } from '../../types/index'
import { EMPTY_TWIML, twimlOf } from '../dispatch/twiml'
import { encodeDecision } from '../dispatch/decision'

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

/**
 * The TwiML a status callback returned, or the decision a deciding one made (encoded); a
 * `toString` that throws, or a value that is no decision, is that callback's failure.
 */
function replyOf (result: unknown, { channel, sid, status, request }: Delivery): string {
  try {
    const decision = decisionOf(channel.channel, status)
    if (decision === undefined) return twimlOf(result) ?? EMPTY_TWIML
    const answer = decision.answer(result, status)
    if (answer.note !== undefined) request.log.info({ sid, status, reason: answer.note }, 'fastify-twilio-status: rejected by the callback')
    return encodeDecision(answer)
  } catch (cause) {
    throw new CallbackFailedError(sid, status, { cause })
  }
}

/** A delivery function: the reply, synchronously when the store and the callbacks answered so. */
export type Deliver = (delivery: Delivery) => string | Promise<string>

type Reply = string | Promise<string>

/** A store call that failed or timed out (logged and counted): the event goes on without it. */
const FAILED = Symbol('store failed')
type Failed = typeof FAILED

/** `createDeliver` with every outcome as a promise. */
export function createDelivery (config: DeliveryConfig): (delivery: Delivery) => Promise<string> {
  const deliverNow = createDeliver(config)
  return async function deliver (delivery) {
    return await deliverNow(delivery)
  }
}

/**
 * Deliveries, synchronous end to end while the store and the callbacks answer synchronously (the
 * memory store and plain functions): then a failure is thrown and no promise or deadline watch is
 * made. Once anything answers with a promise, the rest of that delivery is asynchronous and
 * answers by the deadline.
 */
export function createDeliver (config: DeliveryConfig): Deliver {
  const deliveries = new Deliveries(config)
  return function deliver (delivery) {
    return deliveries.deliver(delivery)
  }
}

/** What one plugin instance's deliveries share: the guarded store, the running events, the deadline. */
class Deliveries {
  readonly config: DeliveryConfig
  /** Claim and order in one step, when ordering is on and the store can. */
  readonly claimInOrder: StatusStore['claimInOrder']
  /** Events being handled asynchronously in this process: a duplicate shares the first one's outcome. */
  private readonly running = new Map<string, Promise<string>>()
  private readonly deadlines: Deadlines

  constructor (config: DeliveryConfig) {
    this.config = config
    this.claimInOrder = config.orderingTtl === null ? undefined : config.store.claimInOrder?.bind(config.store)
    this.deadlines = new Deadlines(config.deadline)
  }

  deliver (delivery: Delivery): Reply {
    const key = this.config.doneTtl === null ? null : eventKey(delivery)
    if (key !== null && this.running.size > 0) {
      const work = this.running.get(key)
      if (work !== undefined) {
        this.config.stats.duplicates++
        return this.byDeadline(work, delivery, null)
      }
    }
    const work = key === null ? new Attempt(this, delivery, null, 'none', undefined).order() : this.claim(delivery, key)
    if (!isThenable(work)) return work
    // Registered before anything awaited, so a duplicate arriving meanwhile waits for this one.
    if (key !== null) this.running.set(key, work)
    return this.byDeadline(work, delivery, key)
  }

  /** Claim the event; with the store's `claimInOrder`, ordered in the same step. */
  private claim (delivery: Delivery, key: string): Reply {
    const { store, pendingTtl, orderingTtl } = this.config
    const inOrder = this.claimInOrder
    const rank = inOrder === undefined ? undefined : this.rankFor(delivery)
    let claim: Claim | PromiseLike<Claim> | Failed
    try {
      claim = inOrder === undefined || rank === undefined
        ? store.claim(key, pendingTtl)
        : inOrder(key, pendingTtl, subjectOf(delivery), rank, orderingTtl as number)
    } catch (err) {
      claim = this.failed('claim', delivery.request.log, err)
    }
    if (!isThenable(claim)) return this.claimed(delivery, key, claim, undefined)
    const sent = claim
    return this.timed('claim', delivery.request.log, sent).then((answer) => this.claimed(delivery, key, answer, sent))
  }

  /**
   * The store's answer: handled already (a duplicate, answered from the claim alone), held by
   * another instance (503), or an attempt to run: ours, or unclaimed when the store failed.
   */
  private claimed (delivery: Delivery, key: string, claim: Claim | Failed, sent: PromiseLike<Claim> | undefined): Reply {
    const { stats } = this.config
    if (claim === FAILED) return new Attempt(this, delivery, key, 'unclaimed', sent).order()
    if (claim.state === 'done') {
      stats.duplicates++
      return claim.reply === '' ? EMPTY_TWIML : claim.reply
    }
    if (claim.state === 'pending') {
      stats.inProgress++
      throw new InProgressError(delivery.sid, delivery.status)
    }
    const attempt = new Attempt(this, delivery, key, 'claimed', undefined)
    // A store's `claimInOrder` has ordered the event already.
    return claim.stale === undefined ? attempt.order() : attempt.ordered(!claim.stale)
  }

  /** Where the event stands in its subject's order; `undefined` when ordering is off or cannot apply. */
  rankFor ({ channel, status, sid, event }: Delivery): number | undefined {
    return this.config.orderingTtl === null || sid === '' ? undefined : rankOf(channel.channel, status, event)
  }

  failed (name: string, log: FastifyBaseLogger, err: unknown): Failed {
    this.config.stats.storeErrors++
    log.error({ err, op: name }, 'fastify-twilio-status: store failed, processing without it')
    return FAILED
  }

  /** A store's promise, bounded by `storeTimeout`: its value, or `FAILED`. */
  timed<T> (name: string, log: FastifyBaseLogger, result: PromiseLike<T>): Promise<T | Failed> {
    const { storeTimeout } = this.config
    return withTimeout(result, storeTimeout, () => new StoreTimeoutError(name, storeTimeout))
      .then(undefined, (err: unknown) => this.failed(name, log, err))
  }

  /** A store call that never throws; it answers synchronously when the store does. */
  safely<T> (name: string, log: FastifyBaseLogger, call: () => T | PromiseLike<T>): T | Failed | Promise<T | Failed> {
    let result: T | PromiseLike<T>
    try {
      result = call()
    } catch (err) {
      return this.failed(name, log, err)
    }
    return isThenable(result) ? this.timed(name, log, result) : result
  }

  /** `safely` for `store.complete`, with no closure: every event makes this call. */
  completeSafely (key: string, reply: string, log: FastifyBaseLogger): void | Failed | Promise<void | Failed> {
    const { store, doneTtl } = this.config
    let result: void | PromiseLike<void>
    try {
      // The usual empty reply is stored as '': nothing to keep per event.
      result = store.complete(key, reply === EMPTY_TWIML ? '' : reply, doneTtl as number)
    } catch (err) {
      return this.failed('complete', log, err)
    }
    return isThenable(result) ? this.timed('complete', log, result) : result
  }

  /**
   * Answer by the deadline; callbacks still running then go on and their outcome is logged. With
   * `key`, the first delivery of a running event: it is forgotten once its work settles.
   */
  private byDeadline (work: Promise<string>, { sid, status, request }: Delivery, key: string | null): Promise<string> {
    const { deadline, stats } = this.config
    return new Promise((resolve, reject) => {
      let late = false
      const watch = this.deadlines.watch(() => {
        late = true
        stats.deadlines++
        request.log.warn({ sid, status, deadline }, 'fastify-twilio-status: callbacks past the deadline, answered 503')
        reject(new DeadlineError(sid, status, deadline))
      })
      work.then((reply) => {
        if (key !== null) this.running.delete(key)
        this.deadlines.unwatch(watch)
        if (late) request.log.info({ sid, status }, 'fastify-twilio-status: late callbacks succeeded, event recorded as handled')
        resolve(reply)
      }, (err) => {
        if (key !== null) this.running.delete(key)
        this.deadlines.unwatch(watch)
        if (late) request.log.error({ err, sid, status }, 'fastify-twilio-status: late callbacks failed, event released')
        reject(err)
      })
    })
  }
}

/**
 * One event to run, once claimed (or without a claim), through its states: order → dispatch →
 * complete, or release on a failure. Each state runs the next one directly while the store and
 * the callbacks answer synchronously, or once their promise settles.
 */
class Attempt {
  private readonly deliveries: Deliveries
  private readonly delivery: Delivery
  private readonly key: string | null
  /** The claim on the key: ours to complete or release, failed (it may land late), or none (no key). */
  private readonly hold: 'claimed' | 'unclaimed' | 'none'
  /** With `unclaimed`: the store's claim, still on its way after a timeout. */
  private readonly lateClaim: PromiseLike<Claim> | undefined
  /** False when the event is older than one already seen: it goes to `onStale`. */
  private fresh = true

  constructor (deliveries: Deliveries, delivery: Delivery, key: string | null, hold: 'claimed' | 'unclaimed' | 'none', lateClaim: PromiseLike<Claim> | undefined) {
    this.deliveries = deliveries
    this.delivery = delivery
    this.key = key
    this.hold = hold
    this.lateClaim = lateClaim
  }

  /** Advance the event's subject to its rank, when ordering is on and the event has one. */
  order (): Reply {
    const deliveries = this.deliveries
    const delivery = this.delivery
    const rank = deliveries.rankFor(delivery)
    if (rank === undefined) return this.dispatch()
    const { store, orderingTtl } = deliveries.config
    const advanced = deliveries.safely('advance', delivery.request.log, () => store.advance(subjectOf(delivery), rank, orderingTtl as number))
    if (!isThenable(advanced)) return this.ordered(advanced)
    return advanced.then((answer) => this.ordered(answer))
  }

  /** `false` (the event is behind its subject) makes it stale; a failed store leaves it fresh. */
  ordered (advanced: boolean | Failed): Reply {
    this.fresh = advanced !== false
    return this.dispatch()
  }

  /** Run the status's callback (or `onStale`) and `onAny`. */
  dispatch (): Reply {
    const { channel, status, sid, event, request } = this.delivery
    let result: unknown
    try {
      if (this.fresh) {
        result = dispatchNow(channel.byStatus.get(status), channel.onAny, sid, status, event, request)
      } else {
        this.deliveries.config.stats.stale++
        request.log.info({ sid, status }, 'fastify-twilio-status: stale event, passed to onStale')
        result = dispatchNow(channel.onStale, channel.onAny, sid, status, event, request)
      }
    } catch (err) {
      return this.release(err)
    }
    if (!isThenable(result)) return this.dispatched(result)
    return Promise.resolve(result).then((answer) => this.dispatched(answer), (err: unknown) => this.release(err))
  }

  /** The callbacks succeeded: their TwiML is the reply (a stale event's is only acknowledged). */
  dispatched (result: unknown): Reply {
    let reply: string
    try {
      reply = this.fresh ? replyOf(result, this.delivery) : EMPTY_TWIML
    } catch (err) {
      return this.release(err)
    }
    return this.complete(reply)
  }

  /** Record the event handled, then answer. Without a claim, the record waits for the store. */
  complete (reply: string): Reply {
    const deliveries = this.deliveries
    deliveries.config.stats.dispatched++
    if (this.hold === 'claimed') {
      const completed = deliveries.completeSafely(this.key as string, reply, this.delivery.request.log)
      if (isThenable(completed)) return completed.then(() => reply)
    } else if (this.hold === 'unclaimed') {
      this.settleUnclaimed(reply)
    }
    return reply
  }

  /** Release the claim so that a redelivery runs the callbacks again; their failure is the answer. */
  release (err: unknown): never | Promise<never> {
    if (this.hold === 'claimed') {
      const { store } = this.deliveries.config
      const key = this.key as string
      const released = this.deliveries.safely('release', this.delivery.request.log, () => store.release(key))
      if (isThenable(released)) return released.then(() => { throw err })
    } else if (this.hold === 'unclaimed') {
      this.settleUnclaimed(null)
    }
    throw err
  }

  /**
   * Once a failed claim has settled (a timed-out one may land late), a success (`reply`) is
   * recorded handled and a failure releases the claim if it landed. Not awaited: the reply does
   * not wait for a store that is down, and the guarded calls log what fails.
   */
  private settleUnclaimed (reply: string | null): void {
    const deliveries = this.deliveries
    const key = this.key as string
    const { log } = this.delivery.request
    const finish = (landed: boolean): void => {
      if (reply !== null) deliveries.completeSafely(key, reply, log)
      else if (landed) deliveries.safely('release', log, () => deliveries.config.store.release(key))
    }
    const claim = this.lateClaim
    if (claim === undefined) finish(false)
    else Promise.resolve(claim).then((late) => { finish(late.state === 'claimed') }, () => { finish(false) })
  }
}
