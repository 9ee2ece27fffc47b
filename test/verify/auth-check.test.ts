/**
 * `createAuthCheck` against a fake request: which `Authorization` passes, the coded 401s and
 * their challenges, and what is logged (never a credential).
 */
import { mock } from 'node:test'
import t from 'tap'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { AuthConfig } from '../../lib/config'
import { createAuthCheck } from '../../lib/verify/auth-check'
import { createNonces, digestResponse, nonceKey } from '../../lib/verify/auth'

const PASSWORD = 'pa55-c0ffee-basic'
const OLD_PASSWORD = 'pa55-c0ffee-older'
const DIGEST_PASSWORD = 'pa55-c0ffee-digest'
const TOKEN = 'bearer-c0ffee-0001'
const VERIFIED_TOKEN = 'bearer-c0ffee-0002'
const SECRETS = [PASSWORD, OLD_PASSWORD, DIGEST_PASSWORD, TOKEN, VERIFIED_TOKEN]
const TARGET = '/twilio/sms/status'

interface LogLine { level: string, obj: Record<string, unknown>, msg: string }
const ALL_LINES: LogLine[] = []

function fakeRequest (authorization?: string, method = 'POST'): { request: FastifyRequest, lines: LogLine[] } {
  const lines: LogLine[] = []
  const log: Record<string, unknown> = { level: 'debug', silent () {} }
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) {
    log[level] = (obj: Record<string, unknown>, msg: string) => {
      lines.push({ level, obj, msg })
      ALL_LINES.push({ level, obj, msg })
    }
  }
  const request = { headers: authorization === undefined ? {} : { authorization }, log: log as unknown as FastifyBaseLogger, method, raw: { url: TARGET } }
  return { request: request as unknown as FastifyRequest, lines }
}

const basicUsers = [{ username: 'twilio', password: PASSWORD }, { username: 'twilio', password: OLD_PASSWORD }]
const digestUsers = [{ username: 'twilio', password: DIGEST_PASSWORD }]

function configOf (auth: Partial<AuthConfig>): AuthConfig {
  return { basic: null, digest: null, bearer: null, ...auth }
}

const ALL = configOf({
  basic: { realm: 'twilio', users: basicUsers },
  digest: { realm: 'hooks', users: digestUsers, algorithms: ['SHA-256', 'MD5'], nonceTtl: 60_000 },
  bearer: { tokens: [TOKEN], verify: (token) => token === VERIFIED_TOKEN }
})

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
const codeOf = (result: unknown) => (result as { code?: string } | undefined)?.code
const challengesOf = (result: unknown) => (result as { headers: Record<string, string[]> }).headers['www-authenticate']

/** A Digest `Authorization` for `TARGET` answering `nonce`. */
function digestHeader (nonce: string, password = DIGEST_PASSWORD, algorithm: 'SHA-256' | 'MD5' = 'SHA-256'): string {
  const fields = { nonce, nc: '00000001', cnonce: 'abc123', method: 'POST', uri: TARGET }
  const response = digestResponse(algorithm, false, { username: 'twilio', password }, 'hooks', fields)
  return `Digest username="twilio", realm="hooks", nonce="${nonce}", uri="${TARGET}", qop=auth, nc=00000001, cnonce="abc123", algorithm=${algorithm}, response="${response}"`
}

