/**
 * Hostile and broken input through the plugin, over real HTTP (the request target goes on the
 * wire byte for byte). First property-based: for generated parameter sets and odd query strings
 * the plugin's verdict agrees with the twilio package's `validateRequest`. Then one broken
 * request per kind: each gets a coded 4xx, runs no callback, and the server answers the next
 * valid request.
 */
import { strict as assert } from 'node:assert'
import { stringify as legacyStringify, parse as legacyParse } from 'node:querystring'
import fc from 'fast-check'
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { validateRequest } from 'twilio/lib/webhooks/webhooks'
import twilioStatus from '../lib/index'
import { isSingleValued } from '../lib/families/index'
import { candidateUrls, respelledUrls } from '../lib/verify/signature'
import type { FastifyTwilioStatusOptions } from '../types/index'
import {
  CALL_PATH, callParams, encodeForm, formPost, getRequest, jsonPost, OTHER_TOKEN, type Params, type RawResponse, send,
  sign, type SignedRequest, SMS_PATH, smsParams, TOKEN
} from './helpers/sign'

/** The parameters the plugin reads itself: generated sets leave them out (they are added). */
const READ = new Set(['MessageStatus', 'MessageSid'])

interface Server {
  readonly port: number
  /** Callback calls since the last `take()`. */
  take (): Array<{ name: string, event: Record<string, unknown> }>
}

/** The plugin on a real loopback port, every callback recorded. */
async function listen (t: tap.Test, options: Partial<FastifyTwilioStatusOptions> = {}): Promise<Server> {
  let calls: Array<{ name: string, event: Record<string, unknown> }> = []
  const record = (name: string) => (event: Record<string, unknown>) => { calls.push({ name, event }) }
  const app: FastifyInstance = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, {
    authToken: TOKEN,
    sms: { onAny: record('sms'), onStale: record('sms:stale') },
    call: { onAny: record('call') },
    ...options
  } as FastifyTwilioStatusOptions)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return {
    port,
    take () {
      const taken = calls
      calls = []
      return taken
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Agreement with twilio's validateRequest
// ---------------------------------------------------------------------------------------------

/** Printable ASCII: what an HTTP client puts on the request line unescaped (0x21–0x7e). */
const QUERY_CHARS = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i))
const ODD_QUERY_PIECES = ['a=1', 'a=1', 'b=', '=', '&', '&&', '%', '%2', '%zz', '%27', '%C3%A9', '%FF', "'", 'O\'hara', '+', 'a+b',
  '"', '<x>', '`', '{|}', '^', '\\', '#frag', '?', '/', 'bodySHA256=', ';', '[]', '__proto__=1', 'constructor[prototype]=1']

const queryArb = fc.option(fc.oneof(
  fc.string({ unit: fc.constantFrom(...QUERY_CHARS), maxLength: 24 }),
  fc.array(fc.constantFrom(...ODD_QUERY_PIECES), { maxLength: 6 }).map((pieces) => pieces.join(''))
), { nil: undefined })

/** Names that differ by case or by a prefix, the ones prototype lookups would trip on, and any text. */
const nameArb = fc.oneof(
  fc.constantFrom('Body', 'body', 'BODY', 'Bod', 'BodyX', 'To', 'to', 'ToCountry', 'SmsStatus', 'SmsSid', 'smsstatus', 'messagestatus',
    'MessageStatusX', 'MessageSidX', 'Message', 'ApiVersion', 'AccountSid', '__proto__', 'constructor', 'prototype', 'toString',
    'hasOwnProperty', 'a', 'A', 'a[]', 'a[b]', ''),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 })
).filter((name) => !READ.has(name))

const valueArb = fc.oneof(
  fc.constantFrom('', ' ', '+', '%', '%2B', '&', '=', '==', "O'hara", 'héllo 👋 мир', '\u0000', '\r\n', ' padded '),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 })
)

/**
 * Parameters as Twilio sends them: a name with several values is repeated (duplicates included),
 * except the fields Twilio documents as single-valued (a repeat of those is refused, see below).
 */
