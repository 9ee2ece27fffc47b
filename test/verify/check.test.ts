/**
 * `createSignatureCheck` (lib/verify.ts) against a fake request: which secrets a request is
 * checked with (the Auth Token list, a token lookup, a SharedKey named in
 * `X-Twilio-Webhooks-Signature-Settings`), the coded 403s and what is logged. Signatures come
 * from the twilio package (the oracle), never from the code under test.
 */
import { mock } from 'node:test'
import t from 'tap'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import type { TokenLookup, VerifyConfig } from '../../lib/config'
import { createSignatureCheck, type SignedParts } from '../../lib/verify/check'

/** Shaped like real secrets, and distinctive enough to be searched for in logs. */
const TOKEN = '5ec7e7a0c0ffee5ec7e7a0c0ffee0a01'
const OLD_TOKEN = '01dda7a0c0ffee01dda7a0c0ffee0a02'
const OLDER_TOKEN = '01de57a0c0ffee01de57a0c0ffee0a03'
const SUB_TOKEN = '5ab0ac7a0c0ffee5ab0ac7a0c0ffee04'
// docs/twilio-facts.md §8.7: the secret of SK1/SK2, and its key id.
const KEY_A = 'webhooks_sharedkey_01jz0000000000000000000000'
const SECRET_A = 'sk_test_secret_0123456789abcdef'
const KEY_B = 'webhooks_sharedkey_01jz0000000000000000000001'
const SECRET_B = 'sk_test_secret_fedcba9876543210'
const SECRETS = [TOKEN, OLD_TOKEN, OLDER_TOKEN, SUB_TOKEN, SECRET_A, SECRET_B]

// docs/twilio-facts.md §8.7 `F` and `Q`, as a request to the plugin's host.
const HOST = 'hooks.example.com'
const TARGET = '/twilio/status?tenant=acme'
const URL = `https://${HOST}${TARGET}`
const URL_443 = `https://${HOST}:443${TARGET}`
const ZEROS = '0'.repeat(32)
const ACCOUNT = 'AC' + ZEROS
const Q = {
  AccountSid: ACCOUNT,
  ApiVersion: '2010-04-01',
  From: '+15017250604',
  MessageSid: 'SM' + ZEROS,
  MessageStatus: 'delivered',
  SmsSid: 'SM' + ZEROS,
  SmsStatus: 'delivered',
  To: '+15558675310'
}
const PARTS: SignedParts = { target: TARGET, signed: Q, accountSid: ACCOUNT }
const SK1 = 'pYdVf5yxqHKOjryJXOBsKImjSaU='
const SK2 = '6rF0QgisWIb8eTYAXWAGAGBFSWvBsnLjqNM0e+smCZ4='

type Algorithm = 'HMAC_SHA1' | 'HMAC_SHA256'

interface LogLine { level: string, obj: Record<string, unknown>, msg: string }

/** Every line logged by this file, for the final no-secret check. */
const ALL_LINES: LogLine[] = []

type Headers = Record<string, string | string[] | undefined>

/** A fake FastifyRequest: the headers, a recording log, protocol, host and the raw target. */
function fakeRequest (headers: Headers, target = TARGET): { request: FastifyRequest, lines: LogLine[] } {
  const lines: LogLine[] = []
  const log: Record<string, unknown> = { level: 'info', silent () {} }
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) {
    log[level] = (obj: Record<string, unknown>, msg: string) => {
      lines.push({ level, obj, msg })
      ALL_LINES.push({ level, obj, msg })
    }
  }
  log.child = () => log
  const request = { headers, log: log as unknown as FastifyBaseLogger, protocol: 'https', host: HOST, raw: { url: target } }
  return { request: request as unknown as FastifyRequest, lines }
}

function configOf (config: Partial<VerifyConfig> = {}): VerifyConfig {
  return { tokens: [TOKEN], tokenLookup: null, sharedKeys: new Map(), requireSharedKey: false, publicUrl: null, auth: null, ...config }
}

const SHARED = new Map([[KEY_A, SECRET_A], [KEY_B, SECRET_B]])

/** Headers of a request to `URL` with `Q`, signed by `secret`, and the settings header if given. */
function signedBy (secret: string, algorithm: Algorithm = 'HMAC_SHA1', settings?: string): Headers {
  const headers: Headers = { 'x-twilio-signature': getExpectedTwilioSignature(secret, URL, Q, algorithm) }
  if (settings !== undefined) headers['x-twilio-webhooks-signature-settings'] = settings
  return headers
}

/** Run one check on a fresh fake request. */
function run (config: VerifyConfig, headers: Headers, parts: SignedParts = PARTS) {
  const check = createSignatureCheck(config)
  const { request, lines } = fakeRequest(headers, parts.target)
  return { result: () => check(request, parts), lines, request }
}

function warnOf (reason: string, extra: Record<string, unknown> = {}): LogLine {
  return { level: 'warn', obj: { reason, ...extra }, msg: 'fastify-twilio-status: signature rejected (run `npx fastify-twilio-status explain` with the request to see why)' }
}

const URLS = [URL, URL_443]

