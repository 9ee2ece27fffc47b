/**
 * Account isolation over real HTTP: one receiver serving two accounts through an `authToken`
 * lookup by `AccountSid`. Account B's holder signs, with B's own token, events for account A's
 * Sids; A's genuine events must run exactly as if B had sent nothing: not as duplicates, not to
 * `onStale`, not behind a job id B took. In memory, on a real Redis, and in queue mode.
 */
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Queue } from 'bullmq'
import { RedisStore } from '../lib/stores/redis'
import type { FastifyTwilioStatusOptions, StatusStore } from '../types/index'
import { build, codeOf } from './helpers/app'
import { newQueue, startWorker, until } from './helpers/queue'
import { startRedis, type TestRedis } from './helpers/redis'
import { sampleCloudEvent } from '../lib/testing/index'
import { formPost, OTHER_TOKEN, type Params, send, sha256, sid, sign, SMS_PATH, smsParams, TOKEN } from './helpers/sign'

const A = 'AC' + 'a'.repeat(32)
const B = 'AC' + 'b'.repeat(32)
const TOKENS = new Map([[A, TOKEN], [B, OTHER_TOKEN]])
/** Each account's own token, and none for an account the receiver does not serve. */
const lookup = (accountSid: string | undefined): string | undefined => accountSid === undefined ? undefined : TOKENS.get(accountSid)

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

/** Resolves once the queue has no job waiting, running or delayed: every event has reached its callbacks. */
async function idle (queue: Queue): Promise<void> {
  await until(async () => {
    const counts = await queue.getJobCounts('wait', 'active', 'delayed')
    return counts.wait + counts.active + counts.delayed === 0
  })
}

/** The callbacks, recording `<callback> <AccountSid> <MessageSid>` in call order. */
function smsCallbacks (log: string[]) {
  const rec = (name: string) => (event: { AccountSid?: string, MessageSid: string }): void => { log.push(`${name} ${event.AccountSid ?? ''} ${event.MessageSid}`) }
  return { onDelivered: rec('onDelivered'), onRead: rec('onRead'), onSent: rec('onSent'), onStale: rec('onStale') }
}

interface Receiver {
  /** Send a status for `messageSid`, as `account` (signed with that account's token); the reply's status code once it has been handled. */
  post (account: string, status: string, messageSid: string): Promise<number>
  /** The same, the AccountSid named only in the status callback URL's query (`?AccountSid=`), which is signed. */
  postByUrl (account: string, status: string, messageSid: string): Promise<number>
}

async function listen (t: tap.Test, options: Omit<FastifyTwilioStatusOptions, 'authToken'>, settle: () => Promise<void> = async () => {}): Promise<Receiver> {
  const app = await build(t, { ...options, authToken: lookup, ordering: true } as FastifyTwilioStatusOptions)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  const post = async (params: Params, target: string, token: string | undefined): Promise<number> => {
    const res = await send(port, formPost(params, { host, target, signedUrl: `http://${host}${target}`, token }))
    await settle()
    return res.statusCode
  }
  return {
    post: async (account, status, messageSid) =>
      await post(smsParams(status, { AccountSid: account, MessageSid: messageSid, SmsSid: messageSid }), SMS_PATH, TOKENS.get(account)),
    async postByUrl (account, status, messageSid) {
      const params = smsParams(status, { MessageSid: messageSid, SmsSid: messageSid })
      delete params.AccountSid
      return await post(params, `${SMS_PATH}?AccountSid=${account}`, TOKENS.get(account))
    }
  }
}

/**
 * B signs a `delivered` for one of A's messages and a `read` for another; then A's genuine events
 * arrive. A's callbacks run as they would have without B; B's own events stay B's (ordered and
 * deduplicated among themselves); and A's own redelivery and late `sent` are still a duplicate
 * and stale.
 */
async function crossAccount (t: tap.Test, receiver: Receiver, log: string[]): Promise<void> {
  const dup = sid('SM')
  const ord = sid('SM')
  t.equal(await receiver.post(B, 'delivered', dup), 200, 'B signs a delivered for A\'s Sid')
  t.equal(await receiver.post(B, 'read', ord), 200, 'B signs a read for another of A\'s Sids')
  t.equal(await receiver.post(B, 'delivered', ord), 200)
  t.equal(await receiver.post(A, 'delivered', dup), 200)
  t.equal(await receiver.post(A, 'delivered', ord), 200)
  t.equal(await receiver.post(A, 'delivered', dup), 200, 'A\'s redelivery')
  t.equal(await receiver.post(A, 'sent', ord), 200, 'A\'s late sent')
  t.same(log, [
    `onDelivered ${B} ${dup}`,
    `onRead ${B} ${ord}`,
    `onStale ${B} ${ord}`,
    `onDelivered ${A} ${dup}`,
    `onDelivered ${A} ${ord}`,
    `onStale ${A} ${ord}`
  ], 'A\'s delivered runs onDelivered, neither a duplicate of B\'s nor stale after B\'s read')
}

t.test('in memory, one account\'s signed events never change what another\'s run', async (t) => {
  const log: string[] = []
  await crossAccount(t, await listen(t, { sms: smsCallbacks(log) }), log)
})

