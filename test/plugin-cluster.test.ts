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

/**
 * A receiver and a worker on a queue whose slot is on the master returned, sharing one store. The
 * receiver has a callback for `sent` only: an event it cannot enqueue runs inline if `sent`, and
 * is refused with 503 if `delivered`. `runs` counts every callback run, the receiver's and the worker's.
 */
async function queueMode (t: tap.Test) {
  const prefix = `{r-${randomUUID()}}`
  // No offline queue: while the queue's master is down an add fails instead of waiting.
  const queue = new Queue('twilio', { connection: cluster.client({ enableOfflineQueue: false }), prefix })
  t.teardown(async () => { await queue.close() })
  // No hash tag in the store's prefix: its keys spread over the masters by their own tags.
  const store = new RedisStore({ client: cluster.client(), prefix: `s-${randomUUID()}:` })
  const runs = new Map<string, number>()
  const run = (event: { MessageSid: string }): void => { runs.set(event.MessageSid, (runs.get(event.MessageSid) ?? 0) + 1) }
  const queueStats = createQueueStats()
  const app = await build(t, { authToken: TOKEN, store, storeTimeout: 500, queue: { queue, timeout: 500, stats: queueStats }, sms: { onSent: run } })
  const worker = createTwilioWorker({
    connection: cluster.client({ redisOptions: { maxRetriesPerRequest: null } }),
    prefix,
    store,
    storeTimeout: 500,
    concurrency: 8,
    logger: silent,
    // A fetch that failed while the master was down is tried again after runRetryDelay (BullMQ's
    // default 15 s); a job taken as the master went down, whose answer never came, stays active
    // until BullMQ finds it stalled: lockDuration, then stalledInterval (30 s each by default).
    workerOptions: { runRetryDelay: 200, lockDuration: 1000, stalledInterval: 500 },
    sms: { onSent: run, onDelivered: run }
  })
  t.teardown(() => worker.close({ timeout: 2000 }))
  await worker.waitUntilReady()
  return { app, store, queueStats, worker, runs, master: await cluster.masterOf(`${prefix}:twilio:wait`) }
}

/** Sends `count` events, `sent` and `delivered` in turn, one every `every` ms, each until answered 2xx; the outage is `during` the sending. */
async function sendThrough (app: FastifyInstance, count: number, every: number, during: () => Promise<void>): Promise<{ events: Params[], sent: Sent }> {
  const events = Array.from({ length: count }, (_, i) => smsParams(i % 2 === 0 ? 'delivered' : 'sent'))
  const sent: Sent = { statuses: [], codes: [] }
  const sending = events.map(async (params, i) => { await sleep(i * every); await deliver(app, params, sent) })
  await during()
  await Promise.all(sending)
  return { events, sent }
}

t.test('the queue\'s master restarts: events sent meanwhile run inline where the receiver has the callback, else are refused with 503 and resent; each runs once', async (t) => {
  const { app, queueStats, worker, runs, master } = await queueMode(t)
  const { events, sent } = await sendThrough(app, 40, 40, async () => {
    await sleep(300)
    const down = await cluster.stopMaster(master.port)
    await sleep(1000)
    await down.start()
  })
  const refused = sent.statuses.filter((s) => s >= 500).length
  t.ok(refused > 0, `the outage was seen: ${refused} answers were 5xx`)
  t.same([...new Set(sent.statuses)].sort(), [200, 503], 'every answer 200 or 503')
  t.same([...new Set(sent.codes)], ['FST_TWILIO_QUEUE_UNAVAILABLE'], 'each refusal is the coded queue error')
  t.ok(queueStats.fallbacks > 0, `${queueStats.fallbacks} sent events ran inline on the receiver`)
  await until(() => runs.size === events.length, 20_000)
  await sleep(300) // a second run would show here
  t.same(events.filter((e) => runs.get(e.MessageSid as string) !== 1), [], 'every event\'s callback ran exactly once')
  t.equal(worker.queueStats.failed, 0, 'no dead letters')
  t.ok(worker.worker.isRunning(), 'the worker runs on')
})

t.test('another master restarts: every event is answered 200 and runs once, those whose store keys it held without the store; the store\'s other slots answer meanwhile and its keys are back', async (t) => {
  const { app, store, worker, runs, master } = await queueMode(t)
  const other = cluster.nodes.find((n) => n.port !== master.port) as ClusterNode
  const sids = Array.from({ length: 30 }, (_, i) => `SM${i}`)
  for (const sid of sids) await store.complete(`sms:AC1:${sid}:delivered`, 'r', 60_000)
  let outcomes: string[] = []
  const { events, sent } = await sendThrough(app, 40, 40, async () => {
    await sleep(300)
    const down = await cluster.stopMaster(other.port)
    outcomes = await Promise.all(sids.map(async (sid) => await store.claim(`sms:AC1:${sid}:delivered`, 60_000).then(() => 'answered', () => 'refused')))
    await sleep(300)
    await down.start()
  })
  t.same([...new Set(sent.statuses)], [200], 'every event answered 200 at the first attempt')
  await until(() => runs.size === events.length, 20_000)
  await sleep(300)
  t.same(events.filter((e) => runs.get(e.MessageSid as string) !== 1), [], 'every event\'s callback ran exactly once')
  t.ok(worker.stats.storeErrors > 0, `the worker went on without the store for ${worker.stats.storeErrors} store calls`)
  t.ok(outcomes.includes('answered') && outcomes.includes('refused'), `the store during the outage: ${outcomes.filter((o) => o === 'refused').length} of ${sids.length} claims refused (the master's slots), the rest answered`)
  for (const sid of sids) t.same(await store.claim(`sms:AC1:${sid}:delivered`, 60_000), { state: 'done', reply: 'r' }, `${sid} is still done after the restart`)
})