const paramsArb = fc.uniqueArray(
  fc.tuple(nameArb, fc.oneof(valueArb, fc.array(valueArb, { minLength: 2, maxLength: 3 }))),
  { selector: ([name]) => name, maxLength: 8 }
).map((entries) => {
  const params: Params = Object.create(null)
  for (const [name, value] of entries) params[name] = Array.isArray(value) && isSingleValued('sms', name) ? value[0] : value
  params.MessageStatus = 'delivered'
  params.MessageSid = 'SM' + '0'.repeat(32)
  return params
})

/** Mostly requests that should pass, so both verdicts are well exercised. */
function mostly<T> (usual: readonly T[], all: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constantFrom(...usual), weight: 3 }, { arbitrary: fc.constantFrom(...all), weight: 2 })
}

/** Which URL the signature is computed over. */
const VARIANTS = ['received', 'without-port', 'default-port', 'other-port', 'https', 'other-path', 'normalised', 'legacy'] as const
type Variant = typeof VARIANTS[number]
/** How the signature or the request is broken (or not). */
const MUTATIONS = ['none', 'flip', 'other-token', 'drop-param', 'change-value', 'add-param', 'truncate', 'empty',
  'missing', 'not-base64', 'two-headers'] as const
type Mutation = typeof MUTATIONS[number]

function withoutPort (url: string): string {
  return url.replace(/^(http:\/\/127\.0\.0\.1):\d+/, '$1')
}

function signingUrl (received: string, variant: Variant): string {
  switch (variant) {
    case 'received': return received
    case 'without-port': return withoutPort(received)
    case 'default-port': return withoutPort(received).replace('127.0.0.1', '127.0.0.1:80')
    case 'other-port': return withoutPort(received).replace('127.0.0.1', '127.0.0.1:1')
    case 'https': return received.replace('http:', 'https:')
    case 'other-path': return received.replace('/status', '/Status')
    case 'normalised': return withoutPort(new URL(received).toString())
    case 'legacy': {
      const normalised = withoutPort(new URL(received).toString())
      const query = normalised.indexOf('?')
      return query === -1 ? normalised : normalised.slice(0, query + 1) + legacyStringify(legacyParse(normalised.slice(query + 1)))
    }
  }
}

