/**
 * Fetch Message and Fetch Call, through plain HTTPS and through a real `twilio` 6.3.1 client
 * pointed at the local stand-in for Twilio's REST API (as a user points theirs at a region or
 * edge), and the callback parameters a resource maps to.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import t from 'tap'
import Fastify from 'fastify'
import twilio from 'twilio'
import twilioStatus from '../../lib/index'
import type { ReconcileConfig } from '../../lib/config'
import { createReconcileStats } from '../../lib/options/reconcile'
import { MemoryStore } from '../../lib/stores/memory'
import { callParams, createFetcher, messageParams, retryAfterOf } from '../../lib/reconcile/rest'
import type { TwilioRestClient } from '../../types/index'
import { ACCOUNT_SID, API_KEY, API_SECRET, callResource, type FakeTwilioApi, messageResource, startFakeTwilioApi } from '../helpers/fake-twilio-api'
import { sid, TOKEN } from '../helpers/sign'

let api: FakeTwilioApi
t.before(async () => { api = await startFakeTwilioApi() })
t.teardown(async () => { await api.close() })

function config (over: Partial<ReconcileConfig>): ReconcileConfig {
  return {
    after: 1000,
    client: null,
    credentials: { accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: api.url },
    trackSeen: false,
    concurrency: 4,
    interval: 1000,
    maxFetches: 5,
    requestTimeout: 5000,
    ttl: 60_000,
    name: 'twilioStatus',
    stats: createReconcileStats(),
    store: new MemoryStore(),
    ...over
  }
}

/** A real twilio client whose requests go to the local API instead of https://api.twilio.com. */
function twilioClient (): TwilioRestClient {
  const httpClient = new twilio.RequestClient()
  const request = httpClient.request.bind(httpClient)
  httpClient.request = (async (options: Parameters<typeof request>[0]) => await request({ ...options, uri: options.uri.replace(/^https:\/\/[^/]+\.twilio\.com/, api.url) })) as typeof request
  return twilio(API_KEY, API_SECRET, { accountSid: ACCOUNT_SID, httpClient })
}

t.test('plain HTTPS: GET with HTTP Basic auth and no body, on the described paths', async (t) => {
  const fetch = createFetcher(config({}))
  const message = sid('SM')
  const call = sid('CA')
  api.resources.set(message, messageResource(message, 'delivered'))
  api.resources.set(call, callResource(call, 'no-answer'))
  const before = api.requests.length
  t.same(await fetch('sms', message), { kind: 'ok', resource: messageResource(message, 'delivered') })
  t.same(await fetch('call', call), { kind: 'ok', resource: callResource(call, 'no-answer') })
  const made = api.requests.slice(before)
  t.same(made.map((r) => [r.method, r.path]), [
    ['GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${message}.json`],
    ['GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call}.json`]
  ])
  t.same(api.problems, [])
})

t.test('plain HTTPS: 404 is gone, 429 throttled with its Retry-After, 5xx and slow answers failed', async (t) => {
  const fetch = createFetcher(config({}))
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'sent'))
  t.same(await fetch('sms', sid('SM')), { kind: 'gone' })
  api.script(message, { status: 429, retryAfter: 2 }, { status: 429 }, { status: 500 }, { status: 503, retryAfter: 1 }, { delay: 1000 })
  t.same(await fetch('sms', message), { kind: 'throttled', retryAfter: 2000 })
  t.same(await fetch('sms', message), { kind: 'throttled', retryAfter: null })
  t.same(await fetch('sms', message), { kind: 'failed', reason: 'HTTP 500' })
  t.same(await fetch('sms', message), { kind: 'failed', reason: 'HTTP 503' })
  t.same(await createFetcher(config({ requestTimeout: 300 }))('sms', message), { kind: 'failed', reason: 'timeout' })
  t.same(api.problems, [])
})

t.test('plain HTTPS: a refused connection or a body that is not JSON is a failure', async (t) => {
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('<html>') })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const unreadable = createFetcher(config({ credentials: { accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: `http://127.0.0.1:${port}` } }))
  t.same(await unreadable('sms', sid('SM')), { kind: 'failed', reason: 'unreadable body' })
  server.close()
  await once(server, 'close')
  t.same(await unreadable('sms', sid('SM')), { kind: 'failed', reason: 'network' })
})

