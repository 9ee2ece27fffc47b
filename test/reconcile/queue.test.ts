/**
 * Reconciliation in queue mode, on a real Redis: a reconciled status is queued like a callback's
 * event, under the same job id and idempotency key, so a BullMQ worker runs a final status once
 * whichever comes first, the reconciled status or the real callback.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import Fastify from 'fastify'
import twilioStatus, { RedisStore, type TwilioJobContext } from '../../lib/index'
import { callResource, type FakeTwilioApi, messageResource } from '../helpers/fake-twilio-api'
import { newQueue, startWorker, until } from '../helpers/queue'
import { startRedis, type TestRedis } from '../helpers/redis'
import { callCallback, credentialsFor, smsCallback, startForFile } from '../helpers/reconcile'
import { sid, TOKEN } from '../helpers/sign'

let api: FakeTwilioApi
let redis: TestRedis
t.before(async () => { [api, redis] = await startForFile(t, startRedis) })

async function receiverAndWorker (t: tap.Test) {
  const { queue, name, prefix } = newQueue(t, redis)
  const ran: Array<[string, string]> = []
  /** Per Sid, whether the worker's callback was told the event came from the REST API. */
  const reconciled = new Map<string, boolean>()
  const rec = (event: Record<string, unknown>, job: TwilioJobContext): void => {
    const sid = String(event.MessageSid ?? event.CallSid)
    ran.push([sid, String(event.MessageStatus ?? event.CallStatus)])
    reconciled.set(sid, job.reconciled === true)
  }
  startWorker(t, redis, name, prefix, { sms: { onDelivered: rec }, call: { onCompleted: rec } })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, {
    authToken: TOKEN,
    queue,
    store: new RedisStore({ client: redis.client(), prefix }),
    sms: {},
    call: {},
    reconcile: { credentials: credentialsFor(api), after: 30, interval: 10 }
  })
  await app.ready()
  return { app, ran, reconciled, queue }
}

t.test('queue mode: a reconciled final status is queued and run once by a worker, whose callback is told it was reconciled; the late real callback runs nothing', async (t) => {
  const { app, ran, reconciled } = await receiverAndWorker(t)
  const call = sid('CA')
  const message = sid('SM')
  api.resources.set(call, callResource(call, 'completed'))
  api.resources.set(message, messageResource(message, 'delivered'))
  await app.twilioStatus.track(call)
  await app.twilioStatus.track(message)
  await until(() => ran.length === 2)
  const late = await app.inject(callCallback(call, 'completed', '6'))
  t.equal(late.statusCode, 200)
  t.equal((await app.inject(smsCallback(message, 'delivered'))).statusCode, 200)
  await sleep(300)
  t.same(ran.sort(), [[call, 'completed'], [message, 'delivered']].sort(), 'each ran once')
  t.same([reconciled.get(call), reconciled.get(message)], [true, true], 'job.reconciled')
})

t.test('queue mode: the real callback first, not marked reconciled, then a reconciled copy of it runs nothing', async (t) => {
  const { app, ran, reconciled } = await receiverAndWorker(t)
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'completed'))
  // Received before it was tracked: the watch does not know it, so the Sid is fetched anyway.
  t.equal((await app.inject(callCallback(call, 'completed', '4'))).statusCode, 200)
  await until(() => ran.length === 1)
  await app.twilioStatus.track(call)
  await until(() => api.requests.some((r) => r.path.includes(call)))
  await until(() => app.twilioStatus.stats.reconciled === 1)
  await sleep(300)
  t.same(ran, [[call, 'completed']])
  t.equal(reconciled.get(call), false, 'the job of a real callback has no reconciled')
})
