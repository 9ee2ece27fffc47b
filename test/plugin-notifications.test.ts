/**
 * The notification families over real HTTP: TaskRouter's Workspace events, Verify Push webhooks
 * and the Debugger's webhook (docs/twilio-facts.md §19–§21). Every request is built here from
 * Twilio's documented parameters (the Events reference tables, the Verify table's rows, the
 * Debugger page's cURL sample), signed by twilio 6.3.1 and checked by its `validateRequest`.
 */
import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks'
import twilioStatus from '../lib/index'
import { callbackName } from '../lib/families/statuses'
import { TASKROUTER_EVENTS } from '../lib/families/taskrouter'
import { VERIFY_EVENTS } from '../lib/families/verify'
import type { DebuggerEvent, TaskRouterEvent } from '../types/index'
import { codeOf } from './helpers/app'
import { sampleCloudEvent, signedEventStreamsInject } from '../lib/testing/index'
import { newQueue, startWorker, until } from './helpers/queue'
import { startRedis } from './helpers/redis'
import { captureLogs, encodeForm, type Params, send, sha256, type SignedRequest } from './helpers/sign'

const TOKEN = '5ec7e7a0c0ffee5ec7e7a0c0ffee0001'
const OTHER_TOKEN = '0a7e7a0c0ffee0a7e7a0c0ffee000003'
const ORIGIN = 'https://hooks.example.com'
const ACCOUNT = 'AC00000000000000000000000000000001'
const OTHER_ACCOUNT = 'AC00000000000000000000000000000002'
const TASKROUTER = '/twilio/taskrouter/events'
const VERIFY = '/twilio/verify'
const DEBUGGER = '/twilio/debugger'

/** A form POST signed by the oracle, as Twilio sends it, with a fresh idempotency token. */
function signed (target: string, params: Params, token = TOKEN): SignedRequest {
  const signature = getExpectedTwilioSignature(token, ORIGIN + target, params)
  if (!validateRequest(token, signature, ORIGIN + target, params)) throw new Error('the oracle refuses its own signature')
  return {
    method: 'POST',
    url: target,
    headers: {
      host: 'hooks.example.com',
      'x-forwarded-proto': 'https',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': randomUUID()
    },
    payload: encodeForm(params)
  }
}

/** The same request with another idempotency token: what a redelivery looks like. */
function redelivered (request: SignedRequest): SignedRequest {
  return { ...request, headers: { ...request.headers, 'i-twilio-idempotency-token': randomUUID() } }
}

let n = 0
function fresh (prefix: string): string {
  n++
  return prefix + n.toString(16).padStart(32, '0')
}

/**
 * A Workspace event with the parameters of the Events reference: the common table, and the field
 * data its row lists (Task, Worker, TaskQueueSid, ReservationSid, WorkflowSid, …).
 */
function workspaceEvent (eventType: string, extra: Params = {}): Params {
  const [resource] = eventType.split('.')
  const task = { TaskSid: fresh('WT'), TaskAttributes: '{"type":"support","selected_language":"en"}', TaskAge: '25', TaskPriority: '0', TaskAssignmentStatus: 'pending' }
  const worker = { WorkerSid: fresh('WK'), WorkerName: 'Alice', WorkerAttributes: '{"skills":["support"]}', WorkerActivitySid: fresh('WA'), WorkerActivityName: 'Available', WorkerVersion: '3' }
  const groups: Record<string, Params> = {
    activity: { ActivitySid: fresh('WA'), ActivityName: 'Available', ActivityAvailable: 'true' },
    reservation: { ...task, ...worker, TaskQueueSid: fresh('WQ'), ReservationSid: fresh('WR'), WorkflowSid: fresh('WW') },
    task: { ...task, TaskQueueSid: fresh('WQ'), WorkflowSid: fresh('WW') },
    'task-channel': { TaskChannelSid: fresh('TC'), TaskChannelName: 'Voice', TaskChannelUniqueName: 'voice', TaskChannelOptimizedRouting: 'false' },
    'task-queue': { TaskQueueSid: fresh('WQ'), TaskQueueName: 'Support', TaskQueueTargetExpression: '1==1' },
    worker,
    workflow: { WorkflowSid: fresh('WW'), WorkflowName: 'Support' },
    workspace: {}
  }
  const fields = groups[resource as string] as Params
  const resourceSid = (fields.ReservationSid ?? fields.TaskSid ?? fields.WorkerSid ?? fields.ActivitySid ?? fields.TaskChannelSid ?? fields.TaskQueueSid ?? fields.WorkflowSid ?? fresh('WS')) as string
  return {
    EventType: eventType,
    AccountSid: ACCOUNT,
    WorkspaceSid: 'WS00000000000000000000000000000001',
    WorkspaceName: 'Support',
    EventDescription: `${eventType} happened`,
    ResourceType: resource as string,
    ResourceSid: resourceSid,
    Timestamp: '1752754000',
    ...fields,
    ...extra
  }
}

