/**
 * Dispatch by status, the reply, and what happens to bodies and callbacks that go wrong, through
 * the plugin's routes. Requests are signed by the twilio package.
 */
import t from 'tap'
import type { FastifyRequest } from 'fastify'
import MessagingResponse = require('twilio/lib/twiml/MessagingResponse')
import VoiceResponse = require('twilio/lib/twiml/VoiceResponse')
import twilioStatus from '../lib/index'
import type { CallOptions, SmsOptions } from '../types/index'
import { build, codeOf, EMPTY_TWIML, recorder } from './helpers/app'
import {
  CALL_PATH, callParams, captureLogs, encodeForm, formPost, getRequest, HOST, jsonPost, ORIGIN, sign, SMS_PATH,
  smsParams, TOKEN
} from './helpers/sign'

const { MESSAGE_STATUSES, CALL_STATUSES, callbackName } = twilioStatus

/** A callback for every status of a channel, plus onAny, all recorded. */
function everyCallback (statuses: readonly string[], record: ReturnType<typeof recorder>['record']): Record<string, unknown> {
  const callbacks: Record<string, unknown> = { onAny: record('onAny') }
  for (const status of statuses) callbacks[callbackName(status)] = record(callbackName(status))
  return callbacks
}

t.test('every message status reaches its own callback, and onAny', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: everyCallback(MESSAGE_STATUSES, record) as SmsOptions })
  t.equal(MESSAGE_STATUSES.length, 13)
  for (const status of MESSAGE_STATUSES) {
    calls.length = 0
    const params = smsParams(status)
    const res = await app.inject(formPost(params))
    t.equal(res.statusCode, 200, status)
    t.same(calls.map((c) => c.name).sort(), [callbackName(status), 'onAny'].sort(), `${status}: its callback and onAny, nothing else`)
    for (const call of calls) t.same({ ...call.event }, params)
  }
})

t.test('every call status reaches its own callback, and onAny', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, call: everyCallback(CALL_STATUSES, record) as CallOptions })
  t.equal(CALL_STATUSES.length, 9)
  for (const status of CALL_STATUSES) {
    calls.length = 0
    const params = callParams(status)
    const res = await app.inject(formPost(params, { target: CALL_PATH }))
    t.equal(res.statusCode, 200, status)
    t.same(calls.map((c) => c.name).sort(), [callbackName(status), 'onAny'].sort(), `${status}: its callback and onAny, nothing else`)
    for (const call of calls) t.same({ ...call.event }, params)
  }
  t.equal(callbackName('in-progress'), 'onInProgress')
  t.equal(callbackName('no-answer'), 'onNoAnswer')
})

t.test('the same status name on both channels reaches the right channel', async (t) => {
  const { record, names } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    sms: { onFailed: record('sms.onFailed'), onQueued: record('sms.onQueued') },
    call: { onFailed: record('call.onFailed'), onQueued: record('call.onQueued') }
  })
  await app.inject(formPost(smsParams('failed')))
  await app.inject(formPost(callParams('failed'), { target: CALL_PATH }))
  await app.inject(formPost(callParams('queued'), { target: CALL_PATH }))
  await app.inject(formPost(smsParams('queued')))
  t.same(names(), ['sms.onFailed', 'call.onFailed', 'call.onQueued', 'sms.onQueued'])
})

t.test('legacy SmsStatus alone is dispatched, and fills event.MessageStatus', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered') } })
  const params = smsParams('delivered')
  delete params.MessageStatus
  delete params.MessageSid
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)
  t.equal(calls.length, 1)
  t.equal(calls[0].event.MessageStatus, 'delivered')
  t.equal(calls[0].event.SmsStatus, 'delivered')
})

t.test('MessageStatus wins over a different legacy SmsStatus', async (t) => {
  const { record, names } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered'), onSent: record('onSent') } })
  const res = await app.inject(formPost(smsParams('delivered', { SmsStatus: 'sent' })))
  t.equal(res.statusCode, 200)
  t.same(names(), ['onDelivered'])
})