t.test('no credentials: 401 FST_TWILIO_MISSING_CREDENTIALS, a challenge per scheme, logged at debug', async (t) => {
  const check = createAuthCheck(ALL)
  const { request, lines } = fakeRequest()
  const result = check(request)
  t.equal(codeOf(result), 'FST_TWILIO_MISSING_CREDENTIALS')
  t.equal((result as unknown as { statusCode: number }).statusCode, 401)
  const challenges = challengesOf(result)
  t.equal(challenges.length, 4)
  t.match(challenges[0], /^Digest realm="hooks", qop="auth", algorithm=SHA-256, nonce="[A-Za-z0-9_-]{43}"$/, 'Digest first, preferred algorithm first')
  t.match(challenges[1], /^Digest realm="hooks", qop="auth", algorithm=MD5, nonce="[A-Za-z0-9_-]{43}"$/)
  t.equal(challenges[2], 'Basic realm="twilio", charset="UTF-8"')
  t.equal(challenges[3], 'Bearer')
  t.same(lines, [{ level: 'debug', obj: { reason: 'missing-credentials', scheme: null }, msg: 'fastify-twilio-status: authentication refused' }])

  const other = fakeRequest('Negotiate abcdef')
  t.equal(codeOf(check(other.request)), 'FST_TWILIO_MISSING_CREDENTIALS', 'a scheme not configured counts as none')
  t.same(other.lines[0].obj, { reason: 'missing-credentials', scheme: 'negotiate' })
  const onlyBasic = createAuthCheck(configOf({ basic: { realm: 'r', users: basicUsers } }))
  const digestToBasic = onlyBasic(fakeRequest(digestHeader('x')).request)
  t.equal(codeOf(digestToBasic), 'FST_TWILIO_MISSING_CREDENTIALS', 'Digest where only Basic is configured')
  t.same(challengesOf(digestToBasic), ['Basic realm="r", charset="UTF-8"'])
  t.same(challengesOf(createAuthCheck(configOf({ bearer: { tokens: [TOKEN], verify: null } }))(fakeRequest().request)), ['Bearer'])
})

t.test('Basic: any configured user passes (rotation); a wrong one is 401 FST_TWILIO_INVALID_CREDENTIALS at warn', async (t) => {
  const check = createAuthCheck(ALL)
  t.equal(check(fakeRequest(basic('twilio', PASSWORD)).request), undefined)
  t.equal(check(fakeRequest(basic('twilio', OLD_PASSWORD)).request), undefined)
  const { request, lines } = fakeRequest(basic('twilio', 'guess'))
  const result = check(request)
  t.equal(codeOf(result), 'FST_TWILIO_INVALID_CREDENTIALS')
  t.equal(challengesOf(result).length, 4, 'challenged again')
  t.same(lines, [{ level: 'warn', obj: { reason: 'invalid-credentials', scheme: 'basic' }, msg: 'fastify-twilio-status: authentication refused' }])
})

t.test('Digest: a right answer passes, a wrong one is 401, an expired nonce is 401 FST_TWILIO_STALE_NONCE with stale=true', async (t) => {
  const check = createAuthCheck(ALL)
  // Nonces are stateless: one issued by any instance configured alike (same realm and users) is ours.
  const nonces = createNonces(nonceKey('hooks', digestUsers), 60_000)
  t.equal(check(fakeRequest(digestHeader(nonces.issue())).request), undefined, 'SHA-256')
  t.equal(check(fakeRequest(digestHeader(nonces.issue(), DIGEST_PASSWORD, 'MD5')).request), undefined, 'MD5')
  t.equal(codeOf(check(fakeRequest(digestHeader(nonces.issue(), 'guess')).request)), 'FST_TWILIO_INVALID_CREDENTIALS')
  t.equal(codeOf(check(fakeRequest('Digest username="twilio", realm').request)), 'FST_TWILIO_INVALID_CREDENTIALS', 'malformed params')
  const { request, lines } = fakeRequest(digestHeader(nonces.issue(Date.now() - 60_001)))
  const stale = check(request)
  t.equal(codeOf(stale), 'FST_TWILIO_STALE_NONCE')
  t.match(challengesOf(stale)[0], /, stale=true$/)
  t.notMatch(challengesOf(stale)[2], /stale/, 'Basic has no stale flag')
  t.same(lines, [{ level: 'debug', obj: { reason: 'stale-nonce', scheme: 'digest' }, msg: 'fastify-twilio-status: authentication refused' }], 'the usual end of a nonce: debug')
})

t.test('Digest behind a proxy that strips publicUrl\'s path: the uri Twilio requested, or the app\'s target', async (t) => {
  const check = createAuthCheck(ALL, 'https://hooks.example.com/api')
  const nonces = createNonces(nonceKey('hooks', digestUsers), 60_000)
  const answer = (uri: string) => {
    const nonce = nonces.issue()
    const response = digestResponse('SHA-256', false, digestUsers[0], 'hooks', { nonce, nc: '00000001', cnonce: 'abc', method: 'POST', uri })
    return `Digest username="twilio", realm="hooks", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="abc", algorithm=SHA-256, response="${response}"`
  }
  t.equal(check(fakeRequest(answer('/api' + TARGET)).request), undefined, 'the public path')
  t.equal(check(fakeRequest(answer(TARGET)).request), undefined, 'the target as the app sees it')
  t.equal(codeOf(check(fakeRequest(answer('/other' + TARGET)).request)), 'FST_TWILIO_INVALID_CREDENTIALS')
  t.equal(codeOf(check(fakeRequest('Digest uri=').request)), 'FST_TWILIO_INVALID_CREDENTIALS', 'malformed params')
  t.equal(createAuthCheck(ALL, 'https://hooks.example.com')(fakeRequest(answer(TARGET)).request), undefined, 'an origin alone: no prefix')
})