/** The one line a failing token lookup logs. */
function lookupFailedLine (err: Error, extra: Record<string, unknown> = {}): LogLine {
  return { level: 'warn', obj: { reason: 'lookup-failed', accountSid: ACCOUNT, err, ...extra }, msg: 'fastify-twilio-status: signature rejected: the authToken lookup failed' }
}

t.test('with auth: Twilio\'s credentials first, then the signature when one is configured', async (t) => {
  const auth = { basic: null, digest: null, bearer: { tokens: [], verify: async (token: string) => token === 'good-token' } }
  const alone = createSignatureCheck(configOf({ tokens: [], auth }))
  t.equal(await alone(fakeRequest({ authorization: 'Bearer good-token' }).request, PARTS), undefined, 'auth alone: no signature needed')
  t.match(await alone(fakeRequest({ authorization: 'Bearer bad-token' }).request, PARTS), { code: 'FST_TWILIO_INVALID_CREDENTIALS', statusCode: 401 })
  t.match(alone(fakeRequest({}).request, PARTS), { code: 'FST_TWILIO_MISSING_CREDENTIALS' }, 'no credentials: refused before any signature')
  const both = createSignatureCheck(configOf({ auth }))
  t.match(await both(fakeRequest({ authorization: 'Bearer good-token' }).request, PARTS), { code: 'FST_TWILIO_MISSING_SIGNATURE' }, 'beside a signature: both required')
  t.equal(await both(fakeRequest({ authorization: 'Bearer good-token', ...signedBy(TOKEN) }).request, PARTS), undefined)
  const basic = createSignatureCheck(configOf({ auth: { basic: { realm: 'r', users: [{ username: 'u', password: 'p' }] }, digest: null, bearer: null } }))
  const authorization = 'Basic ' + Buffer.from('u:p').toString('base64')
  t.equal(basic(fakeRequest({ authorization, ...signedBy(TOKEN) }).request, PARTS), undefined, 'synchronous when both are')
  t.match(basic(fakeRequest({ authorization }).request, PARTS), { code: 'FST_TWILIO_MISSING_SIGNATURE' })
})