/** Group `[name, value]` pairs as the plugin parses them: one string, or every value in order. */
function grouped (pairs: Array<[string, string]>): Params {
  const params: Params = Object.create(null)
  for (const [name, value] of pairs) {
    const prev = params[name]
    params[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return params
}

function flipOneCharacter (signature: string, at: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const i = at % 27 // the 28th character is `=` padding
  const next = alphabet[(alphabet.indexOf(signature[i]) + 1) % 64]
  return signature.slice(0, i) + next + signature.slice(i + 1)
}

interface Case {
  /** What goes on the wire. */
  request: SignedRequest & { headers: Record<string, string | string[]> }
  /** The twilio package's verdict on the URL as received and the parameters sent. */
  twilio: boolean
  /** Whether only twilio's normalised-URL candidates accept it (see `buildCase`). */
  deliberate: boolean
  /** The parameters as sent, grouped as the plugin parses them. */
  sent: Params
}

/**
 * Build a POST whose form parameters are `params` (pairs in `order`), signed over the chosen URL
 * variant and then broken by `mutation`. The oracle is twilio's validateRequest over the URL
 * exactly as the server received it.
 *
 * Deliberate difference: twilio also accepts a signature over the `new URL()`-normalised URL
 * and its legacy-querystring re-encoding (its candidates 3 to 6). The plugin accepts the URL as
 * received, with or without the port, and respells only `'`, `%27`, `%3A`, `%40` and the host's
 * case (docs/twilio-facts.md §1.10): Twilio signs the URL it requested, byte for byte (§1.1, §6),
 * and each extra candidate is another HMAC for every forged request. So when the signature is
 * valid only for another normalised variant, twilio says yes and the plugin no.
 */
function buildCase (port: number, params: Params, order: number[], query: string | undefined, variant: Variant, mutation: Mutation, at: number): Case {
  const target = query === undefined ? SMS_PATH : `${SMS_PATH}?${query}`
  const received = `http://127.0.0.1:${port}${target}`
  const url = signingUrl(received, variant)
  const pairs: Array<[string, string]> = []
  for (const name of Object.keys(params)) {
    const value = params[name]
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, v])
  }
  const sent = order.map((i) => pairs[i])
  const sentParams = grouped(sent)
  let signedParams: Params = sentParams
  if (mutation === 'drop-param') signedParams = grouped(sent.filter(([name]) => name !== 'MessageSid'))
  if (mutation === 'change-value') signedParams = grouped(sent.map(([name, value]) => [name, name === 'MessageStatus' ? 'sent' : value]))
  if (mutation === 'add-param') signedParams = grouped([...sent, ['Extra', 'x']])
  const token = mutation === 'other-token' ? OTHER_TOKEN : TOKEN
  const good = sign(url, signedParams, token)
  const header: string | string[] | undefined = {
    none: good,
    'other-token': good,
    'drop-param': good,
    'change-value': good,
    'add-param': good,
    flip: flipOneCharacter(good, at),
    truncate: good.slice(0, 27),
    empty: '',
    missing: undefined,
    'not-base64': '!'.repeat(28),
    'two-headers': [good, good]
  }[mutation]
  const form = new URLSearchParams()
  for (const [name, value] of sent) form.append(name, value)
  const headers: Record<string, string | string[]> = { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' }
  if (header !== undefined) headers['x-twilio-signature'] = header
  // Node joins a repeated unknown header with ", ": that is the value twilio would be given.
  const twilioHeader = Array.isArray(header) ? header.join(', ') : header
  const twilio = validateRequest(TOKEN, twilioHeader as string, received, sentParams)
  const ours = [received, ...respelledUrls(received)].flatMap(candidateUrls).includes(url)
  const deliberate = twilio && !ours
  return { request: { method: 'POST', url: target, headers: headers as Record<string, string>, payload: form.toString() }, twilio, deliberate, sent: sentParams }
}

t.test('form POST: the verdict agrees with twilio\'s validateRequest', async (t) => {
  const server = await listen(t, { idempotency: false })
  const seen = { accepted: 0, rejected: 0, deliberate: 0, runs: 0 }
  const arb = paramsArb.chain((params) => {
    const count = Object.values(params).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 1), 0)
    const indexes = Array.from({ length: count }, (_, i) => i)
    return fc.record({
      params: fc.constant(params),
      order: fc.shuffledSubarray(indexes, { minLength: count, maxLength: count }),
      query: queryArb,
      variant: mostly<Variant>(['received', 'without-port'], VARIANTS),
      mutation: mostly<Mutation>(['none'], MUTATIONS),
      at: fc.nat(1000)
    })
  })
  await fc.assert(fc.asyncProperty(arb, async ({ params, order, query, variant, mutation, at }) => {
    seen.runs++
    const c = buildCase(server.port, params, order, query, variant, mutation, at)
    const res = await send(server.port, c.request)
    const calls = server.take()
    const expected = c.twilio && !c.deliberate ? 200 : 403
    assert.equal(res.statusCode, expected, `twilio ${c.twilio}, deliberate ${c.deliberate}: ${res.body}`)
    if (res.statusCode === 200) {
      seen.accepted++
      // The callback sees every parameter as sent: names verbatim, repeated ones in order.
      assert.equal(calls.length, 1)
      assert.deepEqual({ ...calls[0].event }, { ...c.sent })
    } else {
      seen.rejected++
      assert.equal(calls.length, 0)
      assert.match(JSON.parse(res.body).code, /^FST_TWILIO_(MISSING|MALFORMED|INVALID)_SIGNATURE$/)
    }
    if (c.deliberate) seen.deliberate++
  }), { numRuns: 300 })
  t.equal(seen.runs, 300)
  t.ok(seen.accepted > 30, `accepted ${seen.accepted}`)
  t.ok(seen.rejected > 30, `rejected ${seen.rejected}`)
  t.comment(`accepted ${seen.accepted}, rejected ${seen.rejected}, of which twilio-only (normalised URL) ${seen.deliberate}`)
})