/** A Verify Push webhook with the rows of Twilio's table that are verified. */
function verifyEvent (type: string, extra: Params = {}): Params {
  return {
    uuid: randomUUID(),
    type,
    account_sid: ACCOUNT,
    service_sid: 'VA00000000000000000000000000000001',
    entity_identity: 'ff483d1ff591898a9942916050d2ca3f',
    factor_sid: 'YF00000000000000000000000000000001',
    factor_type: 'push',
    ...extra
  }
}

/** The Debugger page's cURL sample, byte for byte but the Sids (its `Payload` keeps its line breaks). */
function debuggerEvent (extra: Params = {}): Params {
  return {
    AccountSid: ACCOUNT,
    Level: 'ERROR',
    ParentAccountSid: '',
    Payload: `{
  "resource_sid":"CA00000000000000000000000000000001",
  "service_sid":null,
  "error_code":"11200",
  "more_info":{
    "msg":"An attempt to retrieve content from https://yyy.zzz returned the HTTP status code 404",
    "Msg":"An attempt to retrieve content from https://yyy.zzz returned the HTTP status code 404",
    "sourceComponent":"12000",
    "ErrorCode":"11200",
    "httpResponse":"404",
    "url":"https://yyy.zzz",
    "LogLevel":"ERROR"
  },
  "webhook":{
     "type":"application/json",
     "request": {}  }
}`,
    PayloadType: 'application/json',
    Sid: fresh('NO'),
    Timestamp: '2020-01-01T23:28:54Z',
    ...extra
  }
}

interface Call { readonly name: string, readonly event: Record<string, unknown> }

