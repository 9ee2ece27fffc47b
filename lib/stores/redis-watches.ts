/**
 * Reconciliation's watch list in Redis (docs/design.md, "Reconciliation"): Sids sharded by a hash
 * of their id into SHARDS hash tags, so that on a Redis Cluster every script touches keys of one
 * slot only and no command scans the keyspace. Per shard, a sorted set of ids by due
 * time whose score is also the lease; per id, a hash of its watch and one of the statuses seen.
 */
import { createHash } from 'node:crypto'
import type { DueWatch, EventText, RedisClient } from '../../types/index'
import { textOf } from './memory-watches'

/** Shards of the watch list: each a hash tag, so on a Cluster they spread over the masters. */
export const SHARDS = 16

// Each of WATCH and SEEN takes a batch: KEYS the due, watch and seen keys of each id in turn, ARGV
// each id's arguments in turn; it answers 1 or 0 per id.
// ARGV per id: data, due, ttl, id. Adds the watch unless one exists (ended ones included).
const WATCH = `local out = {}
for i = 0, #KEYS / 3 - 1 do
  local k, a = i * 3, i * 4
  if redis.call('EXISTS', KEYS[k + 2]) == 1 then out[i + 1] = 0 else
    redis.call('HSET', KEYS[k + 2], 'd', ARGV[a + 1], 'f', 0)
    redis.call('PEXPIRE', KEYS[k + 2], ARGV[a + 3])
    redis.call('ZADD', KEYS[k + 1], ARGV[a + 2], ARGV[a + 4])
    out[i + 1] = 1
  end
end
return out`
// ARGV per id: id, status, event, final, ttl. Records a status of a watched id, the first report of
// it kept (the one whose callbacks ran; a later duplicate ran nothing); a final one ends the watch.
const SEEN = `local out = {}
for i = 0, #KEYS / 3 - 1 do
  local k, a = i * 3, i * 5
  if redis.call('EXISTS', KEYS[k + 2]) == 0 then out[i + 1] = 0 else
    redis.call('HSETNX', KEYS[k + 3], ARGV[a + 2], ARGV[a + 3])
    redis.call('PEXPIRE', KEYS[k + 3], ARGV[a + 5])
    if ARGV[a + 4] == '1' then
      redis.call('HSET', KEYS[k + 2], 'x', 1)
      redis.call('ZREM', KEYS[k + 1], ARGV[a + 1])
    end
    out[i + 1] = 1
  end
end
return out`
// KEYS: watch keys. 1 for each that exists, else 0.
const WATCHED = `local out = {}
for i = 1, #KEYS do out[i] = redis.call('EXISTS', KEYS[i]) end
return out`
// KEYS: due. The ids due by ARGV[1], each leased: its score moved to ARGV[2].
const DUE = `local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids`
// KEYS: due, watch. Counts a fetch of a leased id; an id whose watch ended or expired leaves the set.
const FETCH = `local d = redis.call('HGET', KEYS[2], 'd')
if (not d) or redis.call('HGET', KEYS[2], 'x') then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
return {d, redis.call('HINCRBY', KEYS[2], 'f', 1)}`
// KEYS: due, watch.
const RESCHEDULE = `if redis.call('EXISTS', KEYS[2]) == 1 and not redis.call('HGET', KEYS[2], 'x') then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
return 1`
const UNWATCH = `redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'x', 'g') end
return 1`
const SEEN_ALL = 'return redis.call(\'HGETALL\', KEYS[1])'

interface Script { readonly source: string, readonly sha: string }

/** A `watch` or `seen` call waiting for its batch. */
interface Queued {
  readonly id: string
  /** Its shard and its due, watch and seen keys (`#keys`), worked out once. */
  readonly shard: number
  readonly keys: readonly [string, string, string]
  /** Its arguments; an event's text is made only when it is sent (`textOf`). */
  readonly args: ReadonlyArray<string | number | EventText>
  readonly resolve: (done: boolean) => void
  readonly reject: (err: unknown) => void
}

/** The most ids one batch script call takes: a burst is cut into calls this long, each short on the server. */
export const MAX_BATCH = 256

