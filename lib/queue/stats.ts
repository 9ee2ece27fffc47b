import type { QueueStats } from '../../types/index'

/** Queue mode's counters, updated in place by the receiver (`queue.stats`) and by workers. */
export function createQueueStats (): QueueStats {
  return { enqueued: 0, fallbacks: 0, processed: 0, retried: 0, failed: 0, replayed: 0, lag: 0 }
}

export function checkQueueStats (option: string, value: unknown, fail: (option: string, expected: string, value: unknown) => never): QueueStats {
  if (value === undefined) return createQueueStats()
  const fresh = createQueueStats()
  if (typeof value !== 'object' || value === null || Object.keys(fresh).some((k) => typeof (value as Record<string, unknown>)[k] !== 'number')) {
    fail(option, 'an object made by createQueueStats()', value)
  }
  return value as QueueStats
}