async function listen (t: Test, options: Record<string, unknown>, logs?: ReturnType<typeof captureLogs>): Promise<{ app: FastifyInstance, port: number }> {
  const app = Fastify({ trustProxy: true, logger: logs === undefined ? false : { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(twilioStatus, { authToken: TOKEN, ...options } as never)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, port: (app.server.address() as AddressInfo).port }
}

/** Options with a recording callback for every status of a family, and `onAny`. */
function recording (statuses: readonly string[], calls: Call[]): Record<string, unknown> {
  const options: Record<string, unknown> = { onAny: (event: Record<string, unknown>) => { calls.push({ name: 'onAny', event }) } }
  for (const status of statuses) options[callbackName(status)] = (event: Record<string, unknown>) => { calls.push({ name: callbackName(status), event }) }
  return options
}

t.test('TaskRouter: every EventType of the Events reference reaches its own callback once, answered 204 application/json; a redelivery runs nothing', async (t) => {
  const calls: Call[] = []
  const { port } = await listen(t, { taskrouter: recording(TASKROUTER_EVENTS, calls) })
  for (const eventType of TASKROUTER_EVENTS) {
    const request = signed(TASKROUTER, workspaceEvent(eventType))
    const first = await send(port, request)
    t.equal(first.statusCode, 204, eventType)
    t.equal(first.headers['content-type'], 'application/json', `${eventType}: Content-Type as Twilio asks`)
    t.equal(first.body, '')
    const again = await send(port, redelivered(request))
    t.equal(again.statusCode, 204, `${eventType} redelivered`)
    t.equal(again.headers['content-type'], 'application/json')
  }
  const own = calls.filter((call) => call.name !== 'onAny')
  t.same(own.map((call) => call.name), TASKROUTER_EVENTS.map((type) => callbackName(type)), 'each callback once, in order')
  t.same(own.map((call) => call.event.EventType), [...TASKROUTER_EVENTS])
  t.equal(calls.filter((call) => call.name === 'onAny').length, TASKROUTER_EVENTS.length, 'onAny once per event')
  t.equal(callbackName('worker.activity.update'), 'onWorkerActivityUpdate')
  t.equal(callbackName('task-queue.expression.updated'), 'onTaskQueueExpressionUpdated')
  t.equal(callbackName('task.transfer-attempt-failed'), 'onTaskTransferAttemptFailed')
})

t.test('TaskRouter: TaskAttributes and WorkerAttributes are parsed once into event.parsed, beside the signed text; an async callback is answered 204 too', async (t) => {
  const seen: Array<TaskRouterEvent<'reservation.accepted'>> = []
  const { port } = await listen(t, {
    taskrouter: {
      async onReservationAccepted (event: TaskRouterEvent<'reservation.accepted'>) {
        await new Promise((resolve) => setImmediate(resolve))
        seen.push(event)
      }
    }
  })
  const params = workspaceEvent('reservation.accepted', { TaskAttributes: '{"type":"support","from":"+15558675310","nested":{"vip":true}}' })
  const res = await send(port, signed(TASKROUTER, params))
  t.equal(res.statusCode, 204)
  t.equal(res.headers['content-type'], 'application/json')
  const [event] = seen
  t.ok(event)
  if (event === undefined) return
  t.equal(event.TaskAttributes, params.TaskAttributes, 'the signed text as sent')
  t.same(event.parsed.TaskAttributes, { type: 'support', from: '+15558675310', nested: { vip: true } })
  t.same(event.parsed.WorkerAttributes, { skills: ['support'] })
  t.equal(event.parsed, event.parsed, 'the same object on every access: parsed once')
  t.notOk(Object.keys(event).includes('parsed'), 'not a parameter')
  t.notMatch(JSON.stringify(event), /"parsed"/, 'not serialized')
})

t.test('TaskRouter: an empty TaskAttributes is absent from event.parsed; a JSON text that is not an object is left out of it and logged at warn with FST_TWILIO_INVALID_JSON_PARAM, the event delivered and answered 204', async (t) => {
  const calls: Call[] = []
  const logs = captureLogs()
  const { port } = await listen(t, { taskrouter: recording(['task.created', 'worker.created'], calls) }, logs)
  const empty = await send(port, signed(TASKROUTER, workspaceEvent('task.created', { TaskAttributes: '' })))
  t.equal(empty.statusCode, 204)
  t.same(Object.keys((calls[0]?.event as unknown as TaskRouterEvent).parsed), [])
  t.same(logs.lines, [], 'an empty text is no warning')
  calls.length = 0
  // Twilio's own assignment example writes single quotes; a list, a string, null are JSON but no object.
  const bad = [['TaskAttributes', "{'type':'support'}"], ['TaskAttributes', '[1,2]'], ['TaskAttributes', '"support"'], ['TaskAttributes', 'null'], ['WorkerAttributes', '{"skills":']]
  for (const [name, text] of bad) {
    const eventType = name === 'TaskAttributes' ? 'task.created' : 'worker.created'
    const params = workspaceEvent(eventType, { [name as string]: text as string })
    const res = await send(port, signed(TASKROUTER, params))
    t.equal(res.statusCode, 204, `${name}=${text}`)
    const event = calls.find((c) => c.name !== 'onAny' && c.event.ResourceSid === params.ResourceSid)?.event as unknown as TaskRouterEvent
    t.equal(event.parsed[name as 'TaskAttributes' | 'WorkerAttributes'], undefined, 'left out of parsed')
    t.equal(event[name as 'TaskAttributes' | 'WorkerAttributes'], text, 'the signed text as sent')
  }
  t.equal(calls.length, bad.length * 2, 'every event reached its callback and onAny')
  t.same(logs.lines.map((line) => [line.level, line.code, line.param]), bad.map(([name]) => [40, 'FST_TWILIO_INVALID_JSON_PARAM', name]))
  t.notOk(logs.text().includes('support'), 'the text itself is not logged')
})

t.test('TaskRouter: warn lines for JSON texts that do not parse are bounded, five a minute per parameter; the next minute\'s first line counts those left out', async (t) => {
  const calls: Call[] = []
  const logs = captureLogs()
  const { port } = await listen(t, { taskrouter: recording(['task.created'], calls) }, logs)
  const bad = (): SignedRequest => signed(TASKROUTER, workspaceEvent('task.created', { TaskAttributes: "{'n':1}" }))
  for (let i = 0; i < 8; i++) t.equal((await send(port, bad())).statusCode, 204)
  t.equal(calls.filter((c) => c.name === 'onTaskCreated').length, 8, 'every event delivered')
  const warned = (): Array<typeof logs.lines[number]> => logs.lines.filter((line) => line.code === 'FST_TWILIO_INVALID_JSON_PARAM')
  t.equal(warned().length, 5)
  t.notOk(warned().some((line) => 'suppressed' in line))
  // A minute later (the limiter reads Date.now): one line more, counting the three left out.
  const now = Date.now
  Date.now = () => now() + 61_000
  try {
    t.equal((await send(port, bad())).statusCode, 204)
  } finally {
    Date.now = now
  }
  t.equal(warned().length, 6)
  t.equal(warned()[5].suppressed, 3)
})

t.test('TaskRouter: a repeated EventType or TaskAttributes is refused 400 FST_TWILIO_INVALID_PARAM', async (t) => {
  const calls: Call[] = []
  const { port } = await listen(t, { taskrouter: recording(['task.created'], calls) })
  for (const name of ['EventType', 'TaskAttributes']) {
    const params = workspaceEvent('task.created')
    params[name] = [params[name] as string, params[name] as string]
    const res = await send(port, signed(TASKROUTER, params))
    t.equal(res.statusCode, 400, name)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_PARAM')
  }
  t.same(calls, [])
})

t.test('TaskRouter: events of one resource in the same Timestamp, told apart by WorkerVersion or TaskChannelSid, each run; an unknown EventType reaches onAny only', async (t) => {
  const calls: Call[] = []
  const { port } = await listen(t, { taskrouter: recording(['worker.attributes.update', 'worker.capacity.update'], calls) })
  const worker = fresh('WK')
  const base = { ResourceSid: worker, WorkerSid: worker }
  for (const extra of [{ WorkerVersion: '4' }, { WorkerVersion: '5' }]) {
    t.equal((await send(port, signed(TASKROUTER, workspaceEvent('worker.attributes.update', { ...base, ...extra })))).statusCode, 204)
  }
  for (const channel of ['TC00000000000000000000000000000001', 'TC00000000000000000000000000000002']) {
    const params = workspaceEvent('worker.capacity.update', { ...base, WorkerVersion: '6', TaskChannelSid: channel, TaskChannelUniqueName: 'voice', WorkerChannelAvailable: 'true' })
    t.equal((await send(port, signed(TASKROUTER, params))).statusCode, 204)
  }
  t.same(calls.filter((c) => c.name !== 'onAny').map((c) => c.name), ['onWorkerAttributesUpdate', 'onWorkerAttributesUpdate', 'onWorkerCapacityUpdate', 'onWorkerCapacityUpdate'])
  calls.length = 0
  const unknown = await send(port, signed(TASKROUTER, workspaceEvent('task.escalated')))
  t.equal(unknown.statusCode, 204)
  t.same(calls.map((c) => c.name), ['onAny'])
})

t.test('Verify: every documented type reaches its callback once, answered 204 with no body; a redelivery (same uuid) runs nothing; GET and flat JSON bodies are accepted', async (t) => {
  const calls: Call[] = []
  const { port } = await listen(t, { verify: recording(VERIFY_EVENTS, calls) })
  for (const type of VERIFY_EVENTS) {
    const request = signed(VERIFY, verifyEvent(type))
    const res = await send(port, request)
    t.equal(res.statusCode, 204, type)
    t.equal(res.headers['content-type'], undefined)
    t.equal(res.body, '')
    t.equal((await send(port, redelivered(request))).statusCode, 204)
  }
  t.same(calls.filter((c) => c.name !== 'onAny').map((c) => c.name), ['onFactorCreated', 'onFactorVerified', 'onFactorDeleted', 'onChallengeApproved', 'onChallengeDenied'])
  t.equal(calls.filter((c) => c.name === 'onAny').length, VERIFY_EVENTS.length)
  calls.length = 0

  // A Verify webhook may be configured with GET: the parameters in the signed URL.
  const query = `${VERIFY}?${encodeForm(verifyEvent('challenge.approved'))}`
  const get = await send(port, { method: 'GET', url: query, headers: { host: 'hooks.example.com', 'x-forwarded-proto': 'https', 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, ORIGIN + query, {}) } })
  t.equal(get.statusCode, 204)
  // Whether Twilio posts a form or JSON is not documented: a flat JSON object is accepted, signed with bodySHA256.
  const body = JSON.stringify(verifyEvent('factor.verified'))
  const target = `${VERIFY}?bodySHA256=${sha256(body)}`
  const json = await send(port, { method: 'POST', url: target, headers: { host: 'hooks.example.com', 'x-forwarded-proto': 'https', 'content-type': 'application/json', 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, ORIGIN + target, {}) }, payload: body })
  t.equal(json.statusCode, 204)
  t.same(calls.filter((c) => c.name !== 'onAny').map((c) => c.name), ['onChallengeApproved', 'onFactorVerified'])
})

