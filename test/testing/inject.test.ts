/**
 * signedRouteInject, and the URL every kit function signs: each request is checked by the twilio
 * package (the URL Twilio calls written out in full, not derived from the kit) and then sent to a
 * host app whose own routes are behind twilioSignature() and whose status routes are the plugin's,
 * both set up with the same verification options as the kit.
 */
import fc from 'fast-check'
import Fastify, { type FastifyServerOptions } from 'fastify'
import formbody from '@fastify/formbody'
import { test } from 'tap'
import { validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks'
import plugin, { twilioSignature } from '../../lib/index'
import {
  sampleCallEvent, sampleCloudEvent, signedEventStreamsInject, signedInject, signedRouteInject, type SignedRouteOptions, type TwilioInjectOptions
} from '../../lib/testing/index'
import type { TwilioSignatureOptions } from '../../types/index'

const TOKEN = 'route-token'
const CALL = { CallSid: 'CA' + '1'.repeat(32), AccountSid: 'AC' + '2'.repeat(32), From: '+15551230000', To: '+15559870000' }

type T = Parameters<Parameters<typeof test>[0]>[0]

/** An app set up with `verify`: its own form, GET and JSON routes behind the hook, and the plugin beside them. */
async function hostApp (t: T, verify: TwilioSignatureOptions, server: FastifyServerOptions = {}) {
  const app = Fastify(server)
  t.teardown(() => app.close())
  const seen: unknown[] = []
  await app.register(formbody)
  const hook = twilioSignature(verify)
  app.post('/voice/menu', { preHandler: hook }, async (request) => { seen.push(request.body); return 'form' })
  app.get('/voice/status', { preHandler: hook }, async (request) => { seen.push(request.query); return 'get' })
  app.post('/studio', { preParsing: hook.preParsing, preHandler: hook }, async (request) => { seen.push(request.body); return 'json' })
  await app.register(plugin, {
    ...verify,
    call: { onAny: (event) => { seen.push(event.CallStatus) } },
    eventStreams: { onAny: (event) => { seen.push(event.type) } },
    webhooks: [{ url: '/plugin/gather', method: 'POST', handler: (request) => { seen.push(request.body.Digits) } }]
  } as Parameters<typeof plugin>[1])
  return { app, seen }
}

const formOf = (options: TwilioInjectOptions): Record<string, string> => Object.fromEntries(new URLSearchParams(options.payload))

test('signedRouteInject: a form POST, signed as twilio validates it, passes twilioSignature() with its parameters', async (t) => {
  const { app, seen } = await hostApp(t, { authToken: TOKEN })
  const params = { ...CALL, Digits: '1', SpeechResult: "It's 5 + 5 & more" }
  const options = signedRouteInject({ authToken: TOKEN, path: '/voice/menu', params })
  t.same({ method: options.method, url: options.url, type: options.headers['content-type'] },
    { method: 'POST', url: '/voice/menu', type: 'application/x-www-form-urlencoded' })
  t.ok(validateRequest(TOKEN, options.headers['x-twilio-signature'], 'http://localhost:80/voice/menu', params), 'twilio agrees')
  t.same(formOf(options), params, 'the body is the parameters')

  const res = await app.inject(options)
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'form')
  t.same(seen, [params])
  t.equal((await app.inject(signedRouteInject({ authToken: 'not-the-token', path: '/voice/menu', params }))).statusCode, 403, 'another token: 403')
  t.equal((await app.inject({ ...options, payload: options.payload?.replace('Digits=1', 'Digits=2') })).statusCode, 403, 'one parameter changed: 403')
})

test('signedRouteInject: repeated names and no parameters are signed as twilio signs them', async (t) => {
  const { app, seen } = await hostApp(t, { authToken: TOKEN })
  const params = { ...CALL, 'MessagingBinding.Address': ['+13255550100', '+14155550100'] }
  const repeated = signedRouteInject({ authToken: TOKEN, path: '/voice/menu', params })
  t.ok(validateRequest(TOKEN, repeated.headers['x-twilio-signature'], 'http://localhost:80/voice/menu', params))
  t.equal((await app.inject(repeated)).statusCode, 200)
  const empty = signedRouteInject({ authToken: TOKEN, path: '/voice/menu' })
  t.equal(empty.payload, '')
  t.ok(validateRequest(TOKEN, empty.headers['x-twilio-signature'], 'http://localhost:80/voice/menu', {}))
  t.equal((await app.inject(empty)).statusCode, 200)
  t.same(seen, [params, {}])
})