t.test('Retry-After: delay-seconds, an HTTP date, or nothing usable', async (t) => {
  t.equal(retryAfterOf('3'), 3000)
  t.equal(retryAfterOf('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000)
  t.equal(retryAfterOf('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT')), 0, 'a date past is now')
  t.equal(retryAfterOf('soon'), null)
  t.equal(retryAfterOf(''), null)
  t.equal(retryAfterOf(null), null)
})

t.test('a real twilio client: the resource with the REST API\'s names, and its errors by status', async (t) => {
  const client = twilioClient()
  const fetch = createFetcher(config({ client, credentials: null }))
  const message = sid('SM')
  api.resources.set(message, messageResource(message, 'undelivered', { error_code: 30005, error_message: 'Unknown destination handset' }))
  const fetched = await fetch('sms', message)
  t.equal(fetched.kind, 'ok')
  const resource = (fetched as { resource: Record<string, unknown> }).resource
  t.same(messageParams(resource), messageParams(messageResource(message, 'undelivered', { error_code: 30005, error_message: 'Unknown destination handset' })), 'the same parameters as from the JSON')
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'completed', { answered_by: 'human' }))
  const fetchedCall = await fetch('call', call) as { resource: Record<string, unknown> }
  t.same(callParams(fetchedCall.resource), callParams(callResource(call, 'completed', { answered_by: 'human' })), 'dates as Twilio writes them too')
  t.same(await fetch('sms', sid('SM')), { kind: 'gone' })
  api.script(message, { status: 429, retryAfter: 1 }, { status: 503 }, { delay: 1000 })
  t.same(await fetch('sms', message), { kind: 'throttled', retryAfter: null }, 'the client\'s error carries no headers')
  t.same(await fetch('sms', message), { kind: 'failed', reason: 'HTTP 503' })
  t.same(await createFetcher(config({ client, credentials: null, requestTimeout: 300 }))('sms', message), { kind: 'failed', reason: 'timeout' })
  const broken: TwilioRestClient = { messages: () => ({ fetch: async () => { throw new Error('socket hang up') } }), calls: () => ({ fetch: async () => ({}) }) }
  t.same(await createFetcher(config({ client: broken, credentials: null }))('sms', message), { kind: 'failed', reason: 'network' })
  t.ok(api.requests.every((r) => r.authorization === `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`))
  t.same(api.problems, [])
})

t.test('a message resource maps to the status callback\'s parameters', async (t) => {
  const message = sid('SM')
  t.same({ ...messageParams(messageResource(message, 'failed', { error_code: 30003, error_message: 'Unreachable destination handset', messaging_service_sid: 'MG' + '0'.repeat(32) })) }, {
    MessageSid: message,
    SmsSid: message,
    MessageStatus: 'failed',
    SmsStatus: 'failed',
    AccountSid: ACCOUNT_SID,
    From: '+15005550006',
    To: '+15005550001',
    ApiVersion: '2010-04-01',
    MessagingServiceSid: 'MG' + '0'.repeat(32),
    ErrorCode: '30003',
    ErrorMessage: 'Unreachable destination handset'
  })
})

t.test('a call resource maps to the status callback\'s parameters', async (t) => {
  const call = sid('CA')
  t.same({ ...callParams(callResource(call, 'completed', { parent_call_sid: 'CA' + 'f'.repeat(32), answered_by: 'machine_start' })) }, {
    CallSid: call,
    CallStatus: 'completed',
    AccountSid: ACCOUNT_SID,
    From: '+15005550006',
    To: '+15005550001',
    Caller: '+15005550006',
    Called: '+15005550001',
    ApiVersion: '2010-04-01',
    Direction: 'outbound-api',
    ParentCallSid: 'CA' + 'f'.repeat(32),
    CallDuration: '15',
    AnsweredBy: 'machine_start',
    Timestamp: 'Tue, 31 Aug 2010 20:36:44 +0000'
  })
  t.equal(callParams(callResource(call, 'in-progress', { end_time: null })).Timestamp, 'Tue, 31 Aug 2010 20:36:44 +0000', 'no end yet: the last update')
})

t.test('the plugin reconciles through the host\'s twilio client', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const ran: unknown[] = []
  await app.register(twilioStatus, {
    authToken: TOKEN,
    call: { onNoAnswer: (event, source) => { ran.push([event.CallStatus, 'reconciled' in source]) } },
    reconcile: { client: twilioClient(), after: 10, interval: 10 }
  })
  await app.ready()
  const call = sid('CA')
  api.resources.set(call, callResource(call, 'no-answer', { duration: '0' }))
  const result = await app.twilioStatus.waitFor(call, ['no-answer'], { timeout: 2000 })
  t.same([result.status, result.reconciled], ['no-answer', true])
  t.same(ran, [['no-answer', true]])
  t.same(api.problems, [])
})
