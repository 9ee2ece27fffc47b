/**
 * The shared state behind idempotency and ordering, behind a small interface: an in-memory
 * store for one process (the default) and `RedisStore` for several. A method may answer
 * synchronously (memory) or with a promise (Redis).
 */
import { InvalidOptionError } from './errors'

/** The outcome of claiming an event key. */
export type Claim =
  | { readonly state: 'claimed' }
  | { readonly state: 'pending' }
  /** Handled already; `reply` is the TwiML that was sent the first time. */
  | { readonly state: 'done', readonly reply: string }

type Awaitable<T> = T | Promise<T>

export interface StatusStore {
  /**
   * Atomically claim `key` for processing, for `ttlMs`. Answers `claimed` to exactly one
   * caller; others get `pending` while the claim lives, then `done` once it is completed.
   */
  claim (key: string, ttlMs: number): Awaitable<Claim>
  /** Mark `key` handled for `ttlMs`, remembering the reply. */
  complete (key: string, reply: string, ttlMs: number): Awaitable<void>
  /** Drop a claim whose callbacks failed, so a redelivery runs them again. */
  release (key: string): Awaitable<void>
  /**
   * Record `rank` for `subject` unless a higher one is recorded; `false` means the event is
   * stale (a later one was seen). Atomic.
   */
  advance (subject: string, rank: number, ttlMs: number): Awaitable<boolean>
}

export const CLAIMED: Claim = Object.freeze({ state: 'claimed' })
export const PENDING: Claim = Object.freeze({ state: 'pending' })

/** Stored values: `p` for a live claim, `d` followed by the reply once handled. */
export function claimOf (value: string): Claim {
  return value === 'p' ? PENDING : { state: 'done', reply: value.slice(1) }
}

export interface MemoryStoreOptions {
  /** Most keys kept (events and ordering subjects each); the oldest go first. Default 100000. */
  readonly maxEntries?: number
}

interface Entry { value: string, expires: number }

/**
 * One process's store: a Map in insertion order, so the oldest entry is evicted first once
 * `maxEntries` is reached and memory stays flat however many events pass. Expiry is checked
 * on read.
 */
export class MemoryStore implements StatusStore {
  readonly #entries = new Map<string, Entry>()
  #oldest: Iterator<string> = this.#entries.keys()
  readonly #max: number

  constructor (options: MemoryStoreOptions = {}) {
    // Only a missing value takes the default: `null` is a mistake to report, not to replace.
    const max = options.maxEntries === undefined ? 100_000 : options.maxEntries
    if (!Number.isInteger(max) || max < 1) throw new InvalidOptionError(`MemoryStore option maxEntries must be a positive integer, got ${String(max)}`)
    this.#max = max
  }

  /** How many keys are held now, expired ones included until they are read or evicted. */
  get size (): number {
    return this.#entries.size
  }

  #get (key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry !== undefined && entry.expires <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  #set (key: string, value: string, expires: number): void {
    // Delete first so the key moves to the young end of the insertion order.
    this.#entries.delete(key)
    this.#entries.set(key, { value, expires })
    if (this.#entries.size > this.#max) this.#evictOldest()
  }

  /**
   * One iterator lives on, so each eviction steps past the slots already freed instead of
   * rescanning them: a fresh `keys()` walks every deleted slot V8 keeps until a rehash, which
   * made a full store cost tens of µs per event. Every key before the iterator is gone, and a
   * Map iterator sees keys added after it was made, so with `size > max ≥ 1` the next key is the
   * oldest live one.
   */
  #evictOldest (): void {
    this.#entries.delete(this.#oldest.next().value as string)
  }

  claim (key: string, ttlMs: number): Claim {
    const now = Date.now()
    const entry = this.#get(key, now)
    if (entry !== undefined) return claimOf(entry.value)
    this.#set(key, 'p', now + ttlMs)
    return CLAIMED
  }

  complete (key: string, reply: string, ttlMs: number): void {
    this.#set(key, 'd' + reply, Date.now() + ttlMs)
  }

  release (key: string): void {
    if (this.#entries.get(key)?.value === 'p') this.#entries.delete(key)
  }

  advance (subject: string, rank: number, ttlMs: number): boolean {
    const now = Date.now()
    const entry = this.#get(subject, now)
    if (entry !== undefined && Number(entry.value) > rank) return false
    this.#set(subject, String(rank), now + ttlMs)
    return true
  }
}