t.test('SharedKey signatures, selected by the settings header', async (t) => {
  const config = configOf({ sharedKeys: SHARED })

  t.test('a SHA-1 SharedKey signature (SK1) verifies with the secret its key= id names, synchronously and silently', async (t) => {
    const { result, lines } = run(config, { 'x-twilio-signature': SK1, 'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=HMAC_SHA1` })
    t.equal(result(), undefined)
    t.same(lines, [])
  })

  t.test('a SHA-256 SharedKey signature (SK2) verifies with the secret its key= id names', async (t) => {
    const { result, lines } = run(config, { 'x-twilio-signature': SK2, 'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=HMAC_SHA256` })
    t.equal(result(), undefined)
    t.same(lines, [])
  })

  t.test('a settings header without algorithm= means a SHA-1 SharedKey signature', async (t) => {
    t.equal(run(config, { 'x-twilio-signature': SK1, 'x-twilio-webhooks-signature-settings': `key=${KEY_A}` }).result(), undefined)
  })

  t.test('an algorithm written in lower case verifies as that algorithm, as twilio upper-cases it', async (t) => {
    t.equal(run(config, { 'x-twilio-signature': SK2, 'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=hmac_sha256` }).result(), undefined)
  })

  t.test('during a SharedKey rotation requests signed by either key id verify, each with its own secret and never logged', async (t) => {
    for (const [id, secret] of SHARED) {
      for (const algorithm of ['HMAC_SHA1', 'HMAC_SHA256'] as const) {
        const { result, lines } = run(config, signedBy(secret, algorithm, `key=${id},algorithm=${algorithm}`))
        t.equal(result(), undefined, `${id} with ${algorithm}`)
        t.same(lines, [], 'no rotation notice: SharedKeys are not the Auth Token list')
      }
    }
  })

  t.test('a signature of one SharedKey under the other key id is refused as a mismatch, with the warn log naming sharedKey', async (t) => {
    const { result, lines } = run(config, signedBy(SECRET_B, 'HMAC_SHA256', `key=${KEY_A},algorithm=HMAC_SHA256`))
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE', statusCode: 403 })
    t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'sharedKey' })])
  })

  t.test('an unknown key= id is refused with FST_TWILIO_UNKNOWN_SHARED_KEY, even when a configured secret signed it', async (t) => {
    const { result, lines } = run(config, signedBy(SECRET_A, 'HMAC_SHA1', 'key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA1'))
    t.match(result(), { code: 'FST_TWILIO_UNKNOWN_SHARED_KEY', statusCode: 403 })
    t.same(lines, [warnOf('unknown-key', { keyId: 'webhooks_sharedkey_unknown' })], 'the unknown id is named (ids are not secret)')
  })

  t.test('without a key= part every configured SharedKey is tried, in the algorithm named', async (t) => {
    for (const secret of [SECRET_A, SECRET_B]) {
      for (const algorithm of ['HMAC_SHA1', 'HMAC_SHA256'] as const) {
        const { result, lines } = run(config, signedBy(secret, algorithm, `algorithm=${algorithm}`))
        t.equal(result(), undefined, `${secret === SECRET_A ? 'first' : 'second'} key, ${algorithm}`)
        t.same(lines, [], 'no rotation notice for the second SharedKey')
      }
    }
  })

  t.test('without a key= part a signature by none of the SharedKeys is refused as a mismatch', async (t) => {
    const { result, lines } = run(config, signedBy(TOKEN, 'HMAC_SHA256', 'algorithm=HMAC_SHA256'))
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
    t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'sharedKey' })])
  })

  t.test('an Auth Token signature under a settings header is refused: no fallback to the Auth Token', async (t) => {
    const { result } = run(config, signedBy(TOKEN, 'HMAC_SHA1', `key=${KEY_A},algorithm=HMAC_SHA1`))
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
  })

  t.test('a SharedKey signature without the settings header is checked against the Auth Tokens, and refused', async (t) => {
    const { result, lines } = run(config, { 'x-twilio-signature': SK1 })
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
    t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'authToken' })])
  })

  t.test('a SHA-1 signature under algorithm=HMAC_SHA256 is refused as malformed (the wrong length)', async (t) => {
    const { result, lines } = run(config, { 'x-twilio-signature': SK1, 'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=HMAC_SHA256` })
    t.match(result(), { code: 'FST_TWILIO_MALFORMED_SIGNATURE', statusCode: 403 })
    t.same(lines, [warnOf('malformed', { algorithm: 'HMAC_SHA256' })], 'the algorithm the header named, no URL: none was built')
  })

  t.test('a SHA-256 signature under algorithm=HMAC_SHA1 is refused as malformed', async (t) => {
    t.match(run(config, { 'x-twilio-signature': SK2, 'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=HMAC_SHA1` }).result(),
      { code: 'FST_TWILIO_MALFORMED_SIGNATURE' })
  })

  t.test('a settings header when no SharedKey is configured refuses every request, whatever its signature', async (t) => {
    const noShared = configOf()
    const sha1 = run(noShared, signedBy(TOKEN, 'HMAC_SHA1', 'algorithm=HMAC_SHA1'))
    t.match(sha1.result(), { code: 'FST_TWILIO_UNKNOWN_SHARED_KEY' }, 'no SharedKey to try: no fallback to the Auth Token')
    t.same(sha1.lines, [warnOf('unknown-key', { keyId: null })])
    t.match(run(noShared, signedBy(TOKEN, 'HMAC_SHA256', 'algorithm=HMAC_SHA256')).result(), { code: 'FST_TWILIO_UNKNOWN_SHARED_KEY', statusCode: 403 })
    t.match(run(noShared, signedBy(TOKEN, 'HMAC_SHA1', `key=${KEY_A}`)).result(), { code: 'FST_TWILIO_UNKNOWN_SHARED_KEY' })
  })

  t.test('a SharedKey-signed request without X-Twilio-Signature is refused as missing', async (t) => {
    const { result, lines } = run(config, { 'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=HMAC_SHA256` })
    t.match(result(), { code: 'FST_TWILIO_MISSING_SIGNATURE' })
    t.same(lines, [warnOf('missing')])
  })
})

t.test('an unsupported algorithm', async (t) => {
  const config = configOf({ sharedKeys: SHARED })

  t.test('HMAC_SHA512 is refused with FST_TWILIO_UNSUPPORTED_ALGORITHM, naming it, and logged as unsupported-algorithm', async (t) => {
    const { result, lines } = run(config, signedBy(SECRET_A, 'HMAC_SHA256', `key=${KEY_A},algorithm=HMAC_SHA512`))
    const err = result() as Error
    t.match(err, { code: 'FST_TWILIO_UNSUPPORTED_ALGORITHM', statusCode: 403 })
    t.match(err.message, /HMAC_SHA512/)
    t.same(lines, [warnOf('unsupported-algorithm', { algorithm: 'HMAC_SHA512' })])
  })

  t.test('the algorithm is checked before the key id, and its name is cut to 64 characters in the error and the log', async (t) => {
    const name = 'HMAC_' + 'X'.repeat(100)
    const { result, lines } = run(config, signedBy(SECRET_A, 'HMAC_SHA1', `key=webhooks_sharedkey_unknown,algorithm=${name}`))
    const err = result() as Error
    t.match(err, { code: 'FST_TWILIO_UNSUPPORTED_ALGORITHM' })
    t.ok(err.message.includes(name.slice(0, 64) + '…'))
    t.notOk(err.message.includes(name.slice(0, 65)), 'no more than 64 characters of it')
    t.same(lines, [warnOf('unsupported-algorithm', { algorithm: name.slice(0, 64) + '…' })])
  })
})

t.test('requireSharedKey', async (t) => {
  let asked = 0
  const lookup: TokenLookup = () => { asked++; return TOKEN }
  const config = configOf({ sharedKeys: SHARED, requireSharedKey: true, tokenLookup: lookup })

  t.test('refuses a valid Auth Token signature with FST_TWILIO_SHARED_KEY_REQUIRED, before any token lookup', async (t) => {
    const { result, lines } = run(config, signedBy(TOKEN))
    t.match(result(), { code: 'FST_TWILIO_SHARED_KEY_REQUIRED', statusCode: 403 })
    t.same(lines, [warnOf('shared-key-required')])
    t.equal(asked, 0, 'the lookup is not asked')
  })

  t.test('still accepts a SharedKey-signed request, without asking the token lookup', async (t) => {
    t.equal(run(config, signedBy(SECRET_B, 'HMAC_SHA256', `key=${KEY_B},algorithm=HMAC_SHA256`)).result(), undefined)
    t.equal(asked, 0)
  })
})

t.test('the static Auth Token list (no settings header)', async (t) => {
  const config = configOf({ tokens: [TOKEN, OLD_TOKEN], sharedKeys: SHARED })

  t.test('a request signed with the current token verifies synchronously and logs nothing', async (t) => {
    const { result, lines } = run(config, signedBy(TOKEN))
    t.equal(result(), undefined)
    t.same(lines, [])
  })

  t.test('an empty settings header is an Auth Token signature', async (t) => {
    t.equal(run(config, { ...signedBy(TOKEN), 'x-twilio-webhooks-signature-settings': '' }).result(), undefined)
  })

  t.test('a request whose Host kept the port Twilio did not sign verifies via the port-stripped URL', async (t) => {
    const check = createSignatureCheck(config)
    const { request } = fakeRequest(signedBy(TOKEN))
    Object.assign(request, { host: `${HOST}:443` })
    t.equal(check(request, PARTS), undefined)
  })

  t.test('a request without X-Twilio-Signature is refused with FST_TWILIO_MISSING_SIGNATURE', async (t) => {
    const { result, lines } = run(config, {})
    t.match(result(), { code: 'FST_TWILIO_MISSING_SIGNATURE', statusCode: 403 })
    t.same(lines, [warnOf('missing')], 'no URL: none was built')
  })

  t.test('a signature that is not a base64 SHA-1 HMAC is refused with FST_TWILIO_MALFORMED_SIGNATURE', async (t) => {
    for (const signature of ['', 'x', SK2, [SK1]]) {
      const { result, lines } = run(config, { 'x-twilio-signature': signature })
      t.match(result(), { code: 'FST_TWILIO_MALFORMED_SIGNATURE' }, JSON.stringify(signature))
      t.same(lines, [warnOf('malformed')])
    }
  })

  t.test('a signature by a token not in the list is refused with FST_TWILIO_INVALID_SIGNATURE', async (t) => {
    const { result, lines } = run(config, signedBy(SUB_TOKEN))
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE', statusCode: 403 })
    t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'authToken' })])
  })

  t.test('a changed parameter is refused with FST_TWILIO_INVALID_SIGNATURE', async (t) => {
    const { result } = run(config, signedBy(TOKEN), { ...PARTS, signed: { ...Q, MessageStatus: 'failed' } })
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
  })

  t.test('a JSON body verifies against the bodySHA256 of the signed URL; a tampered one is refused with FST_TWILIO_BODY_HASH_MISMATCH', async (t) => {
    // docs/twilio-facts.md D2 and §8.7 `J`.
    const body = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}'
    const target = '/twilio/json?bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9'
    const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `https://${HOST}${target}`, {}) }
    const parts: SignedParts = { target, signed: null, raw: body, accountSid: undefined }
    t.equal(run(config, headers, parts).result(), undefined)
    const { result, lines } = run(config, headers, { ...parts, raw: body.replace(':', ': ') })
    t.match(result(), { code: 'FST_TWILIO_BODY_HASH_MISMATCH', statusCode: 403 })
    t.same(lines, [warnOf('body-hash', { urls: [`https://${HOST}${target}`, `https://${HOST}:443${target}`], key: 'authToken' })])
  })

  t.test('the same JSON body signed with SharedKey SK4 verifies, and a tampered one is refused the same way', async (t) => {
    const body = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}'
    const target = '/twilio/json?bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9'
    const headers = {
      'x-twilio-signature': '+DDGFS+b9lGhrtiTgsKXg1Be52vwYmKi9LjpzeAn7Vc=',
      'x-twilio-webhooks-signature-settings': `key=${KEY_A},algorithm=HMAC_SHA256`
    }
    const parts: SignedParts = { target, signed: null, raw: body, accountSid: undefined }
    t.equal(run(config, headers, parts).result(), undefined)
    t.match(run(config, headers, { ...parts, raw: body + ' ' }).result(), { code: 'FST_TWILIO_BODY_HASH_MISMATCH' })
  })

  t.test('publicUrl replaces the request protocol and host in the signed URL', async (t) => {
    const publicUrl = 'https://public.example.org/base'
    const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, publicUrl + TARGET, Q) }
    t.equal(run(configOf({ publicUrl }), headers).result(), undefined)
    const { result, lines } = run(configOf({ publicUrl }), signedBy(TOKEN))
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' }, 'a signature over the request own origin is refused')
    t.match(lines, [{ obj: { urls: [publicUrl + TARGET, 'https://public.example.org:443/base' + TARGET] } }])
  })

  t.test('an empty token list (SharedKeys only) refuses every Auth Token signature', async (t) => {
    t.match(run(configOf({ tokens: [], sharedKeys: SHARED }), signedBy(TOKEN)).result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
  })
})

