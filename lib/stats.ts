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

export function createStats (): Stats {
  return { dispatched: 0, duplicates: 0, stale: 0, inProgress: 0, deadlines: 0, storeErrors: 0 }
}
