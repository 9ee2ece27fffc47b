/**
 * Queue-mode test helpers: a BullMQ queue on the tests' Redis with its own name (so tests can run
 * together), a connection for workers, a quiet worker, and polling.
 */
import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { createTwilioWorker } from '../../lib/worker'
import { RedisStore } from '../../lib/stores/redis'
import type { TwilioWorker, TwilioWorkerOptions } from '../../types/index'
import type { TestRedis } from './redis'

const quiet = (): void => {}
/** A logger that drops everything. */
export const silent = { level: 'silent', fatal: quiet, error: quiet, warn: quiet, info: quiet, debug: quiet, trace: quiet, silent: quiet, child: () => silent } as never

export function connectionOf (redis: TestRedis): { host: string, port: number, maxRetriesPerRequest: null } {
  const url = new URL(redis.url)
  return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null }
}

interface Teardown { teardown (fn: () => unknown): void }

export function newQueue (t: Teardown, redis: TestRedis): { queue: Queue, name: string, prefix: string } {
  const name = `twilio-${randomUUID()}`
  const queue = new Queue(name, { connection: connectionOf(redis) })
  t.teardown(async () => {
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
  })
  return { queue, name, prefix: `test:${randomUUID()}:` }
}

/** A worker on the test queue `name`, its store under `prefix`, closed at the end of the test. */
export function startWorker (t: Teardown, redis: TestRedis, name: string, prefix: string, options: Partial<TwilioWorkerOptions>): TwilioWorker {
  const w = createTwilioWorker({ connection: connectionOf(redis), queueName: name, store: new RedisStore({ client: redis.client(), prefix }), logger: silent, ...options })
  t.teardown(() => w.close({ timeout: 2000 }))
  return w
}

export async function until (check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('condition never held')
}
