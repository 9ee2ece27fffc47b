/**
 * The families whose answer is a decision (docs/decisions.md), over real HTTP: Conversations
 * (classic) pre- and post-events and TaskRouter's assignment callback. Every request is built from
 * Twilio's documented parameters (docs/twilio-facts.md §17, §18, the #722 capture, twilio-node's
 * array vector), signed by twilio 6.3.1 and checked by its `validateRequest` before it is sent.
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks'
import twilioStatus from '../lib/index'
import type { AssignmentAnswer, AssignmentEvent, ConversationsEvent } from '../lib/index'
import { codeOf } from './helpers/app'
import { captureLogs, encodeForm, type Params, send, type RawResponse, type SignedRequest } from './helpers/sign'

// twilio-node's own array vector (spec/validation.spec.js): its token and URL.
const TOKEN = '12345'
const ORIGIN = 'https://mycompany.com'
const CONVERSATIONS = '/myapp.php'
const ASSIGNMENT = '/twilio/taskrouter/assignment'
const DEADLINE = 300

/** A form POST (or GET) signed by the oracle, as Twilio sends a webhook, with a fresh idempotency token. */
function signed (target: string, params: Params, method: 'POST' | 'GET' = 'POST'): SignedRequest {
  if (method === 'GET') {
    const url = `${target}?${encodeForm(params)}`
    const signature = getExpectedTwilioSignature(TOKEN, ORIGIN + url, {})
    return { method, url, headers: { host: 'mycompany.com', 'x-twilio-signature': signature } }
  }
  const signature = getExpectedTwilioSignature(TOKEN, ORIGIN + target, params)
  if (!validateRequest(TOKEN, signature, ORIGIN + target, params)) throw new Error('the oracle refuses its own signature')
  return {
    method,
    url: target,
    headers: {
      host: 'mycompany.com',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': randomUUID()
    },
    payload: encodeForm(params)
  }
}

let n = 0
/** A Sid of `prefix`, unique in this file. */
function fresh (prefix: string): string {
  n++
  return prefix + n.toString(16).padStart(32, '0')
}

/** The onConversationAdd of twilio-node #722, Sids filled in: a group MMS creating a conversation. */
function conversationAdd (): Params {
  return {
    AccountSid: 'AC00000000000000000000000000000001',
    Attributes: '{}',
    ChatServiceSid: 'IS00000000000000000000000000000001',
    EventType: 'onConversationAdd',
    MessageBody: 'fsg ' + fresh(''),
    'MessagingBinding.Address': ['+18550000000', '+18330000000'],
    'MessagingBinding.AuthorAddress': '+16020000000',
    MessagingServiceSid: 'MG00000000000000000000000000000001',
    RetryCount: '0',
    Source: 'SMS',
    State: 'initializing'
  }
}

/** A message event with the parameters of the docs' message table (§17.2); `onMessageAdd` has no MessageSid or Index. */
function messageEvent (eventType: string, extra: Params = {}): Params {
  const exists = eventType !== 'onMessageAdd'
  return {
    AccountSid: 'AC00000000000000000000000000000001',
    EventType: eventType,
    Source: 'SDK',
    ClientIdentity: 'alice',
    RetryCount: '0',
    ConversationSid: fresh('CH'),
    ...(exists ? { MessageSid: fresh('IM'), Index: '3' } : {}),
    DateCreated: '2026-12-07T16:00:00.000Z',
    Body: 'hello there',
    Author: 'alice',
    ParticipantSid: 'MB00000000000000000000000000000001',
    Attributes: '{"importance":"high"}',
    Media: '[{"Sid":"ME00000000000000000000000000000001","Filename":"a.png","ContentType":"image/png","Size":12232}]',
    ...extra
  }
}

/** The assignment callback's documented parameters (§18.1), with the docs' own `WorkerAttributes` example. */
function assignment (reservation = fresh('WR')): Params {
  return {
    Timestamp: '1765123200',
    AccountSid: 'AC00000000000000000000000000000001',
    WorkspaceSid: 'WS00000000000000000000000000000001',
    WorkflowSid: 'WW00000000000000000000000000000001',
    TaskQueueSid: 'WQ00000000000000000000000000000001',
    WorkerSid: 'WK00000000000000000000000000000001',
    WorkerAttributes: "{ 'agent_id':'123456', 'phone':'+1558675309' }",
    TaskSid: fresh('WT'),
    TaskAttributes: '{"type":"call","contact":"+15558675309","customer-value":"gold"}',
    TaskAge: '25',
    TaskPriority: '0',
    ReservationSid: reservation
  }
}

