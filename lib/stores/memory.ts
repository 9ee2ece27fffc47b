/** The default store, for one process: idempotency and ordering state answered synchronously. */
import { randomFillSync } from 'node:crypto'
import { InvalidOptionError } from '../errors'
import type { Claim, DueWatch, EventText, MemoryStoreOptions, StatusStore, WatchStore } from '../../types/index'
import { MemoryWatches } from './memory-watches'

export const CLAIMED: Claim = Object.freeze({ state: 'claimed' })
export const PENDING_CLAIM: Claim = Object.freeze({ state: 'pending' })
/** A handled event whose reply was the empty TwiML: the common duplicate, answered without allocating. */
const DONE_EMPTY: Claim = Object.freeze({ state: 'done', reply: '' })

const PENDING = 0
const DONE = 1
const RANK = 2
/** A ring position that holds no key. */
const FREE = 3

/** A flat copy of `text` that keeps no request body alive (docs/design.md, "Memory store"). */
function detach (text: string): string {
  return [text.charAt(0), text.slice(1)].join('')
}

/** The three words of the last key hashed (one call at a time: the store is synchronous). */
let H0 = 0
let H1 = 0
let H2 = 0

/** murmur3's finaliser: every input bit reaches every output bit. */
function fmix (h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}

/** Three 32-bit hashes of `key`, each from its own seed, into `H0`–`H2`: 96 bits stand for the key. */
export function hashKey (key: string, seeds: Int32Array): void {
  let a = seeds[0]
  let b = seeds[1]
  let c = seeds[2]
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i)
    a = Math.imul(a ^ unit, 0x9e3779b1)
    a ^= a >>> 15
    b = Math.imul(b ^ unit, 0x85ebca77)
    b ^= b >>> 13
    c = Math.imul(c ^ unit, 0xc2b2ae3d)
    c ^= c >>> 16
  }
  H0 = fmix(a ^ key.length)
  H1 = fmix(b + key.length)
  H2 = fmix(c ^ Math.imul(key.length, 0x27d4eb2f))
}

/** The words `hashKey` produced last (for tests). */
export function lastHash (): [number, number, number] {
  return [H0, H1, H2]
}

/**
 * One process's store: a fixed ring of hashed keys in typed arrays, so its cost per event does
 * not grow with its size (docs/design.md, "Memory store").
 */
export class MemoryStore implements StatusStore, WatchStore {
  readonly #max: number
  /** Reconciliation's watch list (docs/design.md, "Reconciliation"): apart from the ring, at most `maxEntries` watches too. */
  readonly #watches: MemoryWatches
  /** Per position: the key's three hash words. */
  readonly #hashes: Int32Array
  /** Per position: expiry time in ms. */
  readonly #expires: Float64Array
  /** Per position: PENDING, DONE, RANK or FREE. */
  readonly #kinds: Uint8Array
  /** Per position: the rank of a RANK entry. */
  readonly #ranks: Float64Array
  /** Non-empty replies by position. */
  readonly #replies = new Map<number, string>()
  /** Position + 1 of each stored key, at its hash's slot or the next free one; 0 is empty. */
  readonly #index: Int32Array
  readonly #mask: number
  readonly #seeds = new Int32Array(3)
  /** The position the next new key takes. */
  #next = 0
  #size = 0
  /** Where `#lookup` found its key in `#index`. */
  #slot = 0

  constructor (options: MemoryStoreOptions = {}) {
    // Only a missing value takes the default: `null` is a mistake to report, not to replace.
    const max = options.maxEntries === undefined ? 100_000 : options.maxEntries
    if (!Number.isInteger(max) || max < 1) throw new InvalidOptionError(`MemoryStore option maxEntries must be a positive integer, got ${String(max)}`)
    this.#max = max
    this.#watches = new MemoryWatches(max)
    this.#hashes = new Int32Array(3 * max)
    this.#expires = new Float64Array(max)
    this.#kinds = new Uint8Array(max).fill(FREE)
    this.#ranks = new Float64Array(max)
    let slots = 2
    while (slots < 2 * max) slots *= 2
    this.#index = new Int32Array(slots)
    this.#mask = slots - 1
    randomFillSync(this.#seeds)
  }

  /** How many keys are held now, expired ones included until they are read or evicted. */
  get size (): number {
    return this.#size
  }

  /** The position of the key just hashed (`H0`–`H2`), or -1; its index slot in `#slot`. */
  #lookup (): number {
    const index = this.#index
    const hashes = this.#hashes
    let slot = H0 & this.#mask
    for (let held = index[slot]; held !== 0; held = index[slot]) {
      const at = 3 * (held - 1)
      if (hashes[at] === H0 && hashes[at + 1] === H1 && hashes[at + 2] === H2) {
        this.#slot = slot
        return held - 1
      }
      slot = (slot + 1) & this.#mask
    }
    return -1
  }

