/** Where handled events and ranks are kept (idempotency and ordering), and for how long. */

export interface IdempotencyOptions {
  /** How long a handled event is remembered, ms. Default one day. */
  readonly ttl?: number
  /** How long a claim lives while callbacks run (a crashed instance's claim expires after it), ms. Default 60000. */
  readonly pendingTtl?: number
}

export interface OrderingOptions {
  /** How long the latest rank of a Sid is remembered, ms. Default one day. */
  readonly ttl?: number
}

/** A value or a promise of it: a store may answer synchronously (memory) or not (Redis). */
export type Awaitable<T> = T | Promise<T>

/** The outcome of claiming an event key. */
export type Claim =
  /** Yours to process. From `claimInOrder`, `stale` says whether a later event of the subject was seen. */
  | { readonly state: 'claimed', readonly stale?: boolean }
  | { readonly state: 'pending' }
  /** Handled already; `reply` is the TwiML that was sent the first time. */
  | { readonly state: 'done', readonly reply: string }

export interface StatusStore {
  /**
   * Atomically claim `key` for processing, for `ttlMs`. Answers `claimed` to exactly one
   * caller; others get `pending` while the claim lives, then `done` once it is completed.
   */
  claim (key: string, ttlMs: number): Awaitable<Claim>
  /**
   * Mark `key` handled for `ttlMs`, remembering the reply verbatim: TwiML (`''` stands for the
   * empty TwiML), or a decision, so that a redelivery gets the same one (docs/decisions.md).
   */
  complete (key: string, reply: string, ttlMs: number): Awaitable<void>
  /** Drop a claim whose callbacks failed, so a redelivery runs them again. */
  release (key: string): Awaitable<void>
  /**
   * Record `rank` for `subject` unless a higher one is recorded; `false` means the event is
   * stale (a later one was seen). Atomic.
   */
  advance (subject: string, rank: number, ttlMs: number): Awaitable<boolean>
  /**
   * Optional: `claim`, then `advance` when the claim is this caller's, as one atomic step (one
   * round trip to a shared store instead of two). A claimed answer carries `stale`. Without it,
   * an ordered event costs a `claim` and an `advance`.
   */
  claimInOrder? (key: string, ttlMs: number, subject: string, rank: number, orderTtlMs: number): Awaitable<Claim>
}

export interface MemoryStoreOptions {
  /**
   * Most keys kept (events and ordering subjects each); the first stored go first. Default
   * 100000. About 40 bytes per key, allocated when the store is made.
   */
  readonly maxEntries?: number
}

/** The part of an ioredis client this store uses. */
export interface RedisClient {
  evalsha (sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
  eval (script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
}

export interface RedisStoreOptions {
  /** An ioredis client (or cluster) the app owns; the store never closes it. */
  readonly client: RedisClient
  /** Key prefix, so several apps can share a database. Default `twilio-status:`. */
  readonly prefix?: string
}
