import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import { Queue } from 'bullmq'
import { sampleSid, signedInject } from 'fastify-twilio-status/testing'
import { buildReceiver, startWorker } from './queue'

const authToken = 'test-auth-token'
// A Redis for tests (REDIS_URL): the receiver and the worker share its queue named "twilio".
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const redis = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) }

/** Wait until `check` holds: a worker runs jobs on its own time. */
async function until (check: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 10_000; !(await check());) {
    if (Date.now() > end) throw new Error('not within 10 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('the receiver answers once the event is queued, and a worker runs it once', async (t) => {
  const saved: string[] = []
  const db = { save: async (sid: string, status: string) => { saved.push(`${sid} ${status}`) } }
  const app = await buildReceiver(authToken, redis, db)
  t.teardown(() => app.close())
  const queue = new Queue('twilio', { connection: redis })
  t.teardown(() => queue.close())
  // A Sid of its own on every run: the workers' store in Redis remembers the events it ran.
  const sid = sampleSid('SM', randomUUID())
  const delivered = signedInject({ authToken, channel: 'sms', status: 'delivered', sid })

  t.equal((await app.inject(delivered)).statusCode, 200)
  t.equal((await app.inject(delivered)).statusCode, 200, 'Twilio sent it twice')
  t.equal((await app.inject({ ...delivered, headers: { ...delivered.headers, 'x-twilio-signature': 'forged' } })).statusCode, 403)
  t.same(saved, [], 'nothing ran while Twilio waited')

  const worker = startWorker(redis, db)
  t.teardown(() => worker.close())
  await until(async () => saved.length > 0 && Object.values(await queue.getJobCounts('wait', 'active', 'delayed')).every((n) => n === 0))
  t.same(saved.filter((line) => line.startsWith(sid)), [`${sid} delivered`], 'run once')
})
