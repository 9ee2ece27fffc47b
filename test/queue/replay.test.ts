/**
 * Dead letters: `replayFailed` puts failed jobs back and counts the replay in their data;
 * `queueLag` is the age of the oldest waiting job.
 */
import t from 'tap'
import { queueLag, replayFailed } from '../../lib/queue/replay'
import { startRedis, type TestRedis } from '../helpers/redis'
import { newQueue } from '../helpers/queue'

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

t.test('replayFailed skips a job removed meanwhile and counts each replay in the data of the job', async (t) => {
  const retried: unknown[] = []
  const job = { data: { channel: 'sms' as const, status: 'failed', sid: 'SM1', event: {}, replays: 1 }, updateData: async (data: unknown) => { retried.push(data) }, retry: async () => {} }
  const reader = { getFailed: async () => [undefined, job], getJobs: async () => [] }
  t.equal(await replayFailed(reader), 1)
  t.match(retried, [{ replays: 2 }])
})

t.test('queueLag is the age of the oldest waiting job', async (t) => {
  const { queue } = newQueue(t, redis)
  t.equal(await queueLag(queue), 0)
  await queue.add('a', { channel: 'sms', status: 'sent', sid: 'SM1', event: {} })
  await new Promise((resolve) => setTimeout(resolve, 30))
  await queue.add('b', { channel: 'sms', status: 'sent', sid: 'SM2', event: {} })
  t.ok(await queueLag(queue) >= 25)
})