t.test('rotation of the Auth Token list is logged at info, at most once a minute per token index', async (t) => {
  mock.timers.enable({ apis: ['Date'] })
  t.teardown(() => mock.timers.reset())
  const check = createSignatureCheck(configOf({ tokens: [TOKEN, OLD_TOKEN, OLDER_TOKEN] }))
  const { request, lines } = fakeRequest({})
  function send (token: string): void {
    request.headers['x-twilio-signature'] = getExpectedTwilioSignature(token, URL, Q)
    t.equal(check(request, PARTS), undefined, 'accepted')
  }
  const notice = (index: number): LogLine => ({
    level: 'info',
    obj: { tokenIndex: index },
    msg: `fastify-twilio-status: a request was signed with authToken[${index}], not the current token: the rotation is not finished`
  })

  send(OLD_TOKEN)
  t.same(lines, [notice(1)], 'the first request signed with authToken[1] is logged')
  send(OLD_TOKEN)
  send(TOKEN)
  t.same(lines, [notice(1)], 'not again at once, and never for the current token')
  send(OLDER_TOKEN)
  t.same(lines, [notice(1), notice(2)], 'authToken[2] has its own minute')
  mock.timers.tick(59_999)
  send(OLD_TOKEN)
  send(OLDER_TOKEN)
  t.same(lines.length, 2, 'nothing more within the minute')
  mock.timers.tick(1)
  send(OLD_TOKEN)
  t.same(lines, [notice(1), notice(2), notice(1)], 'logged again a minute after the last notice')
  mock.timers.tick(30_000)
  send(OLDER_TOKEN)
  send(OLD_TOKEN)
  t.same(lines, [notice(1), notice(2), notice(1), notice(2)], 'each index throttled on its own clock')
  t.same(lines.filter((line) => line.level !== 'info'), [], 'only info lines')
})

