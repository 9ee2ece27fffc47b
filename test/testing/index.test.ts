import fc from 'fast-check'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { test } from 'tap'
import { validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks'
import plugin from '../../lib/index'
import { CALL_STATUSES, callbackName, MESSAGE_STATUSES } from '../../lib/families/statuses'
import { CONVERSATIONS_EVENTS, CONVERSATIONS_PRE_EVENTS } from '../../lib/families/conversations'
import {
  sampleCallEvent, sampleCloudEvent, sampleMessageEvent, sampleSid, signedEventStreamsInject, signedInject, signTwilioRequest,
  type SignedInjectOptions, type TwilioInjectOptions
} from '../../lib/testing/index'
import type { CallOptions, FastifyTwilioStatusOptions, SmsOptions } from '../../types/index'

const TOKEN = '12345'
// docs/twilio-facts.md §1.9: P, U and B.
const P = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }
const U = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const B = '{"property": "value", "boolean": true}'

test('signTwilioRequest gives docs/twilio-facts.md vectors (§1.9)', async (t) => {
  t.equal(signTwilioRequest({ authToken: TOKEN, url: U, params: P }), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'V1')
  t.equal(signTwilioRequest({ authToken: TOKEN, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params: P }),
    'kvajT1Ptam85bY51eRf/AJRuM3w=', 'V2: the URL is signed as given, port and all')
  t.equal(signTwilioRequest({ authToken: TOKEN, url: U, params: { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] } }),
    '83O6e2vORAoJHUNzJjDWN1jz+BA=', 'V9: repeated names')
  t.equal(signTwilioRequest({ authToken: TOKEN, url: U, params: { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] } }),
    'IK+Dwps556ElfBT0I3Rgjkr1wJU=', 'V10: duplicate values count once')
  t.same(signTwilioRequest({ authToken: TOKEN, url: U, json: B }), {
    url: `${U}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`,
    signature: 'a9nBmqA0ju/hNViExpshrM61xv4=',
    body: B
  }, 'V11 + V13: JSON text is hashed as given')
  t.same(signTwilioRequest({ authToken: TOKEN, url: 'https://mycompany.com/myapp.php', json: B }).signature,
    'y77kIzt2vzLz71DgmJGsen2scGs=', 'V15: bodySHA256 as the only query parameter')
  t.equal(signTwilioRequest({ authToken: TOKEN, method: 'GET', url: 'https://example.com/sms?AccountSid=AC123&Body=Hello+World&From=%2B15551234567&MessageSid=SM123&To=%2B15557654321' }),
    'HRGKBhf5hruDtzyUd0+SyG2v5Xs=', 'N2: GET signs the URL alone')
  t.equal(signTwilioRequest({ authToken: TOKEN, url: 'https://example.com/x', params: { NumMedia: '0', Body: '' } }),
    'mySREWWU+hC4e1gcCEzcl4oXq4c=', 'N4: empty value')
  t.equal(signTwilioRequest({ authToken: TOKEN, url: 'https://example.com/sms', params: { Body: 'héllo 👋 мир', From: '+15551234567' } }),
    'qXz3THHzhu2JiViMLjMEZYKNmJc=', 'N5: UTF-8')
  t.equal(signTwilioRequest({ authToken: 's3cr3t', method: 'GET', url: "https://example.com/path?test=param'WithQuote" }),
    'GfI7onHX/KQ2k1oVS3cUTVk4IEw=', 'S3: the apostrophe is signed raw, as given')
})

test('signTwilioRequest: a form POST without params signs the URL alone', async (t) => {
  t.equal(signTwilioRequest({ authToken: TOKEN, url: U }), signTwilioRequest({ authToken: TOKEN, url: U, method: 'GET' }))
  t.ok(validateRequest(TOKEN, signTwilioRequest({ authToken: TOKEN, url: U }), U, {}))
})