interface Seen { name: string, event: Record<string, unknown> }

const seen: Seen[] = []
/** What the next onMessageAdd answers, by its `Body`. */
const messageDecisions = new Map<string, unknown>()
/** What onAssignment answers, by `ReservationSid`; a function runs instead. */
const instructions = new Map<string, AssignmentAnswer | (() => Promise<AssignmentAnswer>)>()
const logs = captureLogs()
let port = 0
let app: FastifyInstance

t.before(async () => {
  app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  await app.register(twilioStatus, {
    authToken: TOKEN,
    publicUrl: ORIGIN,
    deadline: DEADLINE,
    conversations: {
      path: CONVERSATIONS,
      onConversationAdd (event) {
        seen.push({ name: 'onConversationAdd', event })
        return { friendly_name: `Group with ${String(event['MessagingBinding.AuthorAddress'])}` }
      },
      async onMessageAdd (event) {
        seen.push({ name: 'onMessageAdd', event })
        const decision = messageDecisions.get(event.Body as string)
        if (typeof decision === 'function') return await (decision as () => Promise<undefined>)()
        return decision as undefined
      },
      onParticipantAdd (event) {
        seen.push({ name: 'onParticipantAdd', event })
        // Not modifiable on this event (§17.3): refused at run time as the types refuse it.
        return { friendly_name: 'x' } as unknown as undefined
      },
      onMessageAdded (event) {
        seen.push({ name: 'onMessageAdded', event })
        return { body: 'ignored: a post-event decides nothing' }
      }
    },
    taskrouterAssignment: {
      async onAssignment (event: AssignmentEvent) {
        seen.push({ name: 'onAssignment', event })
        const answer = instructions.get(event.ReservationSid)
        return typeof answer === 'function' ? await answer() : answer
      }
    }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as AddressInfo).port
})
t.teardown(() => app.close())

function runs (name: string): Seen[] {
  return seen.filter((s) => s.name === name)
}

async function deliver (request: SignedRequest): Promise<RawResponse> {
  return await send(port, request)
}

t.test('conversations: onConversationAdd of twilio-node #722 (two MessagingBinding.Address) reaches its callback once, both addresses kept in order, and its friendly_name is the decision', async (t) => {
  const params = conversationAdd()
  const res = await deliver(signed(CONVERSATIONS, params))
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(res.body), { friendly_name: 'Group with +16020000000' })
  const [run, ...more] = runs('onConversationAdd').filter((s) => s.event.MessageBody === params.MessageBody)
  t.equal(more.length, 0)
  t.same(run.event['MessagingBinding.Address'], ['+18550000000', '+18330000000'])
  t.equal(run.event.State, 'initializing')
})

t.test("conversations: twilio-node's array vector (token 12345, two addresses, either order) verifies on the route; with no EventType it is a 400, not a refused signature", async (t) => {
  for (const addresses of [['+1325xxxxxxx', '+1415xxxxxxx'], ['+1415xxxxxxx', '+1325xxxxxxx']]) {
    const params = { 'MessagingBinding.Address': addresses }
    const request = signed(`${CONVERSATIONS}?foo=1&bar=2`, params)
    t.equal(request.headers['x-twilio-signature'], '83O6e2vORAoJHUNzJjDWN1jz+BA=')
    const res = await deliver(request)
    t.equal(res.statusCode, 400)
    t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS')
  }
})

t.test('conversations: only MessagingBinding.Address may repeat; a repeated Body is refused with 400 before any callback', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: ['one', 'two'] })
  const before = runs('onMessageAdd').length
  const res = await deliver(signed(CONVERSATIONS, params))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_PARAM')
  t.equal(runs('onMessageAdd').length, before)
})

t.test('conversations: onMessageAdd allows with undefined, true or {}: 200 {} as application/json (published unmodified)', async (t) => {
  for (const decision of [undefined, true, {}]) {
    const params = messageEvent('onMessageAdd', { Body: `allow ${String(JSON.stringify(decision))}` })
    messageDecisions.set(params.Body as string, decision)
    const res = await deliver(signed(CONVERSATIONS, params))
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    t.equal(res.body, '{}')
  }
})

