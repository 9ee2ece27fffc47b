/**
 * Dead letters: `replayFailed` puts the jobs of the queue's failed set back (attempts reset) and
 * marks them replayed, so a worker counts a replay that succeeds.
 */
import type { TwilioQueueReader } from '../../types/index'

export async function replayFailed (queue: TwilioQueueReader, options: { readonly limit?: number } = {}): Promise<number> {
  const limit = options.limit ?? 1000
  const jobs = await queue.getFailed(0, limit - 1)
  let replayed = 0
  for (const job of jobs) {
    if (job === undefined) continue
    await job.updateData({ ...job.data, replays: (job.data.replays ?? 0) + 1 })
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
    replayed++
  }
  return replayed
}

/** How long the oldest waiting job has waited, ms (0 when none waits). */
export async function queueLag (queue: TwilioQueueReader): Promise<number> {
  const [oldest] = await queue.getJobs(['wait'], 0, 0, true)
  return oldest === undefined ? 0 : Math.max(0, Date.now() - oldest.timestamp)
}
