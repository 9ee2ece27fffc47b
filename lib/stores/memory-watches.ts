/** Reconciliation's watch list for one process: a Map of watches, each expiring after its ttl. */
import type { DueWatch, EventText } from '../../types/index'

/** An event's text, made now if it was given as a function. */
export function textOf (event: EventText): string {
  return typeof event === 'string' ? event : event()
}

interface Watch {
  readonly data: string
  due: number
  fetches: number
  /** Ended: a final status was seen, or the watch was given up. */
  ended: boolean
  expires: number
  readonly seen: Record<string, string>
  seenExpires: number
}

export class MemoryWatches {
  readonly #watches = new Map<string, Watch>()
  /** Most watches kept; the first made goes first (a Map iterates in insertion order). */
  readonly #max: number

  constructor (max: number) {
    this.#max = max
  }

  /** The live watch of `id`; an expired one is dropped. */
  #get (id: string, now: number): Watch | undefined {
    const watch = this.#watches.get(id)
    if (watch === undefined || watch.expires > now) return watch
    this.#watches.delete(id)
    return undefined
  }

  watch (id: string, data: string, due: number, ttlMs: number): boolean {
    const now = Date.now()
    if (this.#get(id, now) !== undefined) return false
    if (this.#watches.size >= this.#max) this.#watches.delete(this.#watches.keys().next().value as string)
    this.#watches.set(id, { data, due, fetches: 0, ended: false, expires: now + ttlMs, seen: Object.create(null), seenExpires: 0 })
    return true
  }

  seen (id: string, status: string, event: EventText, final: boolean, ttlMs: number): boolean {
    const now = Date.now()
    const watch = this.#get(id, now)
    if (watch === undefined) return false
    if (watch.seenExpires <= now) for (const key in watch.seen) delete watch.seen[key]
    // The first report of a status is kept: the one whose callbacks ran (a later duplicate ran nothing).
    watch.seen[status] ??= textOf(event)
    watch.seenExpires = now + ttlMs
    // The statuses seen outlive the watch as they would in Redis, where they are a key of their own.
    watch.expires = Math.max(watch.expires, watch.seenExpires)
    if (final) watch.ended = true
    return true
  }

  /** One pass over the watches, dropping expired ones on the way. */
  dueWatches (now: number, leaseMs: number, max: number): DueWatch[] {
    const out: DueWatch[] = []
    for (const [id, watch] of this.#watches) {
      if (watch.expires <= now) {
        this.#watches.delete(id)
        continue
      }
      if (out.length === max || watch.ended || watch.due > now) continue
      watch.due = now + leaseMs
      out.push({ id, data: watch.data, fetches: ++watch.fetches })
    }
    return out
  }

  reschedule (id: string, due: number): void {
    const watch = this.#get(id, Date.now())
    if (watch !== undefined && !watch.ended) watch.due = due
  }

  unwatch (id: string): void {
    const watch = this.#get(id, Date.now())
    if (watch !== undefined) watch.ended = true
  }

  seenStatuses (id: string): Record<string, string> {
    const now = Date.now()
    const watch = this.#get(id, now)
    return watch === undefined || watch.seenExpires <= now ? {} : { ...watch.seen }
  }
}