test('signedRouteInject: a GET puts the parameters in the query string and signs the URL alone', async (t) => {
  const { app, seen } = await hostApp(t, { authToken: TOKEN })
  const params = { ...CALL, CallStatus: 'completed', Note: "O'Brien & co" }
  const options = signedRouteInject({ authToken: TOKEN, method: 'GET', path: "/voice/status?tenant=O'Brien", params })
  t.equal(options.payload, undefined)
  t.equal(options.headers['content-type'], undefined)
  t.match(options.url, /^\/voice\/status\?tenant=O%27Brien&CallSid=CA1{32}&/, "inject's form of the target: ' is %27")
  t.ok(validateRequest(TOKEN, options.headers['x-twilio-signature'], `http://localhost:80${options.url}`, {}), 'twilio agrees')
  t.ok(validateRequest(TOKEN, options.headers['x-twilio-signature'],
    'http://localhost:80/voice/status?tenant=O%27Brien&' + new URLSearchParams(params).toString(), {}), 'written out in full')

  const res = await app.inject(options)
  t.equal(res.statusCode, 200)
  t.same(seen, [{ tenant: "O'Brien", ...params }])
})

test('signedRouteInject: a JSON body is signed through bodySHA256, as twilio validates it', async (t) => {
  const { app, seen } = await hostApp(t, { authToken: TOKEN })
  const body = { step: 'confirm', flow: { sid: 'FW' + '3'.repeat(32) }, AccountSid: CALL.AccountSid }
  const options = signedRouteInject({ authToken: TOKEN, path: '/studio?run=1', json: body })
  t.equal(options.payload, JSON.stringify(body))
  t.equal(options.headers['content-type'], 'application/json')
  t.match(options.url, /^\/studio\?run=1&bodySHA256=[0-9a-f]{64}$/)
  t.ok(validateRequestWithBody(TOKEN, options.headers['x-twilio-signature'], `http://localhost:80${options.url}`, options.payload as string), 'twilio agrees')

  t.equal((await app.inject(options)).statusCode, 200)
  const text = '{"step": "as written" }'
  const asWritten = signedRouteInject({ authToken: TOKEN, path: '/studio', json: text })
  t.equal(asWritten.payload, text, 'JSON text is sent as is')
  t.equal((await app.inject(asWritten)).statusCode, 200)
  t.same(seen, [body, { step: 'as written' }])
  t.equal((await app.inject({ ...options, payload: options.payload?.replace('confirm', 'cancel') })).statusCode, 403, 'body changed: 403')
})

test('signedRouteInject signs a SharedKey webhook as twilio validates it, and the hook accepts it', async (t) => {
  const id = 'webhooks_sharedkey_01jz0000000000000000000000'
  const secret = 'sk_test_route_secret'
  const { app } = await hostApp(t, { sharedKeys: { [id]: secret }, requireSharedKey: true })
  for (const algorithm of ['HMAC_SHA256', 'HMAC_SHA1'] as const) {
    const options = signedRouteInject({ authToken: secret, sharedKey: { id, algorithm }, path: '/voice/menu', params: CALL })
    t.equal(options.headers['x-twilio-webhooks-signature-settings'], `key=${id},algorithm=${algorithm}`)
    t.ok(validateRequest(secret, options.headers['x-twilio-signature'], 'http://localhost:80/voice/menu', CALL, algorithm), `twilio agrees (${algorithm})`)
    t.equal((await app.inject(options)).statusCode, 200, algorithm)
  }
  const json = signedRouteInject({ authToken: secret, sharedKey: { id }, path: '/studio', json: { AccountSid: CALL.AccountSid } })
  t.ok(validateRequestWithBody(secret, json.headers['x-twilio-signature'], `http://localhost:80${json.url}`, json.payload as string, 'HMAC_SHA256'))
  t.equal((await app.inject(json)).statusCode, 200, 'JSON, default HMAC_SHA256')
  t.equal((await app.inject(signedRouteInject({ authToken: secret, path: '/voice/menu', params: CALL }))).statusCode, 403, 'the secret as an Auth Token: 403')
})