t.test('Verify: the account is account_sid, for the token lookup and the idempotency key alike; one account never touches another\'s events', async (t) => {
  const looked: Array<string | undefined> = []
  const calls: Call[] = []
  const tokens: Record<string, string> = { [ACCOUNT]: TOKEN, [OTHER_ACCOUNT]: OTHER_TOKEN }
  const { port } = await listen(t, {
    authToken: (accountSid: string | undefined) => { looked.push(accountSid); return accountSid === undefined ? undefined : tokens[accountSid] },
    verify: recording(['factor.verified'], calls)
  })
  const uuid = randomUUID()
  const ours = verifyEvent('factor.verified', { uuid })
  t.equal((await send(port, signed(VERIFY, ours))).statusCode, 204)
  t.same(looked, [ACCOUNT], 'the lookup is asked for account_sid')
  // The other account, signing with its own token, sends an event with the same uuid: its own, run.
  t.equal((await send(port, signed(VERIFY, verifyEvent('factor.verified', { uuid, account_sid: OTHER_ACCOUNT }), OTHER_TOKEN))).statusCode, 204)
  // Signed with the other account's token but naming ours: refused, whatever AccountSid it adds.
  const forged = await send(port, signed(VERIFY, verifyEvent('factor.verified', { uuid: randomUUID(), AccountSid: OTHER_ACCOUNT }), OTHER_TOKEN))
  t.equal(forged.statusCode, 403)
  t.equal(codeOf(forged.body), 'FST_TWILIO_INVALID_SIGNATURE')
  // Our redelivery is still ours, and still a duplicate.
  t.equal((await send(port, redelivered(signed(VERIFY, ours)))).statusCode, 204)
  t.same(calls.filter((c) => c.name === 'onFactorVerified').map((c) => c.event.account_sid), [ACCOUNT, OTHER_ACCOUNT])
})