t.test('a token lookup (AccountSid → Auth Token or tokens)', async (t) => {
  /** A lookup that records what it was asked and answers `answer`. */
  function lookupOf (answer: (accountSid: string | undefined) => unknown) {
    const asked: Array<[string | undefined, FastifyRequest]> = []
    const lookup: TokenLookup = (accountSid, request) => {
      asked.push([accountSid, request])
      return answer(accountSid)
    }
    return { lookup, asked }
  }

  t.test('a lookup answering a string verifies synchronously with that token, given the AccountSid and the request', async (t) => {
    const { lookup, asked } = lookupOf(() => SUB_TOKEN)
    const { result, lines, request } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN))
    t.equal(result(), undefined, 'not a promise')
    t.equal(asked.length, 1)
    t.equal(asked[0][0], ACCOUNT)
    t.equal(asked[0][1], request, 'the request itself')
    t.same(lines, [])
  })

  t.test('the lookup replaces the static token list: a token of the list is refused', async (t) => {
    const { lookup } = lookupOf(() => SUB_TOKEN)
    const { result, lines } = run(configOf({ tokens: [TOKEN], tokenLookup: lookup }), signedBy(TOKEN))
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
    t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'authToken' })])
  })

  t.test('a lookup answering an array tries each token, and a later one validating is not logged as a rotation', async (t) => {
    const { lookup } = lookupOf(() => [OLD_TOKEN, SUB_TOKEN])
    const config = configOf({ tokens: [], tokenLookup: lookup })
    const { result, lines } = run(config, signedBy(SUB_TOKEN))
    t.equal(result(), undefined)
    t.same(lines, [])
    t.match(run(config, signedBy(TOKEN)).result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
  })

  t.test('non-string and empty entries of an answered array are skipped', async (t) => {
    const { lookup } = lookupOf(() => ['', 42, null, { token: TOKEN }, SUB_TOKEN])
    t.equal(run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN)).result(), undefined)
  })

  t.test('an async lookup makes the check return a promise that resolves once the signature verifies', async (t) => {
    const { lookup } = lookupOf(async () => [SUB_TOKEN])
    const { result, lines } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN))
    const checked = result()
    t.ok(checked instanceof Promise, 'a promise')
    t.equal(await checked, undefined)
    t.same(lines, [])
  })

  t.test('an async lookup whose token does not match rejects with FST_TWILIO_INVALID_SIGNATURE', async (t) => {
    const { lookup } = lookupOf(async () => SUB_TOKEN)
    const { result, lines } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(OLD_TOKEN))
    t.match(await result(), { code: 'FST_TWILIO_INVALID_SIGNATURE', statusCode: 403 })
    t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'authToken' })])
  })

  t.test('a thenable that is not a Promise is awaited too', async (t) => {
    const thenable = { then (resolve: (value: unknown) => void) { resolve(SUB_TOKEN) } }
    const { lookup } = lookupOf(() => thenable)
    const checked = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN)).result()
    t.ok(checked instanceof Promise)
    t.equal(await checked, undefined)
  })

  t.test('a lookup giving no token refuses with FST_TWILIO_UNKNOWN_ACCOUNT, logging the AccountSid, sync or async', async (t) => {
    const answers: ReadonlyArray<[string, unknown]> = [
      ['undefined', undefined], ['null', null], ['an empty string', ''], ['an empty array', []],
      ['an array of non-strings and empty strings', ['', 42, null, [SUB_TOKEN]]], ['a number', 42],
      ['an object', { token: SUB_TOKEN }], ['a function', () => SUB_TOKEN]
    ]
    for (const [name, answer] of answers) {
      const sync = lookupOf(() => answer)
      const syncRun = run(configOf({ tokens: [], tokenLookup: sync.lookup }), signedBy(SUB_TOKEN))
      t.match(syncRun.result(), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT', statusCode: 403 }, `${name}, sync`)
      t.same(syncRun.lines, [warnOf('unknown-account', { accountSid: ACCOUNT })])
      const async = lookupOf(async () => answer)
      const asyncRun = run(configOf({ tokens: [], tokenLookup: async.lookup }), signedBy(SUB_TOKEN))
      t.match(await asyncRun.result(), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT' }, `${name}, async`)
      t.same(asyncRun.lines, [warnOf('unknown-account', { accountSid: ACCOUNT })])
    }
  })

  t.test('a throwing lookup refuses with FST_TWILIO_UNKNOWN_ACCOUNT, synchronously, in one warn line with the error: any sender can cause it', async (t) => {
    const failure = new Error('token store down')
    const { lookup } = lookupOf(() => { throw failure })
    const { result, lines } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN))
    t.match(result(), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT', statusCode: 403 })
    t.same(lines, [lookupFailedLine(failure)])
    t.equal(lines[0].obj.err, failure, 'the error itself')
  })

  t.test('a rejecting lookup refuses with FST_TWILIO_UNKNOWN_ACCOUNT, asynchronously, in one warn line with the error', async (t) => {
    const failure = new Error('token store timeout')
    const { lookup } = lookupOf(async () => { throw failure })
    const { result, lines } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN))
    t.match(await result(), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT' })
    t.same(lines, [lookupFailedLine(failure)])
  })

  t.test('an AccountSid that is not a string reaches the lookup as undefined', async (t) => {
    for (const accountSid of [undefined, 42, [ACCOUNT, ACCOUNT], { AccountSid: ACCOUNT }, null]) {
      const { lookup, asked } = lookupOf((sid) => (sid === undefined ? SUB_TOKEN : undefined))
      const { result } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN), { ...PARTS, accountSid })
      t.equal(result(), undefined, JSON.stringify(accountSid))
      t.same(asked.map(([sid]) => sid), [undefined])
    }
  })

  t.test('a lookup that gives no token for an undefined AccountSid logs it as undefined', async (t) => {
    const { lookup } = lookupOf(() => undefined)
    const { result, lines } = run(configOf({ tokens: [], tokenLookup: lookup }), signedBy(SUB_TOKEN), { ...PARTS, accountSid: 7 })
    t.match(result(), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT' })
    t.same(lines, [warnOf('unknown-account', { accountSid: undefined })])
  })

  t.test('a settings header sends the request to the SharedKeys: the lookup is not asked', async (t) => {
    const { lookup, asked } = lookupOf(() => SUB_TOKEN)
    const config = configOf({ tokens: [], tokenLookup: lookup, sharedKeys: SHARED })
    t.equal(run(config, signedBy(SECRET_A, 'HMAC_SHA256', `key=${KEY_A},algorithm=HMAC_SHA256`)).result(), undefined)
    t.match(run(config, signedBy(SUB_TOKEN, 'HMAC_SHA1', `key=${KEY_A}`)).result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
    t.equal(asked.length, 0)
  })
})