t.test('GET: the URL alone is signed; the verdict agrees with twilio\'s validateRequest', async (t) => {
  const server = await listen(t, { idempotency: false })
  const seen = { accepted: 0, rejected: 0 }
  const arb = fc.record({
    params: paramsArb,
    variant: mostly<Variant>(['received', 'without-port'], ['default-port', 'other-port', 'https', 'other-path']),
    mutation: mostly<Mutation>(['none'], ['flip', 'other-token', 'truncate', 'missing']),
    at: fc.nat(1000)
  })
  await fc.assert(fc.asyncProperty(arb, async ({ params, variant, mutation, at }) => {
    const target = `${SMS_PATH}?${encodeForm(params)}`
    const received = `http://127.0.0.1:${server.port}${target}`
    const good = sign(signingUrl(received, variant), {}, mutation === 'other-token' ? OTHER_TOKEN : TOKEN)
    const header = mutation === 'flip' ? flipOneCharacter(good, at) : mutation === 'truncate' ? good.slice(1) : good
    const headers: Record<string, string> = { host: `127.0.0.1:${server.port}` }
    if (mutation !== 'missing') headers['x-twilio-signature'] = header
    const twilio = validateRequest(TOKEN, mutation === 'missing' ? '' : header, received, {})
    const res = await send(server.port, { method: 'GET', url: target, headers })
    const calls = server.take()
    assert.equal(res.statusCode, twilio ? 200 : 403, res.body)
    assert.equal(calls.length, twilio ? 1 : 0)
    if (twilio) seen.accepted++
    else seen.rejected++
  }), { numRuns: 150 })
  t.ok(seen.accepted > 20, `accepted ${seen.accepted}`)
  t.ok(seen.rejected > 20, `rejected ${seen.rejected}`)
})

t.test('the deliberate difference, by example: the new URL() form verifies, its querystring re-encoding does not', async (t) => {
  // docs/twilio-facts.md N1: Twilio signs `?name=William+O'hara` as sent; `new URL()` writes `%27`
  // (a respelling the plugin tries, §1.10), querystring then writes `+` as `%20` (which it does not).
  const server = await listen(t)
  const target = `${SMS_PATH}?name=William+O'hara`
  const received = `http://127.0.0.1:${server.port}${target}`
  const normalised = new URL(received).toString()
  t.not(normalised, received)
  const legacy = signingUrl(received, 'legacy')
  t.equal(legacy, `http://127.0.0.1${SMS_PATH}?name=William%20O'hara`)
  const params = smsParams('delivered')
  for (const [url, plugin] of [[received, 200], [normalised, 200], [legacy, 403]] as const) {
    const request = formPost(params, { target, signedUrl: url, host: `127.0.0.1:${server.port}` })
    t.equal(validateRequest(TOKEN, request.headers['x-twilio-signature'], received, params), true, `twilio accepts ${url}`)
    const res = await send(server.port, request)
    t.equal(res.statusCode, plugin, `the plugin answers ${plugin} for ${url}`)
  }
  t.equal(server.take().length, 1)
})

// ---------------------------------------------------------------------------------------------
// Broken and hostile requests: a coded 4xx, no callback, and the server carries on
// ---------------------------------------------------------------------------------------------

/** Send a broken request, check its coded 4xx and that nothing ran, then a valid one. */
async function rejectsThenRecovers (t: tap.Test, server: Server, request: SignedRequest, status: number, code: string): Promise<RawResponse> {
  const res = await send(server.port, request)
  t.equal(res.statusCode, status, `${code}: status`)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = JSON.parse(res.body) as { code?: unknown, statusCode?: unknown }
  t.equal(body.code, code)
  t.equal(body.statusCode, status)
  t.same(server.take(), [], 'no callback ran')
  const valid = await send(server.port, formPost(smsParams('delivered')))
  t.equal(valid.statusCode, 200, 'the next valid request is answered')
  t.equal(server.take().length, 1)
  return res
}