t.test('Debugger: the docs\' cURL sample (Level=ERROR) reaches onError once with Payload parsed; Warning reaches onWarning; another level onAny only; answered 204', async (t) => {
  const errors: Array<DebuggerEvent<'error'>> = []
  const calls: Call[] = []
  const { port } = await listen(t, {
    debugger: {
      onError (event: DebuggerEvent<'error'>) { errors.push(event) },
      onWarning (event: DebuggerEvent<'warning'>) { calls.push({ name: 'onWarning', event }) },
      onAny (event: DebuggerEvent) { calls.push({ name: 'onAny', event }) }
    }
  })
  const request = signed(DEBUGGER, debuggerEvent())
  const res = await send(port, request)
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal((await send(port, redelivered(request))).statusCode, 204, 'redelivered')
  t.equal(errors.length, 1, 'onError once')
  const [event] = errors
  if (event === undefined) return
  t.equal(event.Level, 'error', 'Level lower-cased')
  t.equal(event.Sid.slice(0, 2), 'NO')
  t.equal(event.parsed.Payload?.error_code, '11200')
  t.equal(event.parsed.Payload?.resource_sid, 'CA00000000000000000000000000000001')
  t.equal(event.parsed.Payload?.more_info?.httpResponse, '404')
  t.same(event.parsed.Payload?.webhook, { type: 'application/json', request: {} })
  t.match(event.Payload, /^\{\n {2}"resource_sid"/, 'the signed text as sent')

  t.equal((await send(port, signed(DEBUGGER, debuggerEvent({ Level: 'Warning' })))).statusCode, 204)
  t.equal((await send(port, signed(DEBUGGER, debuggerEvent({ Level: 'INFO' })))).statusCode, 204)
  t.same(calls.map((c) => [c.name, c.event.Level]), [['onAny', 'error'], ['onWarning', 'warning'], ['onAny', 'warning'], ['onAny', 'info']])
})

t.test('Debugger: the docs\' JSON example (single quotes) as Payload reaches onError with parsed.Payload undefined, a warn logged, answered 204; a missing Sid 400 FST_TWILIO_MISSING_SID, a missing Level 400 FST_TWILIO_MISSING_STATUS', async (t) => {
  const calls: Call[] = []
  const logs = captureLogs()
  const { port } = await listen(t, { debugger: recording(['error', 'warning'], calls) }, logs)
  const payload = "{'resource_sid':'CA1','error_code':'11200'}"
  const bad = await send(port, signed(DEBUGGER, debuggerEvent({ Payload: payload })))
  t.equal(bad.statusCode, 204)
  const event = calls.find((c) => c.name === 'onError')?.event as unknown as DebuggerEvent
  t.equal(event.Payload, payload)
  t.equal(event.parsed.Payload, undefined)
  t.same(logs.lines.map((line) => [line.level, line.code, line.param]), [[40, 'FST_TWILIO_INVALID_JSON_PARAM', 'Payload']])
  calls.length = 0
  const params = debuggerEvent()
  delete params.Sid
  const noSid = await send(port, signed(DEBUGGER, params))
  t.equal(noSid.statusCode, 400)
  t.equal(codeOf(noSid.body), 'FST_TWILIO_MISSING_SID')
  const noLevel = debuggerEvent()
  delete noLevel.Level
  const missing = await send(port, signed(DEBUGGER, noLevel))
  t.equal(missing.statusCode, 400)
  t.equal(codeOf(missing.body), 'FST_TWILIO_MISSING_STATUS')
  t.same(calls, [])
})

t.test('notification families with validate: false: served unsigned, answered as Twilio asks', async (t) => {
  const calls: Call[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, { validate: false, verify: recording(['factor.created'], calls), debugger: {} })
  const res = await app.inject({ method: 'POST', url: VERIFY, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: encodeForm(verifyEvent('factor.created')) })
  t.equal(res.statusCode, 204)
  t.same(calls.map((c) => c.name), ['onFactorCreated', 'onAny'])
})

t.test('queue mode: a worker gets the JSON texts parsed again into event.parsed (one that does not parse left out there too), keys Verify events by account_sid, and Twilio is answered 204 once the job is queued', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const { queue, name, prefix } = newQueue(t, redis)
  const { port } = await listen(t, { queue, taskrouter: {}, verify: {} })
  const seen: Array<Record<string, unknown>> = []
  const worker = startWorker(t, redis, name, prefix, {
    taskrouter: { onTaskCreated: (event: TaskRouterEvent<'task.created'>) => { seen.push({ attributes: event.parsed.TaskAttributes, enumerable: Object.keys(event).includes('parsed') }) } },
    verify: { onFactorCreated: (event) => { seen.push({ account: event.account_sid }) } }
  })
  const queued = await send(port, signed(TASKROUTER, workspaceEvent('task.created', { TaskAttributes: '{"type":"billing"}' })))
  t.equal(queued.statusCode, 204)
  t.equal(queued.headers['content-type'], 'application/json')
  await until(() => worker.queueStats.processed === 1)
  t.equal((await send(port, signed(TASKROUTER, workspaceEvent('task.created', { TaskAttributes: "{'type':'billing'}" })))).statusCode, 204)
  await until(() => worker.queueStats.processed === 2)
  const uuid = randomUUID()
  t.equal((await send(port, signed(VERIFY, verifyEvent('factor.created', { uuid })))).statusCode, 204)
  t.equal((await send(port, signed(VERIFY, verifyEvent('factor.created', { uuid, account_sid: OTHER_ACCOUNT })))).statusCode, 204)
  await until(() => worker.queueStats.processed === 4)
  t.same(seen, [{ attributes: { type: 'billing' }, enumerable: false }, { attributes: undefined, enumerable: false }, { account: ACCOUNT }, { account: OTHER_ACCOUNT }])
})