t.test('conversations: onMessageAdd modifies body, author and attributes: 200 with exactly those fields', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: 'modify me' })
  const modified = { body: '[redacted]', author: 'moderator', attributes: '{"moderated":true}' }
  messageDecisions.set('modify me', modified)
  const res = await deliver(signed(CONVERSATIONS, params))
  t.equal(res.statusCode, 200)
  t.same(JSON.parse(res.body), modified)
  const run = runs('onMessageAdd').find((s) => s.event.Body === 'modify me') as Seen
  t.equal(run.event.MessageSid, undefined, 'onMessageAdd names no message yet')
  t.equal(run.event.Attributes, '{"importance":"high"}', 'the signed text stays as sent')
})

t.test('conversations: onMessageAdd rejects with { reject: true, reason }: 403, the reason only in the log', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: 'reject me' })
  messageDecisions.set('reject me', { reject: true, reason: 'profanity score 0.97 from moderation-svc' })
  const res = await deliver(signed(CONVERSATIONS, params))
  t.equal(res.statusCode, 403)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(res.body), { rejected: true })
  t.notMatch(res.body, /profanity|moderation/)
  t.ok(logs.lines.some((line) => line.reason === 'profanity score 0.97 from moderation-svc' && line.level === 30))
})

t.test('conversations: a redelivery (RetryCount 1, another idempotency token) gets the same decision without running the callback again', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: 'once' })
  let calls = 0
  messageDecisions.set('once', async () => ({ body: `decided on run ${++calls}` }))
  const first = await deliver(signed(CONVERSATIONS, params))
  const again = await deliver(signed(CONVERSATIONS, { ...params, RetryCount: '1' }))
  t.equal(first.statusCode, 200)
  t.same(JSON.parse(first.body), { body: 'decided on run 1' })
  t.equal(again.statusCode, 200)
  t.equal(again.body, first.body)
  t.equal(calls, 1)
  const rejectParams = messageEvent('onMessageAdd', { Body: 'reject once' })
  messageDecisions.set('reject once', { reject: true })
  const rejected = await deliver(signed(CONVERSATIONS, rejectParams))
  const rejectedAgain = await deliver(signed(CONVERSATIONS, { ...rejectParams, RetryCount: '1' }))
  t.equal(rejected.statusCode, 403)
  t.equal(rejectedAgain.statusCode, 403)
  t.equal(rejectedAgain.body, rejected.body)
  t.equal(runs('onMessageAdd').filter((s) => s.event.Body === 'reject once').length, 1)
})

t.test('conversations: the same action with another signed parameter is another event, decided again', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: 'twice' })
  messageDecisions.set('twice', undefined)
  await deliver(signed(CONVERSATIONS, params))
  await deliver(signed(CONVERSATIONS, { ...params, DateCreated: '2026-12-07T16:00:01.000Z' }))
  t.equal(runs('onMessageAdd').filter((s) => s.event.Body === 'twice').length, 2)
})

t.test('conversations: a failing, late or invalid pre-event callback is answered 200 {} (published unmodified, as Twilio does on its own timeout)', async (t) => {
  const failing = messageEvent('onMessageAdd', { Body: 'throws' })
  messageDecisions.set('throws', async () => { throw new Error('moderation service down') })
  const late = messageEvent('onMessageAdd', { Body: 'late' })
  messageDecisions.set('late', async () => { await sleep(DEADLINE * 3); return { reject: true } })
  const invalid = messageEvent('onMessageAdd', { Body: 'invalid' })
  messageDecisions.set('invalid', { friendly_name: 'not on a message' })
  const badAttributes = messageEvent('onMessageAdd', { Body: 'bad attributes' })
  messageDecisions.set('bad attributes', { attributes: '{not json' })
  for (const params of [failing, late, invalid, badAttributes]) {
    const started = Date.now()
    const res = await deliver(signed(CONVERSATIONS, params))
    t.equal(res.statusCode, 200, String(params.Body))
    t.equal(res.body, '{}')
    t.ok(Date.now() - started < DEADLINE * 3, 'answered by the deadline')
  }
  t.ok(logs.lines.some((line) => line.level === 50 && line.msg.includes('answered the fallback')))
})

