/**
 * A receiver in queue mode and a worker on a Redis Cluster of three masters that keeps working
 * while one master restarts (SHUTDOWN NOSAVE, then started again with its cluster config file, so
 * it rejoins with its slots). The cluster is this file's own, always: restarting a master would
 * disturb other files sharing one. Its masters keep an append-only file, as docs/queue.md asks of
 * queue mode's Redis, so the restarted master comes back with its keys.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Queue } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import { RedisStore } from '../lib/stores/redis'
import { createQueueStats } from '../lib/options/queue'
import { createTwilioWorker } from '../lib/worker'
import { build, codeOf } from './helpers/app'
import { type ClusterNode, startCluster, type TestCluster } from './helpers/redis-cluster'
import { formPost, type Params, smsParams, TOKEN } from './helpers/sign'
import { silent, until } from './helpers/queue'

let cluster: TestCluster
t.before(async () => { cluster = await startCluster({ nodes: '', appendonly: true }) })
t.teardown(async () => { await cluster.stop() })

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** What a sender saw: each answer's status, and the error codes of the refusals. */
interface Sent { statuses: number[], codes: unknown[] }

/** Sends `params` as Twilio does with `#rp=5xx`: again after a 5xx, until it is answered 2xx. */
async function deliver (app: FastifyInstance, params: Params, sent: Sent): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await app.inject(formPost(params))
    sent.statuses.push(res.statusCode)
    if (res.statusCode < 300) return
    sent.codes.push(codeOf(res.body))
    await sleep(100)
  }
  throw new Error(`${params.MessageSid as string} never answered 2xx`)
}

/** A receiver with no callbacks of its own and a worker, on a queue whose slot is on the master returned. */
async function queueMode (t: tap.Test) {
  const prefix = `{r-${randomUUID()}}`
  // No offline queue: while the queue's master is down an add fails instead of waiting.
  const queue = new Queue('twilio', { connection: cluster.client({ enableOfflineQueue: false }), prefix })
  t.teardown(async () => { await queue.close() })
  const queueStats = createQueueStats()
  const app = await build(t, { authToken: TOKEN, queue: { queue, timeout: 500, stats: queueStats }, sms: {} })
  const runs = new Map<string, number>()
  const worker = createTwilioWorker({
    connection: cluster.client({ redisOptions: { maxRetriesPerRequest: null } }),
    prefix,
    // No hash tag in the store's prefix: its keys spread over the masters by their own tags.
    store: new RedisStore({ client: cluster.client(), prefix: `s-${randomUUID()}:` }),
    storeTimeout: 500,
    concurrency: 8,
    logger: silent,
    // A fetch that failed while the master was down is tried again after this (BullMQ's default 15 s).
    workerOptions: { runRetryDelay: 200 },
    sms: { onDelivered: (event) => { runs.set(event.MessageSid, (runs.get(event.MessageSid) ?? 0) + 1) } }
  })
  t.teardown(() => worker.close({ timeout: 2000 }))
  await worker.waitUntilReady()
  return { app, queue, queueStats, worker, runs, master: await cluster.masterOf(`${prefix}:twilio:wait`) }
}

/** Sends `count` events, one every `every` ms, each until answered 2xx; the outage is `during` the sending. */
async function sendThrough (app: FastifyInstance, count: number, every: number, during: () => Promise<void>): Promise<{ events: Params[], sent: Sent }> {
  const events = Array.from({ length: count }, () => smsParams('delivered'))
  const sent: Sent = { statuses: [], codes: [] }
  const sending = events.map(async (params, i) => { await sleep(i * every); await deliver(app, params, sent) })
  await during()
  await Promise.all(sending)
  return { events, sent }
}

t.test('the queue\'s master restarts: events sent meanwhile are refused with 503 FST_TWILIO_QUEUE_UNAVAILABLE, resent, and each runs exactly once', async (t) => {
  const { app, queueStats, worker, runs, master } = await queueMode(t)
  let down: { start: () => Promise<void> } | undefined
  const { events, sent } = await sendThrough(app, 60, 50, async () => {
    await sleep(600)
    down = await cluster.stopMaster(master.port)
    await sleep(1500)
    await down.start()
  })
  t.ok(down !== undefined)
  const refused = sent.statuses.filter((s) => s >= 500).length
  t.ok(refused > 0, `the outage was seen: ${refused} answers were 5xx`)
  t.same([...new Set(sent.statuses)].sort(), [200, 503], 'every answer 200 or 503')
  t.same([...new Set(sent.codes)], ['FST_TWILIO_QUEUE_UNAVAILABLE'], 'each refusal is the coded queue error')
  await until(() => runs.size === events.length, 20_000)
  await sleep(300) // a second run would show here
  t.same(events.filter((e) => runs.get(e.MessageSid as string) !== 1), [], 'every event\'s callback ran exactly once')
  t.equal(queueStats.fallbacks, 0, 'nothing ran inline: this receiver has no callbacks')
  t.equal(worker.queueStats.failed, 0, 'no dead letters')
})

t.test('another master restarts: the queue keeps answering 200, and events whose store keys it held run without the store, once', async (t) => {
  const { app, worker, runs, master } = await queueMode(t)
  const other = cluster.nodes.find((n) => n.port !== master.port) as ClusterNode
  const { events, sent } = await sendThrough(app, 60, 40, async () => {
    await sleep(400)
    const down = await cluster.stopMaster(other.port)
    await sleep(1500)
    await down.start()
  })
  t.same([...new Set(sent.statuses)], [200], 'every event answered 200 at the first attempt')
  await until(() => runs.size === events.length, 20_000)
  await sleep(300)
  t.same(events.filter((e) => runs.get(e.MessageSid as string) !== 1), [], 'every event\'s callback ran exactly once')
  t.ok(worker.stats.storeErrors > 0, `the worker went on without the store for ${worker.stats.storeErrors} store calls`)
})

t.test('the store while a master restarts: its slots refuse, the others answer, and after the restart its keys are back', async (t) => {
  const store = new RedisStore({ client: cluster.client(), prefix: `s-${randomUUID()}:` })
  const sids = Array.from({ length: 40 }, (_, i) => `SM${i}`)
  for (const sid of sids) await store.complete(`sms:AC1:${sid}:delivered`, 'r', 60_000)
  const victim = cluster.nodes[1] as ClusterNode
  const down = await cluster.stopMaster(victim.port)
  const outcomes = await Promise.all(sids.map(async (sid) => await store.claim(`sms:AC1:${sid}:delivered`, 60_000).then(() => 'answered', () => 'refused')))
  await down.start()
  t.ok(outcomes.includes('answered') && outcomes.includes('refused'), `during the outage: ${outcomes.filter((o) => o === 'refused').length} refused, the rest answered`)
  for (const sid of sids) t.same(await store.claim(`sms:AC1:${sid}:delivered`, 60_000), { state: 'done', reply: 'r' }, `${sid} is still done`)
})