test('signTwilioRequest: a JSON value is stringified, and equals its JSON text', async (t) => {
  const value = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030' }
  const signed = signTwilioRequest({ authToken: TOKEN, url: U, json: value })
  t.same(signed, signTwilioRequest({ authToken: TOKEN, url: U, json: JSON.stringify(value) }))
  t.match(signed.url, /&bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9$/, 'D2')
  t.ok(validateRequestWithBody(TOKEN, signed.signature, signed.url, signed.body))
})

test('signTwilioRequest: the #fragment (connection overrides, §4.2) is not signed', async (t) => {
  t.equal(signTwilioRequest({ authToken: TOKEN, url: `${U}#rc=3&rp=all`, params: P }), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')
  t.equal(signTwilioRequest({ authToken: TOKEN, url: 'https://mycompany.com/myapp.php#rc=3', json: B }).url,
    'https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620')
})

test('signTwilioRequest: a GET with params is refused, not double-counted (§1.3, N2)', async (t) => {
  const options = { authToken: TOKEN, method: 'GET', url: U, params: P } as unknown as Parameters<typeof signTwilioRequest>[0]
  t.throws(() => signTwilioRequest(options), { name: 'TypeError', message: /GET is signed on its URL alone/ })
})

// Generated cases: everything the kit signs, twilio's validators accept.
const token = fc.string({ minLength: 1, maxLength: 40 })
const url = fc.webUrl({ withQueryParameters: true })
const value = fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 3 }))
const params = fc.dictionary(fc.string({ minLength: 1, unit: 'binary' }), value, { maxKeys: 8 })
  .map((dict) => Object.fromEntries(Object.entries(dict)))

test('signTwilioRequest agrees with twilio validateRequest on generated form POSTs', async (t) => {
  fc.assert(fc.property(token, url, params, (authToken, u, p) =>
    validateRequest(authToken, signTwilioRequest({ authToken, url: u, params: p }), u, p)), { numRuns: 300 })
  t.pass('300 cases')
})

test('signTwilioRequest agrees with twilio validateRequest on generated GETs', async (t) => {
  fc.assert(fc.property(token, url, (authToken, u) =>
    validateRequest(authToken, signTwilioRequest({ authToken, url: u, method: 'GET' }), u, {})), { numRuns: 300 })
  t.pass('300 cases')
})

test('signTwilioRequest agrees with twilio validateRequestWithBody on generated JSON bodies', async (t) => {
  fc.assert(fc.property(token, url, fc.jsonValue(), (authToken, u, json) => {
    const signed = signTwilioRequest({ authToken, url: u, json: json ?? {} })
    return validateRequestWithBody(authToken, signed.signature, signed.url, signed.body)
  }), { numRuns: 300 })
  t.pass('300 cases')
})

/** The `t` a test function receives. */
type T = Parameters<Parameters<typeof test>[0]>[0]

interface Seen { callback: string, event: Record<string, unknown> }

/** An app with the real plugin and a recording callback for every status of both channels. */
async function buildApp (t: T, options: Partial<FastifyTwilioStatusOptions> = {}, server: FastifyServerOptions = {},
  register: { prefix?: string } = {}): Promise<{ app: FastifyInstance, seen: Seen[] }> {
  const seen: Seen[] = []
  const recorder = (channel: string, statuses: readonly string[]) => Object.fromEntries([
    ...statuses.map((status) => [callbackName(status), (event: Record<string, unknown>) => {
      seen.push({ callback: `${channel}.${callbackName(status)}`, event })
      if (status === 'received') return '<Response><Message>Thanks!</Message></Response>'
    }]),
    ['onAny', (event: Record<string, unknown>) => { seen.push({ callback: `${channel}.onAny`, event }) }]
  ])
  const app = Fastify(server)
  await app.register(plugin, {
    authToken: TOKEN,
    sms: recorder('sms', MESSAGE_STATUSES) as SmsOptions,
    call: recorder('call', CALL_STATUSES) as CallOptions,
    ...options,
    ...register
  } as FastifyTwilioStatusOptions)
  t.teardown(() => app.close())
  return { app, seen }
}