t.test('conversations: an undocumented modify field on onParticipantAdd is not sent to Twilio: 200 {}', async (t) => {
  const params = {
    AccountSid: 'AC00000000000000000000000000000001',
    EventType: 'onParticipantAdd',
    Source: 'API',
    RetryCount: '0',
    ConversationSid: fresh('CH'),
    Identity: 'bob',
    RoleSid: 'RL00000000000000000000000000000001',
    Attributes: '{}',
    DateCreated: '2026-12-07T16:00:00.000Z'
  }
  const res = await deliver(signed(CONVERSATIONS, params))
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{}')
  t.equal(runs('onParticipantAdd').length, 1)
})

t.test('conversations: a post-event is a notification: empty 200 whatever the callback returns; Attributes and Media are parsed once into event.parsed, the texts kept as signed', async (t) => {
  const params = messageEvent('onMessageAdded')
  const res = await deliver(signed(CONVERSATIONS, params))
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
  const run = runs('onMessageAdded').find((s) => s.event.MessageSid === params.MessageSid) as Seen
  const event = run.event as unknown as ConversationsEvent<'onMessageAdded'>
  t.same(event.parsed.Attributes, { importance: 'high' })
  t.same(event.parsed.Media, [{ Sid: 'ME00000000000000000000000000000001', Filename: 'a.png', ContentType: 'image/png', Size: 12232 }])
  t.equal(event.parsed, event.parsed, 'the same object on every access: parsed once')
  t.equal(event.Media, params.Media, 'the signed text as sent')
  t.notOk(Object.keys(event).includes('parsed'), 'not a parameter')
})

t.test('conversations: an Attributes or Media that is not JSON of its shape is left out of event.parsed and logged at warn with FST_TWILIO_INVALID_JSON_PARAM; the pre-event is still decided by its callback', async (t) => {
  for (const [name, text] of [['Attributes', "{'importance':'high'}"], ['Attributes', '[1,2]'], ['Media', '{"Sid":"ME1"}'], ['Media', '[1]'], ['Media', '[{"Sid":']]) {
    const body = `bad ${name} ${text}`
    messageDecisions.set(body, { body: 'decided' })
    const params = messageEvent('onMessageAdd', { Body: body, [name]: text })
    const res = await deliver(signed(CONVERSATIONS, params))
    t.equal(res.statusCode, 200, `${name}=${text}`)
    t.same(JSON.parse(res.body), { body: 'decided' })
    const run = runs('onMessageAdd').find((s) => s.event.Body === body) as Seen
    const event = run.event as unknown as ConversationsEvent<'onMessageAdd'>
    t.equal(event.parsed[name as 'Attributes' | 'Media'], undefined)
    t.equal(event[name as 'Attributes' | 'Media'], text, 'the signed text as sent')
    // The other of the two still parses.
    t.ok(name === 'Attributes' ? Array.isArray(event.parsed.Media) : event.parsed.Attributes !== undefined)
  }
  const warned = logs.lines.filter((line) => line.code === 'FST_TWILIO_INVALID_JSON_PARAM')
  t.same(warned.map((line) => [line.level, line.param]), [[40, 'Attributes'], [40, 'Attributes'], [40, 'Media'], [40, 'Media'], [40, 'Media']])
  t.notOk(warned.some((line) => JSON.stringify(line).includes('importance')), 'the text itself is not logged')
})

t.test('conversations: a GET webhook (the URL alone signed) is dispatched like a POST', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: 'by GET' })
  messageDecisions.set('by GET', { body: 'got' })
  const res = await deliver(signed(CONVERSATIONS, params, 'GET'))
  t.equal(res.statusCode, 200)
  t.same(JSON.parse(res.body), { body: 'got' })
})

t.test('conversations: an unsigned or wrongly signed pre-event is refused 403 and reaches no callback', async (t) => {
  const params = messageEvent('onMessageAdd', { Body: 'forged' })
  const request = signed(CONVERSATIONS, params)
  request.headers['x-twilio-signature'] = getExpectedTwilioSignature('another token', ORIGIN + CONVERSATIONS, params)
  const res = await deliver(request)
  t.equal(res.statusCode, 403)
  t.equal(runs('onMessageAdd').filter((s) => s.event.Body === 'forged').length, 0)
})

