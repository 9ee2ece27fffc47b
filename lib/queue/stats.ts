import type { QueueStats } from '../../types/index'

/** Queue mode's counters, updated in place by the receiver (`queue.stats`) and by workers. */
export function createQueueStats (): QueueStats {
  return { enqueued: 0, fallbacks: 0, processed: 0, retried: 0, failed: 0, replayed: 0, lag: 0 }
}
