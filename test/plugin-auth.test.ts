/**
 * The `auth` option over real HTTP: HTTP Basic, Digest and Bearer credentials on the plugin's
 * status routes, its `webhooks` routes and a host's routes behind `twilioSignature()`, alone or
 * beside a signature (signed by the twilio package), with a Digest exchange driven by curl.
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import twilioStatus, { twilioSignature } from '../lib/index'
import { createNonces, digestResponse, nonceKey } from '../lib/verify/auth'
import { curl } from './helpers/curl'
import { encodeForm, type Params, type RawResponse, send, sign, smsParams, SMS_PATH, TOKEN } from './helpers/sign'

const PASSWORD = 'n3w-pa55word'
const OLD_PASSWORD = '0ld-pa55word'
const DIGEST_PASSWORD = 'd1gest-pa55'
const BEARER = 'at-c0ffee-static'
const VERIFIED_BEARER = 'at-c0ffee-introspected'
const DIGEST_USERS = [{ username: 'twilio', password: DIGEST_PASSWORD }]

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
const codeOf = (res: RawResponse) => (JSON.parse(res.body) as { code?: string }).code

/** Every `WWW-Authenticate` line of a response, in order. */
function challenges (res: { rawHeaders?: string[] } & RawResponse): string[] {
  const value = res.headers['www-authenticate']
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

t.test('auth over real HTTP', async (t) => {
  const dispatched: string[] = []
  const authorizations: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHook('onRequest', async (request) => { authorizations.push(request.headers.authorization ?? '') })
  // The host's own form parser, as @fastify/formbody gives.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  // A host's routes: Digest alone (MD5 only), and Basic beside a signature.
  const digestOnly = twilioSignature({ auth: { digest: { users: DIGEST_USERS, realm: 'host', algorithms: ['MD5'] } } })
  app.post('/host/digest', { preParsing: digestOnly.preParsing, preHandler: digestOnly }, async () => 'host ok')
  const both = twilioSignature({ authToken: TOKEN, auth: { basic: [{ username: 'twilio', password: PASSWORD }] } })
  app.post('/host/both', { preParsing: both.preParsing, preHandler: both }, async () => 'host ok')
  await app.register(twilioStatus, {
    authToken: TOKEN,
    auth: {
      basic: { realm: 'twilio', users: [{ username: 'twilio', password: PASSWORD }, { username: 'twilio', password: OLD_PASSWORD }] },
      digest: { users: DIGEST_USERS },
      bearer: { tokens: [BEARER], verify: async (token) => token === VERIFIED_BEARER }
    },
    sms: { onAny: (event) => { dispatched.push(event.MessageSid) } },
    webhooks: [{ url: '/twiml/sms', handler: () => '<Response><Message>hi</Message></Response>' }]
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  const origin = `http://${host}`

  /** A form POST signed by twilio over this server's URL, with `authorization` if given. */
  function post (path: string, params: Params, headers: Record<string, string> = {}, signed = true) {
    return send(port, {
      method: 'POST',
      url: path,
      headers: {
        host,
        'content-type': 'application/x-www-form-urlencoded',
        ...(signed ? { 'x-twilio-signature': sign(origin + path, params) } : {}),
        ...headers
      },
      payload: encodeForm(params)
    })
  }

  await t.test('without credentials: 401 FST_TWILIO_MISSING_CREDENTIALS and a challenge per scheme, nothing dispatched', async (t) => {
    const res = await post(SMS_PATH, smsParams('delivered'))
    t.equal(res.statusCode, 401)
    t.equal(codeOf(res), 'FST_TWILIO_MISSING_CREDENTIALS')
    const sent = challenges(res).join(', ')
    t.match(sent, /Digest realm="twilio", qop="auth", algorithm=SHA-256, nonce="[\w-]{43}"/)
    t.match(sent, /Digest realm="twilio", qop="auth", algorithm=MD5, nonce="[\w-]{43}"/)
    t.match(sent, /Basic realm="twilio", charset="UTF-8"/)
    t.match(sent, /Bearer/)
    t.same(dispatched, [])
  })

  await t.test('Basic: the current and the previous password pass beside a valid signature; a wrong one is 401', async (t) => {
    const current = smsParams('delivered')
    const previous = smsParams('delivered')
    t.equal((await post(SMS_PATH, current, { authorization: basic('twilio', PASSWORD) })).statusCode, 200)
    t.equal((await post(SMS_PATH, previous, { authorization: basic('twilio', OLD_PASSWORD) })).statusCode, 200, 'rotation: the old one too')
    t.same(dispatched.slice(-2), [current.MessageSid, previous.MessageSid])
    const wrong = await post(SMS_PATH, smsParams('delivered'), { authorization: basic('twilio', 'guess') })
    t.equal(wrong.statusCode, 401)
    t.equal(codeOf(wrong), 'FST_TWILIO_INVALID_CREDENTIALS')
    t.ok(challenges(wrong).length > 0, 'challenged again')
  })

  await t.test('both required: right credentials with a wrong or no signature are the signature\'s 403', async (t) => {
    const before = dispatched.length
    const params = smsParams('delivered')
    const forged = await send(port, {
      method: 'POST',
      url: SMS_PATH,
      headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(origin + SMS_PATH, params, 'another-token'), authorization: basic('twilio', PASSWORD) },
      payload: encodeForm(params)
    })
    t.equal(forged.statusCode, 403)
    t.equal(codeOf(forged), 'FST_TWILIO_INVALID_SIGNATURE')
    const unsigned = await post(SMS_PATH, params, { authorization: basic('twilio', PASSWORD) }, false)
    t.equal(unsigned.statusCode, 403)
    t.equal(codeOf(unsigned), 'FST_TWILIO_MISSING_SIGNATURE')
    t.equal(dispatched.length, before)
  })

  await t.test('Bearer: a static token, or one the verify function accepts (asynchronously); others are 401', async (t) => {
    t.equal((await post(SMS_PATH, smsParams('sent'), { authorization: `Bearer ${BEARER}` })).statusCode, 200)
    t.equal((await post(SMS_PATH, smsParams('sent'), { authorization: `Bearer ${VERIFIED_BEARER}` })).statusCode, 200)
    const refused = await post(SMS_PATH, smsParams('sent'), { authorization: 'Bearer at-unknown' })
    t.equal(refused.statusCode, 401)
    t.equal(codeOf(refused), 'FST_TWILIO_INVALID_CREDENTIALS')
    t.match(challenges(refused).join(', '), /Bearer error="invalid_token"/)
    const forged = await send(port, {
      method: 'POST',
      url: SMS_PATH,
      headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(origin + SMS_PATH, {}), authorization: `Bearer ${VERIFIED_BEARER}` },
      payload: encodeForm(smsParams('sent'))
    })
    t.equal(forged.statusCode, 403, 'an accepted token, then the signature checked and refused')
  })

  await t.test('Digest driven by curl: the 401 challenge, then the answer; beside a signature on the status route', async (t) => {
    const params = smsParams('delivered')
    const body = encodeForm(params)
    const url = origin + SMS_PATH
    const before = authorizations.length
    const ran = await curl(['-s', '-w', '\n%{http_code}', '--digest', '-u', `twilio:${DIGEST_PASSWORD}`, url,
      '-H', `X-Twilio-Signature: ${sign(url, params)}`, '--data', body])
    t.match(ran.stdout, /\n200$/, ran.stdout)
    const seen = authorizations.slice(before)
    t.same(seen.length, 2, 'curl asked twice: first without credentials')
    t.equal(seen[0], '')
    t.match(seen[1], /^Digest username="twilio", realm="twilio", nonce="[\w-]{43}", uri="\/twilio\/sms\/status", .*qop=auth/)
    t.match(seen[1], /algorithm=SHA-256$/, 'the first challenge offered: SHA-256')
    t.equal(dispatched.at(-1), params.MessageSid, 'dispatched once')

    const wrong = await curl(['-s', '-w', '\n%{http_code}', '--digest', '-u', 'twilio:guess', url, '-H', `X-Twilio-Signature: ${sign(url, params)}`, '--data', body])
    t.match(wrong.stdout, /FST_TWILIO_INVALID_CREDENTIALS[\s\S]*\n401$/)
  })

  await t.test('Digest alone on a host route (twilioSignature, MD5): curl passes with no signature at all', async (t) => {
    const ran = await curl(['-s', '-w', '\n%{http_code}', '--digest', '-u', `twilio:${DIGEST_PASSWORD}`, `${origin}/host/digest`, '--data', 'a=1'])
    t.equal(ran.stdout, 'host ok\n200')
    t.match(authorizations.at(-1), /algorithm=MD5/)
    const refused = await send(port, { method: 'POST', url: '/host/digest', headers: { host, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' })
    t.equal(refused.statusCode, 401, 'through the host\'s error path: the same 401')
    t.equal(codeOf(refused), 'FST_TWILIO_MISSING_CREDENTIALS')
    t.match(challenges(refused).join(', '), /^Digest realm="host", qop="auth", algorithm=MD5, nonce="[\w-]{43}"$/)
  })

  await t.test('an expired nonce, answered rightly: 401 FST_TWILIO_STALE_NONCE with a fresh nonce and stale=true', async (t) => {
    // The nonce key is the realm's and users': this test holds them, as a second instance would.
    const old = createNonces(nonceKey('host', DIGEST_USERS), 300_000).issue(Date.now() - 300_001)
    const fields = { nonce: old, nc: '00000001', cnonce: 'c1', method: 'POST', uri: '/host/digest' }
    const response = digestResponse('MD5', false, DIGEST_USERS[0], 'host', fields)
    const res = await send(port, {
      method: 'POST',
      url: '/host/digest',
      headers: {
        host,
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Digest username="twilio", realm="host", nonce="${old}", uri="/host/digest", qop=auth, nc=00000001, cnonce="c1", algorithm=MD5, response="${response}"`
      },
      payload: 'a=1'
    })
    t.equal(res.statusCode, 401)
    t.equal(codeOf(res), 'FST_TWILIO_STALE_NONCE')
    t.match(challenges(res)[0], /stale=true$/)
    t.notMatch(challenges(res)[0], old, 'a new nonce')
  })

  await t.test('a host route with Basic beside a signature: both required', async (t) => {
    const params = { a: '1' }
    t.equal((await post('/host/both', params, { authorization: basic('twilio', PASSWORD) })).statusCode, 200)
    const noAuth = await post('/host/both', params)
    t.equal(noAuth.statusCode, 401)
    t.same(challenges(noAuth), ['Basic realm="twilio", charset="UTF-8"'])
    t.equal(codeOf(await post('/host/both', params, { authorization: basic('twilio', PASSWORD) }, false)), 'FST_TWILIO_MISSING_SIGNATURE')
  })

  await t.test('the webhooks routes are guarded alike', async (t) => {
    const params = { MessageSid: 'SM1', Body: 'hi' }
    const ok = await post('/twiml/sms', params, { authorization: basic('twilio', PASSWORD) })
    t.equal(ok.statusCode, 200)
    t.match(ok.body, /<Message>hi<\/Message>/)
    t.equal((await post('/twiml/sms', params)).statusCode, 401)
  })

  await t.test('malformed Authorization headers are 401s, never 5xx', async (t) => {
    for (const authorization of ['Basic', 'Basic !!!', 'Digest ', 'Digest username=', 'Digest a="b", a="c"', 'Bearer', 'Bearer a b', '\u00e9\u00e9', 'Basic ' + 'A'.repeat(4000)]) {
      const res = await post(SMS_PATH, smsParams('delivered'), { authorization })
      t.equal(res.statusCode, 401, JSON.stringify(authorization.slice(0, 20)))
    }
  })
})