t.test('onAny sees every verified event, and no rejected one', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    sms: { onAny: record('sms') },
    call: { onRinging: () => {}, onAny: record('call') }
  })
  const sent = [
    formPost(smsParams('delivered')),
    getRequest(smsParams('sent')),
    formPost(smsParams('a_status_from_the_future')),
    formPost(callParams('ringing'), { target: CALL_PATH }),
    jsonPost(JSON.stringify(callParams('completed')))
  ]
  for (const request of sent) t.equal((await app.inject(request)).statusCode, 200)
  const forged = formPost(smsParams('delivered'))
  forged.headers['x-twilio-signature'] = sign(ORIGIN + SMS_PATH, smsParams('failed'))
  t.equal((await app.inject(forged)).statusCode, 403)
  t.same(calls.map((c) => `${c.name}:${String(c.event.MessageStatus ?? c.event.CallStatus)}`),
    ['sms:delivered', 'sms:sent', 'sms:a_status_from_the_future', 'call:ringing', 'call:completed'])
})

t.test('an unknown status: 200 with empty TwiML, onAny only, and a warning', async (t) => {
  const logs = captureLogs()
  const { calls, record } = recorder()
  const sms = everyCallback(MESSAGE_STATUSES, record) as SmsOptions
  const app = await build(t, { authToken: TOKEN, sms }, { logger: { level: 'info', stream: logs.stream } })
  const params = smsParams('pending_carrier_review')
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/xml/)
  t.match(res.body, EMPTY_TWIML)
  t.same(calls.map((c) => c.name), ['onAny'])
  const warned = logs.lines.find((line) => line.level === 40 && /unknown status/.test(line.msg))
  t.ok(warned, 'logged at warn')
  t.equal(warned?.status, 'pending_carrier_review')
  t.equal(warned?.sid, params.MessageSid)
})

t.test('an unknown call status too', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, call: everyCallback(CALL_STATUSES, record) as CallOptions })
  const res = await app.inject(formPost(callParams('on-hold'), { target: CALL_PATH }))
  t.equal(res.statusCode, 200)
  t.same(calls.map((c) => c.name), ['onAny'])
})

t.test('a verified request without a status gets 400 and runs no callback', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    sms: everyCallback(MESSAGE_STATUSES, record) as SmsOptions,
    call: everyCallback(CALL_STATUSES, record) as CallOptions
  })

  const sms = smsParams('delivered')
  delete sms.MessageStatus
  delete sms.SmsStatus
  let res = await app.inject(formPost(sms))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS')
  t.match(JSON.parse(res.body).message, /MessageStatus/)

  const call = callParams('completed')
  delete call.CallStatus
  res = await app.inject(getRequest(call, { path: CALL_PATH }))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS')
  t.match(JSON.parse(res.body).message, /CallStatus/)

  // No body at all, and a GET without a query: still verified first, then 400.
  res = await app.inject({ method: 'POST', url: SMS_PATH, headers: { host: HOST, 'x-twilio-signature': sign(ORIGIN + SMS_PATH) } })
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS')
  res = await app.inject({ method: 'GET', url: CALL_PATH, headers: { host: HOST, 'x-twilio-signature': sign(ORIGIN + CALL_PATH) } })
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS')

  // JSON that is not an object has no status either.
  for (const body of ['[{"CallStatus":"completed"}]', 'null', '42', '"completed"']) {
    res = await app.inject(jsonPost(body))
    t.equal(res.statusCode, 400, body)
    t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS', body)
  }
  t.equal(calls.length, 0)
})

t.test('an unsigned request without a status is rejected as unsigned, not as incomplete', async (t) => {
  const app = await build(t, { authToken: TOKEN, sms: {} })
  const res = await app.inject({ method: 'POST', url: SMS_PATH, headers: { host: HOST } })
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_SIGNATURE')
})

t.test('a status or Sid given twice, or not as text, gets 400 FST_TWILIO_INVALID_PARAM', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    sms: everyCallback(MESSAGE_STATUSES, record) as SmsOptions,
    call: everyCallback(CALL_STATUSES, record) as CallOptions
  })
  const cases = [
    ['MessageStatus twice', formPost(smsParams('delivered', { MessageStatus: ['sent', 'delivered'] }))],
    ['the same MessageStatus twice', formPost(smsParams('delivered', { MessageStatus: ['delivered', 'delivered'] }))],
    ['legacy SmsStatus twice', formPost((() => { const p = smsParams('sent', { SmsStatus: ['sent', 'failed'] }); delete p.MessageStatus; return p })())],
    ['CallStatus twice (GET)', getRequest(callParams('completed', { CallStatus: ['ringing', 'completed'] }), { path: CALL_PATH })],
    ['MessageSid twice', formPost(smsParams('delivered', { MessageSid: ['SM1', 'SM2'] }))],
    ['JSON status an array', jsonPost(JSON.stringify({ ...callParams('completed'), CallStatus: ['completed'] }))],
    ['JSON status an object', jsonPost(JSON.stringify({ ...callParams('completed'), CallStatus: { completed: true } }))]
  ] as const
  for (const [name, request] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 400, name)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_PARAM', name)
  }
  t.equal(calls.length, 0, 'no callback ran')
})