const EACH: ReadonlyArray<[string, AssignmentAnswer]> = [
  ['accept', { instruction: 'accept' }],
  ['reject', { instruction: 'reject', activity_sid: 'WA00000000000000000000000000000001' }],
  ['reject, worker stays', { instruction: 'reject' }],
  ['dequeue', {
    instruction: 'dequeue',
    from: '+15017250604',
    to: 'client:alice',
    post_work_activity_sid: 'WA00000000000000000000000000000002',
    record: 'record-from-answer',
    timeout: 30,
    status_callback_url: 'https://example.com/cb',
    status_callback_events: 'initiated,completed'
  }],
  ['call', { instruction: 'call', from: '+15017250604', to: '+15558675310', url: 'https://example.com/twiml', accept: true, timeout: 20 }],
  ['redirect', { instruction: 'redirect', call_sid: 'CA00000000000000000000000000000001', url: 'https://example.com/hold', accept: true }],
  ['conference', { instruction: 'conference', from: '+15017250604', post_work_activity_sid: 'WA00000000000000000000000000000002', room_name: 'support' }]
]

t.test('assignment: each instruction the callback returns is answered 200 application/json, exactly as returned', async (t) => {
  for (const [name, instruction] of EACH) {
    const params = assignment()
    instructions.set(params.ReservationSid as string, instruction)
    const res = await deliver(signed(ASSIGNMENT, params))
    t.equal(res.statusCode, 200, name)
    t.match(res.headers['content-type'], /^application\/json/)
    t.same(JSON.parse(res.body), instruction, name)
  }
})

t.test('assignment: {} or undefined decides later: 200 {} (never a JSON body without an instruction)', async (t) => {
  for (const answer of [{}, undefined]) {
    const params = assignment()
    instructions.set(params.ReservationSid as string, answer)
    const res = await deliver(signed(ASSIGNMENT, params))
    t.equal(res.statusCode, 200)
    t.equal(res.body, '{}')
  }
})

t.test('assignment: the documented parameters reach onAssignment; the docs\' single-quoted WorkerAttributes is left out of event.parsed (logged at warn, the instruction answered), TaskAttributes is parsed', async (t) => {
  const params = assignment()
  instructions.set(params.ReservationSid as string, { instruction: 'accept' })
  const res = await deliver(signed(ASSIGNMENT, params))
  t.equal(res.statusCode, 200)
  t.same(JSON.parse(res.body), { instruction: 'accept' })
  const run = runs('onAssignment').find((s) => s.event.ReservationSid === params.ReservationSid) as Seen
  for (const name of Object.keys(params)) t.equal(run.event[name], params[name], name)
  const event = run.event as unknown as AssignmentEvent
  t.equal(event.parsed.WorkerAttributes, undefined)
  t.same(event.parsed.TaskAttributes, { type: 'call', contact: '+15558675309', 'customer-value': 'gold' })
  t.ok(logs.lines.some((line) => line.code === 'FST_TWILIO_INVALID_JSON_PARAM' && line.param === 'WorkerAttributes' && line.level === 40))
})

t.test('assignment: a redelivery of the same ReservationSid gets the same instruction without running the callback again', async (t) => {
  const params = assignment()
  let calls = 0
  instructions.set(params.ReservationSid as string, async () => ++calls === 1 ? { instruction: 'accept' } : { instruction: 'reject' })
  const first = await deliver(signed(ASSIGNMENT, params))
  const again = await deliver(signed(ASSIGNMENT, params))
  t.same(JSON.parse(first.body), { instruction: 'accept' })
  t.equal(again.statusCode, 200)
  t.equal(again.body, first.body)
  t.equal(calls, 1)
})