t.test('hostile input: a repeated uuid, type or Payload, and a Verify JSON body with a nested value, are refused 400 with their codes and run nothing', async (t) => {
  const calls: Call[] = []
  const { port } = await listen(t, { verify: recording(VERIFY_EVENTS, calls), debugger: recording(['error', 'warning'], calls) })
  for (const name of ['uuid', 'type', 'account_sid']) {
    const params = verifyEvent('factor.created')
    params[name] = [params[name] as string, params[name] as string]
    const res = await send(port, signed(VERIFY, params))
    t.equal(res.statusCode, 400, name)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_PARAM')
  }
  const payload = debuggerEvent()
  payload.Payload = [payload.Payload as string, '{}']
  const repeated = await send(port, signed(DEBUGGER, payload))
  t.equal(repeated.statusCode, 400)
  t.equal(codeOf(repeated.body), 'FST_TWILIO_INVALID_PARAM')
  const body = JSON.stringify({ ...verifyEvent('challenge.approved'), challenge_details: { message: 'Login request' } })
  const target = `${VERIFY}?bodySHA256=${sha256(body)}`
  const nested = await send(port, { method: 'POST', url: target, headers: { host: 'hooks.example.com', 'x-forwarded-proto': 'https', 'content-type': 'application/json', 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, ORIGIN + target, {}) }, payload: body })
  t.equal(nested.statusCode, 400)
  t.equal(codeOf(nested.body), 'FST_TWILIO_INVALID_PARAM')
  t.same(calls, [])
})

t.test('Event Streams: Verify\'s verification events reach their own callbacks, once', async (t) => {
  const ran: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, {
    authToken: TOKEN,
    eventStreams: {
      onVerificationApproved: (event) => { ran.push(`approved ${String(event.data.verification_status)}`) },
      onVerificationMaxAttemptsReached: () => { ran.push('max-attempts-reached') }
    }
  })
  const approved = { ...sampleCloudEvent('com.twilio.accountsecurity.verify.verification.approved', 1), data: { account_sid: ACCOUNT, verification_sid: 'VE00000000000000000000000000000001', verification_status: 'APPROVED' } }
  const events = [approved, sampleCloudEvent('com.twilio.accountsecurity.verify.verification.max-attempts-reached', 2)]
  t.equal((await app.inject(signedEventStreamsInject({ authToken: TOKEN, events }))).statusCode, 204)
  t.equal((await app.inject(signedEventStreamsInject({ authToken: TOKEN, events: [approved] }))).statusCode, 204, 'redelivered')
  t.same(ran, ['approved APPROVED', 'max-attempts-reached'])
})
