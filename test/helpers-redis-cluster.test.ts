/**
 * The Redis Cluster test helper without a cluster: startCluster() rejects with how to get Redis,
 * at once, instead of throwing inside a child's listener or waiting out its polls.
 */
import t from 'tap'
import { NO_REDIS } from './helpers/redis'
import { startCluster } from './helpers/redis-cluster'

const missing = 'fastify-twilio-status-no-such-redis-server'

async function rejection (p: Promise<unknown>): Promise<Error> {
  return await p.then(() => { throw new Error('expected startCluster() to reject') }, (err: Error) => err)
}

t.test('masters that cannot be spawned reject with how to get Redis', async (t) => {
  const err = await rejection(startCluster({ nodes: '', binary: missing }))
  t.ok(err.message.startsWith(NO_REDIS), 'starts with what to do')
  t.ok(err.message.endsWith(`(cannot start ${missing}: spawn ${missing} ENOENT)`), err.message)
})

t.test('a master that exits before answering rejects at once, not after the wait', async (t) => {
  const started = Date.now()
  // node rejects redis-server's options ("bad option: --bind") and exits at once.
  const err = await rejection(startCluster({ nodes: '', binary: process.execPath }))
  t.match(err.message, /exited \(\d+\) before answering on port \d+$/)
  t.ok(Date.now() - started < 5000, 'well before the 10 s wait ends')
})

t.test('an empty REDIS_CLUSTER_NODES counts as none: a cluster is started here', async (t) => {
  const shared = process.env.REDIS_CLUSTER_NODES
  process.env.REDIS_CLUSTER_NODES = ''
  const started = startCluster({ binary: missing }) // reads REDIS_CLUSTER_NODES synchronously, before its first await
  if (shared === undefined) delete process.env.REDIS_CLUSTER_NODES
  else process.env.REDIS_CLUSTER_NODES = shared
  t.ok((await rejection(started)).message.startsWith(NO_REDIS))
})