t.test('Bearer: a static token, or verify(token, request) === true', async (t) => {
  const seen: unknown[] = []
  const check = createAuthCheck(configOf({
    bearer: {
      tokens: [TOKEN],
      verify: (token, request) => {
        seen.push(request)
        if (token === 'throws') throw new Error('introspection down')
        if (token === 'rejects') return Promise.reject(new Error('introspection down'))
        if (token === 'later') return Promise.resolve(true)
        if (token === 'later-no') return Promise.resolve(false)
        if (token === 'truthy') return 'yes'
        return token === VERIFIED_TOKEN
      }
    }
  }))
  t.equal(check(fakeRequest('Bearer ' + TOKEN).request), undefined, 'a static token, without asking verify')
  t.equal(seen.length, 0)
  const verified = fakeRequest('Bearer ' + VERIFIED_TOKEN)
  t.equal(check(verified.request), undefined, 'verify said true')
  t.equal(seen[0], verified.request, 'verify is given the request')
  t.equal(await check(fakeRequest('Bearer later').request), undefined, 'a promise of true')
  const refused = check(fakeRequest('Bearer other').request)
  t.equal(codeOf(refused), 'FST_TWILIO_INVALID_CREDENTIALS')
  t.same(challengesOf(refused), ['Bearer error="invalid_token"'], 'RFC 6750: invalid_token')
  t.equal(codeOf(check(fakeRequest('Bearer truthy').request)), 'FST_TWILIO_INVALID_CREDENTIALS', 'only true accepts')
  t.equal(codeOf(await check(fakeRequest('Bearer later-no').request)), 'FST_TWILIO_INVALID_CREDENTIALS')
  t.equal(codeOf(check(fakeRequest('Bearer not a token68').request)), 'FST_TWILIO_INVALID_CREDENTIALS', 'malformed: verify not asked')
  for (const token of ['throws', 'rejects']) {
    const { request, lines } = fakeRequest('Bearer ' + token)
    const result = await check(request)
    t.equal(codeOf(result), 'FST_TWILIO_INVALID_CREDENTIALS', `verify ${token}: 401, never 5xx`)
    t.equal(lines[0].level, 'warn')
    t.equal(lines[0].msg, 'fastify-twilio-status: authentication refused: the bearer verify function failed')
    t.match(lines[0].obj, { reason: 'verify-failed', scheme: 'bearer', err: { message: 'introspection down' } })
  }
  const noVerify = createAuthCheck(configOf({ bearer: { tokens: [TOKEN], verify: null } }))
  t.equal(codeOf(noVerify(fakeRequest('Bearer other').request)), 'FST_TWILIO_INVALID_CREDENTIALS', 'static tokens alone')
})

t.test('wrong credentials are logged five times a minute per reason, then counted', async (t) => {
  mock.timers.enable({ apis: ['Date'] })
  t.teardown(() => mock.timers.reset())
  const check = createAuthCheck(ALL)
  const { request, lines } = fakeRequest(basic('twilio', 'guess'))
  for (let i = 0; i < 20; i++) check(request)
  t.equal(lines.length, 5)
  mock.timers.tick(60_000)
  check(request)
  t.same(lines[5].obj, { reason: 'invalid-credentials', scheme: 'basic', suppressed: 15 })
})

t.test('no credential is ever logged', async (t) => {
  const text = JSON.stringify(ALL_LINES, (_key, value: unknown) => value instanceof Error ? value.message : value)
  for (const secret of SECRETS) t.notOk(text.includes(secret), 'a secret in the log lines')
  t.ok(ALL_LINES.length > 0)
})
