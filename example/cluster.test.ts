import { test } from 'tap'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { Queue } from 'bullmq'
import { Cluster } from 'ioredis'
import { sampleSid } from 'fastify-twilio-status/testing'
import { buildClusterReceiver, startClusterWorker, workerConnection } from './cluster'
import { startCluster } from '../test/helpers/redis-cluster'

const authToken = 'cluster-example-token'

async function until (check: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 15_000; Date.now() < end;) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('condition never held')
}

test('the queue page\'s Redis Cluster example: the receiver enqueues on the cluster, a worker runs each event once', async (t) => {
  const cluster = await startCluster()
  t.teardown(() => cluster.stop())
  const nodes = cluster.nodes.map(({ host, port }) => ({ host, port }))
  const saved: string[] = []
  const db = { async save (sid: string, status: string) { saved.push(`${sid} ${status}`) } }
  const app = await buildClusterReceiver(authToken, nodes, db)
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  // Signed by the twilio package, sent over HTTP as Twilio sends it.
  async function post (path: string, params: Record<string, string>): Promise<Response> {
    const url = base + path
    return await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(authToken, url, params) },
      body: new URLSearchParams(params)
    })
  }
  const run = `${Date.now()}`
  const sms = sampleSid('SM', `cluster-1-${run}`)
  const call = sampleSid('CA', `cluster-2-${run}`)
  for (const [path, params] of [
    ['/twilio/sms/status', { MessageSid: sms, MessageStatus: 'delivered' }],
    ['/twilio/sms/status', { MessageSid: sms, MessageStatus: 'delivered' }], // a redelivery: one job
    ['/twilio/call/status', { CallSid: call, CallStatus: 'completed', SequenceNumber: '3' }]
  ] as const) {
    const res = await post(path, params)
    t.equal(res.status, 200)
  }
  t.same(saved, [], 'nothing ran while Twilio waited')

  const connection = workerConnection(nodes)
  const worker = startClusterWorker(connection, db)
  t.teardown(async () => { await worker.close(); connection.disconnect() })
  await until(() => worker.queueStats.processed === 2)
  t.same(saved.sort(), [`${call} completed`, `${sms} delivered`].sort())

  // The queue really is on the cluster, under the hash-tagged prefix.
  const inspect = new Cluster(nodes)
  const queue = new Queue('twilio', { connection: inspect, prefix: '{twilio}' })
  t.teardown(async () => { await queue.obliterate({ force: true }); await queue.close(); inspect.disconnect() })
  t.equal((await queue.getJobCounts('completed')).completed, 2)
})
