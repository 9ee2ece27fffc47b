/**
 * twilioSignature(): a host's own Twilio routes (the incoming-call URL, a <Gather> action, a JSON
 * webhook) behind the plugin's verification, over real HTTP, with requests signed by the twilio
 * package.
 */
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import twilioStatus from '../../lib/index'
import type { TwilioSignatureOptions } from '../../types/index'
import { captureLogs, encodeForm, type LogLine, OLD_TOKEN, OTHER_TOKEN, type Params, send, type SignedRequest, TOKEN } from '../helpers/sign'

const { twilioSignature } = twilioStatus
const HOST = 'voice.example.com'
const TWIML_CT = /^text\/xml/

function twiml (say: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${say}</Say></Response>`
}

interface Host { app: FastifyInstance, port: number, ran: string[] }

/** A host app with formbody and its own Twilio routes behind the hook. */
async function host (t: tap.Test, options: TwilioSignatureOptions = { authToken: TOKEN }, withFormbody = true): Promise<Host> {
  const app = Fastify()
  t.teardown(() => app.close())
  const ran: string[] = []
  if (withFormbody) await app.register(formbody)
  const verify = twilioSignature(options)
  app.post('/voice/incoming', { preHandler: verify }, async (request, reply) => {
    ran.push('incoming')
    const body = request.body as Params
    return await reply.type('text/xml').send(twiml(`Hello ${body.From as string}`))
  })
  app.post('/voice/gather', { preHandler: verify }, async (request, reply) => {
    const { Digits } = request.body as { Digits: string }
    ran.push(`gather:${Digits}`)
    return await reply.type('text/xml').send(twiml(Digits === '1' ? 'Sales' : 'Support'))
  })
  app.get('/voice/status', { preHandler: verify }, async (request) => {
    ran.push(`get:${(request.query as Params).CallStatus as string}`)
    return 'ok'
  })
  app.post('/studio/json', { preParsing: verify.preParsing, preHandler: verify }, async (request) => {
    ran.push(`json:${(request.body as { step: string }).step}`)
    return { ok: true }
  })
  app.post('/studio/json-without-raw', { preHandler: verify }, async () => {
    ran.push('json-without-raw')
    return { ok: true }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, port: (app.server.address() as { port: number }).port, ran }
}

function form (path: string, params: Params, token = TOKEN, headers: Record<string, string> = {}): SignedRequest {
  return {
    method: 'POST',
    url: path,
    headers: {
      host: HOST,
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(token, `http://${HOST}${path}`, params),
      ...headers
    },
    payload: encodeForm(params)
  }
}

function json (path: string, body: string, token = TOKEN): SignedRequest {
  const target = `${path}?bodySHA256=${getExpectedBodyHash(body) as string}`
  return {
    method: 'POST',
    url: target,
    headers: { host: HOST, 'content-type': 'application/json', 'x-twilio-signature': getExpectedTwilioSignature(token, `http://${HOST}${target}`, {}) },
    payload: body
  }
}

const CALL = { CallSid: 'CA' + '1'.repeat(32), AccountSid: 'AC' + '2'.repeat(32), From: '+15550001111', To: '+15550002222', CallStatus: 'ringing' }

t.test('an incoming-call route behind the hook: a signed request gets its TwiML, a forged one reaches no handler', async (t) => {
  const { port, ran } = await host(t)
  const ok = await send(port, form('/voice/incoming', CALL))
  t.equal(ok.statusCode, 200)
  t.match(ok.headers['content-type'], TWIML_CT)
  t.equal(ok.body, twiml('Hello +15550001111'))
  const forged = form('/voice/incoming', CALL, OTHER_TOKEN)
  const res = await send(port, forged)
  t.equal(res.statusCode, 403)
  t.equal(JSON.parse(res.body).code, 'FST_TWILIO_INVALID_SIGNATURE')
  const tampered = { ...form('/voice/incoming', CALL), payload: encodeForm({ ...CALL, From: '+15559999999' }) }
  t.equal((await send(port, tampered)).statusCode, 403, 'a changed parameter')
  const unsigned = form('/voice/incoming', CALL)
  delete unsigned.headers['x-twilio-signature']
  t.equal(JSON.parse((await send(port, unsigned)).body).code, 'FST_TWILIO_MISSING_SIGNATURE')
  t.same(ran, ['incoming'], 'only the signed request ran the handler')
})