function script (source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

const SCRIPTS = {
  watch: script(WATCH), watched: script(WATCHED), seen: script(SEEN), due: script(DUE), fetch: script(FETCH), reschedule: script(RESCHEDULE), unwatch: script(UNWATCH), seenAll: script(SEEN_ALL)
}

/** The shard of an id: FNV-1a over its UTF-16 units, the same on every instance. */
export function shardOf (id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return (h >>> 0) % SHARDS
}

export class RedisWatches {
  readonly #client: RedisClient
  readonly #prefix: string
  /** On a Redis Cluster a batch holds the ids of one shard (one slot); elsewhere any. */
  readonly #cluster: boolean
  /** Where the next `dueWatches` starts, so that no shard always goes first. */
  #start = 0
  /** The `watch` and `seen` calls of this event-loop turn, sent together at its end (`#flush`). */
  #watchQueue: Queued[] = []
  #seenQueue: Queued[] = []
  #scheduled = false

  constructor (client: RedisClient, prefix: string, cluster: boolean) {
    this.#client = client
    this.#prefix = prefix
    this.#cluster = cluster
  }

  #due (shard: number): string {
    return `${this.#prefix}r{${shard}}:due`
  }

  /** The due set, watch and seen keys of `id`: one hash tag. */
  #keys (id: string, shard = shardOf(id)): [string, string, string] {
    const tag = `${this.#prefix}r{${shard}}:`
    return [this.#due(shard), `${tag}w:${id}`, `${tag}s:${id}`]
  }

  async #run ({ source, sha }: Script, keys: readonly string[], ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.#client.evalsha(sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err
      return await this.#client.eval(source, keys.length, ...keys, ...args)
    }
  }

  /** A batch script's answers: a list, one per id. */
  async #answers (script: Script, keys: readonly string[], args: ReadonlyArray<string | number> = []): Promise<unknown[]> {
    const answers = await this.#run(script, keys, ...args)
    if (!Array.isArray(answers)) throw new Error('fastify-twilio-status: a watch list script answered with no list')
    return answers
  }

  /**
   * Queues a `watch` or `seen` call: every message and call event reports itself, so the calls of
   * one event-loop turn go out together instead of one script call each (docs/design.md,
   * "Reports are batched").
   */
  #enqueue (queue: Queued[], id: string, args: Queued['args']): Promise<boolean> {
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => { this.#flush() })
    }
    const shard = shardOf(id)
    return new Promise((resolve, reject) => { queue.push({ id, shard, keys: this.#keys(id, shard), args, resolve, reject }) })
  }

  /** The turn's watches first, its reports once they are done: a report finds a watch made in the same turn. */
  #flush (): void {
    const watches = this.#watchQueue
    const reports = this.#seenQueue
    this.#watchQueue = []
    this.#seenQueue = []
    this.#scheduled = false
    // Neither rejects: each call's own promise carries its outcome.
    Promise.all(this.#batches(watches).map(async (batch) => { await this.#send(SCRIPTS.watch, batch) }))
      .then(() => Promise.all(this.#batches(reports).map(async (batch) => { await this.#report(batch) })))
  }

  /** Calls in batches of at most MAX_BATCH, each of one shard on a Redis Cluster (a script names keys of one slot). */
  #batches (queue: readonly Queued[]): Queued[][] {
    const groups = new Map<number, Queued[]>()
    for (const item of queue) {
      const group = this.#cluster ? item.shard : 0
      const items = groups.get(group)
      if (items === undefined) groups.set(group, [item])
      else items.push(item)
    }
    const batches: Queued[][] = []
    for (const items of groups.values()) {
      for (let i = 0; i < items.length; i += MAX_BATCH) batches.push(items.slice(i, i + MAX_BATCH))
    }
    return batches
  }

  /** One script call for `items`, each settled with its answer; an event whose text cannot be made fails alone. */
  async #send (script: Script, items: readonly Queued[]): Promise<void> {
    const sent: Queued[] = []
    const args: Array<string | number> = []
    for (const item of items) {
      try {
        args.push(...item.args.map((arg) => typeof arg === 'number' ? arg : textOf(arg)))
        sent.push(item)
      } catch (err) {
        item.reject(err)
      }
    }
    if (sent.length === 0) return
    try {
      const answers = await this.#answers(script, sent.flatMap(({ keys }) => keys), args)
      sent.forEach((item, i) => { item.resolve(answers[i] === 1) })
    } catch (err) {
      for (const item of sent) item.reject(err)
    }
  }

  /**
   * Reports: first which ids are watched, by their keys alone; only theirs are sent with the event.
   * Most events are of Sids nobody tracks, and their text was most of what a report wrote.
   */
  async #report (items: readonly Queued[]): Promise<void> {
    let answers: unknown[]
    try {
      answers = await this.#answers(SCRIPTS.watched, items.map(({ keys }) => keys[1]))
    } catch (err) {
      for (const item of items) item.reject(err)
      return
    }
    const watched = items.filter((item, i) => {
      if (answers[i] === 1) return true
      item.resolve(false)
      return false
    })
    await this.#send(SCRIPTS.seen, watched)
  }

  watch (id: string, data: string, due: number, ttlMs: number): Promise<boolean> {
    return this.#enqueue(this.#watchQueue, id, [data, due, ttlMs, id])
  }

  seen (id: string, status: string, event: EventText, final: boolean, ttlMs: number): Promise<boolean> {
    return this.#enqueue(this.#seenQueue, id, [id, status, event, final ? '1' : '0', ttlMs])
  }

  async dueWatches (now: number, leaseMs: number, max: number): Promise<DueWatch[]> {
    const out: DueWatch[] = []
    const first = this.#start
    this.#start = (first + 1) % SHARDS
    for (let i = 0; i < SHARDS && out.length < max; i++) {
      const shard = (first + i) % SHARDS
      const ids = await this.#run(SCRIPTS.due, [this.#due(shard)], now, now + leaseMs, max - out.length) as string[]
      const fetched = await Promise.all(ids.map(async (id) => {
        const [due, watch] = this.#keys(id)
        return await this.#run(SCRIPTS.fetch, [due, watch], id) as [string, number] | null
      }))
      fetched.forEach((answer, j) => {
        if (answer !== null) out.push({ id: ids[j] as string, data: answer[0], fetches: Number(answer[1]) })
      })
    }
    return out
  }

  async reschedule (id: string, due: number): Promise<void> {
    const [set, watch] = this.#keys(id)
    await this.#run(SCRIPTS.reschedule, [set, watch], id, due)
  }

  async unwatch (id: string): Promise<void> {
    const [set, watch] = this.#keys(id)
    await this.#run(SCRIPTS.unwatch, [set, watch], id)
  }

  async seenStatuses (id: string): Promise<Record<string, string>> {
    const flat = await this.#run(SCRIPTS.seenAll, [this.#keys(id)[2]]) as string[]
    const out: Record<string, string> = Object.create(null)
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string
    return out
  }
}
