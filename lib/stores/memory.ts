/**
 * The shared state behind idempotency and ordering, behind a small interface: an in-memory
 * store for one process (the default) and `RedisStore` for several. A method may answer
 * synchronously (memory) or with a promise (Redis).
 */
import { InvalidOptionError } from '../errors'
import type { Claim, MemoryStoreOptions, StatusStore } from '../../types/index'

export const CLAIMED: Claim = Object.freeze({ state: 'claimed' })
export const PENDING_CLAIM: Claim = Object.freeze({ state: 'pending' })
/** A handled event whose reply was the empty TwiML: the common duplicate, answered without allocating. */
const DONE_EMPTY: Claim = Object.freeze({ state: 'done', reply: '' })

// Each key holds one number: its expiry time × 4 + its kind, so a stored event costs its key and
// a number, not an object (a full store of objects made the garbage collector a third of the cost
// of an event). A non-empty reply or a rank lives beside it in `#extra`.
const PENDING = 0
const DONE = 1
const RANK = 2

/**
 * A flat copy of `text` that shares no memory with it. V8 makes a slice of a long string (a Sid
 * cut out of a request body) a view into that string, and a concatenation a pair of pointers to
 * its parts: kept as a key, either kept the whole body alive. Joining two pieces writes them into
 * one new sequential string: lossless for any string (lone surrogates too, unlike a UTF-8 round
 * trip), and the cheapest flat copy measured on Node 20 (about 100 ns for a 46-character key,
 * half a Buffer round trip). `s + ''`, template literals, `repeat(1)` and one-element joins
 * return `s` itself; `toWellFormed()`, `normalize()` and a sticky `replace` do for some shapes;
 * `(s + ' ').slice(0, -1)` copies, but answers a 32-byte slice of the copy.
 */
function detach (text: string): string {
  return [text.charAt(0), text.slice(1)].join('')
}

/**
 * One process's store: a Map in insertion order, so the oldest entry is evicted first once
 * `maxEntries` is reached and memory stays flat however many events pass. Expiry is checked
 * on read.
 */
export class MemoryStore implements StatusStore {
  readonly #entries = new Map<string, number>()
  readonly #extra = new Map<string, string | number>()
  #oldest: Iterator<string> = this.#entries.keys()
  /** The key inserted last (the store's own copy), at the young end already. */
  #youngest: string | undefined
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

  /** The kind of a live key, or -1; an expired key is dropped. */
  #kind (key: string, now: number): number {
    const packed = this.#entries.get(key)
    if (packed === undefined) return -1
    const kind = packed % 4
    if ((packed - kind) / 4 <= now) {
      this.#delete(key)
      return -1
    }
    return kind
  }

  #delete (key: string): void {
    this.#entries.delete(key)
    if (this.#extra.size > 0) this.#extra.delete(key)
  }

  /**
   * Stores `key` as a fresh entry. The store owns its memory: it keeps its own copy of the key
   * (and of a reply), never the caller's string, which may be a slice of a whole request body.
   * Only here, where a key is inserted: lookups use the caller's string as it is.
   */
  #set (key: string, kind: number, expires: number, extra?: string | number): void {
    // Delete first so the key moves to the young end of the insertion order, and so both maps
    // hold the one new copy (setting a key a Map has keeps the key it had).
    this.#delete(key)
    this.#insert(key, kind, expires, extra)
  }

  /** `#set` for a key known to be absent: one copy, one write. */
  #insert (key: string, kind: number, expires: number, extra?: string | number): void {
    const own = detach(key)
    this.#entries.set(own, expires * 4 + kind)
    if (extra !== undefined) this.#extra.set(own, typeof extra === 'string' ? detach(extra) : extra)
    this.#youngest = own
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
    this.#delete(this.#oldest.next().value as string)
  }

  /** One lookup; a new event is one insert (a duplicate, none). */
  claim (key: string, ttlMs: number): Claim {
    const now = Date.now()
    const packed = this.#entries.get(key)
    if (packed !== undefined) {
      const kind = packed % 4
      if ((packed - kind) / 4 > now) {
        if (kind === PENDING) return PENDING_CLAIM
        if (kind === DONE) {
          const reply = this.#extra.size === 0 ? undefined : this.#extra.get(key) as string | undefined
          return reply === undefined ? DONE_EMPTY : { state: 'done', reply }
        }
      }
      // Expired, or a rank stored under the same name: replaced.
      this.#delete(key)
    }
    this.#insert(key, PENDING, now + ttlMs)
    return CLAIMED
  }

  /**
   * The event just claimed is the youngest key already (a claim and its completion with nothing
   * in between, the memory store's usual case): its value is updated in place, no second copy.
   */
  complete (key: string, reply: string, ttlMs: number): void {
    const expires = Date.now() + ttlMs
    const youngest = this.#youngest
    if (youngest === key && this.#entries.has(youngest)) {
      this.#entries.set(youngest, expires * 4 + DONE)
      if (this.#extra.size > 0) this.#extra.delete(youngest)
      if (reply !== '') this.#extra.set(youngest, detach(reply))
      return
    }
    this.#set(key, DONE, expires, reply === '' ? undefined : reply)
  }

  release (key: string): void {
    const packed = this.#entries.get(key)
    if (packed !== undefined && packed % 4 === PENDING) this.#delete(key)
  }

  advance (subject: string, rank: number, ttlMs: number): boolean {
    const now = Date.now()
    if (this.#kind(subject, now) === RANK && (this.#extra.get(subject) as number) > rank) return false
    this.#set(subject, RANK, now + ttlMs, rank)
    return true
  }
}