t.test('assignment: a failing or invalid callback is answered 500, a late one 503, so TaskRouter calls the FallbackAssignmentCallbackUrl; a redelivery runs it again', async (t) => {
  const failing = assignment()
  let calls = 0
  instructions.set(failing.ReservationSid as string, async () => { if (++calls === 1) throw new Error('CRM down'); return { instruction: 'accept' } })
  const res = await deliver(signed(ASSIGNMENT, failing))
  t.equal(res.statusCode, 500)
  t.equal(codeOf(res.body), 'FST_TWILIO_CALLBACK_FAILED')
  t.notMatch(res.body, /CRM/)
  const retried = await deliver(signed(ASSIGNMENT, failing))
  t.same(JSON.parse(retried.body), { instruction: 'accept' })

  for (const bad of [{ instruction: 'accept', activity_sid: 'WA1' }, { instruction: 'call', url: 'https://example.com' }, { instruction: 'hold' }, { instruction: 'redirect', call_sid: 'CA1', url: 7 }, 'accept']) {
    const params = assignment()
    instructions.set(params.ReservationSid as string, bad as AssignmentAnswer)
    const invalid = await deliver(signed(ASSIGNMENT, params))
    t.equal(invalid.statusCode, 500, JSON.stringify(bad))
    t.equal(codeOf(invalid.body), 'FST_TWILIO_CALLBACK_FAILED')
  }

  const late = assignment()
  instructions.set(late.ReservationSid as string, async () => { await sleep(DEADLINE * 3); return { instruction: 'accept' } })
  const lateRes = await deliver(signed(ASSIGNMENT, late))
  t.equal(lateRes.statusCode, 503)
  t.equal(codeOf(lateRes.body), 'FST_TWILIO_DEADLINE')
})

t.test('assignment: a request without ReservationSid is a 400 naming it', async (t) => {
  const params = assignment()
  delete params.ReservationSid
  const res = await deliver(signed(ASSIGNMENT, params))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_SID')
  t.match(res.body, /ReservationSid/)
})

t.test('queue mode: decisions run inline (the queue never sees them), post-events are queued', async (t) => {
  const added: unknown[] = []
  const queued = Fastify()
  t.teardown(() => queued.close())
  let ran = 0
  await queued.register(twilioStatus, {
    authToken: TOKEN,
    publicUrl: ORIGIN,
    queue: { add: async (_name: string, data: unknown) => { added.push(data) } },
    conversations: { path: CONVERSATIONS, onMessageAdd: () => { ran++; return { body: 'inline' } }, onMessageAdded: () => {} },
    taskrouterAssignment: { onAssignment: () => ({ instruction: 'accept' }) }
  })
  await queued.listen({ host: '127.0.0.1', port: 0 })
  const queuedPort = (queued.server.address() as AddressInfo).port
  const pre = await send(queuedPort, signed(CONVERSATIONS, messageEvent('onMessageAdd')))
  t.same(JSON.parse(pre.body), { body: 'inline' })
  const assigned = await send(queuedPort, signed(ASSIGNMENT, assignment()))
  t.same(JSON.parse(assigned.body), { instruction: 'accept' })
  t.equal(ran, 1)
  t.equal(added.length, 0)
  const post = await send(queuedPort, signed(CONVERSATIONS, messageEvent('onMessageAdded')))
  t.equal(post.statusCode, 200)
  t.equal(post.body, '')
  t.equal(added.length, 1)
  t.match(added[0], { channel: 'conversations', status: 'onMessageAdded' })
})

t.test('a store holding something other than a decision for the key: conversations answers its fallback, the assignment a 500', async (t) => {
  const odd = Fastify()
  t.teardown(() => odd.close())
  const store = {
    claim: () => ({ state: 'done' as const, reply: '' }),
    complete: () => {},
    release: () => {},
    advance: () => true
  }
  let ran = 0
  await odd.register(twilioStatus, {
    authToken: TOKEN,
    publicUrl: ORIGIN,
    store,
    conversations: { path: CONVERSATIONS, onMessageAdd: () => { ran++; return { reject: true } } },
    taskrouterAssignment: { onAssignment: () => { ran++; return { instruction: 'accept' } } }
  })
  await odd.listen({ host: '127.0.0.1', port: 0 })
  const oddPort = (odd.server.address() as AddressInfo).port
  const pre = await send(oddPort, signed(CONVERSATIONS, messageEvent('onMessageAdd')))
  t.equal(pre.statusCode, 200)
  t.equal(pre.body, '{}')
  const assigned = await send(oddPort, signed(ASSIGNMENT, assignment()))
  t.equal(assigned.statusCode, 500)
  t.equal(codeOf(assigned.body), 'FST_TWILIO_CALLBACK_FAILED')
  t.equal(ran, 0, 'a done key runs no callback')
})