t.test('a callback that throws: 500 FST_TWILIO_CALLBACK_FAILED, onAny still ran, logged with Sid and status', async (t) => {
  const logs = captureLogs()
  const { record, names } = recorder()
  const boom = new Error('database down')
  const app = await build(t, {
    authToken: TOKEN,
    sms: { onUndelivered: () => { throw boom }, onAny: record('onAny') }
  }, { logger: { level: 'info', stream: logs.stream } })
  const params = smsParams('undelivered', { ErrorCode: '30003' })
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 500)
  t.equal(codeOf(res.body), 'FST_TWILIO_CALLBACK_FAILED')
  t.same(names(), ['onAny'], 'onAny ran although the status callback threw')
  const logged = logs.lines.find((line) => line.level === 50)
  const err = logged?.err as { code?: string, message?: string, stack?: string } | undefined
  t.equal(err?.code, 'FST_TWILIO_CALLBACK_FAILED')
  t.match(err?.message, params.MessageSid as string, 'the Sid is logged')
  t.match(err?.message, 'undelivered', 'the status is logged')
  t.match(err?.stack, 'database down', 'the callback\'s own error is logged as the cause')
})

t.test('a callback that rejects, and onAny that rejects', async (t) => {
  const { record, names } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    call: {
      onBusy: async () => { throw new Error('busy failed') },
      onCompleted: record('onCompleted'),
      onAny: async (event) => { if (event.CallStatus === 'completed') throw new Error('onAny failed') }
    }
  })
  let res = await app.inject(formPost(callParams('busy'), { target: CALL_PATH }))
  t.equal(res.statusCode, 500)
  t.equal(codeOf(res.body), 'FST_TWILIO_CALLBACK_FAILED')
  res = await app.inject(formPost(callParams('completed'), { target: CALL_PATH }))
  t.equal(res.statusCode, 500, 'onAny failing fails the request')
  t.equal(codeOf(res.body), 'FST_TWILIO_CALLBACK_FAILED')
  t.same(names(), ['onCompleted'], 'the status callback ran')
})

t.test('two failures are reported together, as an AggregateError cause', async (t) => {
  const logs = captureLogs()
  const first = new Error('status callback failed')
  const second = new Error('onAny failed')
  let seen: unknown
  const app = await build(t, {
    authToken: TOKEN,
    sms: { onFailed: async () => { throw first }, onAny: () => { throw second } }
  }, { logger: { level: 'info', stream: logs.stream } }, (host) => {
    // A host-level hook sees the error the plugin raised.
    host.addHook('onError', async (_request, _reply, error) => { seen = error })
  })
  const res = await app.inject(formPost(smsParams('failed')))
  t.equal(res.statusCode, 500)
  t.equal(codeOf(res.body), 'FST_TWILIO_CALLBACK_FAILED')
  const error = seen as Error & { code?: string }
  t.equal(error?.code, 'FST_TWILIO_CALLBACK_FAILED')
  t.type(error.cause, AggregateError)
  const errors = (error.cause as AggregateError).errors
  t.equal(errors.length, 2, 'both failures, in any order')
  t.ok(errors.includes(first) && errors.includes(second))
  const logged = logs.lines.find((line) => line.level === 50)
  t.match((logged?.err as { stack?: string })?.stack, /caused by: AggregateError/)
})

t.test('the reply: 200 text/xml with empty TwiML by default', async (t) => {
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: () => {} }, call: {} })
  for (const request of [formPost(smsParams('delivered')), formPost(callParams('completed'), { target: CALL_PATH })]) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/xml\b/)
    t.match(res.body, EMPTY_TWIML)
  }
})

