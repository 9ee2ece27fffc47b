/**
 * Reconciliation (docs/reconciliation.md): a watch list of Sids in the store, a poller that
 * fetches the due ones from Twilio's REST API within the limits (bounded concurrency, backoff, a
 * cap per Sid) and delivers their status through the plugin's own delivery, and `waitFor`.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { ChannelConfig, ReconcileConfig } from '../config'
import type { Deliver, Delivery } from '../delivery/delivery'
import { InProgressError, ReconcileClosedError, SidNotFoundError, UntrackableSidError, WaitTimeoutError } from '../errors'
import { isThenable } from '../thenable'
import type { DueWatch, ReconciledSource, TrackOptions, TwilioParams, TwilioStatusHandle, WaitForOptions, WaitResult } from '../../types/index'
import { callParams, createFetcher, type Fetched, type Fetcher, messageParams, type RestChannel } from './rest'

/** Statuses after which a Sid is not watched any more: Twilio sends nothing that matters later. */
const FINAL: Record<RestChannel, ReadonlySet<string>> = {
  sms: new Set(['delivered', 'undelivered', 'failed', 'canceled', 'read']),
  call: new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled'])
}

export function isFinal (channel: RestChannel, status: string): boolean {
  return FINAL[channel].has(status)
}

/** The family a Sid belongs to, by its prefix (Message `SM`/`MM`, Call `CA`). */
export function channelOfSid (sid: string): RestChannel | undefined {
  return /^(SM|MM)/.test(sid) ? 'sms' : sid.startsWith('CA') ? 'call' : undefined
}

interface Waiter {
  readonly sid: string
  readonly statuses: readonly string[]
  readonly resolve: (result: WaitResult) => void
  readonly reject: (err: Error) => void
  timer: NodeJS.Timeout | undefined
}

/** A wait's fetch queued for a REST request slot. */
interface SlotWait {
  readonly resolve: () => void
  readonly reject: (err: Error) => void
  readonly sid: string
}

/** A status as the store keeps it for waiters: the event and whether it came from the REST API. */
function record (event: Record<string, unknown>, reconciled: boolean): string {
  return JSON.stringify({ e: event, r: reconciled ? 1 : 0 })
}

function resultOf (status: string, text: string): WaitResult {
  const { e, r } = JSON.parse(text) as { e: TwilioParams, r: number }
  return { status, event: e, reconciled: r === 1 }
}

/** Delay before the next attempt after `fetches` failed ones: doubling from `base`, capped, jittered. */
function backoff (base: number, fetches: number, cap: number): number {
  const delay = Math.min(cap, base * 2 ** Math.min(fetches, 20))
  return delay / 2 + Math.random() * delay / 2
}

export class Reconciler {
  readonly #config: ReconcileConfig
  readonly #channels: ReadonlyMap<string, ChannelConfig>
  readonly #log: FastifyBaseLogger
  readonly #fetch: Fetcher
  /** The plugin's delivery (inline or queue), observed: set by `observe`. */
  #deliver: Deliver | undefined
  readonly #waiters = new Map<string, Set<Waiter>>()
  #timer: NodeJS.Timeout | undefined
  #inFlight = new Set<Promise<void>>()
  /** Slots of `#inFlight` a `dueWatches` call is asking the store for. */
  #asking = 0
  /** Slots taken by `waitFor`'s fetches at their timeout. */
  #waitFetches = 0
  /** `waitFor` fetches waiting for a slot, first come first served; they go before the poller's due Sids. */
  readonly #slotQueue: SlotWait[] = []
  /** Hands slots to the queue when a 429's pause ends. */
  #pauseTimer: NodeJS.Timeout | undefined
  /** The timeouts of waits being settled (a last look, a fetch, a delivery), awaited by `close`. */
  readonly #atTimeouts = new Set<Promise<unknown>>()
  #ticking = false
  /** No REST request before this time (a 429's Retry-After). */
  #pausedUntil = 0
  #closed = false
  /** How long a due watch is held by this instance before another may take it. */
  readonly #lease: number
  /** How long an event's claim may stay pending (`idempotency.pendingTtl`): a held one is tried again after it. */
  readonly #heldFor: number

