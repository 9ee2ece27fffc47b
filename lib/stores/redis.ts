/**
 * A store shared by several instances through any ioredis-compatible client: each operation is one
 * Lua script, atomic on the server, and every key expires there.
 */
import { createHash } from 'node:crypto'
import { InvalidOptionError } from '../errors'
import type { Claim, DueWatch, EventText, RedisClient, RedisStoreOptions, StatusStore, WatchStore } from '../../types/index'
import { RedisWatches } from './redis-watches'
import { CLAIMED, PENDING_CLAIM } from './memory'

// Returns the current value when the key exists, else sets the claim and returns nil.
const CLAIM = `local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], 'p', 'PX', ARGV[1])
return false`
// Deletes only a live claim: a key completed meanwhile stays completed.
const RELEASE = `if redis.call('GET', KEYS[1]) == 'p' then redis.call('DEL', KEYS[1]) end
return 1`
const ADVANCE = `local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`
// CLAIM, then ADVANCE when the claim is ours: 1 fresh, 0 stale, or the value already there.
const CLAIM_IN_ORDER = `local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], 'p', 'PX', ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[2]))
if cur and cur > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`
const COMPLETE = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`

/** Stored values: `p` for a live claim, `d` followed by the reply once handled. */
export function claimOf (value: string): Claim {
  return value === 'p' ? PENDING_CLAIM : { state: 'done', reply: value.slice(1) }
}

interface Script { readonly source: string, readonly sha: string }

function script (source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

const SCRIPTS = {
  claim: script(CLAIM), claimInOrder: script(CLAIM_IN_ORDER), release: script(RELEASE), advance: script(ADVANCE), complete: script(COMPLETE)
}

/**
 * A key with a Redis Cluster hash tag: its first three `:` fields after an optional `o:` (family,
 * account and Sid), so an event's claim and its Sid's order live in one slot, and one script may
 * touch both. `sms:AC1:SM1:sent` becomes `{sms:AC1:SM1}:sent`, `o:sms:AC1:SM1` `o:{sms:AC1:SM1}`.
 */
export function slotted (key: string): string {
  const start = key.startsWith('o:') ? 2 : 0
  let end = start - 1
  for (let colon = 0; colon < 3; colon++) {
    end = key.indexOf(':', end + 1)
    if (end === -1) return `${key.slice(0, start)}{${key.slice(start)}}`
  }
  return `${key.slice(0, start)}{${key.slice(start, end)}}${key.slice(end)}`
}

const FRESH: Claim = Object.freeze({ state: 'claimed', stale: false })
const STALE: Claim = Object.freeze({ state: 'claimed', stale: true })

export class RedisStore implements StatusStore, WatchStore {
  readonly #client: RedisClient
  readonly #prefix: string
  readonly #cluster: boolean

  constructor (options: RedisStoreOptions) {
    const client = options?.client
    if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new InvalidOptionError('RedisStore option client must be an ioredis client (with eval and evalsha)')
    }
    this.#client = client
    this.#prefix = options.prefix ?? 'twilio-status:'
    this.#cluster = (client as { isCluster?: unknown }).isCluster === true
  }

  /** The key in Redis: prefixed and, on a Redis Cluster, hash-tagged (`slotted`). */
  #name (key: string): string {
    return this.#prefix + (this.#cluster ? slotted(key) : key)
  }

  /** EVALSHA, loading the script on first use on this server (NOSCRIPT). `keys` are named here. */
  async #run ({ source, sha }: Script, keys: readonly string[], ...args: Array<string | number>): Promise<unknown> {
    const named = keys.map((key) => this.#name(key))
    try {
      return await this.#client.evalsha(sha, named.length, ...named, ...args)
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err
      return await this.#client.eval(source, named.length, ...named, ...args)
    }
  }

  async claim (key: string, ttlMs: number): Promise<Claim> {
    const value = await this.#run(SCRIPTS.claim, [key], ttlMs)
    return typeof value === 'string' ? claimOf(value) : CLAIMED
  }

  /** One round trip for an ordered event (on a Redis Cluster too: `slotted` puts both keys in one slot). */
  async claimInOrder (key: string, ttlMs: number, subject: string, rank: number, orderTtlMs: number): Promise<Claim> {
    const value = await this.#run(SCRIPTS.claimInOrder, [key, subject], ttlMs, rank, orderTtlMs)
    return typeof value === 'string' ? claimOf(value) : value === 1 ? FRESH : STALE
  }

  async complete (key: string, reply: string, ttlMs: number): Promise<void> {
    await this.#run(SCRIPTS.complete, [key], 'd' + reply, ttlMs)
  }

  async release (key: string): Promise<void> {
    await this.#run(SCRIPTS.release, [key])
  }

  async advance (subject: string, rank: number, ttlMs: number): Promise<boolean> {
    return await this.#run(SCRIPTS.advance, [subject], rank, ttlMs) === 1
  }

  // Reconciliation's watch list, sharded by hash tags of its own (`./redis-watches`).
  #watchList: RedisWatches | undefined

  get #watches (): RedisWatches {
    return (this.#watchList ??= new RedisWatches(this.#client, this.#prefix, this.#cluster))
  }

  watch (id: string, data: string, due: number, ttlMs: number): Promise<boolean> {
    return this.#watches.watch(id, data, due, ttlMs)
  }

  seen (id: string, status: string, event: EventText, final: boolean, ttlMs: number): Promise<boolean> {
    return this.#watches.seen(id, status, event, final, ttlMs)
  }

  async dueWatches (now: number, leaseMs: number, max: number): Promise<DueWatch[]> {
    return await this.#watches.dueWatches(now, leaseMs, max)
  }

  async reschedule (id: string, due: number): Promise<void> {
    await this.#watches.reschedule(id, due)
  }

  async unwatch (id: string): Promise<void> {
    await this.#watches.unwatch(id)
  }

  async seenStatuses (id: string): Promise<Record<string, string>> {
    return await this.#watches.seenStatuses(id)
  }
}