t.test('the rejection warn log says why, which URLs were tried and which kind of secret, and never a secret', async (t) => {
  const config = configOf({ tokens: [TOKEN, OLD_TOKEN], sharedKeys: SHARED })
  const cases: ReadonlyArray<[Headers, LogLine]> = [
    [signedBy(SUB_TOKEN), warnOf('mismatch', { urls: URLS, key: 'authToken' })],
    [signedBy(SUB_TOKEN, 'HMAC_SHA256', `key=${KEY_B},algorithm=HMAC_SHA256`), warnOf('mismatch', { urls: URLS, key: 'sharedKey' })],
    [signedBy(SUB_TOKEN, 'HMAC_SHA1', 'algorithm=HMAC_SHA384'), warnOf('unsupported-algorithm', { algorithm: 'HMAC_SHA384' })],
    [signedBy(SUB_TOKEN, 'HMAC_SHA1', 'key=other'), warnOf('unknown-key', { keyId: 'other' })]
  ]
  for (const [headers, expected] of cases) {
    const { result, lines } = run(config, headers)
    t.type(result(), Error)
    t.same(lines, [expected], expected.obj.reason as string)
    const logged = JSON.stringify(lines)
    for (const secret of SECRETS) t.notOk(logged.includes(secret), 'no secret in the log')
    t.notOk(logged.includes(KEY_B), 'not even the key id')
  }
})

