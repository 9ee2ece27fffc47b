/**
 * The Redis test helper without a Redis: startRedis() rejects with how to get one, instead of
 * throwing inside the child's 'error' listener (which would crash the tap worker).
 */
import t from 'tap'
import { NO_REDIS, startRedis } from './helpers/redis'

const missing = 'fastify-twilio-status-no-such-redis-server'

async function rejection (p: Promise<unknown>): Promise<Error> {
  return await p.then(() => { throw new Error('expected startRedis() to reject') }, (err: Error) => err)
}

t.test('a redis-server that cannot be spawned rejects with how to get Redis', async (t) => {
  const err = await rejection(startRedis({ url: '', binary: missing }))
  t.ok(err.message.startsWith(NO_REDIS), 'starts with what to do')
  t.ok(err.message.endsWith(`(cannot start ${missing}: spawn ${missing} ENOENT)`), err.message)
})

t.test('a server that exits before answering PING rejects at once, not after the wait', async (t) => {
  const started = Date.now()
  // node rejects redis-server's options ("bad option: --bind") and exits at once.
  const err = await rejection(startRedis({ url: '', binary: process.execPath }))
  t.match(err.message, /exited \(\d+\) before answering PING on port \d+$/)
  t.ok(Date.now() - started < 4000, 'well before the 5 s PING wait ends')
})

t.test('an empty REDIS_URL counts as none', async (t) => {
  const shared = process.env.REDIS_URL
  process.env.REDIS_URL = ''
  const started = startRedis({ binary: missing }) // reads REDIS_URL synchronously, before its first await
  if (shared === undefined) delete process.env.REDIS_URL
  else process.env.REDIS_URL = shared
  t.ok((await rejection(started)).message.startsWith(NO_REDIS))
})