t.test('TwiML returned by the status callback is the reply', async (t) => {
  const twiml = '<Response><Message>Thanks!</Message></Response>'
  const messaging = new MessagingResponse()
  messaging.message('Got it 👍')
  const voice = new VoiceResponse()
  voice.say('Goodbye')
  const app = await build(t, {
    authToken: TOKEN,
    sms: {
      onReceived: async () => twiml,
      onReceiving: () => messaging,
      onDelivered: async () => 'OK',
      onSent: () => ({ saved: true }),
      onAny: () => '<Response><Message>from onAny</Message></Response>' as unknown as undefined
    },
    call: { onInProgress: async () => voice }
  })

  let res = await app.inject(formPost(smsParams('received', { Body: 'Hi' })))
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/xml/)
  t.equal(res.body, twiml, 'a TwiML string')

  res = await app.inject(formPost(smsParams('receiving')))
  t.equal(res.body, messaging.toString(), 'twilio\'s MessagingResponse')
  t.match(res.body, /<Message>Got it 👍<\/Message>/)

  res = await app.inject(getRequest(callParams('in-progress'), { path: CALL_PATH }))
  t.equal(res.body, voice.toString(), 'twilio\'s VoiceResponse')

  res = await app.inject(formPost(smsParams('delivered')))
  t.equal(res.statusCode, 200)
  t.match(res.body, EMPTY_TWIML, '\'OK\' is not TwiML: ignored')

  res = await app.inject(formPost(smsParams('sent')))
  t.match(res.body, EMPTY_TWIML, 'a plain object is ignored')

  res = await app.inject(formPost(smsParams('queued')))
  t.match(res.body, EMPTY_TWIML, 'what onAny returns is not the reply')
})

t.test('callbacks receive the event and the Fastify request', async (t) => {
  const seen: FastifyRequest[] = []
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered'), onAny: record('onAny') } }, {}, (host) => {
    host.addHook('onRequest', async (request) => { seen.push(request) })
  })
  const params = smsParams('delivered')
  const request = formPost(params)
  await app.inject(request)
  t.equal(calls.length, 2)
  for (const call of calls) {
    t.equal(call.request, seen[0], `${call.name}: the very request object`)
    t.equal(call.request.headers['x-twilio-signature'], request.headers['x-twilio-signature'])
    t.equal(call.request.routeOptions.url, SMS_PATH)
    t.equal(call.event.MessageSid, params.MessageSid)
    t.equal(call.event.To, params.To)
  }
  t.equal(calls[0].event, calls[1].event, 'both callbacks see the same event')
})

t.test('a form event has no prototype: __proto__ and constructor are plain parameters', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered') } })
  const params = smsParams('delivered', { constructor: 'y', toString: 'z' })
  const request = formPost(params)
  request.payload = `${encodeForm(params)}&__proto__=x&__proto__=w`
  // An own `__proto__` key, as a form parser that keeps it must see it.
  const signed = { ...params, ...JSON.parse('{"__proto__":["x","w"]}') }
  t.ok(Object.hasOwn(signed, '__proto__'))
  request.headers['x-twilio-signature'] = sign(ORIGIN + SMS_PATH, signed)
  const res = await app.inject(request)
  t.equal(res.statusCode, 200)
  const event = calls[0]?.event
  t.ok(Object.hasOwn(event, '__proto__'))
  t.same(Object.getOwnPropertyDescriptor(event, '__proto__')?.value, ['x', 'w'])
  t.equal(event.constructor, 'y')
  t.equal(event.toString, 'z')
  t.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched')
})

t.test('an unsupported content type gets 415 and runs no callback', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered'), onAny: record('onAny') } })
  for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
    const request = formPost(smsParams('delivered'))
    request.headers['content-type'] = type
    const res = await app.inject(request)
    t.equal(res.statusCode, 415, type)
    t.equal(codeOf(res.body), 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  }
  t.equal(calls.length, 0)
})

t.test('a body over bodyLimit gets 413 and runs no callback', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, bodyLimit: 1024, sms: { onDelivered: record('onDelivered') }, call: { onCompleted: record('onCompleted') } })
  const small = formPost(smsParams('delivered', { Body: 'x'.repeat(200) }))
  t.equal((await app.inject(small)).statusCode, 200, 'under the limit')
  const big = formPost(smsParams('delivered', { Body: 'x'.repeat(1024) }))
  let res = await app.inject(big)
  t.equal(res.statusCode, 413)
  t.equal(codeOf(res.body), 'FST_ERR_CTP_BODY_TOO_LARGE')
  res = await app.inject(jsonPost(JSON.stringify(callParams('completed', { Pad: 'x'.repeat(1024) }))))
  t.equal(res.statusCode, 413, 'JSON too')
  t.equal(calls.length, 1)
})

