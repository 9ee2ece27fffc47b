/**
 * Reconciliation (docs/reconciliation.md): tracked Sids with no final status after a while are
 * fetched from Twilio's REST API; `waitFor` a status on any instance; the store methods behind them.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Awaitable } from './stores'
import type { TwilioParams } from './events'

/** The part of a `twilio` client reconciliation uses: `client.messages(sid).fetch()`, `client.calls(sid).fetch()`. */
export interface TwilioRestClient {
  messages (sid: string): { fetch (): Promise<object> }
  calls (sid: string): { fetch (): Promise<object> }
}

/** Plain HTTPS to Twilio's REST API, with an API key (or the Account SID and Auth Token). */
export interface ReconcileCredentials {
  /** The account the Sids belong to (`AC…`): part of every REST path. */
  readonly accountSid: string
  /** An API key SID (`SK…`), or the Account SID. */
  readonly apiKey: string
  /** The API key's secret, or the Auth Token. */
  readonly apiSecret: string
  /** Default `https://api.twilio.com`; a region or edge: `https://api.dublin.ie1.twilio.com`. */
  readonly baseUrl?: string
}

export interface ReconcileOptions {
  /** Fetch a tracked Sid that has no final status this long after it was tracked, ms. Default 300000 (5 min). */
  readonly after?: number
  /** The host's `twilio` client (it carries credentials, region and edge). Either this or `credentials`. */
  readonly client?: TwilioRestClient
  /** Plain HTTPS with an API key, when no `client` is given. */
  readonly credentials?: ReconcileCredentials
  /** Also track every Sid the plugin receives a non-final status for. Default `false`. */
  readonly trackSeen?: boolean
  /** REST requests in flight at once, per instance. Default 4. */
  readonly concurrency?: number
  /** How often the store is asked for due Sids, and waiters look for events of other instances, ms. Default 1000. */
  readonly interval?: number
  /** Most REST fetches per tracked Sid (retries included) before it is given up. Default 5. */
  readonly maxFetches?: number
  /** A REST request slower than this is abandoned and retried later, ms. Default 10000. */
  readonly requestTimeout?: number
  /** How long a tracked Sid and the statuses seen for it are kept, ms. Default one day. */
  readonly ttl?: number
  /** The host decorator the handle goes on. Default `twilioStatus`. */
  readonly name?: string
  /** Counters updated in place; make one with `createReconcileStats()`. */
  readonly stats?: ReconcileStats
}

/** Reconciliation's counters (the handle's `stats`), updated in place. */
export interface ReconcileStats {
  /** Sids added to the watch list by this instance. */
  tracked: number
  /** REST requests this instance made (each attempt, retries included). */
  requests: number
  /** Statuses delivered from a REST answer (duplicates of a real callback included: those ran nothing). */
  reconciled: number
  /** REST answers 429. */
  throttled: number
  /** REST answers 5xx, timeouts and network failures. */
  failures: number
  /** Sids Twilio answered 404 for: given up. */
  notFound: number
  /** Sids given up after `maxFetches` with no final status. */
  unresolved: number
  /** Store calls of reconciliation that failed (logged). */
  storeErrors: number
}

/** The second argument of a callback run for a reconciled status, in place of the request. */
export interface ReconciledSource {
  /** Always `true`: the status came from Twilio's REST API, not from a callback. */
  readonly reconciled: true
  /** The REST resource the status was read from. */
  readonly resource: 'Message' | 'Call'
  readonly log: FastifyBaseLogger
}

export interface WaitForOptions {
  /** How long to wait for a callback before fetching the Sid once, ms. Default 30000. */
  readonly timeout?: number
  /** `sms` or `call`; by default read from the Sid's prefix (`SM`/`MM` → sms, `CA` → call). */
  readonly channel?: 'sms' | 'call'
}

/** What `waitFor` resolves with. */
export interface WaitResult {
  readonly status: string
  /** The callback's parameters (for a reconciled status, mapped from the REST resource). */
  readonly event: TwilioParams
  /** `true` when the status came from Twilio's REST API. */
  readonly reconciled: boolean
}

export interface TrackOptions {
  /** `sms` or `call`; by default read from the Sid's prefix. */
  readonly channel?: 'sms' | 'call'
}

/** The plugin's handle on the host (`app.twilioStatus`), with `reconcile` on. */
export interface TwilioStatusHandle {
  /** Watch `sid` until a final status arrives; reconcile it after `reconcile.after`. */
  track (sid: string, options?: TrackOptions): Promise<void>
  /**
   * Resolves when one of `statuses` arrives for `sid` on any instance (or arrived already). At
   * `timeout` the Sid is fetched once: its status resolves the wait when it is one of `statuses`,
   * else it rejects with `FST_TWILIO_WAIT_TIMEOUT`.
   */
  waitFor (sid: string, statuses: readonly string[], options?: WaitForOptions): Promise<WaitResult>
  readonly stats: ReconcileStats
}

/** A due watch handed to one instance, leased until its next due time. */
export interface DueWatch {
  readonly id: string
  /** What `watch` stored. */
  readonly data: string
  /** Fetches claimed for it so far, this one included. */
  readonly fetches: number
}

/** An event as the watch list keeps it: its text, or a function making it when needed. */
export type EventText = string | (() => string)

/**
 * The store methods reconciliation needs (both stores have them). Ids are `channel:sid`; every
 * record expires after the ttl it was written with.
 */
export interface WatchStore {
  /** Start watching `id` (unless it is watched already or has ended), due at `due` (epoch ms). */
  watch (id: string, data: string, due: number, ttlMs: number): Awaitable<boolean>
  /**
   * Record a status of a watched `id`: `event` is its text, or a function making it, called only
   * when `id` is watched. A `final` one ends the watch.
   */
  seen (id: string, status: string, event: EventText, final: boolean, ttlMs: number): Awaitable<boolean>
  /** Up to `max` watches due by `now`, each leased (not due again) until `now + leaseMs`. */
  dueWatches (now: number, leaseMs: number, max: number): Awaitable<DueWatch[]>
  /** Make a watched `id` due at `due`, unless it has ended. */
  reschedule (id: string, due: number): Awaitable<void>
  /** Stop watching `id`; the statuses seen stay until they expire. */
  unwatch (id: string): Awaitable<void>
  /** The statuses seen for `id`: status → the event as text. */
  seenStatuses (id: string): Awaitable<Readonly<Record<string, string>>>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** fastify-twilio-status's handle, when registered with `reconcile` (under `reconcile.name` if given). */
    twilioStatus: TwilioStatusHandle
  }
}
