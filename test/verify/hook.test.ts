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
import { encodeForm, OLD_TOKEN, OTHER_TOKEN, type Params, send, type SignedRequest, TOKEN } from '../helpers/sign'

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
  t.equal(withoutRaw.statusCode, 500, 'a JSON route without the preParsing hook is refused, never half-verified')
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
