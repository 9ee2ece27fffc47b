import { test } from 'tap'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { Queue } from 'bullmq'
import { sampleSid } from 'fastify-twilio-status/testing'
import { buildReceiver, startWorker } from './queue'
import { startRedis } from '../test/helpers/redis'

const authToken = 'queue-example-token'

async function until (check: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 15_000; Date.now() < end;) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('condition never held')
}

test('the README queue example: the receiver answers once Redis has the event, a worker runs it once, and a failure is retried', async (t) => {
  const redis = await startRedis({ url: '' }) // its own server: the example uses the default queue name and key prefix
  t.teardown(() => redis.stop())
  const { hostname: host, port } = new URL(redis.url)
  const connection = { host, port: Number(port) }

  let failures = 1
  const saved: string[] = []
  const db = {
    async save (sid: string, status: string) {
      if (status === 'undelivered' && failures-- > 0) throw new Error('database is down')
      saved.push(`${sid} ${status}`)
    }
  }
  const app = await buildReceiver(authToken, connection, db)
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
  const sms = sampleSid('SM', 'queue-1')
  const other = sampleSid('SM', 'queue-2')
  const call = sampleSid('CA', 'queue-3')
  for (const [path, params] of [
    ['/twilio/sms/status', { MessageSid: sms, MessageStatus: 'delivered' }],
    ['/twilio/sms/status', { MessageSid: sms, MessageStatus: 'delivered' }], // a redelivery: one job
    ['/twilio/sms/status', { MessageSid: other, MessageStatus: 'undelivered' }],
    ['/twilio/call/status', { CallSid: call, CallStatus: 'completed', SequenceNumber: '3' }]
  ] as const) {
    const res = await post(path, params)
    t.equal(res.status, 200)
    t.equal(await res.text(), '<?xml version="1.0" encoding="UTF-8"?><Response/>')
  }
  t.same(saved, [], 'nothing ran while Twilio waited')
  const queue = new Queue('twilio', { connection })
  t.teardown(() => queue.close())
  t.same(await queue.getJobCounts('wait'), { wait: 3 })

  const worker = startWorker(connection, db)
  t.teardown(() => worker.close())
  await until(() => worker.queueStats.processed === 3)
  t.same(saved.sort(), [`${call} completed`, `${other} undelivered`, `${sms} delivered`].sort())
  t.equal(worker.queueStats.retried, 1, 'the failed save was retried')

  const forged = await fetch(`${base}/twilio/sms/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, body: 'MessageSid=SM1&MessageStatus=sent' })
  t.equal(forged.status, 403)
})