const CASES: Array<{ channel: 'sms' | 'call', status: string }> = [
  ...MESSAGE_STATUSES.map((status) => ({ channel: 'sms' as const, status })),
  ...CALL_STATUSES.map((status) => ({ channel: 'call' as const, status }))
]
const MODES = [{ method: 'POST' }, { method: 'GET' }, { method: 'POST', json: true }] as const

/**
 * Every status of both channels, by POST, GET and JSON: 200, TwiML, and the status's own callback.
 * Each request has its own Sid: the plugin's idempotency (on by default) would rightly run no
 * callback for a second delivery of the same Sid and status.
 */
async function acceptsEveryStatus (t: T, app: FastifyInstance, seen: Seen[], extra: Partial<SignedInjectOptions>) {
  for (const { channel, status } of CASES) {
    for (const mode of MODES) {
      const label = `${channel} ${status} ${mode.method}${'json' in mode ? ' json' : ''}`
      seen.length = 0
      const sid = sampleSid(channel === 'sms' ? 'SM' : 'CA', label)
      const res = await app.inject(signedInject({ authToken: TOKEN, channel, status, sid, ...mode, ...extra } as SignedInjectOptions))
      t.equal(res.statusCode, 200, label)
      t.match(res.headers['content-type'], /^text\/xml/, label)
      t.match(res.body, status === 'received' ? '<Message>Thanks!</Message>' : '<Response/>', label)
      const sample = channel === 'sms' ? sampleMessageEvent(status, { MessageSid: sid }) : sampleCallEvent(status, { CallSid: sid })
      t.same(seen.map((s) => s.callback).sort(), [`${channel}.${callbackName(status)}`, `${channel}.onAny`].sort(), label)
      t.has(seen[0].event, sample, `${label}: the event is the sample`)
    }
  }
}

test('signedInject: the plugin accepts every status of both channels, POST, GET and JSON', async (t) => {
  const { app, seen } = await buildApp(t)
  await acceptsEveryStatus(t, app, seen, {})
})

test('signedInject: with a register prefix and custom paths', async (t) => {
  const { app, seen } = await buildApp(t, {}, {}, { prefix: '/hooks' })
  await acceptsEveryStatus(t, app, seen, { prefix: '/hooks' })
  const custom = await buildApp(t, {
    sms: { path: '/in/sms', onDelivered: () => {} },
    call: { path: '/in/voice', onCompleted: () => {} }
  }, {}, { prefix: '/v2' })
  for (const [channel, path] of [['sms', '/in/sms'], ['call', '/in/voice']] as const) {
    const status = channel === 'sms' ? 'delivered' : 'completed'
    for (const method of ['POST', 'GET'] as const) {
      const res = await custom.app.inject(signedInject({ authToken: TOKEN, channel, status, method, prefix: '/v2', path }))
      t.equal(res.statusCode, 200, `${channel} ${method} /v2${path}`)
    }
  }
})

