/**
 * The plugin over real HTTP on 127.0.0.1, with node:http requests, so that the request target
 * reaches the server byte for byte (inject would re-encode `'` as `%27`, §6 #2).
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import type { FastifyServerOptions } from 'fastify'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { build, codeOf, EMPTY_TWIML, recorder } from './helpers/app'
import {
  CALL_PATH, callParams, encodeForm, formPost, jsonPost, type Params, send, sign, SMS_PATH, smsParams, TOKEN,
  type SignedRequest
} from './helpers/sign'

type Options = Omit<FastifyTwilioStatusOptions, 'sms' | 'call'>

async function listen (t: { teardown (fn: () => unknown): void }, options: Options = { authToken: TOKEN }, server: FastifyServerOptions = {}) {
  const rec = recorder()
  const app = await build(t, {
    ...options,
    sms: { onDelivered: rec.record('onDelivered'), onReceived: rec.record('onReceived'), onAny: rec.record('sms.onAny') },
    call: { onCompleted: rec.record('onCompleted'), onAny: rec.record('call.onAny') }
  } as FastifyTwilioStatusOptions, server)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return { app, port, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, ...rec }
}

/** A GET whose raw target is exactly `target`, signed over `signedUrl`. */
function rawGet (host: string, target: string, signedUrl: string): SignedRequest {
  return { method: 'GET', url: target, headers: { host, 'x-twilio-signature': sign(signedUrl) } }
}