t.test('a Gather flow: two answers to the same call get two different replies (no idempotency on host routes)', async (t) => {
  const { port, ran } = await host(t)
  const first = await send(port, form('/voice/gather', { ...CALL, CallStatus: 'in-progress', Digits: '1' }))
  const second = await send(port, form('/voice/gather', { ...CALL, CallStatus: 'in-progress', Digits: '2' }))
  t.equal(first.body, twiml('Sales'))
  t.equal(second.body, twiml('Support'))
  t.same(ran, ['gather:1', 'gather:2'])
})

t.test('GET host routes sign the URL alone; rotation, publicUrl and trustProxy work as on the status routes', async (t) => {
  const { port, ran } = await host(t, { authToken: [TOKEN, OLD_TOKEN], publicUrl: 'https://public.example.com' })
  const target = `/voice/status?${encodeForm(CALL)}`
  const get: SignedRequest = { method: 'GET', url: target, headers: { host: 'internal:3000', 'x-twilio-signature': getExpectedTwilioSignature(OLD_TOKEN, `https://public.example.com${target}`, {}) } }
  t.equal((await send(port, get)).statusCode, 200, 'the old token of the rotation, over the public URL')
  const own = { ...get, headers: { ...get.headers, 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `http://internal:3000${target}`, {}) } }
  t.equal((await send(port, own)).statusCode, 403, 'the URL the app sees is not the one Twilio signed')
  t.same(ran, ['get:ringing'])
})

t.test('a JSON host route: the preParsing hook keeps the raw body for bodySHA256', async (t) => {
  const { port, ran } = await host(t)
  const body = '{"step":"greeting","AccountSid":"AC1"}'
  t.equal((await send(port, json('/studio/json', body))).statusCode, 200)
  const tampered = { ...json('/studio/json', body), payload: '{"step":"payment","AccountSid":"AC1"}' }
  const res = await send(port, tampered)
  t.equal(res.statusCode, 403)
  t.equal(JSON.parse(res.body).code, 'FST_TWILIO_BODY_HASH_MISMATCH')
  const withoutRaw = await send(port, json('/studio/json-without-raw', body))
  t.equal(withoutRaw.statusCode, 403, 'a JSON route without the preParsing hook is refused, never half-verified')
  t.equal(JSON.parse(withoutRaw.body).code, 'FST_TWILIO_RAW_BODY_MISSING')
  t.same(ran, ['json:greeting'])
})