test('signedInject: the request it builds', async (t) => {
  const post = signedInject({ authToken: TOKEN, channel: 'sms', status: 'delivered' })
  t.same(Object.keys(post).sort(), ['headers', 'method', 'payload', 'url'])
  t.match(post, {
    method: 'POST',
    url: '/twilio/sms/status',
    headers: { host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': /^[A-Za-z0-9+/]{27}=$/ }
  })
  t.same(Object.fromEntries(new URLSearchParams(post.payload)), sampleMessageEvent('delivered'))
  t.equal(post.headers['x-twilio-signature'],
    signTwilioRequest({ authToken: TOKEN, url: 'http://localhost:80/twilio/sms/status', params: sampleMessageEvent('delivered') }))

  const get = signedInject({ authToken: TOKEN, channel: 'call', status: 'ringing', method: 'GET' })
  t.same(Object.keys(get).sort(), ['headers', 'method', 'url'], 'a GET has no payload')
  t.same(Object.keys(get.headers).sort(), ['host', 'x-twilio-signature'], 'nor a content type')
  t.match(get.url, /^\/twilio\/call\/status\?AccountSid=AC[0-9a-f]{32}&/)
  t.equal(get.headers['x-twilio-signature'], signTwilioRequest({ authToken: TOKEN, method: 'GET', url: `http://localhost:80${get.url}` }))

  const json = signedInject({ authToken: TOKEN, channel: 'call', status: 'completed', json: true })
  t.equal(json.headers['content-type'], 'application/json')
  t.same(JSON.parse(json.payload as string), sampleCallEvent('completed'))
  t.same(signTwilioRequest({ authToken: TOKEN, url: 'http://localhost:80/twilio/call/status', json: json.payload }),
    { url: `http://localhost:80${json.url}`, signature: json.headers['x-twilio-signature'], body: json.payload })
})

test('signedInject: sid and params change the sample; undefined removes a parameter', async (t) => {
  const { app, seen } = await buildApp(t)
  const sid = sampleSid('SM', 42)
  let res = await app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'undelivered', sid, params: { ErrorCode: '30005' } }))
  t.equal(res.statusCode, 200)
  t.match(seen[0].event, { MessageSid: sid, SmsSid: sid, ErrorCode: '30005' })

  seen.length = 0
  const callSid = sampleSid('CA', 42)
  res = await app.inject(signedInject({ authToken: TOKEN, channel: 'call', status: 'busy', sid: callSid }))
  t.equal(res.statusCode, 200)
  t.match(seen[0].event, { CallSid: callSid, CallStatus: 'busy' })

  seen.length = 0
  res = await app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', sid, params: { MessageSid: 'SMparams' } }))
  t.match(seen[0].event, { MessageSid: 'SMparams' }, 'params win over sid')

  res = await app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', params: { MessageStatus: undefined, SmsStatus: undefined } }))
  t.equal(res.statusCode, 400, 'a signed request without a status')
  t.equal(res.json().code, 'FST_TWILIO_MISSING_STATUS')

  res = await app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', params: { 'MessagingBinding.Address': ['+13255550100', '+14155550100'] } }))
  t.equal(res.statusCode, 200, 'repeated names are signed as Twilio does')
})

test('signedInject: a status Twilio adds later reaches onAny with 200', async (t) => {
  const { app, seen } = await buildApp(t)
  for (const channel of ['sms', 'call'] as const) {
    seen.length = 0
    const res = await app.inject(signedInject({ authToken: TOKEN, channel, status: 'brand_new' }))
    t.equal(res.statusCode, 200, channel)
    t.same(seen.map((s) => s.callback), [`${channel}.onAny`], channel)
  }
})

test('signedInject: host, publicUrl and protocol match how the plugin rebuilds the URL', async (t) => {
  const plain = await buildApp(t)
  let res = await plain.app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', host: 'hooks.example.com' }))
  t.equal(res.statusCode, 200, 'another Host')

  for (const publicUrl of ['https://hooks.example.com', 'https://hooks.example.com/', 'https://hooks.example.com:8443/base']) {
    const behind = await buildApp(t, { publicUrl })
    res = await behind.app.inject(signedInject({ authToken: TOKEN, channel: 'call', status: 'ringing', publicUrl }))
    t.equal(res.statusCode, 200, `publicUrl ${publicUrl}`)
    res = await behind.app.inject(signedInject({ authToken: TOKEN, channel: 'call', status: 'ringing' }))
    t.equal(res.statusCode, 403, `publicUrl ${publicUrl}: signing for the Host instead fails`)
  }

  const proxied = await buildApp(t, {}, { trustProxy: true })
  res = await proxied.app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'delivered', protocol: 'https', host: 'hooks.example.com' }))
  t.equal(res.statusCode, 200, 'https through a trusted proxy')
  res = await plain.app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'delivered', protocol: 'https' }))
  t.equal(res.statusCode, 403, 'X-Forwarded-Proto from an untrusted proxy is ignored, so the https signature fails')
})

