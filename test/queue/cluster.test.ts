/**
 * Queue mode on a real Redis Cluster of three masters (started by the helper, or
 * REDIS_CLUSTER_NODES from `npm test`): a hash-tagged prefix is required on a Cluster, and events
 * go from the receiver to workers with retries, ordering, dead letters and replay, as on one Redis.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Queue } from 'bullmq'
import type { Cluster } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { checkQueue } from '../../lib/options/queue'
import { RedisStore } from '../../lib/stores/redis'
import { createTwilioWorker } from '../../lib/worker'
import { replayFailed } from '../../lib/queue/replay'
import type { TwilioWorker, TwilioWorkerOptions } from '../../types/index'
import { build } from '../helpers/app'
import { startCluster, type TestCluster } from '../helpers/redis-cluster'
import { CALL_PATH, callParams, formPost, type Params, smsParams, TOKEN } from '../helpers/sign'
import { silent, until } from '../helpers/queue'

let cluster: TestCluster
/** Workers' connection: BullMQ requires maxRetriesPerRequest null on a worker's client. */
let blocking: Cluster
t.before(async () => {
  cluster = await startCluster()
  blocking = cluster.client({ redisOptions: { maxRetriesPerRequest: null } })
})
t.teardown(async () => { await cluster.stop() })

async function inject (app: FastifyInstance, params: Params, target?: string) {
  return await app.inject(formPost(params, target === undefined ? {} : { target }))
}

/** A queue of its own on the cluster, with a hash-tagged prefix, removed at the end of the test. */
function newQueue (t: tap.Test): { queue: Queue, prefix: string } {
  const prefix = `{t-${randomUUID()}}`
  const queue = new Queue('twilio', { connection: cluster.client(), prefix })
  t.teardown(async () => {
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
  })
  return { queue, prefix }
}

function startWorker (t: tap.Test, prefix: string, options: Partial<TwilioWorkerOptions>): TwilioWorker {
  const w = createTwilioWorker({ connection: blocking, prefix, logger: silent, ...options })
  t.teardown(() => w.close({ timeout: 2000 }))
  return w
}

t.test('on a Redis Cluster, a Queue without a hash tag in its prefix or name is refused at register, naming the fix', async (t) => {
  const untagged = new Queue(`twilio-${randomUUID()}`, { connection: cluster.client() })
  const named = new Queue(`{twilio-${randomUUID()}}`, { connection: cluster.client() })
  t.teardown(async () => { await untagged.close(); await named.close() })
  const message = /^fastify-twilio-status: option queue\.queue: on a Redis Cluster, BullMQ needs a hash tag in the queue's prefix so that its keys share a slot; give the Queue and createTwilioWorker the same prefix: '\{bull\}' \(got prefix "bull" and queue "twilio-[\w-]+"\)$/
  t.throws(() => checkQueue(untagged), { code: 'FST_TWILIO_INVALID_OPTION', message })
  await t.rejects(build(t, { authToken: TOKEN, sms: {}, queue: { queue: untagged } }), { code: 'FST_TWILIO_INVALID_OPTION', message })
  t.equal(checkQueue(named)?.queue, named, 'a hash tag in the name is enough (BullMQ\'s second way)')
})

t.test('createTwilioWorker on a Redis Cluster requires a hash-tagged prefix, the same as the Queue\'s', async (t) => {
  const refused = { code: 'FST_TWILIO_INVALID_OPTION', message: /^fastify-twilio-status: option prefix: on a Redis Cluster, BullMQ needs a hash tag .* '\{bull\}' \(got prefix "bull" and queue "twilio"\)$/ }
  t.throws(() => createTwilioWorker({ connection: blocking, logger: silent, sms: {} }), refused)
  t.throws(() => createTwilioWorker({ connection: blocking, prefix: 'twilio', logger: silent, sms: {} }), { message: /same prefix: '\{twilio\}' \(got prefix "twilio"/ })
  t.throws(() => createTwilioWorker({ connection: blocking, prefix: '{}', logger: silent, sms: {} }), { message: /\(got prefix "\{\}"/ }, 'an empty tag is no tag')
  const w = createTwilioWorker({ connection: blocking, prefix: 'app', workerOptions: { prefix: '{app}' }, logger: silent, sms: {} })
  await w.close()
  t.pass('a hash-tagged prefix in workerOptions, which BullMQ uses, is accepted')
})

t.test('on a Redis Cluster: enqueue, worker, callbacks; a failing callback is retried, then a dead letter, then replayed', async (t) => {
  const { queue, prefix } = newQueue(t)
  const store = new RedisStore({ client: cluster.client(), prefix: `s-${randomUUID()}:` })
  const app = await build(t, { authToken: TOKEN, store, queue: { queue, attempts: 3, backoff: 10 }, sms: {}, call: {} })
  let failing = true
  const runs: string[] = []
  const w = startWorker(t, prefix, {
    store,
    ordering: true,
    concurrency: 4,
    sms: {
      onDelivered: (event) => { runs.push(`delivered ${event.MessageSid}`) },
      onFailed: () => { runs.push('failed'); if (failing) throw new Error('downstream is down') }
    },
    call: { onCompleted: () => { runs.push('completed') }, onStale: (event) => { runs.push(`stale ${event.CallStatus}`) } }
  })
  const sms = Array.from({ length: 20 }, () => smsParams('delivered'))
  for (const params of sms) t.equal((await inject(app, params)).statusCode, 200)
  t.equal((await inject(app, sms[0] as Params)).statusCode, 200, 'a redelivery: the same job id, nothing added')
  const completed = callParams('completed', { SequenceNumber: '3' })
  await inject(app, completed, CALL_PATH)
  await until(() => w.queueStats.processed === 21)
  await inject(app, callParams('ringing', { SequenceNumber: '1', CallSid: completed.CallSid }), CALL_PATH)
  await inject(app, smsParams('failed'))
  await until(() => w.queueStats.failed === 1 && w.queueStats.processed === 22)
  t.equal(runs.filter((r) => r.startsWith('delivered')).length, 20, 'each message once')
  t.ok(runs.includes('completed') && runs.includes('stale ringing'), 'ordering holds per Sid: ringing after completed is stale')
  t.equal(runs.filter((r) => r === 'failed').length, 3, 'three attempts')
  t.equal(w.queueStats.retried, 2)
  const [dead] = await queue.getFailed()
  t.match(dead?.failedReason, /downstream is down/)

  failing = false
  t.equal(await replayFailed(queue), 1)
  await until(() => w.queueStats.processed === 23)
  t.equal(w.queueStats.replayed, 1)
  t.equal(runs.filter((r) => r === 'failed').length, 4)
})

t.test('on a Redis Cluster, the worker\'s default store is a RedisStore on its own connection to the cluster', async (t) => {
  const { queue, prefix } = newQueue(t)
  const app = await build(t, { authToken: TOKEN, queue, sms: {} })
  let runs = 0
  const w = startWorker(t, prefix, { sms: { onSent: () => { runs++ } } })
  const params = smsParams('sent')
  await inject(app, params)
  await until(() => w.queueStats.processed === 1)
  // The job is gone; the default store still knows the event: a redelivery runs nothing.
  await (await queue.getJob((await queue.getCompleted())[0]?.id as string))?.remove()
  await inject(app, params)
  await until(() => w.queueStats.processed === 2)
  t.equal(runs, 1)
  t.equal(w.stats.duplicates, 1)
  const key = `twilio-status:{sms:${params.AccountSid}:${params.MessageSid}}:sent`
  t.match(await cluster.client().get(key), /^d/, 'recorded as handled, under its hash-tagged key')
})