test('signedRouteInject: host and protocol are the URL the app sees without publicUrl', async (t) => {
  const { app } = await hostApp(t, { authToken: TOKEN })
  const options = signedRouteInject({ authToken: TOKEN, host: 'voice.example.com:8080', path: '/voice/menu', params: CALL })
  t.equal(options.headers.host, 'voice.example.com:8080')
  t.ok(validateRequest(TOKEN, options.headers['x-twilio-signature'], 'http://voice.example.com:8080/voice/menu', CALL))
  t.equal((await app.inject(options)).statusCode, 200)

  const https = signedRouteInject({ authToken: TOKEN, protocol: 'https', host: 'voice.example.com', path: '/voice/menu', params: CALL })
  t.equal(https.headers['x-forwarded-proto'], 'https')
  t.ok(validateRequest(TOKEN, https.headers['x-twilio-signature'], 'https://voice.example.com/voice/menu', CALL))
  const proxied = await hostApp(t, { authToken: TOKEN }, { trustProxy: true })
  t.equal((await proxied.app.inject(https)).statusCode, 200, 'https through a trusted proxy')
  t.equal((await app.inject(https)).statusCode, 403, 'X-Forwarded-Proto does not count without trustProxy')
})

// The URL Twilio calls, for each publicUrl the app may set: an origin, with a port, with a base path, with a trailing slash.
const PUBLIC_URLS = [
  { publicUrl: 'https://hooks.example.com', calls: 'https://hooks.example.com' },
  { publicUrl: 'https://hooks.example.com/', calls: 'https://hooks.example.com' },
  { publicUrl: 'https://hooks.example.com:8443/base', calls: 'https://hooks.example.com:8443/base' },
  { publicUrl: 'https://hooks.example.com/base/', calls: 'https://hooks.example.com/base' },
  { publicUrl: 'HTTP://Hooks.Example.com/Twilio%20Hooks', calls: 'HTTP://Hooks.Example.com/Twilio%20Hooks' }
]

test('publicUrl: every kit function signs publicUrl then the target, as twilio validates and the app verifies', async (t) => {
  for (const { publicUrl, calls } of PUBLIC_URLS) {
    const { app, seen } = await hostApp(t, { authToken: TOKEN, publicUrl })
    const where = { authToken: TOKEN, publicUrl, host: '10.0.0.5:3000' }

    const form = signedRouteInject({ ...where, path: '/voice/menu', params: CALL })
    t.ok(validateRequest(TOKEN, form.headers['x-twilio-signature'], `${calls}/voice/menu`, CALL), `${publicUrl}: twilio agrees (form)`)
    const get = signedRouteInject({ ...where, method: 'GET', path: '/voice/status', params: { CallSid: CALL.CallSid } })
    t.ok(validateRequest(TOKEN, get.headers['x-twilio-signature'], `${calls}/voice/status?CallSid=${CALL.CallSid}`, {}), `${publicUrl}: twilio agrees (GET)`)
    const json = signedRouteInject({ ...where, path: '/studio', json: { step: 'a' } })
    t.ok(validateRequestWithBody(TOKEN, json.headers['x-twilio-signature'], `${calls}${json.url}`, '{"step":"a"}'), `${publicUrl}: twilio agrees (JSON)`)
    const gather = signedRouteInject({ ...where, path: '/plugin/gather', params: { ...CALL, Digits: '7' } })
    const status = signedInject({ ...where, channel: 'call', status: 'ringing' })
    t.ok(validateRequest(TOKEN, status.headers['x-twilio-signature'], `${calls}/twilio/call/status`, sampleCallEvent('ringing')), `${publicUrl}: twilio agrees (signedInject)`)
    const batch = signedEventStreamsInject({ ...where, events: [sampleCloudEvent('com.twilio.messaging.message.sent')] })
    t.ok(validateRequestWithBody(TOKEN, batch.headers['x-twilio-signature'], `${calls}${batch.url}`, batch.payload as string), `${publicUrl}: twilio agrees (Event Streams)`)

    const codes = []
    for (const options of [form, get, json, gather, status, batch]) codes.push((await app.inject(options)).statusCode)
    t.same(codes, [200, 200, 200, 200, 200, 204], `${publicUrl}: the hook, a webhooks route and the plugin's routes verify each`)
    t.same(seen, [CALL, { CallSid: CALL.CallSid }, { step: 'a' }, '7', 'ringing', 'com.twilio.messaging.message.sent'])

    const { publicUrl: _, ...withoutPublicUrl } = where
    t.equal((await app.inject(signedRouteInject({ ...withoutPublicUrl, path: '/voice/menu', params: CALL }))).statusCode, 403,
      `${publicUrl}: signed without the app's publicUrl: 403`)
    t.equal((await app.inject(signedInject({ ...withoutPublicUrl, channel: 'call', status: 'ringing' }))).statusCode, 403,
      `${publicUrl}: signedInject without the app's publicUrl: 403`)
  }
})

