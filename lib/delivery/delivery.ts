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
import { dispatch, isThenable } from '../dispatch/dispatch'
import { CallbackFailedError, DeadlineError, InProgressError, StoreTimeoutError } from '../errors'
import type { ChannelConfig, DeliveryConfig } from '../config'
import { keyOf, rankOf } from '../families/index'
import type { Claim } from '../../types/index'
import { EMPTY_TWIML, twimlOf } from '../dispatch/twiml'

/** One verified event, ready for delivery. */
export interface Delivery {
  readonly channel: ChannelConfig
  readonly status: string
  readonly sid: string
  readonly event: Record<string, unknown>
  readonly request: { readonly log: FastifyBaseLogger }
}

const FAILED = Symbol('store failed')

/**
 * The idempotency key, from what Twilio signed: Sid, status and the family's key parameters
 * (a call's `SequenceNumber`, …).
 * `I-Twilio-Idempotency-Token` is not covered by the signature, so it never takes part: a
 * replayed request with another token would otherwise run again.
 */
export function eventKey ({ channel, status, sid, event }: Delivery): string | null {
  return sid === '' ? null : keyOf(channel.channel, sid, status, event)
}

export function createDelivery (config: DeliveryConfig): (delivery: Delivery) => Promise<string> {
  const { store, stats, doneTtl, orderingTtl } = config
  /** Events being handled in this process: a duplicate shares the first one's outcome. */
  const running = new Map<string, Promise<string>>()

  const deadlines = new Deadlines(config.deadline)

  function failed (name: string, log: FastifyBaseLogger, err: unknown): typeof FAILED {
    stats.storeErrors++
    log.error({ err, op: name }, 'fastify-twilio-status: store failed, processing without it')
    return FAILED
  }

  /**
   * A store call that never throws: failures and timeouts are logged, counted, and `FAILED`.
   * It answers synchronously when the store does (the memory store), so the common path has no
   * extra promise.
   */
  function safely<T> (name: string, log: FastifyBaseLogger, call: () => T | PromiseLike<T>): T | typeof FAILED | Promise<T | typeof FAILED> {
    let result: T | PromiseLike<T>
    try {
      result = call()
    } catch (err) {
      return failed(name, log, err)
    }
    if (!isThenable(result)) return result
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new StoreTimeoutError(name, config.storeTimeout)), config.storeTimeout)
    })
    return Promise.race([result, timeout]).then((value) => {
      clearTimeout(timer)
      return value
    }, (err: unknown) => {
      clearTimeout(timer)
      return failed(name, log, err)
    })
  }

  /** The usual empty reply is stored as '': nothing to keep per event. */
  function complete (key: string, reply: string, log: FastifyBaseLogger): ReturnType<typeof safely> {
    const stored = reply === EMPTY_TWIML ? '' : reply
    return safely('complete', log, () => store.complete(key, stored, doneTtl as number))
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

  /** Claim the event (when it has a key), run its callbacks, then mark it handled or release it. */
  async function run (delivery: Delivery, key: string | null): Promise<string> {
    const { channel, status, sid, event, request } = delivery
    let claimed = false
    /** Set when the claim failed: the store's own answer, still on its way after a timeout. */
    let unclaimed: { claim: PromiseLike<Claim> | undefined } | null = null
    if (key !== null) {
      let sent: Claim | PromiseLike<Claim> | undefined
      let claim = safely('claim', request.log, () => (sent = store.claim(key, config.pendingTtl)))
      if (isThenable(claim)) claim = await claim
      if (claim === FAILED) {
        unclaimed = { claim: isThenable(sent) ? sent : undefined }
      } else {
        if (claim.state === 'done') {
          stats.duplicates++
          return claim.reply === '' ? EMPTY_TWIML : claim.reply
        }
        if (claim.state === 'pending') {
          stats.inProgress++
          throw new InProgressError(sid, status)
        }
        claimed = true
      }
    }
    try {
      const rank = orderingTtl === null || sid === '' ? undefined : rankOf(channel.channel, status, event)
      let fresh = true
      if (rank !== undefined) {
        let advanced = safely('advance', request.log, () => store.advance(`o:${channel.channel}:${sid}`, rank, orderingTtl as number))
        if (isThenable(advanced)) advanced = await advanced
        fresh = advanced !== false
      }
      let reply = EMPTY_TWIML
      if (fresh) {
        reply = replyOf(await dispatch(channel.byStatus.get(status), channel.onAny, sid, status, event, request), sid, status)
      } else {
        stats.stale++
        request.log.info({ sid, status }, 'fastify-twilio-status: stale event, passed to onStale')
        await dispatch(channel.onStale, channel.onAny, sid, status, event, request)
      }
      stats.dispatched++
      if (claimed) {
        const completed = complete(key as string, reply, request.log)
        if (isThenable(completed)) await completed
      } else if (unclaimed !== null) {
        settleUnclaimed(key as string, unclaimed.claim, reply, request.log)
      }
      return reply
    } catch (err) {
      if (claimed) {
        const released = safely('release', request.log, () => store.release(key as string))
        if (isThenable(released)) await released
      } else if (unclaimed !== null) {
        settleUnclaimed(key as string, unclaimed.claim, null, request.log)
      }
      throw err
    }
  }

  /** Answer by the deadline; callbacks still running then go on and their outcome is logged. */
  function byDeadline (work: Promise<string>, { sid, status, request }: Delivery): Promise<string> {
    return new Promise((resolve, reject) => {
      let late = false
      const watch = deadlines.watch(() => {
        late = true
        stats.deadlines++
        request.log.warn({ sid, status, deadline: config.deadline }, 'fastify-twilio-status: callbacks past the deadline, answered 503')
        reject(new DeadlineError(sid, status, config.deadline))
      })
      work.then((reply) => {
        deadlines.unwatch(watch)
        if (late) request.log.info({ sid, status }, 'fastify-twilio-status: late callbacks succeeded, event recorded as handled')
        resolve(reply)
      }, (err) => {
        deadlines.unwatch(watch)
        if (late) request.log.error({ err, sid, status }, 'fastify-twilio-status: late callbacks failed, event released')
        reject(err)
      })
    })
  }

  return async function deliver (delivery) {
    const key = doneTtl === null ? null : eventKey(delivery)
    if (key === null) return await byDeadline(run(delivery, null), delivery)
    let work = running.get(key)
    if (work !== undefined) {
      stats.duplicates++
    } else {
      // Registered before the first await, so a duplicate arriving meanwhile waits for this one.
      work = run(delivery, key)
      running.set(key, work)
      const forget = (): void => { running.delete(key) }
      work.then(forget, forget)
    }
    return await byDeadline(work, delivery)
  }
}