t.test('a host without @fastify/formbody cannot read forms; the plugin\'s declared webhooks can', async (t) => {
  const { port, ran } = await host(t, { authToken: TOKEN }, false)
  t.equal((await send(port, form('/voice/incoming', CALL))).statusCode, 415, 'the host has no form parser')
  t.same(ran, [])

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, {
    authToken: TOKEN,
    webhooks: [{
      url: '/voice/gather',
      method: 'POST',
      handler: (request) => twiml(request.body.Digits === '1' ? 'Sales' : 'Support')
    }]
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const pluginPort = (app.server.address() as { port: number }).port
  const first = await send(pluginPort, form('/voice/gather', { ...CALL, Digits: '1' }))
  t.equal(first.body, twiml('Sales'))
  t.equal((await send(pluginPort, form('/voice/gather', { ...CALL, Digits: '2' }))).body, twiml('Support'))
  t.equal((await send(pluginPort, form('/voice/gather', { ...CALL, Digits: '1' }))).body, twiml('Sales'), 'the same answer again is answered again')
})

t.test('a SharedKey-signed request (HMAC-SHA256) to a host route; a lookup of tokens by AccountSid', async (t) => {
  const secret = 'sk_test_secret_0123456789abcdef'
  const keyId = 'webhooks_sharedkey_01jz0000000000000000000000'
  const { port, ran } = await host(t, { authToken: TOKEN, sharedKeys: { [keyId]: secret } })
  const url = `http://${HOST}/voice/incoming`
  const signed = form('/voice/incoming', CALL, TOKEN, { 'x-twilio-webhooks-signature-settings': `key=${keyId},algorithm=HMAC_SHA256` })
  signed.headers['x-twilio-signature'] = getExpectedTwilioSignature(secret, url, CALL, 'HMAC_SHA256')
  t.equal((await send(port, signed)).statusCode, 200)
  const sha1 = { ...signed, headers: { ...signed.headers, 'x-twilio-signature': getExpectedTwilioSignature(secret, url, CALL, 'HMAC_SHA1') } }
  t.equal((await send(port, sha1)).statusCode, 403, 'signed with SHA-1 while the header says SHA-256')
  t.same(ran, ['incoming'])

  const accounts: Record<string, string> = { [CALL.AccountSid]: OTHER_TOKEN }
  const multi = await host(t, { authToken: async (accountSid) => accounts[accountSid as string] })
  t.equal((await send(multi.port, form('/voice/incoming', CALL, OTHER_TOKEN))).statusCode, 200, 'the subaccount\'s token')
  const unknown = await send(multi.port, form('/voice/incoming', { ...CALL, AccountSid: 'AC' + '9'.repeat(32) }, OTHER_TOKEN))
  t.equal(JSON.parse(unknown.body).code, 'FST_TWILIO_UNKNOWN_ACCOUNT')
})

t.test('the preParsing hook leaves other bodies alone, and keeps nothing past the route\'s bodyLimit', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(formbody)
  const verify = twilioSignature({ authToken: TOKEN })
  app.post('/form', { preParsing: verify.preParsing, preHandler: verify }, async () => 'form ok')
  app.post('/small', { bodyLimit: 64, preParsing: verify.preParsing, preHandler: verify }, async () => 'never')
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  t.equal((await send(port, form('/form', CALL))).body, 'form ok', 'a form passes through the preParsing hook untouched')
  const big = json('/small', JSON.stringify({ ...CALL, Padding: 'x'.repeat(200) }))
  t.equal((await send(port, big)).statusCode, 413)
})

t.test('twilioSignature checks its options once', async (t) => {
  t.throws(() => twilioSignature(null as unknown as TwilioSignatureOptions), { code: 'FST_TWILIO_INVALID_OPTION' })
  t.throws(() => twilioSignature({ authToken: TOKEN, sms: {} } as unknown as TwilioSignatureOptions), { code: 'FST_TWILIO_INVALID_OPTION', message: /unknown option twilioSignature\.sms/ })
  t.throws(() => twilioSignature({} as TwilioSignatureOptions), { message: /option authToken must be/ })
})

/** A host app logging every level into memory, with `routes` added, on a loopback port. */
async function logged (t: tap.Test, routes: (app: FastifyInstance) => void | Promise<void>): Promise<{ port: number, lines: LogLine[] }> {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'trace', stream: logs.stream } })
  t.teardown(() => app.close())
  await routes(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: (app.server.address() as { port: number }).port, lines: logs.lines }
}

function codeOf (body: string): unknown {
  return (JSON.parse(body) as { code?: unknown }).code
}

function errorLines (lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= 50)
}

/** `request` with its X-Twilio-Signature replaced (`undefined`: removed). */
function withSignature (request: SignedRequest, signature: string | undefined): SignedRequest {
  const headers = { ...request.headers }
  if (signature === undefined) delete headers['x-twilio-signature']
  else headers['x-twilio-signature'] = signature
  return { ...request, headers }
}

/** A signature of the right shape that no token made. */
const WELL_FORMED = 'A'.repeat(27) + '='