  constructor (config: ReconcileConfig, channels: readonly ChannelConfig[], log: FastifyBaseLogger, fetcher: Fetcher = createFetcher(config), heldFor = 60_000) {
    this.#config = config
    this.#channels = new Map(channels.map((channel) => [channel.channel, channel]))
    this.#log = log
    this.#fetch = fetcher
    this.#heldFor = heldFor
    this.#lease = config.requestTimeout + 15_000 + config.interval
  }

  /**
   * `deliver`, reporting each event it handled (a duplicate too) to the watch list and the
   * waiters. Synchronous while `deliver` is: the report is not awaited.
   */
  observe (deliver: Deliver): Deliver {
    const observed: Deliver = (delivery) => {
      const reply = deliver(delivery)
      if (isThenable(reply)) return reply.then((text) => { this.#saw(delivery); return text })
      this.#saw(delivery)
      return reply
    }
    this.#deliver = observed
    return observed
  }

  /** Local waiters now, the store (for other instances' waiters and the watch) without waiting. */
  #saw ({ channel, sid, status, event, request }: Delivery): void {
    const name = channel.channel
    if (name !== 'sms' && name !== 'call') return
    const id = `${name}:${sid}`
    const reconciled = (request as Partial<ReconciledSource>).reconciled === true
    // Made only if a waiter or a watch wants it: most events are of Sids nobody tracks.
    let made: string | undefined
    const text = (): string => (made ??= record(event, reconciled))
    this.#wake(id, status, text)
    const { store, ttl, trackSeen } = this.#config
    const final = isFinal(name, status)
    const report = (): unknown => store.seen(id, status, text, final, ttl)
    const watched = trackSeen && !final ? this.#safely(() => store.watch(id, JSON.stringify({ c: name, s: sid }), Date.now() + this.#config.after, ttl)) : undefined
    // `#safely` never rejects.
    if (isThenable(watched)) Promise.resolve(watched).then(() => this.#safely(report))
    else this.#safely(report)
  }

  /** A store call whose failure is logged and counted, never thrown. */
  #safely (call: () => unknown): unknown {
    const failed = (err: unknown): void => {
      this.#config.stats.storeErrors++
      this.#log.error({ err }, 'fastify-twilio-status: reconcile store call failed')
    }
    try {
      const result = call()
      return isThenable(result) ? Promise.resolve(result).then(undefined, failed) : result
    } catch (err) {
      failed(err)
      return undefined
    }
  }

  #wake (id: string, status: string, text: () => string): void {
    const waiters = this.#waiters.get(id)
    if (waiters === undefined) return
    for (const waiter of waiters) {
      if (waiter.statuses.includes(status)) this.#settle(id, waiter, () => { waiter.resolve(resultOf(status, text())) })
    }
  }

