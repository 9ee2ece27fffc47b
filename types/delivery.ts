/** A delivery's counters, and the connection overrides Twilio reads from a callback URL. */

/** Counters a host can read (pass the object as the `stats` option; it is updated in place). */
export interface Stats {
  /** Events whose callbacks all succeeded (stale ones included). */
  dispatched: number
  /** Deliveries answered without running callbacks because the event was handled already (or is being handled in this process). */
  duplicates: number
  /** Events older than one already seen, given to `onStale` instead of their status callback. */
  stale: number
  /** Deliveries answered 503 because another instance holds the event. */
  inProgress: number
  /** Deliveries answered 503 at the deadline while their callbacks ran on. */
  deadlines: number
  /** Store operations that threw or timed out (the event was processed anyway). */
  storeErrors: number
}

export interface ConnectionOverrides {
  /** `ct`: connect timeout, ms, 100–10000 (Twilio's default 5000). */
  readonly connectTimeout?: number
  /** `rt`: read timeout, ms, 100–15000 (default 15000). */
  readonly readTimeout?: number
  /** `tt`: total time for all attempts, ms, 100–15000 (default 15000). */
  readonly totalTimeout?: number
  /** `rc`: retry count, 0–5 (default 1). */
  readonly retryCount?: number
  /**
   * `rp`: which failures are retried. Twilio documents the key; the value set below is
   * reported but not confirmed by its docs (docs/twilio-facts.md §4.2, [unverified]).
   */
  readonly retryPolicy?: ReadonlyArray<'ct' | 'rt' | '4xx' | '5xx' | 'all'>
}