t.test('an unsigned JSON {} to the README voice route (no preParsing) is 403 FST_TWILIO_MISSING_SIGNATURE, never a 500 or an error log', async (t) => {
  const ran: string[] = []
  const { port, lines } = await logged(t, async (app) => {
    await app.register(formbody)
    const verify = twilioSignature({ authToken: TOKEN })
    app.post('/voice/incoming', { preHandler: verify }, async () => { ran.push('incoming'); return 'never' })
  })
  const unsigned: SignedRequest = { method: 'POST', url: '/voice/incoming', headers: { host: HOST, 'content-type': 'application/json' }, payload: '{}' }
  const res = await send(port, unsigned)
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_SIGNATURE')
  const malformed = await send(port, withSignature(unsigned, 'not a signature'))
  t.equal(malformed.statusCode, 403)
  t.equal(codeOf(malformed.body), 'FST_TWILIO_MALFORMED_SIGNATURE')
  t.same(errorLines(lines), [], 'nothing logged at error')
  t.same(ran, [])
})

t.test('a well-formed signature on a body the hook did not keep is 403 FST_TWILIO_RAW_BODY_MISSING, with one warn per route naming preParsing', async (t) => {
  const ran: string[] = []
  const { port, lines } = await logged(t, async (app) => {
    await app.register(formbody)
    const verify = twilioSignature({ authToken: TOKEN })
    app.post('/studio/json', { preHandler: verify }, async () => { ran.push('json'); return 'never' })
    app.post('/voice/schema', { preHandler: verify, schema: { body: { type: 'object' } } }, async () => { ran.push('schema'); return 'never' })
  })
  const body = '{"step":"greeting"}'
  const genuine = json('/studio/json', body)
  for (let i = 0; i < 3; i++) {
    const res = await send(port, genuine)
    t.equal(res.statusCode, 403, 'even a genuine request: its body cannot be bound to the signature')
    t.equal(codeOf(res.body), 'FST_TWILIO_RAW_BODY_MISSING')
  }
  const forged = await send(port, withSignature(genuine, WELL_FORMED))
  t.equal(codeOf(forged.body), 'FST_TWILIO_RAW_BODY_MISSING', 'no HMAC is spent on a body that cannot be verified')
  const schemaForm = await send(port, form('/voice/schema', CALL))
  t.equal(schemaForm.statusCode, 403, 'a form behind a body schema: the schema may have changed request.body')
  t.equal(codeOf(schemaForm.body), 'FST_TWILIO_RAW_BODY_MISSING')
  const warns = lines.filter((line) => line.level === 40 && /preParsing/.test(line.msg))
  t.same(warns.map((line) => line.route), ['POST /studio/json', 'POST /voice/schema'], 'once per route')
  t.same(errorLines(lines), [])
  t.same(ran, [])
})

const COERCE = { type: 'object', properties: { SequenceNumber: { type: 'integer' } } }
const DEFAULTS = { type: 'object', properties: { Direction: { type: 'string', default: 'inbound' } } }
const STRIP = { type: 'object', properties: { CallSid: { type: 'string' } }, additionalProperties: false }

t.test('a host body schema changes nothing the hook verifies: coercion, defaults and removeAdditional', async (t) => {
  const seen: Record<string, unknown> = {}
  const { port, lines } = await logged(t, async (app) => {
    await app.register(formbody)
    const verify = twilioSignature({ authToken: TOKEN })
    for (const [path, schema] of [['/coerce', COERCE], ['/defaults', DEFAULTS], ['/strip', STRIP]] as const) {
      app.post(path, { preParsing: verify.preParsing, preHandler: verify, schema: { body: schema } }, async (request) => {
        seen[path] = { ...(request.body as object) }
        return 'ok'
      })
    }
  })
  const call = { ...CALL, SequenceNumber: '3' }
  for (const path of ['/coerce', '/defaults', '/strip']) {
    const ok = await send(port, form(path, call))
    t.equal(ok.statusCode, 200, `${path}: Twilio's own request verifies`)
    const forged = await send(port, form(path, call, OTHER_TOKEN))
    t.equal(forged.statusCode, 403, `${path}: signed with another token`)
    t.equal(codeOf(forged.body), 'FST_TWILIO_INVALID_SIGNATURE')
    const tampered = await send(port, { ...form(path, call), payload: encodeForm({ ...call, SequenceNumber: '4' }) })
    t.equal(codeOf(tampered.body), 'FST_TWILIO_INVALID_SIGNATURE', `${path}: a changed parameter`)
    t.notMatch(tampered.body, /iterable/)
  }
  t.equal((seen['/coerce'] as Params).SequenceNumber, 3, 'the handler gets the coerced body')
  t.equal((seen['/defaults'] as Params).Direction, 'inbound', 'and the default')
  t.same(seen['/strip'], { CallSid: CALL.CallSid }, 'and what removeAdditional left')
  // A forged request that names the defaulted parameter itself is refused too.
  const withDefault = { ...form('/defaults', call), payload: encodeForm({ ...call, Direction: 'inbound' }) }
  t.equal((await send(port, withDefault)).statusCode, 403)
  t.same(errorLines(lines), [])
})

