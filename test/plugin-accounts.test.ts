/**
 * Account isolation over real HTTP: one receiver serving two accounts through an `authToken`
 * lookup by `AccountSid`. Account B's holder signs, with B's own token, events for account A's
 * Sids; A's genuine events must run exactly as if B had sent nothing: not as duplicates, not to
 * `onStale`, not behind a job id B took. In memory, on a real Redis, and in queue mode.
 */
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { RedisStore } from '../lib/stores/redis'
import type { FastifyTwilioStatusOptions, StatusStore } from '../types/index'
import { build, codeOf } from './helpers/app'
import { newQueue, startWorker, until } from './helpers/queue'
import { startRedis, type TestRedis } from './helpers/redis'
import { formPost, OTHER_TOKEN, type Params, send, sid, SMS_PATH, smsParams, TOKEN } from './helpers/sign'

const A = 'AC' + 'a'.repeat(32)
const B = 'AC' + 'b'.repeat(32)
const TOKENS = new Map([[A, TOKEN], [B, OTHER_TOKEN]])
/** Each account's own token, and none for an account the receiver does not serve. */
const lookup = (accountSid: string | undefined): string | undefined => accountSid === undefined ? undefined : TOKENS.get(accountSid)

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

/** The callbacks, recording `<callback> <AccountSid> <MessageSid>` in call order. */
function smsCallbacks (log: string[]) {
  const rec = (name: string) => (event: { AccountSid?: string, MessageSid: string }): void => { log.push(`${name} ${event.AccountSid ?? ''} ${event.MessageSid}`) }
  return { onDelivered: rec('onDelivered'), onRead: rec('onRead'), onSent: rec('onSent'), onStale: rec('onStale') }
}

interface Receiver {
  /** Send a status for `messageSid`, as `account` (signed with that account's token); the reply's status code once it has been handled. */
  post (account: string, status: string, messageSid: string): Promise<number>
}

async function listen (t: tap.Test, options: Omit<FastifyTwilioStatusOptions, 'authToken'>, settle: () => Promise<void> = async () => {}): Promise<Receiver> {
  const app = await build(t, { ...options, authToken: lookup, ordering: true } as FastifyTwilioStatusOptions)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  return {
    async post (account, status, messageSid) {
      const params: Params = smsParams(status, { AccountSid: account, MessageSid: messageSid, SmsSid: messageSid })
      const res = await send(port, formPost(params, { host, signedUrl: `http://${host}${SMS_PATH}`, token: TOKENS.get(account) }))
      await settle()
      return res.statusCode
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
  const idle = async (): Promise<void> => {
    await until(async () => {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed')
      return counts.wait + counts.active + counts.delayed === 0
    })
  }
  await crossAccount(t, await listen(t, { queue, sms: {} }, idle), log)
  const jobs = await queue.getCompleted()
  const accounts = new Map<string, string[]>()
  for (const job of jobs) accounts.set(job.id as string, [...(accounts.get(job.id as string) ?? []), job.data.event.AccountSid as string])
  t.equal(jobs.length, 6, 'one job per account and event: A\'s redelivery is the only one that added none')
  t.equal(accounts.size, 6, 'no two jobs share an id')
  t.ok([...accounts.keys()].every((id) => id.includes(encodeURIComponent(':' + A + ':')) || id.includes(encodeURIComponent(':' + B + ':'))), 'each job id names its account')
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