  /** Frees `position`, just found by `#lookup` (its index entry at `#slot`): later entries of its probe run shift back. */
  #remove (position: number): void {
    const slot = this.#slot
    const index = this.#index
    const mask = this.#mask
    let hole = slot
    for (let next = (slot + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const home = this.#hashes[3 * (index[next] - 1)] & mask
      // An entry whose home lies cyclically in (hole, next] stays; any other moves into the hole.
      if (hole <= next ? hole < home && home <= next : hole < home || home <= next) continue
      index[hole] = index[next]
      hole = next
    }
    index[hole] = 0
    this.#kinds[position] = FREE
    if (this.#replies.size > 0) this.#replies.delete(position)
    this.#size--
  }

  /** Stores the key just hashed, known to be absent, at the next position of the ring. */
  #insert (kind: number, expires: number, rank: number): number {
    const position = this.#next
    this.#next = position + 1 === this.#max ? 0 : position + 1
    const hashes = this.#hashes
    const at = 3 * position
    if (this.#kinds[position] !== FREE) {
      // Evict the key there: look it up by its own hash, then store the new one's.
      const h0 = H0
      const h1 = H1
      const h2 = H2
      H0 = hashes[at]
      H1 = hashes[at + 1]
      H2 = hashes[at + 2]
      this.#remove(this.#lookup())
      H0 = h0
      H1 = h1
      H2 = h2
    }
    hashes[at] = H0
    hashes[at + 1] = H1
    hashes[at + 2] = H2
    this.#kinds[position] = kind
    this.#expires[position] = expires
    this.#ranks[position] = rank
    const index = this.#index
    const mask = this.#mask
    let slot = H0 & mask
    while (index[slot] !== 0) slot = (slot + 1) & mask
    index[slot] = position + 1
    this.#size++
    return position
  }

  /** One lookup; a new event is one insert (a duplicate, none). */
  claim (key: string, ttlMs: number): Claim {
    const now = Date.now()
    hashKey(key, this.#seeds)
    const position = this.#lookup()
    if (position !== -1) {
      if (this.#expires[position] > now) {
        const kind = this.#kinds[position]
        if (kind === PENDING) return PENDING_CLAIM
        if (kind === DONE) {
          const reply = this.#replies.size === 0 ? undefined : this.#replies.get(position)
          return reply === undefined ? DONE_EMPTY : { state: 'done', reply }
        }
      }
      // Expired, or a rank stored under the same name: replaced.
      this.#remove(position)
    }
    this.#insert(PENDING, now + ttlMs, 0)
    return CLAIMED
  }

  /** In place for a key the store holds (the claim it completes): no second entry. */
  complete (key: string, reply: string, ttlMs: number): void {
    const expires = Date.now() + ttlMs
    hashKey(key, this.#seeds)
    let position = this.#lookup()
    if (position === -1) {
      position = this.#insert(DONE, expires, 0)
    } else {
      this.#kinds[position] = DONE
      this.#expires[position] = expires
      if (this.#replies.size > 0) this.#replies.delete(position)
    }
    if (reply !== '') this.#replies.set(position, detach(reply))
  }

  release (key: string): void {
    hashKey(key, this.#seeds)
    const position = this.#lookup()
    if (position !== -1 && this.#kinds[position] === PENDING) this.#remove(position)
  }

  advance (subject: string, rank: number, ttlMs: number): boolean {
    const now = Date.now()
    hashKey(subject, this.#seeds)
    const position = this.#lookup()
    if (position !== -1) {
      if (this.#kinds[position] === RANK && this.#expires[position] > now) {
        if (this.#ranks[position] > rank) return false
        this.#ranks[position] = rank
        this.#expires[position] = now + ttlMs
        return true
      }
      this.#remove(position)
    }
    this.#insert(RANK, now + ttlMs, rank)
    return true
  }

  watch (id: string, data: string, due: number, ttlMs: number): boolean {
    return this.#watches.watch(id, data, due, ttlMs)
  }

  seen (id: string, status: string, event: EventText, final: boolean, ttlMs: number): boolean {
    return this.#watches.seen(id, status, event, final, ttlMs)
  }

  dueWatches (now: number, leaseMs: number, max: number): DueWatch[] {
    return this.#watches.dueWatches(now, leaseMs, max)
  }

  reschedule (id: string, due: number): void {
    this.#watches.reschedule(id, due)
  }

  unwatch (id: string): void {
    this.#watches.unwatch(id)
  }

  seenStatuses (id: string): Record<string, string> {
    return this.#watches.seenStatuses(id)
  }
}