t.test('a coercing schema without the preParsing hook: 403 FST_TWILIO_RAW_BODY_MISSING, never "number 3 is not iterable"', async (t) => {
  const { port, lines } = await logged(t, async (app) => {
    await app.register(formbody)
    app.post('/coerce', { preHandler: twilioSignature({ authToken: TOKEN }), schema: { body: COERCE } }, async () => 'never')
  })
  const res = await send(port, form('/coerce', { CallSid: 'CA1', SequenceNumber: '3' }))
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_RAW_BODY_MISSING')
  t.notMatch(res.body, /iterable/)
  t.same(errorLines(lines), [])
})

t.test('a host form parser whose values are not Twilio\'s text is refused 403, not verified against what it made', async (t) => {
  const { port } = await logged(t, (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      const text = body as string
      if (text === 'as-text') return done(null, text)
      if (text === 'as-null') return done(null, null)
      if (text.startsWith('list')) return done(null, { CallSid: ['CA1', 2] })
      done(null, { CallSid: 'CA1', SequenceNumber: 3 })
    })
    app.post('/voice', { preHandler: twilioSignature({ authToken: TOKEN }) }, async () => 'never')
  })
  for (const payload of ['CallSid=CA1&SequenceNumber=3', 'list', 'as-text', 'as-null']) {
    const signed = { ...form('/voice', { CallSid: 'CA1' }), payload }
    const res = await send(port, signed)
    t.equal(res.statusCode, 403, payload)
    t.equal(codeOf(res.body), 'FST_TWILIO_RAW_BODY_MISSING')
  }
})

t.test('a body Twilio never signs (text/plain, any other type) is refused 415, even under a signature that matches the URL', async (t) => {
  const ran: string[] = []
  const { port } = await logged(t, (app) => {
    const verify = twilioSignature({ authToken: TOKEN })
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
    app.post('/voice', { preParsing: verify.preParsing, preHandler: verify }, async () => { ran.push('voice'); return 'never' })
  })
  const url = `http://${HOST}/voice`
  for (const type of ['text/plain', undefined]) {
    const headers: Record<string, string> = { host: HOST, 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, url, {}) }
    if (type !== undefined) headers['content-type'] = type
    const res = await send(port, { method: 'POST', url: '/voice', headers, payload: 'CallSid=CA1' })
    t.equal(res.statusCode, 415, String(type))
    t.equal(codeOf(res.body), 'FST_TWILIO_UNSUPPORTED_BODY')
    const unsigned = await send(port, { method: 'POST', url: '/voice', headers: { ...headers, 'x-twilio-signature': '' }, payload: 'CallSid=CA1' })
    t.equal(codeOf(unsigned.body), 'FST_TWILIO_MALFORMED_SIGNATURE', 'the signature is refused first')
  }
  t.same(ran, [])
})

t.test('with the preParsing hook a form is read from its raw text, strictly: broken percent-encoding and too many parameters are 400', async (t) => {
  const { port, lines } = await logged(t, async (app) => {
    await app.register(formbody)
    const verify = twilioSignature({ authToken: TOKEN })
    app.post('/voice', { preParsing: verify.preParsing, preHandler: verify }, async (request) => (request.body as Params).Digits ?? 'none')
  })
  const repeated = { ...CALL, Digits: ['1', '2'] }
  t.equal((await send(port, form('/voice', repeated))).statusCode, 200, 'a repeated name signs every value')
  const broken = { ...form('/voice', CALL), payload: 'CallSid=%E0%A4' }
  const res = await send(port, broken)
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MALFORMED_BODY')
  const many: Params = {}
  for (let i = 0; i < 257; i++) many[`P${i}`] = 'x'
  const tooMany = await send(port, form('/voice', many))
  t.equal(tooMany.statusCode, 400)
  t.equal(codeOf(tooMany.body), 'FST_TWILIO_TOO_MANY_PARAMS')
  t.same(errorLines(lines), [])
})