t.test('the cheap refusals come before any token lookup or settings header', async (t) => {
  let asked = 0
  const throwing: TokenLookup = () => {
    asked++
    throw new Error('token store down')
  }

  t.test('a missing or malformed signature is refused without asking the lookup: no error line, however the lookup fails', async (t) => {
    const config = configOf({ tokens: [], tokenLookup: throwing })
    const cases: ReadonlyArray<[Headers, string]> = [
      [{}, 'FST_TWILIO_MISSING_SIGNATURE'], [{ 'x-twilio-signature': '' }, 'FST_TWILIO_MALFORMED_SIGNATURE'],
      [{ 'x-twilio-signature': 'x'.repeat(28) }, 'FST_TWILIO_MALFORMED_SIGNATURE'], [{ 'x-twilio-signature': [SK1, SK1] }, 'FST_TWILIO_MALFORMED_SIGNATURE'],
      [{ 'x-twilio-signature': SK2 }, 'FST_TWILIO_MALFORMED_SIGNATURE']
    ]
    for (const [headers, code] of cases) {
      const { result, lines } = run(config, headers)
      t.match(result(), { code, statusCode: 403 }, JSON.stringify(headers))
      t.same(lines.map((line) => line.level), ['warn'])
    }
    t.equal(asked, 0, 'the lookup was never asked')
    t.match(run(config, signedBy(SUB_TOKEN)).result(), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT' }, 'a well-formed signature does reach it')
    t.equal(asked, 1)
  })

  t.test('a missing signature is refused as missing before the settings header is read or requireSharedKey weighed', async (t) => {
    const config = configOf({ sharedKeys: SHARED, requireSharedKey: true })
    t.match(run(config, { 'x-twilio-webhooks-signature-settings': 'algorithm=HMAC_MD5' }).result(), { code: 'FST_TWILIO_MISSING_SIGNATURE' })
    t.match(run(config, { 'x-twilio-signature': 'x', 'x-twilio-webhooks-signature-settings': 'algorithm=HMAC_MD5' }).result(), { code: 'FST_TWILIO_MALFORMED_SIGNATURE' })
    t.match(run(config, {}).result(), { code: 'FST_TWILIO_MISSING_SIGNATURE' })
  })
})

t.test('without publicUrl the Host must be host[:port]', async (t) => {
  /** One check of `headers` on a request whose `host` (Fastify's, which weighs X-Forwarded-Host) is `host`. */
  function withHost (config: VerifyConfig, host: string, headers: Headers = signedBy(TOKEN)) {
    const { request, lines } = fakeRequest(headers)
    Object.assign(request, { host })
    return { result: createSignatureCheck(config)(request, PARTS), lines }
  }

  t.test('a Host with a path, query, fragment, userinfo, escape, space or a port that is not a number is refused with FST_TWILIO_INVALID_HOST, before any lookup', async (t) => {
    let asked = 0
    const lookup: TokenLookup = () => { asked++; return TOKEN }
    const bad = [`${HOST}/voice`, `${HOST}?`, `${HOST}#x`, `user@${HOST}`, `${HOST}%2Fvoice`, `${HOST} x`, `${HOST}:`, `${HOST}:https`, `${HOST}:123456`,
      '', '[::1', '[::1]x', '[::1]:8080/x', '[fe80::1%25eth0]', `${HOST}:443:443`, `${HOST},other`]
    for (const host of bad) {
      // Signed over the URL that Host forms: it verified before the rule.
      const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `https://${host}${TARGET}`, Q) }
      for (const config of [configOf(), configOf({ tokens: [], tokenLookup: lookup })]) {
        const { result, lines } = withHost(config, host, headers)
        t.match(result, { code: 'FST_TWILIO_INVALID_HOST', statusCode: 403 }, JSON.stringify(host))
        t.same(lines, [warnOf('invalid-host', { protocol: 'https', host })])
      }
    }
    t.equal(asked, 0, 'the lookup was never asked')
  })

  t.test('the refused Host is cut to 64 characters in the log', async (t) => {
    const host = `${HOST}/${'v'.repeat(10_000)}`
    t.same(withHost(configOf(), host).lines, [warnOf('invalid-host', { protocol: 'https', host: host.slice(0, 64) + '…' })])
  })

  t.test('a protocol (Fastify\'s, which weighs X-Forwarded-Proto) that is not http or https is refused the same way, and logged cut to 64 characters', async (t) => {
    let asked = 0
    const lookup: TokenLookup = () => { asked++; return TOKEN }
    for (const protocol of [`https://${HOST}/other?next=x`, 'ftp', 'https:', 'h ttps', '', 'x'.repeat(100)]) {
      // Signed over the URL that protocol forms: it verified before the rule.
      const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `${protocol}://${HOST}${TARGET}`, Q) }
      for (const config of [configOf(), configOf({ tokens: [], tokenLookup: lookup })]) {
        const { request, lines } = fakeRequest(headers)
        Object.assign(request, { protocol })
        t.match(createSignatureCheck(config)(request, PARTS), { code: 'FST_TWILIO_INVALID_HOST', statusCode: 403 }, protocol)
        t.same(lines, [warnOf('invalid-host', { protocol: protocol.length > 64 ? protocol.slice(0, 64) + '…' : protocol, host: HOST })])
      }
    }
    t.equal(asked, 0, 'the lookup was never asked')
  })

  t.test('http and https verify in any case: a scheme is case-insensitive', async (t) => {
    for (const protocol of ['HTTPS', 'Https', 'https']) {
      const { request } = fakeRequest(signedBy(TOKEN))
      Object.assign(request, { protocol })
      t.equal(createSignatureCheck(configOf())(request, PARTS), undefined, protocol)
    }
  })

  t.test('names, IPv4 addresses and bracketed IPv6 literals, with or without a port, are checked as before', async (t) => {
    for (const host of [HOST, `${HOST}:443`, `${HOST}:8443`, 'localhost', 'hooks_1.example.com', '203.0.113.7:3000', '[2001:db8::1]', '[::ffff:203.0.113.7]:8080']) {
      const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `https://${host}${TARGET}`, Q) }
      t.equal(withHost(configOf(), host, headers).result, undefined, host)
    }
  })

  t.test('with publicUrl the Host is not read: whatever it holds, the signature is checked against publicUrl', async (t) => {
    const publicUrl = 'https://public.example.org'
    const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, publicUrl + TARGET, Q) }
    t.equal(withHost(configOf({ publicUrl }), `${HOST}/voice`, headers).result, undefined)
  })
})