t.test('the default bodyLimit is 64 KiB', async (t) => {
  const app = await build(t, { authToken: TOKEN, sms: {} })
  const under = formPost(smsParams('delivered', { Body: 'x'.repeat(60 * 1024) }))
  t.equal((await app.inject(under)).statusCode, 200)
  const over = formPost(smsParams('delivered', { Body: 'x'.repeat(64 * 1024) }))
  t.equal((await app.inject(over)).statusCode, 413)
})

t.test('malformed percent-encoding gets 400 FST_TWILIO_MALFORMED_BODY and runs no callback', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered'), onAny: record('onAny') } })
  const params = smsParams('delivered')
  const cases: Array<[string, { method: 'POST' | 'GET', url: string, payload?: string }]> = [
    ['in a body value', { method: 'POST', url: SMS_PATH, payload: `${encodeForm(params)}&Body=100%` }],
    ['in a body name', { method: 'POST', url: SMS_PATH, payload: `${encodeForm(params)}&B%zzody=1` }],
    ['a lone surrogate', { method: 'POST', url: SMS_PATH, payload: `${encodeForm(params)}&Body=%ED%A0%80` }],
    ['in a GET query', { method: 'GET', url: `${SMS_PATH}?${encodeForm(params)}&Body=%E0%A4%A` }]
  ]
  for (const [name, request] of cases) {
    // Signed over what was sent, so only the encoding is wrong.
    const headers: Record<string, string> = { host: HOST, 'x-twilio-signature': sign(ORIGIN + request.url) }
    if (request.method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded'
    const res = await app.inject({ ...request, headers })
    t.equal(res.statusCode, 400, name)
    t.equal(codeOf(res.body), 'FST_TWILIO_MALFORMED_BODY', name)
  }
  t.equal(calls.length, 0)
})

t.test('malformed JSON gets 400 and runs no callback', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, call: { onAny: record('onAny') } })
  const res = await app.inject(jsonPost('{"CallStatus": "completed"'))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_ERR_CTP_INVALID_JSON_BODY')
  t.equal(calls.length, 0)
})

t.test('JSON with __proto__ is refused, as Fastify does by default', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, call: { onAny: record('onAny') } })
  const res = await app.inject(jsonPost('{"CallStatus":"completed","__proto__":{"polluted":true}}'))
  t.equal(res.statusCode, 400)
  t.equal(calls.length, 0)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

t.test('an event without a Sid (or with an empty one) gets 400 FST_TWILIO_MISSING_SID: its type promises one', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered') }, call: { onAny: record('onAny') } })
  const params = smsParams('delivered')
  delete params.MessageSid
  delete params.SmsSid
  for (const request of [formPost(params), formPost({ ...params, MessageSid: '' }), jsonPost('{"CallStatus":"completed"}')]) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 400)
    t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_SID')
  }
  t.equal(calls.length, 0)
})

t.test('the legacy SmsSid alone fills MessageSid', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered') } })
  const params = smsParams('delivered')
  delete params.MessageSid
  t.equal((await app.inject(formPost(params))).statusCode, 200)
  t.equal(calls[0].event.MessageSid, params.SmsSid)
})

t.test('MessageSid wins over a different legacy SmsSid', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered') } })
  const params = smsParams('delivered', { SmsSid: 'SM00000000000000000000000000000002' })
  t.not(params.MessageSid, params.SmsSid)
  t.equal((await app.inject(formPost(params))).statusCode, 200)
  t.equal(calls[0].event.MessageSid, params.MessageSid)
})

t.test('an empty MessageStatus is a missing status (400), not an unknown one', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onAny: record('onAny') } })
  const params = smsParams('delivered', { MessageStatus: '' })
  delete params.SmsStatus
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_STATUS')
  t.equal(calls.length, 0)
  // An empty MessageStatus beside a legacy SmsStatus: the legacy one is the status.
  t.equal((await app.inject(formPost(smsParams('sent', { MessageStatus: '' })))).statusCode, 200)
  t.equal(calls[0].event.MessageStatus, 'sent')
})