/** A valid signed form POST whose raw body is then replaced (signed over the given params). */
function withBody (payload: string, signedParams: Params = {}): SignedRequest {
  const request = formPost(signedParams)
  request.payload = payload
  return request
}

t.test('malformed percent-encoding: 400 FST_TWILIO_MALFORMED_BODY', async (t) => {
  const server = await listen(t)
  for (const body of ['MessageStatus=%', 'MessageStatus=%zz', 'MessageStatus=delivered&Body=%E0%A4%A', 'MessageStatus=delivered&Body=%FF',
    '%=x&MessageStatus=delivered', 'MessageStatus=delivered&Body=100%', 'MessageStatus=%D8%00']) {
    await rejectsThenRecovers(t, server, withBody(body), 400, 'FST_TWILIO_MALFORMED_BODY')
  }
  // A GET's parameters are in the query.
  const get = getRequest(smsParams('delivered'))
  get.url += '&Body=%zz'
  await rejectsThenRecovers(t, server, get, 400, 'FST_TWILIO_MALFORMED_BODY')
})

t.test('a body over bodyLimit: 413', async (t) => {
  const server = await listen(t, { bodyLimit: 1024 })
  const params = smsParams('delivered')
  const fill = (size: number): Params => ({ ...params, Body: 'x'.repeat(size - encodeForm({ ...params, Body: '' }).length) })
  const atLimit = formPost(fill(1024))
  t.equal(Buffer.byteLength(atLimit.payload as string), 1024)
  t.equal((await send(server.port, atLimit)).statusCode, 200, 'exactly at the limit is accepted')
  t.equal(server.take().length, 1)
  const over = formPost(fill(1025))
  t.equal(Buffer.byteLength(over.payload as string), 1025)
  await rejectsThenRecovers(t, server, over, 413, 'FST_ERR_CTP_BODY_TOO_LARGE')
  const huge = formPost({ ...params, Body: 'x'.repeat(1024 * 1024) })
  await rejectsThenRecovers(t, server, huge, 413, 'FST_ERR_CTP_BODY_TOO_LARGE')
})

t.test('an unsupported content type: 415', async (t) => {
  const server = await listen(t)
  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencodedx', 'text/html']) {
    const request = formPost(smsParams('delivered'))
    request.headers['content-type'] = type
    await rejectsThenRecovers(t, server, request, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  }
})

