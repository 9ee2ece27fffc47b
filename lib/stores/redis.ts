/**
 * A store shared by several instances through Redis. Each operation is one Lua script, so a
 * claim or an ordering check is atomic on the server, and every key expires on the server.
 * Takes any ioredis-compatible client (ioredis itself is not a dependency).
 */
import { createHash } from 'node:crypto'
import { InvalidOptionError } from '../errors'
import type { Claim, RedisClient, RedisStoreOptions, StatusStore } from '../../types/index'
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

const SCRIPTS = { claim: script(CLAIM), release: script(RELEASE), advance: script(ADVANCE), complete: script(COMPLETE) }

export class RedisStore implements StatusStore {
  readonly #client: RedisClient
  readonly #prefix: string

  constructor (options: RedisStoreOptions) {
    const client = options?.client
    if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new InvalidOptionError('RedisStore option client must be an ioredis client (with eval and evalsha)')
    }
    this.#client = client
    this.#prefix = options.prefix ?? 'twilio-status:'
  }

  /** EVALSHA, loading the script on first use on this server (NOSCRIPT). */
  async #run ({ source, sha }: Script, key: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.#client.evalsha(sha, 1, this.#prefix + key, ...args)
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err
      return await this.#client.eval(source, 1, this.#prefix + key, ...args)
    }
  }

  async claim (key: string, ttlMs: number): Promise<Claim> {
    const value = await this.#run(SCRIPTS.claim, key, ttlMs)
    return typeof value === 'string' ? claimOf(value) : CLAIMED
  }

  async complete (key: string, reply: string, ttlMs: number): Promise<void> {
    await this.#run(SCRIPTS.complete, key, 'd' + reply, ttlMs)
  }

  async release (key: string): Promise<void> {
    await this.#run(SCRIPTS.release, key)
  }

  async advance (subject: string, rank: number, ttlMs: number): Promise<boolean> {
    return await this.#run(SCRIPTS.advance, subject, rank, ttlMs) === 1
  }
}