t.test('a repeated single-valued field gets 400 FST_TWILIO_INVALID_PARAM, although the signature allows it', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onAny: record('onAny') }, call: { onAny: record('onAny') } })
  // Twilio's algorithm signs a repeated value once, so `&From=<same>` keeps a valid signature.
  const from = smsParams('delivered').From as string
  for (const [name, request] of [
    ['From', formPost(smsParams('delivered', { From: [from, from] }))],
    ['AccountSid', formPost(smsParams('delivered', { AccountSid: ['AC1', 'AC2'] }))],
    ['MediaUrl0', formPost(smsParams('received', { MediaUrl0: ['https://a', 'https://b'] }))],
    ['To', getRequest(callParams('completed', { To: ['+1', '+1'] }), { path: CALL_PATH })],
    ['SequenceNumber', jsonPost(JSON.stringify({ ...callParams('completed'), SequenceNumber: [1, 2] }))]
  ] as const) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 400, name)
    t.equal(JSON.parse(res.body).message, `Parameter ${name} must be given once, as text`)
  }
  t.equal(calls.length, 0)
  // A name Twilio does not document may repeat: it arrives as every value, in order.
  t.equal((await app.inject(formPost(smsParams('delivered', { Extra: ['1', '2'] })))).statusCode, 200)
  t.same(calls[0].event.Extra, ['1', '2'])
})

t.test('JSON numbers and booleans are read as their text: a numeric SequenceNumber keys and orders the event', async (t) => {
  const { names, record } = recorder()
  // Not a terminal status: those are keyed without SequenceNumber (lib/families/calls.ts, once).
  const app = await build(t, { authToken: TOKEN, ordering: true, call: { onInProgress: record('onInProgress'), onStale: record('onStale') } })
  const sid = callParams('completed').CallSid as string
  const body = (sequence: number, extra = {}): string => JSON.stringify({ CallSid: sid, CallStatus: 'in-progress', SequenceNumber: sequence, ...extra })
  t.equal((await app.inject(jsonPost(body(3)))).statusCode, 200)
  t.equal((await app.inject(jsonPost(body(4, { Muted: false, Duration: 12, Gone: null })))).statusCode, 200)
  t.equal((await app.inject(jsonPost(body(2)))).statusCode, 200)
  t.equal((await app.inject(jsonPost(body(4)))).statusCode, 200, 'a duplicate')
  t.same(names(), ['onInProgress', 'onInProgress', 'onStale'], 'two events, then a stale one; the duplicate runs nothing')
})

t.test('JSON values are text on the event, nulls are absent', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, call: { onAny: record('onAny') } })
  const params = callParams('completed')
  t.equal((await app.inject(jsonPost(JSON.stringify({ ...params, SequenceNumber: 7, Muted: true, Hold: null, Tags: ['a', 1] })))).statusCode, 200)
  t.same({ ...calls[0].event }, { ...params, SequenceNumber: '7', Muted: 'true', Tags: ['a', '1'] })
})

t.test('a replayed signed request with a changed, removed or huge idempotency token header runs nothing again', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('onDelivered') } })
  const request = formPost(smsParams('delivered'))
  request.headers['i-twilio-idempotency-token'] = 'e5a1c3f0-0000-4000-8000-000000000001'
  t.equal((await app.inject(request)).statusCode, 200)
  // The header is not covered by X-Twilio-Signature: anyone replaying the request may set it.
  for (const token of ['another-token', '', 'x'.repeat(8000), undefined]) {
    const replay = { ...request, headers: { ...request.headers, 'i-twilio-idempotency-token': token } }
    if (token === undefined) delete replay.headers['i-twilio-idempotency-token']
    t.equal((await app.inject(replay)).statusCode, 200)
  }
  t.equal(calls.length, 1, 'the key is built from what is signed')
})

t.test('a callback returning an object whose toString throws: 500 FST_TWILIO_CALLBACK_FAILED, the message not echoed', async (t) => {
  const app = await build(t, {
    authToken: TOKEN,
    sms: { onReceived: () => ({ toString () { throw new Error('secret internals') } }) }
  })
  const res = await app.inject(formPost(smsParams('received')))
  t.equal(res.statusCode, 500)
  t.equal(codeOf(res.body), 'FST_TWILIO_CALLBACK_FAILED')
  t.notMatch(res.body, /secret internals/)
})

t.test('a redelivery carrying the same I-Twilio-Idempotency-Token runs no callback again', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onReceived: () => '<Response><Message>Hi</Message></Response>', onAny: record('onAny') } })
  const request = formPost(smsParams('received'))
  request.headers['i-twilio-idempotency-token'] = 'e5a1c3f0-0000-4000-8000-000000000001'
  const first = await app.inject(request)
  const again = await app.inject(request)
  t.equal(first.statusCode, 200)
  t.equal(again.statusCode, 200)
  t.equal(again.body, first.body, 'the same reply')
  t.equal(calls.length, 1)
})
