/** The plugin's `queue` option, checked at register time with bullmq and ioredis found but not loaded. */
import type { QueueConfig } from '../config'
import type { QueueStats } from '../../types/index'
import { InvalidOptionError } from '../errors'
import { counters, fail, integer, isPlainObject, rejectUnknownKeys } from './checks'
import { needQueuePackages } from '../queue/packages'

const KEYS = ['queue', 'attempts', 'backoff', 'timeout', 'jobOptions', 'stats']

/** Queue mode's counters (`queue.stats`, a worker's `queueStats`), updated in place by the receiver and by workers. */
export function createQueueStats (): QueueStats {
  return { enqueued: 0, fallbacks: 0, processed: 0, retried: 0, failed: 0, replayed: 0, lag: 0 }
}

function isQueue (value: unknown): boolean {
  return typeof (value as { add?: unknown } | null)?.add === 'function'
}

/** The hash tag a Redis Cluster places a key by: the text between its first `{` and the next `}`, when not empty. */
export function hashTag (key: string): string | undefined {
  const open = key.indexOf('{')
  const close = open === -1 ? -1 : key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : undefined
}

/**
 * On a Redis Cluster, BullMQ's scripts touch several keys of a queue (`prefix:name:…`), which must
 * share a slot: its prefix (or name) needs a hash tag (https://docs.bullmq.io/patterns/redis-cluster).
 */
export function checkClusterPrefix (option: string, connection: unknown, prefix: string, name: string): void {
  if ((connection as { isCluster?: unknown } | null)?.isCluster !== true || hashTag(`${prefix}:${name}`) !== undefined) return
  throw new InvalidOptionError(`option ${option}: on a Redis Cluster, BullMQ needs a hash tag in the queue's prefix so that its keys share a slot; give the Queue and createTwilioWorker the same prefix: '{${prefix}}' (got prefix ${JSON.stringify(prefix)} and queue ${JSON.stringify(name)})`)
}

export function checkQueue (value: unknown): QueueConfig | null {
  if (value === undefined) return null
  const given: Record<string, unknown> = isQueue(value) ? { queue: value } : isPlainObject(value) ? value : fail('queue', 'a BullMQ Queue or { queue, attempts, backoff, timeout, jobOptions, stats }', value)
  rejectUnknownKeys('queue.', given, KEYS)
  if (!isQueue(given.queue)) fail('queue.queue', 'a BullMQ Queue (an object with add)', given.queue)
  const { name, opts } = given.queue as { name?: unknown, opts?: { connection?: unknown, prefix?: unknown } }
  checkClusterPrefix('queue.queue', opts?.connection, String(opts?.prefix ?? 'bull'), String(name))
  if (given.jobOptions !== undefined && !isPlainObject(given.jobOptions)) fail('queue.jobOptions', 'an object of BullMQ job options', given.jobOptions)
  const attempts = integer('queue.attempts', given.attempts, 8, 1, 100)
  const delay = integer('queue.backoff', given.backoff, 1000, 1, 3_600_000)
  needQueuePackages('fastify-twilio-status queue mode')
  return Object.freeze({
    queue: given.queue as QueueConfig['queue'],
    jobOptions: Object.freeze({
      attempts,
      backoff: { type: 'exponential', delay },
      // Completed jobs are kept an hour (at most 10000) for the dashboard; the idempotency store
      // remembers handled events for its own ttl. Failed jobs stay: they are the dead letters.
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: false,
      ...(given.jobOptions as Record<string, unknown> | undefined)
    }),
    timeout: integer('queue.timeout', given.timeout, 2000, 10, 60_000),
    stats: counters('queue.stats', given.stats, createQueueStats)
  })
}