test("signedInject signs the target inject sends: new URL() turns ' into %27 and a space into %20", async (t) => {
  const events: Array<Record<string, unknown>> = []
  const { app } = await buildApp(t, { sms: { path: '/hooks/sms', onAny: (event) => { events.push(event) } } })
  const path = "/hooks/sms?tenant=O'Brien+Co&note=a b"
  const options = signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', path })
  t.equal(options.url, '/hooks/sms?tenant=O%27Brien+Co&note=a%20b')
  let res = await app.inject(options)
  t.equal(res.statusCode, 200)
  for (const method of ['GET', 'POST'] as const) {
    const sid = sampleSid('SM', method)
    res = await app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', path, method, sid, params: { Body: "It's a +1 day" } }))
    t.equal(res.statusCode, 200, `${method} with a quote in the parameters too`)
  }
  t.same(events.map((e) => e.Body), [undefined, "It's a +1 day", "It's a +1 day"], 'every request reached the callback')
  t.match(events[1], { tenant: "O'Brien Co", note: 'a b' }, 'GET: the route query and the parameters share the query string')

  // Signing the URL as written, then injecting it, fails: inject sent the re-encoded form.
  const sample = sampleMessageEvent('sent')
  const written = signTwilioRequest({ authToken: TOKEN, url: `http://localhost:80${path}`, params: sample })
  res = await app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': written },
    payload: new URLSearchParams(sample).toString()
  })
  t.equal(res.statusCode, 403)
})

test('tampering with one field of a signed request gets 403 and runs no callback', async (t) => {
  const { app, seen } = await buildApp(t)
  const base = { authToken: TOKEN, channel: 'sms', status: 'undelivered' } as const

  const form = signedInject(base)
  t.match(form.payload, 'ErrorCode=30003')
  const tampered: Array<{ label: string, options: TwilioInjectOptions, code: string }> = [
    { label: 'form body', options: { ...form, payload: (form.payload as string).replace('ErrorCode=30003', 'ErrorCode=30005') }, code: 'FST_TWILIO_INVALID_SIGNATURE' },
    { label: 'form body, one more parameter', options: { ...form, payload: `${form.payload as string}&Extra=1` }, code: 'FST_TWILIO_INVALID_SIGNATURE' },
    { label: 'signature', options: { ...form, headers: { ...form.headers, 'x-twilio-signature': signedInject({ ...base, authToken: 'other' }).headers['x-twilio-signature'] } }, code: 'FST_TWILIO_INVALID_SIGNATURE' },
    { label: 'Host', options: { ...form, headers: { ...form.headers, host: 'evil.example.com' } }, code: 'FST_TWILIO_INVALID_SIGNATURE' }
  ]
  const get = signedInject({ ...base, method: 'GET' })
  tampered.push({ label: 'GET query', options: { ...get, url: get.url.replace('ErrorCode=30003', 'ErrorCode=30005') }, code: 'FST_TWILIO_INVALID_SIGNATURE' })
  const json = signedInject({ ...base, json: true })
  tampered.push({ label: 'JSON body', options: { ...json, payload: (json.payload as string).replace('"30003"', '"30005"') }, code: 'FST_TWILIO_BODY_HASH_MISMATCH' })
  tampered.push({ label: 'JSON bodySHA256', options: { ...json, url: json.url.replace(/bodySHA256=[0-9a-f]/, 'bodySHA256=x') }, code: 'FST_TWILIO_INVALID_SIGNATURE' })

  for (const { label, options, code } of tampered) {
    const res = await app.inject(options)
    t.equal(res.statusCode, 403, label)
    t.equal(res.json().code, code, label)
  }
  t.same(seen, [], 'no callback ran')
  t.equal((await app.inject(form)).statusCode, 200, 'the untouched request still passes')
})