const ACCOUNT_A = 'AC' + 'a'.repeat(32)
const ACCOUNT_B = 'AC' + 'b'.repeat(32)

t.test('a JSON hook route looks the token up by the body\'s AccountSid, the one its handler reads, not the query\'s; a body that names none, by the signed query\'s', async (t) => {
  const asked: unknown[] = []
  const tokens: Record<string, string> = { [ACCOUNT_A]: TOKEN, [ACCOUNT_B]: OTHER_TOKEN }
  const handled: unknown[] = []
  const { port } = await logged(t, (app) => {
    const verify = twilioSignature({ authToken: (accountSid) => { asked.push(accountSid); return tokens[accountSid as string] } })
    app.post('/studio/json', { preParsing: verify.preParsing, preHandler: verify }, async (request) => {
      handled.push((request.body as { AccountSid?: string }).AccountSid)
      return 'ok'
    })
  })
  /** Signed by `token`, the query naming `queryAccount`, the body `body`. */
  function signed (queryAccount: string, body: string, token: string): SignedRequest {
    const target = `/studio/json?AccountSid=${queryAccount}&bodySHA256=${getExpectedBodyHash(body) as string}`
    return {
      method: 'POST',
      url: target,
      headers: { host: HOST, 'content-type': 'application/json', 'x-twilio-signature': getExpectedTwilioSignature(token, `http://${HOST}${target}`, {}) },
      payload: body
    }
  }
  const mixed = await send(port, signed(ACCOUNT_A, JSON.stringify({ AccountSid: ACCOUNT_B }), TOKEN))
  t.equal(mixed.statusCode, 403, 'signed by A, the query naming A, the body naming B: not verified as A for B')
  t.equal(codeOf(mixed.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(asked, [ACCOUNT_B])
  t.same(handled, [])
  t.equal((await send(port, signed(ACCOUNT_A, JSON.stringify({ AccountSid: ACCOUNT_A }), TOKEN))).statusCode, 200, 'A for A')
  t.equal((await send(port, signed(ACCOUNT_A, JSON.stringify({ AccountSid: ACCOUNT_B }), OTHER_TOKEN))).statusCode, 200, 'B\'s own request, whatever its query says')
  t.same(handled, [ACCOUNT_A, ACCOUNT_B], 'each verified by the token of the account its handler read')
  asked.length = 0
  // An Event Streams sink on a host route: a batch names no account; its sink URL does.
  for (const body of ['[{"id":"EV1","type":"x","data":{}}]', '"AC"', '{}', '{"AccountSid":null}']) {
    t.equal((await send(port, signed(ACCOUNT_B, body, OTHER_TOKEN))).statusCode, 200, `${body}: B's, as its query says`)
    t.equal(codeOf((await send(port, signed(ACCOUNT_A, body, OTHER_TOKEN))).body), 'FST_TWILIO_INVALID_SIGNATURE', `${body}: B cannot sign for a query naming A`)
  }
  t.same(asked, Array(4).fill([ACCOUNT_B, ACCOUNT_A]).flat())
  asked.length = 0
  const repeated = signed(ACCOUNT_A, '[]', TOKEN)
  repeated.url += `&AccountSid=${ACCOUNT_B}`
  repeated.headers['x-twilio-signature'] = getExpectedTwilioSignature(TOKEN, `http://${HOST}${repeated.url}`, {})
  t.equal(codeOf((await send(port, repeated)).body), 'FST_TWILIO_UNKNOWN_ACCOUNT', 'a query naming two accounts names none')
  t.same(asked, [undefined])
})

t.test('a form hook route looks the token up by the form\'s AccountSid, else by the signed query\'s', async (t) => {
  const asked: unknown[] = []
  const tokens: Record<string, string> = { [ACCOUNT_A]: TOKEN, [ACCOUNT_B]: OTHER_TOKEN }
  const { port } = await logged(t, async (app) => {
    await app.register(formbody)
    const verify = twilioSignature({ authToken: (accountSid) => { asked.push(accountSid); return tokens[accountSid as string] } })
    app.post('/studio/form', { preParsing: verify.preParsing, preHandler: verify }, async () => 'ok')
  })
  const anonymous: Params = { ...CALL }
  delete anonymous.AccountSid
  const target = `/studio/form?AccountSid=${ACCOUNT_B}`
  t.equal((await send(port, form(target, anonymous, OTHER_TOKEN))).statusCode, 200, 'the query\'s, when the form names none')
  t.equal((await send(port, form(target, { ...anonymous, AccountSid: ACCOUNT_A }, TOKEN))).statusCode, 200, 'the form\'s first')
  t.same(asked, [ACCOUNT_B, ACCOUNT_A])
})

t.test('a lenient host JSON parser: a body that is not JSON names no account, and is not a 5xx', async (t) => {
  const asked: unknown[] = []
  const { port } = await logged(t, (app) => {
    const verify = twilioSignature({ authToken: (accountSid) => { asked.push(accountSid); return TOKEN } })
    app.addContentTypeParser('application/cloudevents+json', { parseAs: 'string' }, (_request, body, done) => { done(null, { text: body }) })
    app.post('/events', { preParsing: verify.preParsing, preHandler: verify }, async () => 'ok')
  })
  const body = 'not json'
  const request = { ...json('/events', body), headers: { ...json('/events', body).headers, 'content-type': 'application/cloudevents+json' } }
  t.equal((await send(port, request)).statusCode, 200, 'bodySHA256 binds the raw bytes')
  t.same(asked, [undefined])
})

t.test('a GET hook route looks the token up by its query\'s AccountSid, read from the raw request target', async (t) => {
  const asked: unknown[] = []
  const tokens: Record<string, string> = { [ACCOUNT_A]: TOKEN }
  const { port } = await logged(t, (app) => {
    const verify = twilioSignature({ authToken: (accountSid) => { asked.push(accountSid); return tokens[accountSid as string] } })
    app.get('/voice/status', { preParsing: verify.preParsing, preHandler: verify }, async () => 'ok')
  })
  function get (target: string): SignedRequest {
    return { method: 'GET', url: target, headers: { host: HOST, 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `http://${HOST}${target}`, {}) } }
  }
  t.equal((await send(port, get(`/voice/status?AccountSid=${ACCOUNT_A}&CallStatus=ringing`))).statusCode, 200)
  t.equal(codeOf((await send(port, get('/voice/status'))).body), 'FST_TWILIO_UNKNOWN_ACCOUNT', 'no query, no account')
  const broken = await send(port, get('/voice/status?AccountSid=%E0'))
  t.equal(codeOf(broken.body), 'FST_TWILIO_UNKNOWN_ACCOUNT', 'an AccountSid that cannot be decoded names no account')
  t.same(asked, [ACCOUNT_A, undefined, undefined])
})

t.test('an unsigned or malformed request to a hook route never reaches the token lookup', async (t) => {
  let asked = 0
  const { port, lines } = await logged(t, async (app) => {
    await app.register(formbody)
    const verify = twilioSignature({ authToken: () => { asked++; throw new Error('token store down') } })
    app.post('/voice', { preParsing: verify.preParsing, preHandler: verify }, async () => 'never')
    app.post('/studio', { preHandler: verify }, async () => 'never')
  })
  for (const path of ['/voice', '/studio']) {
    for (const signature of [undefined, '', 'x'.repeat(28), WELL_FORMED.slice(1), `${WELL_FORMED}, ${WELL_FORMED}`]) {
      for (const request of [form(path, CALL), json(path, '{}')]) {
        const res = await send(port, withSignature(request, signature))
        t.equal(res.statusCode, 403, `${path} ${String(signature)}`)
      }
    }
  }
  t.equal(asked, 0)
  t.same(errorLines(lines), [])
})