test('publicUrl: a base path the app does not set is a different URL (403)', async (t) => {
  const { app } = await hostApp(t, { authToken: TOKEN, publicUrl: 'https://hooks.example.com' })
  const res = await app.inject(signedRouteInject({ authToken: TOKEN, publicUrl: 'https://hooks.example.com/base', path: '/voice/menu', params: CALL }))
  t.equal(res.statusCode, 403)
})

test('publicUrl: what the plugin refuses at register, the kit refuses with the same expectation', async (t) => {
  const bad: Array<{ value: unknown, expected: RegExp }> = [
    { value: 'hooks.example.com', expected: /an absolute http\(s\) URL such as "https:\/\/hooks\.example\.com"/ },
    { value: 'ftp://hooks.example.com', expected: /an http\(s\) origin or base URL without credentials, query or fragment/ },
    { value: 'https://user:pass@hooks.example.com', expected: /an http\(s\) origin or base URL without credentials, query or fragment/ },
    { value: 'https://hooks.example.com/?', expected: /an http\(s\) origin or base URL without credentials, query or fragment/ },
    { value: 'https://hooks.example.com/base#x', expected: /an http\(s\) origin or base URL without credentials, query or fragment/ },
    { value: 42, expected: /a string/ }
  ]
  for (const { value, expected } of bad) {
    const label = JSON.stringify(value)
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(plugin, { authToken: TOKEN, publicUrl: value as string, sms: {} }).ready() }, { message: expected }, `plugin: ${label}`)
    const publicUrl = value as string
    t.throws(() => signedRouteInject({ authToken: TOKEN, publicUrl, path: '/voice/menu' }),
      { name: 'TypeError', message: new RegExp(`^fastify-twilio-status/testing: publicUrl must be ${expected.source}`) }, `signedRouteInject: ${label}`)
    t.throws(() => signedInject({ authToken: TOKEN, publicUrl, channel: 'sms', status: 'sent' }), { name: 'TypeError', message: expected }, `signedInject: ${label}`)
    t.throws(() => signedEventStreamsInject({ authToken: TOKEN, publicUrl, events: [] }), { name: 'TypeError', message: expected }, `signedEventStreamsInject: ${label}`)
  }
})

test('signedRouteInject refuses what cannot be sent', async (t) => {
  const refusals: Array<{ options: unknown, message: RegExp }> = [
    { options: { authToken: TOKEN, path: '/studio', method: 'GET', json: {} }, message: /json sends a body, so it needs method POST/ },
    { options: { authToken: TOKEN, path: '/studio', json: {}, params: { a: 'b' } }, message: /json is the whole body; put its fields in json, not in params/ },
    { options: { authToken: TOKEN, path: '/voice/menu', method: 'PUT' }, message: /method must be POST or GET \(Twilio sends no other\), got "PUT"/ },
    { options: { authToken: TOKEN }, message: /path must start with a single "\/" and have no #fragment, got undefined/ },
    { options: { authToken: TOKEN, path: 'voice/menu' }, message: /path must start with a single "\/"/ },
    { options: { authToken: TOKEN, path: '//evil.example.com/voice' }, message: /path must start with a single "\/"/ },
    { options: { authToken: TOKEN, path: '/voice#menu' }, message: /have no #fragment/ }
  ]
  for (const { options, message } of refusals) {
    t.throws(() => signedRouteInject(options as SignedRouteOptions), { name: 'TypeError', message }, JSON.stringify(options))
  }
})

test('signedRouteInject: for any parameters and path, twilio agrees and the hook lets the request through', async (t) => {
  const { app } = await hostApp(t, { authToken: TOKEN, publicUrl: 'https://hooks.example.com/base' })
  const value = fc.string({ unit: 'grapheme', maxLength: 12 })
  await fc.assert(fc.asyncProperty(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'), value, { maxKeys: 5 }),
    fc.constantFrom('POST', 'GET'),
    fc.stringMatching(/^[a-zA-Z0-9 '+&=@:%]{0,10}$/),
    async (params, method, tenant) => {
      const path = `/voice/${method === 'GET' ? 'status' : 'menu'}?tenant=${tenant}`
      const options = signedRouteInject({ authToken: TOKEN, publicUrl: 'https://hooks.example.com/base', method, path, params })
      const signedParams = method === 'GET' ? {} : params
      if (!validateRequest(TOKEN, options.headers['x-twilio-signature'], `https://hooks.example.com/base${options.url}`, signedParams)) return false
      return (await app.inject(options)).statusCode === 200
    }
  ), { numRuns: 60 })
  t.pass('60 random requests verified by twilio and by the hook')
})