test('signedInject refuses what cannot be sent', async (t) => {
  t.throws(() => signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', method: 'GET', json: true }),
    { name: 'TypeError', message: /json sends a body, so it needs method POST/ })
  for (const path of ['twilio/sms', '//evil.example.com/x', '/x#frag']) {
    t.throws(() => signedInject({ authToken: TOKEN, channel: 'sms', status: 'sent', path }),
      { name: 'TypeError', message: /path must start with a single "\/"/ }, path)
  }
})

test('signedInject and signedEventStreamsInject sign with a SharedKey, as twilio 6.3.1 verifies them', async (t) => {
  const secret = 'sk_test_secret_0123456789abcdef'
  const id = 'webhooks_sharedkey_01jz0000000000000000000000'
  const app = Fastify()
  t.teardown(() => app.close())
  const seen: string[] = []
  await app.register(plugin, { authToken: TOKEN, sharedKeys: { [id]: secret }, requireSharedKey: true, sms: { onAny: (e) => { seen.push(e.MessageStatus) } }, eventStreams: { onAny: (e) => { seen.push(e.type) } } })
  const sha256 = signedInject({ authToken: secret, sharedKey: { id }, channel: 'sms', status: 'sent' })
  t.equal(sha256.headers['x-twilio-webhooks-signature-settings'], `key=${id},algorithm=HMAC_SHA256`)
  t.ok(validateRequest(secret, sha256.headers['x-twilio-signature'], `http://localhost:80${sha256.url}`, Object.fromEntries(new URLSearchParams(sha256.payload)), 'HMAC_SHA256'), 'twilio agrees')
  t.equal((await app.inject(sha256)).statusCode, 200)
  t.equal((await app.inject(signedInject({ authToken: secret, sharedKey: { id, algorithm: 'HMAC_SHA1' }, channel: 'sms', status: 'delivered' }))).statusCode, 200)
  t.equal((await app.inject(signedInject({ authToken: TOKEN, channel: 'sms', status: 'read' }))).statusCode, 403, 'an Auth Token signature is refused here')
  const batch = signedEventStreamsInject({ authToken: secret, sharedKey: { id }, events: [sampleCloudEvent('com.twilio.messaging.message.sent')] })
  t.ok(validateRequestWithBody(secret, batch.headers['x-twilio-signature'], `http://localhost:80${batch.url}`, batch.payload as string, 'HMAC_SHA256'))
  t.equal((await app.inject(batch)).statusCode, 204)
  t.same(seen, ['sent', 'delivered', 'com.twilio.messaging.message.sent'])
})

test('signedInject: every Conversations event and the assignment callback reach their own callback, answered as Twilio expects', async (t) => {
  const seen: string[] = []
  const conversations = Object.fromEntries(CONVERSATIONS_EVENTS.map((event) => [event, () => { seen.push(event) }]))
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(plugin, {
    authToken: TOKEN,
    conversations,
    taskrouterAssignment: { onAssignment: () => { seen.push('onAssignment'); return { instruction: 'accept' } } }
  })
  for (const event of CONVERSATIONS_EVENTS) {
    const res = await app.inject(signedInject({ authToken: TOKEN, channel: 'conversations', status: event }))
    const pre = (CONVERSATIONS_PRE_EVENTS as readonly string[]).includes(event)
    t.equal(res.statusCode, 200, event)
    t.equal(res.body, pre ? '{}' : '', event)
  }
  const res = await app.inject(signedInject({ authToken: TOKEN, channel: 'taskrouterAssignment', status: 'assignment', method: 'GET' }))
  t.same(res.json(), { instruction: 'accept' })
  t.same(seen, [...CONVERSATIONS_EVENTS, 'onAssignment'])
})