t.test('what a refusal logs is bounded', async (t) => {
  t.test('each candidate URL is cut at 1024 characters, from its start', async (t) => {
    const target = `${TARGET}&pad=${'a'.repeat(100_000)}`
    const { result, lines } = run(configOf(), signedBy(SUB_TOKEN), { ...PARTS, target })
    t.match(result(), { code: 'FST_TWILIO_INVALID_SIGNATURE' })
    const urls = lines[0].obj.urls as string[]
    t.same(urls, [URL + target.slice(TARGET.length), URL_443 + target.slice(TARGET.length)].map((url) => url.slice(0, 1024) + '…'))
    t.ok(JSON.stringify(lines).length < 2_500, 'about two kilobytes for 200 sent')
  })

  t.test('refusals are logged at most five times a minute per reason; the next line logged says how many were left out', async (t) => {
    mock.timers.enable({ apis: ['Date'] })
    t.teardown(() => mock.timers.reset())
    const check = createSignatureCheck(configOf())
    const { request, lines } = fakeRequest({})
    const refuse = (signature: string | undefined, times: number): void => {
      request.headers['x-twilio-signature'] = signature
      for (let i = 0; i < times; i++) t.type(check(request, PARTS), Error)
    }
    const forged = getExpectedTwilioSignature(SUB_TOKEN, URL, Q)
    refuse(undefined, 100)
    refuse(forged, 100)
    t.same(lines, [...Array(5).fill(warnOf('missing')), ...Array(5).fill(warnOf('mismatch', { urls: URLS, key: 'authToken' }))], 'five of each reason')
    mock.timers.tick(59_999)
    refuse(undefined, 1)
    t.equal(lines.length, 10, 'not within the minute')
    mock.timers.tick(1)
    refuse(undefined, 7)
    refuse(forged, 1)
    t.same(lines.slice(10), [
      warnOf('missing', { suppressed: 96 }), ...Array(4).fill(warnOf('missing')),
      warnOf('mismatch', { urls: URLS, key: 'authToken', suppressed: 95 })
    ], 'a minute after the first line: five more, the first counting those left out')
    t.same(lines.filter((line) => line.level !== 'warn'), [], 'only warn lines')
  })

  t.test('a failing token lookup is logged at warn five times a minute at most, then counted', async (t) => {
    mock.timers.enable({ apis: ['Date'] })
    t.teardown(() => mock.timers.reset())
    const failure = new Error('token store down')
    const check = createSignatureCheck(configOf({ tokens: [], tokenLookup: () => { throw failure } }))
    const { request, lines } = fakeRequest(signedBy(SUB_TOKEN))
    for (let i = 0; i < 50; i++) t.match(check(request, PARTS), { code: 'FST_TWILIO_UNKNOWN_ACCOUNT' })
    t.same(lines, Array(5).fill(lookupFailedLine(failure)), 'five lines, none of them a second one per refusal')
    mock.timers.tick(60_000)
    check(request, PARTS)
    t.same(lines[5], lookupFailedLine(failure, { suppressed: 45 }))
  })

  t.test('each check counts on its own: another plugin registration or hook logs its first refusals', async (t) => {
    const config = configOf()
    const first = createSignatureCheck(config)
    const { request, lines } = fakeRequest({})
    for (let i = 0; i < 10; i++) first(request, PARTS)
    createSignatureCheck(config)(request, PARTS)
    t.equal(lines.length, 6)
  })
})

t.test('no log line of this file contains an Auth Token or a SharedKey secret', async (t) => {
  t.ok(ALL_LINES.length > 40, `${ALL_LINES.length} lines logged`)
  const logged = JSON.stringify(ALL_LINES, (_key, value: unknown) =>
    value instanceof Error ? { message: value.message, stack: value.stack } : value)
  for (const secret of SECRETS) t.notOk(logged.includes(secret), 'the secret appears nowhere')
})

t.test('a refusal is returned as the coded error, never thrown: refusing a forged request costs no exception', async (t) => {
  const { result, lines } = run(configOf({ tokens: [TOKEN] }), signedBy(OLD_TOKEN))
  let refused: unknown
  t.doesNotThrow(() => { refused = result() })
  t.type(refused, Error)
  t.match(refused, { code: 'FST_TWILIO_INVALID_SIGNATURE', statusCode: 403 })
  t.same(lines, [warnOf('mismatch', { urls: URLS, key: 'authToken' })])
})