t.test('on Redis, one account\'s signed events never change what another\'s run', async (t) => {
  const log: string[] = []
  const store: StatusStore = new RedisStore({ client: redis.client(), prefix: `test:${randomUUID()}:` })
  await crossAccount(t, await listen(t, { store, sms: smsCallbacks(log) }), log)
})

t.test('in queue mode, one account\'s signed events get their own jobs and never change what another\'s run', async (t) => {
  const log: string[] = []
  const { queue, name, prefix } = newQueue(t, redis)
  startWorker(t, redis, name, prefix, { ordering: true, sms: smsCallbacks(log) })
  await crossAccount(t, await listen(t, { queue, sms: {} }, () => idle(queue)), log)
  const jobs = await queue.getCompleted()
  const accounts = new Map<string, string[]>()
  for (const job of jobs) accounts.set(job.id as string, [...(accounts.get(job.id as string) ?? []), job.data.event.AccountSid as string])
  t.equal(jobs.length, 6, 'one job per account and event: A\'s redelivery is the only one that added none')
  t.equal(accounts.size, 6, 'no two jobs share an id')
  t.ok([...accounts.keys()].every((id) => id.includes(encodeURIComponent(':' + A + ':')) || id.includes(encodeURIComponent(':' + B + ':'))), 'each job id names its account')
})

/**
 * A callback URL that names the account in its query (`?AccountSid=`), the body naming none: the
 * token is looked up by it, and the event is kept under it, in the receiver and in a worker alike.
 */
async function byUrl (t: tap.Test, receiver: Receiver, log: string[]): Promise<void> {
  const shared = sid('SM')
  t.equal(await receiver.postByUrl(B, 'delivered', shared), 200, 'B names its account in the URL')
  t.equal(await receiver.postByUrl(A, 'delivered', shared), 200, 'and so does A, for the same Sid')
  t.equal(await receiver.postByUrl(A, 'delivered', shared), 200, 'A\'s redelivery')
  t.same(log, [`onDelivered ${B} ${shared}`, `onDelivered ${A} ${shared}`], 'each account\'s event runs once, with its AccountSid, and neither is the other\'s duplicate')
}

t.test('in memory, an AccountSid named in the URL\'s query is the account the token is looked up by and the event kept under', async (t) => {
  const log: string[] = []
  await byUrl(t, await listen(t, { sms: smsCallbacks(log) }), log)
})

t.test('in queue mode, a worker keeps an event under the AccountSid its URL named, as the receiver did', async (t) => {
  const log: string[] = []
  const { queue, name, prefix } = newQueue(t, redis)
  startWorker(t, redis, name, prefix, { ordering: true, sms: smsCallbacks(log) })
  await byUrl(t, await listen(t, { queue, sms: {} }, () => idle(queue)), log)
})

t.test('Event Streams: each account\'s sink URL names its AccountSid, so B\'s signed batches never make A\'s events duplicates', async (t) => {
  const calls: string[] = []
  const app = await build(t, { authToken: lookup, eventStreams: { onAny: (event) => { calls.push(`${event.id} ${(event.data as { accountSid: string }).accountSid}`) } } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  /** A batch posted to `account`'s sink URL (`?AccountSid=`), Twilio adding bodySHA256, signed with `token`. */
  const sink = async (account: string | null, events: unknown[], token: string): Promise<number> => {
    const body = JSON.stringify(events)
    const query = account === null ? '' : `AccountSid=${account}&`
    const target = `/twilio/event-streams?${query}bodySHA256=${sha256(body)}`
    const res = await send(port, {
      method: 'POST',
      url: target,
      headers: { host, 'content-type': 'application/json', 'x-twilio-signature': sign(`http://${host}${target}`, {}, token) },
      payload: body
    })
    return res.statusCode
  }
  const event = (id: string, accountSid: string): Record<string, unknown> =>
    ({ ...sampleCloudEvent('com.twilio.messaging.message.delivered', 1), id, data: { accountSid, messageSid: sid('SM') } })
  const id = randomUUID()
  t.equal(await sink(B, [event(id, A)], OTHER_TOKEN), 204, 'B signs, for its own sink, an event with the id of one of A\'s')
  t.equal(await sink(A, [event(id, A)], TOKEN), 204, 'A\'s genuine event')
  t.equal(await sink(A, [event(id, A)], TOKEN), 204, 'A\'s redelivery')
  t.same(calls, [`${id} ${A}`, `${id} ${A}`], 'B\'s batch ran, and A\'s once: not as a duplicate of B\'s')
  t.equal(await sink(A, [event(randomUUID(), A)], OTHER_TOKEN), 403, 'B cannot sign for A\'s sink URL')
  t.equal(await sink(null, [event(randomUUID(), A)], TOKEN), 403, 'a sink URL without an AccountSid: the lookup is asked about none, and gives no token')
  t.equal(calls.length, 2)
})

t.test('the premise: B\'s token signs only for B\'s AccountSid, so B names its own account on A\'s Sids', async (t) => {
  const log: string[] = []
  const app = await build(t, { authToken: lookup, ordering: true, sms: smsCallbacks(log) })
  const params = smsParams('read', { AccountSid: A })
  const res = await app.inject(formPost(params, { token: OTHER_TOKEN }))
  t.equal(res.statusCode, 403, 'A\'s AccountSid with B\'s signature is refused')
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(log, [])
})