  /** Only for a waiter still waiting: it is removed here, once. */
  #settle (id: string, waiter: Waiter, settle: () => void): void {
    const waiters = this.#waiters.get(id) as Set<Waiter>
    waiters.delete(waiter)
    if (waiters.size === 0) this.#waiters.delete(id)
    clearTimeout(waiter.timer)
    settle()
  }

  #channelOf (sid: string, given: unknown): RestChannel {
    const channel = given === undefined ? channelOfSid(sid) : given
    if (typeof sid !== 'string' || sid === '' || (channel !== 'sms' && channel !== 'call') || !this.#channels.has(channel)) {
      throw new UntrackableSidError(String(sid))
    }
    return channel
  }

  async track (sid: string, options: TrackOptions = {}): Promise<void> {
    const channel = this.#channelOf(sid, options.channel)
    const { store, after, ttl, stats } = this.#config
    if (await store.watch(`${channel}:${sid}`, JSON.stringify({ c: channel, s: sid }), Date.now() + after, ttl)) stats.tracked++
  }

  async waitFor (sid: string, statuses: readonly string[], options: WaitForOptions = {}): Promise<WaitResult> {
    const channel = this.#channelOf(sid, options.channel)
    const timeout = options.timeout ?? 30_000
    if (this.#closed) throw new ReconcileClosedError(sid)
    await this.track(sid, { channel })
    const id = `${channel}:${sid}`
    const found = await this.#seenOf(id, statuses)
    if (found !== undefined) return found
    return await new Promise<WaitResult>((resolve, reject) => {
      const waiter: Waiter = { sid, statuses: [...statuses], resolve, reject, timer: undefined }
      let waiters = this.#waiters.get(id)
      if (waiters === undefined) this.#waiters.set(id, waiters = new Set())
      waiters.add(waiter)
      waiter.timer = setTimeout(() => {
        this.#settle(id, waiter, () => {
          const settling = this.#atTimeout(channel, waiter).then(resolve, reject)
          this.#atTimeouts.add(settling)
          settling.finally(() => this.#atTimeouts.delete(settling))
        })
      }, timeout)
    })
  }

  /** One of `statuses` as the store has it for `id`; a failed store call counts as none seen. */
  async #seenOf (id: string, statuses: readonly string[]): Promise<WaitResult | undefined> {
    const seen = await this.#safely(() => this.#config.store.seenStatuses(id)) as Readonly<Record<string, string>> | undefined
    return seen === undefined ? undefined : this.#match(statuses, seen)
  }

  #match (statuses: readonly string[], seen: Readonly<Record<string, string>>): WaitResult | undefined {
    for (const status of statuses) {
      const text = seen[status]
      if (text !== undefined) return resultOf(status, text)
    }
    return undefined
  }

  /** REST request slots in use: the poller's fetches, the slots it is asking for, and `waitFor`'s. */
  #busy (): number {
    return this.#inFlight.size + this.#asking + this.#waitFetches
  }

  #canFetch (): boolean {
    return this.#busy() < this.#config.concurrency && Date.now() >= this.#pausedUntil
  }

  /**
   * A slot for a wait's fetch, within the same limits as the poller's: at once if one is free and
   * no other wait queues, else in turn, after a 429's pause; so many waits ending at once make no
   * burst. Resolves `true` when it had to wait.
   */
  async #takeSlot (sid: string): Promise<boolean> {
    if (this.#slotQueue.length === 0 && this.#canFetch()) {
      this.#waitFetches++
      return false
    }
    await new Promise<void>((resolve, reject) => {
      this.#slotQueue.push({ resolve, reject, sid })
      this.#grant()
    })
    return true
  }

  /** Hands free slots to the queued waits, in order; during a 429's pause, once it ends. */
  #grant (): void {
    while (this.#slotQueue.length > 0 && this.#canFetch()) {
      this.#waitFetches++
      const next = this.#slotQueue.shift() as SlotWait
      next.resolve()
    }
    if (this.#slotQueue.length > 0 && this.#pauseTimer === undefined && Date.now() < this.#pausedUntil) {
      this.#pauseTimer = setTimeout(() => {
        this.#pauseTimer = undefined
        this.#grant()
      }, this.#pausedUntil - Date.now()).unref()
    }
  }

  /** The wait is over: a last look at the store, then one fetch, whose status is delivered as any reconciled one. */
  async #atTimeout (channel: RestChannel, { sid, statuses }: Waiter): Promise<WaitResult> {
    const id = `${channel}:${sid}`
    const found = await this.#seenOf(id, statuses)
    if (found !== undefined) return found
    if (this.#closed) throw new ReconcileClosedError(sid)
    const waited = await this.#takeSlot(sid)
    let fetched: Fetched
    try {
      // The status may have come while this wait queued for its slot.
      const arrived = waited ? await this.#seenOf(id, statuses) : undefined
      if (arrived !== undefined) return arrived
      fetched = await this.#fetchCounted(channel, sid, this.#config.interval)
    } finally {
      this.#waitFetches--
      this.#grant()
    }
    if (fetched.kind === 'gone') throw new SidNotFoundError(sid)
    if (fetched.kind !== 'ok') throw new WaitTimeoutError(sid, statuses.join('|'), 'nothing (the REST API did not answer)')
    const { status, event } = this.#eventOf(channel, fetched.resource)
    if (channel === 'sms' || isFinal(channel, status)) {
      // Failed callbacks are the app's own; the watch retries them. The status is still the answer.
      await this.#deliverReconciled(channel, sid, status, event).catch(() => {})
    }
    if (statuses.includes(status)) return { status, event: event as TwilioParams, reconciled: true }
    throw new WaitTimeoutError(sid, statuses.join('|'), status)
  }

  /**
   * One REST request, counted with its answer. A 429 pauses every request of this instance (it is
   * about the account, not the Sid) for its Retry-After, else for `pause`.
   */
  async #fetchCounted (channel: RestChannel, sid: string, pause: number): Promise<Fetched> {
    const { stats } = this.#config
    stats.requests++
    const fetched = await this.#fetch(channel, sid)
    if (fetched.kind === 'throttled') {
      stats.throttled++
      this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + (fetched.retryAfter ?? pause))
    } else if (fetched.kind === 'failed') stats.failures++
    else if (fetched.kind === 'gone') stats.notFound++
    return fetched
  }

  #eventOf (channel: RestChannel, resource: Record<string, unknown>): { status: string, event: Record<string, string> } {
    const event = channel === 'sms' ? messageParams(resource) : callParams(resource)
    return { status: String(resource.status), event }
  }

  /** Through the plugin's delivery: the same callbacks, key, ordering and queue as a callback. */
  async #deliverReconciled (channel: RestChannel, sid: string, status: string, event: Record<string, string>): Promise<void> {
    const source: ReconciledSource = { reconciled: true, resource: channel === 'sms' ? 'Message' : 'Call', log: this.#log.child({ sid, status, reconciled: true }) }
    const delivery: Delivery = { channel: this.#channels.get(channel) as ChannelConfig, account: event.AccountSid ?? '', status, sid, event, request: source }
    this.#config.stats.reconciled++
    await (this.#deliver as Deliver)(delivery)
  }

  start (): void {
    this.#timer = setInterval(() => { this.tick().catch(() => {}) }, this.#config.interval)
    this.#timer.unref()
  }

  /** One round: waiters look at the store, and due watches are taken up to the free concurrency. */
  async tick (): Promise<void> {
    if (this.#ticking || this.#closed) return
    this.#ticking = true
    try {
      await Promise.all([this.#pollWaiters(), this.#takeDue()])
    } finally {
      this.#ticking = false
    }
  }

  async #pollWaiters (): Promise<void> {
    await Promise.all([...this.#waiters.keys()].map(async (id) => {
      const seen = await this.#safely(() => this.#config.store.seenStatuses(id)) as Readonly<Record<string, string>> | undefined
      // Waiters settled meanwhile have left the set (and an emptied set the map).
      for (const waiter of this.#waiters.get(id) ?? []) {
        const found = seen === undefined ? undefined : this.#match(waiter.statuses, seen)
        if (found !== undefined) this.#settle(id, waiter, () => { waiter.resolve(found) })
      }
    }))
  }

  async #takeDue (): Promise<void> {
    const now = Date.now()
    const free = this.#config.concurrency - this.#busy() - this.#slotQueue.length
    if (free <= 0 || now < this.#pausedUntil) return
    // Slots asked for count as taken until the answer, so that calls overlapping stay within `concurrency`.
    this.#asking += free
    const due = await this.#safely(() => this.#config.store.dueWatches(now, this.#lease, free)) as DueWatch[] | undefined
    this.#asking -= free
    for (const watch of due ?? []) {
      const work = this.#reconcile(watch).catch((err: unknown) => {
        this.#log.error({ err, id: watch.id }, 'fastify-twilio-status: reconciling a Sid failed')
      }).finally(() => {
        this.#inFlight.delete(work)
        // The freed slot takes the next due watch now, not at the next tick: a backlog drains as
        // fast as the API answers, `concurrency` requests at a time, instead of that many per interval.
        // `#takeDue` never rejects: its store call goes through `#safely`. Queued waits go first.
        this.#grant()
        if (!this.#closed) this.#takeDue()
      })
      this.#inFlight.add(work)
    }
  }

  /** Fetch one due Sid and act on the answer; it stays leased meanwhile. */
  async #reconcile ({ id, data, fetches }: DueWatch): Promise<void> {
    const { c: channel, s: sid } = JSON.parse(data) as { c: RestChannel, s: string }
    const { store, stats, maxFetches, after, interval } = this.#config
    const last = fetches >= maxFetches
    const giveUp = async (why: string): Promise<void> => {
      stats.unresolved++
      this.#log.warn({ sid, fetches }, `fastify-twilio-status: reconcile gave up on a Sid: ${why}`)
      await store.unwatch(id)
    }
    // Without a Retry-After, a 429's pause grows with this Sid's fetches.
    const fetched = await this.#fetchCounted(channel, sid, backoff(interval, fetches, after))
    if (fetched.kind === 'gone') {
      this.#log.warn({ sid }, 'fastify-twilio-status: Twilio answered 404 for a tracked Sid; no longer tracked')
      await store.unwatch(id)
      return
    }
    if (fetched.kind === 'throttled') {
      if (last) await giveUp('throttled (429) on every fetch')
      else await store.reschedule(id, this.#pausedUntil)
      return
    }
    if (fetched.kind === 'failed') {
      if (last) await giveUp(`the REST API failed (${fetched.reason})`)
      else await store.reschedule(id, Date.now() + backoff(interval, fetches, after))
      return
    }
    const { status, event } = this.#eventOf(channel, fetched.resource)
    const final = isFinal(channel, status)
    if (channel === 'sms' || final) {
      try {
        await this.#deliverReconciled(channel, sid, status, event)
      } catch (err) {
        this.#log.warn({ err, sid, status }, 'fastify-twilio-status: a reconciled status was not handled; retried later')
        // FST_TWILIO_IN_PROGRESS: the event's claim is held, by a run that will end the watch, or
        // left by an instance that stopped (or a reply lost in a Redis restart) until it expires.
        const held = err instanceof InProgressError
        if (last) await giveUp('its callbacks failed')
        else await store.reschedule(id, Date.now() + (held ? this.#heldFor : backoff(interval, fetches, after)))
        return
      }
    }
    // A final status ended the watch through `observe`; another status is looked at again later.
    if (final) return
    if (last) await giveUp(`still ${status}`)
    else await store.reschedule(id, Date.now() + after)
  }

  handle (): TwilioStatusHandle {
    return {
      track: async (sid, options) => { await this.track(sid, options) },
      waitFor: async (sid, statuses, options) => await this.waitFor(sid, statuses, options),
      stats: this.#config.stats
    }
  }

  /** Stop polling, let running fetches (and waits' fetches) finish, and reject the waits still pending. */
  async close (): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    clearTimeout(this.#pauseTimer)
    for (const queued of this.#slotQueue.splice(0)) queued.reject(new ReconcileClosedError(queued.sid))
    await Promise.all([...this.#inFlight, ...this.#atTimeouts])
    for (const [id, waiters] of this.#waiters) {
      for (const waiter of waiters) this.#settle(id, waiter, () => { waiter.reject(new ReconcileClosedError(waiter.sid)) })
    }
  }
}