t.test('__proto__, constructor and prototype keys are plain names: no prototype pollution', async (t) => {
  const server = await listen(t, { ordering: true })
  const before = Object.getOwnPropertyNames(Object.prototype).sort()
  // JSON.parse makes `__proto__` an own key, as the form parser must.
  const params: Params = JSON.parse(JSON.stringify({ ...smsParams('delivered') })
    .replace(/^\{/, '{"__proto__":"x","constructor":"y","prototype":"z","__proto__[polluted]":"1","constructor[prototype][polluted]":"1",'))
  t.ok(Object.hasOwn(params, '__proto__'))
  const res = await send(server.port, formPost(params))
  t.equal(res.statusCode, 200)
  const [call] = server.take()
  t.equal(Object.getOwnPropertyDescriptor(call.event, '__proto__')?.value, 'x', 'an own value')
  t.equal(call.event.constructor, 'y')
  t.equal(call.event.prototype, 'z')
  t.equal(call.event['__proto__[polluted]'], '1')
  t.equal(Object.getPrototypeOf(Object.getPrototypeOf(call.event)), null, 'no Object.prototype in the chain')
  t.same(Object.getOwnPropertyNames(Object.prototype).sort(), before, 'Object.prototype unchanged')
  t.equal(({} as Record<string, unknown>).polluted, undefined)

  // JSON: rejected by the parser before anything else.
  const json = jsonPost('{"CallStatus":"completed","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')
  await rejectsThenRecovers(t, server, json, 400, 'FST_ERR_CTP_INVALID_JSON_BODY')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

t.test('a status named like an Object.prototype member is an unknown status, and breaks no ordering', async (t) => {
  const server = await listen(t, { ordering: true })
  const delivered = smsParams('delivered')
  const as = (status: string): Params => ({ ...delivered, MessageStatus: status, SmsStatus: status })
  for (const params of [delivered, as('constructor'), as('__proto__'), as('toString'), as('sent')]) {
    t.equal((await send(server.port, formPost(params))).statusCode, 200)
  }
  t.same(server.take().map((c) => c.name), ['sms', 'sms', 'sms', 'sms', 'sms:stale', 'sms'], 'sent after delivered is still stale')
})

t.test('oversized and non-base64 signature headers: 403 FST_TWILIO_MALFORMED_SIGNATURE', async (t) => {
  const server = await listen(t)
  const valid = formPost(smsParams('delivered'))
  const good = valid.headers['x-twilio-signature']
  const headers = [
    'A'.repeat(10 * 1024),
    good.repeat(366),
    '!'.repeat(28),
    `${good.slice(0, 27)}*`,
    `${good.slice(0, 26)}==`,
    ` ${good.slice(1)}`,
    `${good}=`,
    good.slice(0, 27),
    Buffer.from(good, 'base64').toString('hex').slice(0, 28),
    good.replace(/=$/, '.'),
    'ÿ'.repeat(28)
  ]
  for (const header of headers) {
    const request = formPost(smsParams('delivered'))
    request.headers['x-twilio-signature'] = header
    await rejectsThenRecovers(t, server, request, 403, 'FST_TWILIO_MALFORMED_SIGNATURE')
  }
  // Sent twice, Node joins the values with ", ".
  const once = formPost(smsParams('delivered'))
  const signature = once.headers['x-twilio-signature']
  const twice = { ...once, headers: { ...once.headers, 'x-twilio-signature': [signature, signature] } }
  await rejectsThenRecovers(t, server, twice as unknown as SignedRequest, 403, 'FST_TWILIO_MALFORMED_SIGNATURE')
})

t.test('a status or Sid given twice: 400 FST_TWILIO_INVALID_PARAM', async (t) => {
  const server = await listen(t)
  const params = smsParams('delivered')
  for (const broken of [
    { ...params, MessageStatus: ['delivered', 'delivered'] },
    { ...params, MessageStatus: ['sent', 'delivered'] },
    { ...params, MessageSid: [params.MessageSid as string, 'SM2'] }
  ]) {
    await rejectsThenRecovers(t, server, formPost(broken), 400, 'FST_TWILIO_INVALID_PARAM')
  }
  const legacy: Params = { ...params, SmsStatus: ['sent', 'delivered'] }
  delete legacy.MessageStatus
  await rejectsThenRecovers(t, server, formPost(legacy), 400, 'FST_TWILIO_INVALID_PARAM')
  const call = callParams('completed', { CallStatus: ['completed', 'busy'] })
  await rejectsThenRecovers(t, server, formPost(call, { target: CALL_PATH }), 400, 'FST_TWILIO_INVALID_PARAM')
})

t.test('a JSON status that is a list or an object: 400 FST_TWILIO_INVALID_PARAM; null is no status', async (t) => {
  const server = await listen(t)
  for (const status of ['["completed"]', '[]', '{"toString":"completed"}']) {
    await rejectsThenRecovers(t, server, jsonPost(`{"CallSid":"CA1","CallStatus":${status}}`), 400, 'FST_TWILIO_INVALID_PARAM')
  }
  await rejectsThenRecovers(t, server, jsonPost('{"CallSid":"CA1","CallStatus":null}'), 400, 'FST_TWILIO_MISSING_STATUS')
  for (const status of ['5', 'true']) {
    t.equal((await send(server.port, jsonPost(`{"CallSid":"CA1","CallStatus":${status}}`))).statusCode, 200, `${status} is read as its text: an unknown status`)
    t.same(server.take().map((c) => c.name), ['call'])
  }
  await rejectsThenRecovers(t, server, jsonPost('{"CallSid":"CA1","CallStatus":'), 400, 'FST_ERR_CTP_INVALID_JSON_BODY')
  t.equal((await send(server.port, jsonPost('{"CallSid":"CA1","CallStatus":"completed"}'))).statusCode, 200, 'a valid JSON body is fine')
  t.same(server.take().map((c) => c.name), ['call'])
})

t.test('more parameters than maxParams: 400 FST_TWILIO_TOO_MANY_PARAMS before any hashing, form, GET or JSON', async (t) => {
  const server = await listen(t, { maxParams: 64 })
  const many = (n: number): Params => {
    const params = smsParams('delivered')
    for (let i = Object.keys(params).length; i < n; i++) params[`P${i}`] = 'x'
    return params
  }
  t.equal((await send(server.port, formPost(many(64)))).statusCode, 200, 'at the bound: accepted')
  server.take()
  await rejectsThenRecovers(t, server, formPost(many(65)), 400, 'FST_TWILIO_TOO_MANY_PARAMS')
  // Forged and unsigned alike: the count is checked while parsing, before the signature.
  await rejectsThenRecovers(t, server, { ...formPost(many(65)), headers: { ...formPost(many(65)).headers, 'x-twilio-signature': 'A'.repeat(27) + '=' } }, 400, 'FST_TWILIO_TOO_MANY_PARAMS')
  await rejectsThenRecovers(t, server, getRequest(many(65)), 400, 'FST_TWILIO_TOO_MANY_PARAMS')
  await rejectsThenRecovers(t, server, jsonPost(JSON.stringify(many(65))), 400, 'FST_TWILIO_TOO_MANY_PARAMS')
})

t.test('the default maxParams (256) refuses a 64 KiB body of thousands of distinct names', async (t) => {
  const server = await listen(t)
  // About 13,000 distinct short names: as many as fit under the default 64 KiB bodyLimit.
  const pieces: string[] = []
  for (let i = 0, size = 0; size < 64 * 1024 - 16; i++) {
    pieces.push(i.toString(36))
    size += pieces[pieces.length - 1].length + 1
  }
  t.ok(pieces.length > 13_000, `${pieces.length} names`)
  const names = pieces.join('&')
  await rejectsThenRecovers(t, server, { ...formPost(smsParams('delivered')), payload: names }, 400, 'FST_TWILIO_TOO_MANY_PARAMS')
})

t.test('an empty POST body', async (t) => {
  const server = await listen(t)
  // Signed (over the URL and no parameters): verified, but there is no status.
  await rejectsThenRecovers(t, server, withBody(''), 400, 'FST_TWILIO_MISSING_STATUS')
  const bare = withBody('')
  delete (bare.headers as Record<string, string | undefined>)['content-type']
  await rejectsThenRecovers(t, server, bare, 400, 'FST_TWILIO_MISSING_STATUS')
  // Unsigned: rejected before that.
  const unsigned = withBody('')
  delete (unsigned.headers as Record<string, string | undefined>)['x-twilio-signature']
  await rejectsThenRecovers(t, server, unsigned, 403, 'FST_TWILIO_MISSING_SIGNATURE')
})

t.test('many hostile requests in a row leave the server healthy', async (t) => {
  const server = await listen(t, { bodyLimit: 2048 })
  const hostile: SignedRequest[] = []
  for (let i = 0; i < 50; i++) {
    hostile.push(withBody(`MessageStatus=%${i.toString(16)}z`))
    hostile.push({ ...formPost(smsParams('delivered')), headers: { ...formPost(smsParams('delivered')).headers, 'x-twilio-signature': 'x'.repeat(i * 100) } })
    hostile.push(formPost({ ...smsParams('delivered'), Body: 'x'.repeat(4096 + i) }))
  }
  const statuses = await Promise.all(hostile.map(async (request) => (await send(server.port, request)).statusCode))
  t.ok(statuses.every((s) => s >= 400 && s < 500), 'all 4xx')
  t.same(server.take(), [])
  t.equal((await send(server.port, formPost(smsParams('delivered')))).statusCode, 200)
  t.equal(server.take().length, 1)
})
