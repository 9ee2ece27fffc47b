/**
 * The plugin's configuration once `./options` has checked and normalised it: what the routes,
 * delivery and verification read at request time. Types only, so every layer can import them.
 */
import type { FastifyRequest } from 'fastify'
import type { QueueStats, ReconcileCredentials, ReconcileStats, Stats, StatusStore, TwilioQueue, TwilioRestClient, WatchStore } from '../types/index'
import type { Channel } from './families/index'

/** A host's token lookup: the Auth Token(s) of the account a request claims to come from. */
export type TokenLookup = (accountSid: string | undefined, request: FastifyRequest) => unknown

export interface VerifyConfig {
  /** Auth Tokens, current first; empty when `tokenLookup` is given. */
  readonly tokens: readonly string[]
  readonly tokenLookup: TokenLookup | null
  /** SharedKey secrets by key id. */
  readonly sharedKeys: ReadonlyMap<string, string>
  /** Refuse Auth Token signatures: only SharedKey-signed requests verify. */
  readonly requireSharedKey: boolean
  readonly publicUrl: string | null
  /** Twilio's HTTP authentication (`auth`), checked before any signature; `null` when not configured. */
  readonly auth: AuthConfig | null
}

/** A username and password Twilio authenticates with. */
export interface Credential {
  readonly username: string
  readonly password: string
}

/** The Digest algorithms offered (RFC 7616 §3.3), preferred first. */
export type DigestAlgorithm = 'SHA-256' | 'MD5'

/** The `auth` option, checked: at least one scheme is not `null`. */
export interface AuthConfig {
  readonly basic: { readonly realm: string, readonly users: readonly Credential[] } | null
  readonly digest: { readonly realm: string, readonly users: readonly Credential[], readonly algorithms: readonly DigestAlgorithm[], readonly nonceTtl: number } | null
  readonly bearer: { readonly tokens: readonly string[], readonly verify: BearerCheck | null } | null
}

/** A host's check of a Bearer token: `true` accepts it; anything else, a throw or a rejection refuses it. */
export type BearerCheck = (token: string, request: FastifyRequest) => unknown

/** A callback as the dispatcher sees it. */
export type Callback = (event: Record<string, unknown>, request: unknown) => unknown

export interface ChannelConfig {
  readonly channel: Channel
  readonly path: string
  /** Status → its callback, only for callbacks the user gave. */
  readonly byStatus: ReadonlyMap<string, Callback>
  readonly onAny: Callback | undefined
  readonly onStale: Callback | undefined
  /** Known statuses of the channel, to tell an unknown one apart. */
  readonly known: ReadonlySet<string>
}

/** A TwiML webhook route the host declares through the plugin. */
export interface WebhookConfig {
  readonly url: string
  readonly method: ReadonlyArray<'GET' | 'POST'>
  readonly handler: (request: never, reply: never) => unknown
}

export interface Config {
  readonly verify: VerifyConfig
  readonly validate: boolean
  readonly bodyLimit: number
  readonly maxParams: number
  readonly channels: readonly ChannelConfig[]
  readonly webhooks: readonly WebhookConfig[]
  readonly delivery: DeliveryConfig
  /** Queue mode, when the `queue` option is given. */
  readonly queue: QueueConfig | null
  /** Reconciliation and the host handle, when the `reconcile` option is given. */
  readonly reconcile: ReconcileConfig | null
}

export interface ReconcileConfig {
  readonly after: number
  /** The host's `twilio` client, or `null` for plain HTTPS with `credentials`. */
  readonly client: TwilioRestClient | null
  readonly credentials: Required<ReconcileCredentials> | null
  readonly trackSeen: boolean
  readonly concurrency: number
  readonly interval: number
  readonly maxFetches: number
  readonly requestTimeout: number
  readonly ttl: number
  readonly name: string
  readonly stats: ReconcileStats
  /** The plugin's store, with the watch methods. */
  readonly store: StatusStore & WatchStore
}

export interface QueueConfig {
  readonly queue: TwilioQueue
  /** BullMQ job options: attempts, backoff, retention, and whatever the host added. */
  readonly jobOptions: Readonly<Record<string, unknown>>
  /** How long an add may take before the event is processed inline, ms. */
  readonly timeout: number
  readonly stats: QueueStats
}

export interface DeliveryConfig {
  readonly store: StatusStore
  /** How long a handled event is remembered, ms; `null` turns idempotency off. */
  readonly doneTtl: number | null
  /** How long a claim lives while callbacks run, ms. */
  readonly pendingTtl: number
  /** How long an ordering rank is remembered, ms; `null` turns ordering off. */
  readonly orderingTtl: number | null
  readonly deadline: number
  readonly storeTimeout: number
  readonly stats: Stats
}
