/**
 * Queue-mode test helpers: a BullMQ queue on the tests' Redis with its own name (so tests can run
 * together), a connection for workers, and polling.
 */
import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import type { TestRedis } from './redis'

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

export async function until (check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('condition never held')
}