t.test('GET: the raw request target is what is signed, apostrophe and plus included (twilio-node#1183)', async (t) => {
  const { port, host, origin, calls } = await listen(t)
  const target = `${SMS_PATH}?MessageSid=SM0000000000000000000000000000a001&MessageStatus=delivered&name=William+O'hara`
  const res = await send(port, rawGet(host, target, origin + target))
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/xml/)
  t.match(res.body, EMPTY_TWIML)
  t.equal(calls[0]?.event.name, 'William O\'hara', 'decoded for the callback')
  t.equal(calls[0]?.request.raw.url, target, 'the server saw the bytes as sent')

  // Twilio's signer and HTTP client do not escape `'` alike (docs/twilio-facts.md §1.10): a
  // signature over the `new URL()` spelling (%27) verifies too, as in twilio-node.
  const normalized = new URL(origin + target).href
  t.not(normalized, origin + target, 'new URL() re-encodes the apostrophe')
  t.equal((await send(port, rawGet(host, target, normalized))).statusCode, 200, 'the %27 spelling of the apostrophe')
  // No other re-encoding: `+` written as %20 is another URL.
  const reencoded = await send(port, rawGet(host, target, (origin + target).replace('William+', 'William%20')))
  t.equal(reencoded.statusCode, 403)
  t.equal(codeOf(reencoded.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.equal(calls.length, 2, 'onDelivered and onAny, once: the second request is a duplicate')
})

t.test('GET: %20, +, @, : and encoded UTF-8 in the query stay as sent', async (t) => {
  const { port, host, origin, calls } = await listen(t)
  const target = `${CALL_PATH}?CallSid=CA0000000000000000000000000000a002&CallStatus=completed` +
    '&To=sip:alice@example.com:5060&Tenant=a%20b&Plus=1+2&Encoded=%2B1&Body=h%C3%A9llo%20%F0%9F%91%8B'
  const res = await send(port, rawGet(host, target, origin + target))
  t.equal(res.statusCode, 200)
  const event = calls[0]?.event
  t.equal(event?.To, 'sip:alice@example.com:5060')
  t.equal(event?.Tenant, 'a b')
  t.equal(event?.Plus, '1 2')
  t.equal(event?.Encoded, '+1')
  t.equal(event?.Body, 'héllo 👋')

  // The same parameters written the other way (%20 for +) are another URL, another signature.
  const other = target.replace('Plus=1+2', 'Plus=1%202')
  const bad = await send(port, rawGet(host, other, origin + target))
  t.equal(bad.statusCode, 403)
})

t.test('POST: a query on the URL plus sorted form parameters', async (t) => {
  const { port, host, origin, calls } = await listen(t)
  const target = `${SMS_PATH}?tenant=a%20b&who=O'hara&plus=1+2`
  const params = smsParams('received', { Body: 'héllo 👋 мир', NumMedia: '0', Empty: '' })
  const request = formPost(params, { target, signedUrl: origin + target, host })
  const res = await send(port, request)
  t.equal(res.statusCode, 200)
  t.same({ ...calls[0]?.event }, params, 'query parameters are not mixed into the event of a POST')
  t.equal(calls[0]?.event.Body, 'héllo 👋 мир')

  const tampered = await send(port, { ...request, payload: encodeForm({ ...params, Body: 'hello' }) })
  t.equal(tampered.statusCode, 403)
  t.equal(codeOf(tampered.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.equal(calls.length, 2)
})

t.test('the port in Host: signed with it or without it; not with another', async (t) => {
  const { port, host, origin } = await listen(t)
  t.equal((await send(port, formPost(smsParams('delivered'), { host, signedUrl: origin + SMS_PATH }))).statusCode, 200, 'with the port')
  t.equal((await send(port, formPost(smsParams('delivered'), { host, signedUrl: `http://127.0.0.1${SMS_PATH}` }))).statusCode, 200, 'without the port')
  const other = await send(port, formPost(smsParams('delivered'), { host, signedUrl: `http://127.0.0.1:80${SMS_PATH}` }))
  t.equal(other.statusCode, 403, 'the default port when another one was received')
})

t.test('JSON over HTTP: bodySHA256 checked against the raw bytes', async (t) => {
  const { port, host, origin, calls } = await listen(t)
  const body = JSON.stringify(callParams('completed', { Note: 'héllo 👋' }), null, 2)
  const request = jsonPost(body, { host, signedUrl: undefined })
  request.headers['x-twilio-signature'] = sign(origin + request.url)
  t.equal((await send(port, request)).statusCode, 200)
  t.equal(calls[0]?.event.Note, 'héllo 👋')

  const tampered = await send(port, { ...request, payload: JSON.stringify(JSON.parse(body)) })
  t.equal(tampered.statusCode, 403, 'same JSON, other bytes')
  t.equal(codeOf(tampered.body), 'FST_TWILIO_BODY_HASH_MISMATCH')
  t.equal(calls.length, 2)
})

t.test('publicUrl over HTTP', async (t) => {
  const { port, host, calls } = await listen(t, { authToken: TOKEN, publicUrl: 'https://hooks.example.com/base' })
  const ok = await send(port, formPost(smsParams('delivered'), { host, signedUrl: `https://hooks.example.com/base${SMS_PATH}` }))
  t.equal(ok.statusCode, 200)
  const own = await send(port, formPost(smsParams('delivered'), { host, signedUrl: `http://${host}${SMS_PATH}` }))
  t.equal(own.statusCode, 403)
  t.equal(calls.length, 2)
})

t.test('trustProxy over HTTP', async (t) => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }
  const signedUrl = `https://hooks.example.com${SMS_PATH}`

  t.test('trusted', async (t) => {
    const { port, host } = await listen(t, { authToken: TOKEN }, { trustProxy: '127.0.0.1' })
    const request = formPost(smsParams('delivered'), { host, signedUrl })
    Object.assign(request.headers, forwarded)
    t.equal((await send(port, request)).statusCode, 200)
  })

  t.test('not trusted', async (t) => {
    const { port, host } = await listen(t)
    const request = formPost(smsParams('delivered'), { host, signedUrl })
    Object.assign(request.headers, forwarded)
    const res = await send(port, request)
    t.equal(res.statusCode, 403)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
  })
})

t.test('rejections over HTTP: 403 with a code, 413, 415, 400; no callback', async (t) => {
  const { port, host, origin, calls } = await listen(t, { authToken: TOKEN, bodyLimit: 2048 })
  const valid = formPost(smsParams('delivered'), { host, signedUrl: origin + SMS_PATH })
  const unsigned = { ...valid, headers: { host, 'content-type': 'application/x-www-form-urlencoded' } }

  let res = await send(port, unsigned)
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_MISSING_SIGNATURE')

  const big: Params = smsParams('delivered', { Body: 'x'.repeat(4096) })
  res = await send(port, formPost(big, { host, signedUrl: origin + SMS_PATH }))
  t.equal(res.statusCode, 413)

  res = await send(port, { ...valid, headers: { ...valid.headers, 'content-type': 'text/plain' } })
  t.equal(res.statusCode, 415)

  const broken = `${SMS_PATH}?MessageStatus=delivered&Body=%E0%A4%A`
  res = await send(port, rawGet(host, broken, origin + broken))
  t.equal(res.statusCode, 400)
  t.equal(codeOf(res.body), 'FST_TWILIO_MALFORMED_BODY')

  t.equal(calls.length, 0)
  t.equal((await send(port, valid)).statusCode, 200, 'and the server is still healthy')
})
