import t from 'tap'
import {
  authorizationOf, checkBasic, checkBearer, checkDigest, createNonces, digestChallenge, digestParams, digestResponse, nonceKey, quote, sameSecret
} from '../../lib/verify/auth'

const basic = (text: string) => Buffer.from(text, 'utf8').toString('base64')

t.test('sameSecret: equal secrets only, whatever their lengths', async (t) => {
  t.ok(sameSecret('s3cret', 's3cret'))
  t.notOk(sameSecret('s3cret', 's3creT'))
  t.notOk(sameSecret('s3cret', 's3cret-and-more'), 'a longer guess is compared as a digest, not refused by length')
  t.notOk(sameSecret('', 's3cret'))
})

t.test('authorizationOf: the scheme lower-cased and the rest trimmed; null without a header', async (t) => {
  t.equal(authorizationOf(undefined), null)
  t.same(authorizationOf('  BASIC   dXNlcjpwYXNz  '), { scheme: 'basic', rest: 'dXNlcjpwYXNz' })
  t.same(authorizationOf('Negotiate'), { scheme: 'negotiate', rest: '' })
})

t.test('checkBasic', async (t) => {
  const users = [{ username: 'twilio', password: 'new-pass' }, { username: 'twilio', password: 'old-pass' }]
  t.ok(checkBasic(basic('twilio:new-pass'), users), 'the current password')
  t.ok(checkBasic(basic('twilio:old-pass'), users), 'the previous one, during a rotation')
  t.notOk(checkBasic(basic('twilio:wrong'), users))
  t.notOk(checkBasic(basic('other:new-pass'), users), 'the password of another user name')
  t.ok(checkBasic(basic('twilio:new-pass'), [{ username: 'twilio', password: 'new-pass' }]))
  t.ok(checkBasic(basic('u:p:with:colons'), [{ username: 'u', password: 'p:with:colons' }]), 'the password holds everything after the first colon')
  t.ok(checkBasic(basic('ünï:pässwörd'), [{ username: 'ünï', password: 'pässwörd' }]), 'UTF-8 (RFC 7617 charset)')
  t.notOk(checkBasic(basic('no-colon'), users), 'no colon: malformed')
  t.notOk(checkBasic('not base64!', users), 'not a token68')
  t.notOk(checkBasic('', users))
})

t.test('checkBearer: any of the tokens', async (t) => {
  t.ok(checkBearer('tok-new', ['tok-new', 'tok-old']))
  t.ok(checkBearer('tok-old', ['tok-new', 'tok-old']))
  t.notOk(checkBearer('tok', ['tok-new', 'tok-old']))
  t.notOk(checkBearer('tok', []))
})

t.test('nonces', async (t) => {
  const key = nonceKey('twilio', [{ username: 'u', password: 'p' }])
  const nonces = createNonces(key, 60_000)
  const now = Date.UTC(2026, 11, 7, 17, 0, 0)
  const nonce = nonces.issue(now)
  t.match(nonce, /^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url: safe in a quoted-string')
  t.not(nonces.issue(now), nonce, 'two nonces of the same millisecond differ')
  t.equal(nonces.check(nonce, now), 'fresh')
  t.equal(nonces.check(nonce, now + 60_000), 'fresh', 'fresh for the whole ttl')
  t.equal(nonces.check(nonce, now + 60_001), 'stale', 'then stale')
  t.equal(nonces.check(nonce, now - 60_000), 'fresh', 'dated up to a minute ahead: another instance\'s clock')
  t.equal(nonces.check(nonces.issue(now + 60_001), now), 'invalid', 'dated further ahead')
  t.equal(createNonces(key, 60_000).check(nonce, now), 'fresh', 'another instance with the same key accepts it')
  const other = createNonces(nonceKey('twilio', [{ username: 'u', password: 'rotated' }]), 60_000)
  t.equal(other.check(nonce, now), 'invalid', 'a key from other users does not')
  const bytes = Buffer.from(nonce, 'base64url')
  bytes[3] ^= 1
  t.equal(nonces.check(bytes.toString('base64url'), now), 'invalid', 'a changed issue time breaks the MAC')
  t.equal(nonces.check(nonce.slice(1), now), 'invalid', 'a wrong length costs no HMAC')
  t.equal(nonces.check('', now), 'invalid')
  t.equal(typeof nonces.check(nonces.issue()), 'string', 'the clock by default')
})

t.test('digestChallenge and quote', async (t) => {
  t.equal(digestChallenge('my "realm"', 'SHA-256', 'abc', false), 'Digest realm="my \\"realm\\"", qop="auth", algorithm=SHA-256, nonce="abc"')
  t.equal(digestChallenge('r', 'MD5', 'abc', true), 'Digest realm="r", qop="auth", algorithm=MD5, nonce="abc", stale=true')
  t.equal(quote('a\\b'), '"a\\\\b"')
})

t.test('digestParams', async (t) => {
  const params = digestParams('username="Mufasa", realm="a \\"quoted\\" realm", nc=00000001, qop=auth, URI="/dir/index.html"')
  t.same(params && Object.fromEntries(params), { username: 'Mufasa', realm: 'a "quoted" realm', nc: '00000001', qop: 'auth', uri: '/dir/index.html' }, 'quoted and bare values, names lower-cased')
  t.same(digestParams(''), new Map(), 'no params')
  t.equal(digestParams('username="a", username="b"'), null, 'a repeated name')
  t.equal(digestParams('username="unterminated'), null, 'an open quote')
  t.equal(digestParams('username'), null, 'a name without a value')
  t.equal(digestParams('a=1 b=2'), null, 'no comma between params')
})

// RFC 7616 §3.9.1: the worked example, for MD5 and SHA-256.
const RFC_USER = { username: 'Mufasa', password: 'Circle of Life' }
const RFC_REALM = 'http-auth@example.org'
const RFC_FIELDS = {
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  method: 'GET',
  uri: '/dir/index.html'
}

t.test('digestResponse: RFC 7616 §3.9.1 test vectors', async (t) => {
  t.equal(digestResponse('MD5', false, RFC_USER, RFC_REALM, RFC_FIELDS), '8ca523f5e9506fed4657c9700eebdbec')
  t.equal(digestResponse('SHA-256', false, RFC_USER, RFC_REALM, RFC_FIELDS), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1')
})

t.test('checkDigest', async (t) => {
  const users = [{ username: 'twilio', password: 'new-pass' }, { username: 'twilio', password: 'old-pass' }]
  const realm = 'twilio'
  const nonces = createNonces(nonceKey(realm, users), 60_000)
  const settings = { realm, users, algorithms: ['SHA-256', 'MD5'] as const, nonces }
  const now = Date.now()
  const nonce = nonces.issue(now)
  const fields = { nonce, nc: '00000001', cnonce: 'c0ffee', method: 'POST', uri: '/twilio/sms/status?x=1' }

  /** The params a client sends for `user`, each overridable (`undefined` removes one). */
  function answer (user = users[0], extra: Record<string, string | undefined> = {}, algorithm: 'SHA-256' | 'MD5' = 'SHA-256', session = false) {
    const params = new Map(Object.entries({
      username: user.username,
      realm,
      nonce,
      uri: fields.uri,
      qop: 'auth',
      nc: fields.nc,
      cnonce: fields.cnonce,
      algorithm: algorithm + (session ? '-sess' : ''),
      response: digestResponse(algorithm, session, user, realm, fields),
      ...extra
    }).filter((entry): entry is [string, string] => entry[1] !== undefined))
    return params
  }
  const check = (params: Map<string, string>, at = now) => checkDigest(params, 'POST', fields.uri, settings, at)

  t.equal(check(answer()), 'ok', 'SHA-256')
  t.equal(check(answer(users[1])), 'ok', 'the previous password, during a rotation')
  t.equal(check(answer(users[0], {}, 'MD5')), 'ok', 'MD5')
  t.equal(check(answer(users[0], {}, 'SHA-256', true)), 'ok', 'SHA-256-sess')
  t.equal(check(answer(users[0], {}, 'MD5', true)), 'ok', 'MD5-sess')
  t.equal(check(answer(users[0], { response: digestResponse('SHA-256', false, users[0], realm, fields).toUpperCase() })), 'ok', 'the response in upper-case hex')
  const md5 = answer(users[0], { algorithm: undefined }, 'MD5')
  t.equal(check(md5), 'ok', 'no algorithm: MD5 (RFC 7616 §3.4)')
  const hashedName = digestResponse('SHA-256', false, users[0], realm, fields)
  t.equal(check(answer(users[0], { userhash: 'true', username: hashedName })), 'invalid', 'userhash=true with a name that is not the hash')
  const { createHash } = await import('node:crypto')
  const userhash = createHash('sha256').update(`twilio:${realm}`).digest('hex')
  t.equal(check(answer(users[0], { userhash: 'true', username: userhash })), 'ok', 'userhash=true: H(username:realm)')

  t.equal(check(answer({ username: 'twilio', password: 'wrong' })), 'invalid', 'a wrong password')
  t.equal(check(answer({ username: 'other', password: 'new-pass' })), 'invalid', 'an unknown user')
  t.equal(check(answer(users[0], { realm: 'elsewhere' })), 'invalid', 'another realm')
  t.equal(check(answer(users[0], { uri: '/other' })), 'invalid', 'another request target')
  t.equal(check(answer(users[0], { qop: 'auth-int' })), 'invalid', 'qop other than auth')
  t.equal(check(answer(users[0], { nc: '1' })), 'invalid', 'nc not 8 hex digits')
  t.equal(checkDigest(answer(users[0], {}, 'MD5'), 'POST', fields.uri, { ...settings, algorithms: ['SHA-256'] }, now), 'invalid', 'an algorithm not offered')
  t.equal(check(answer(users[0], { algorithm: 'SHA-512-256' })), 'invalid', 'an algorithm not known')
  t.equal(check(answer(users[0], { nonce: nonces.issue(now).replace(/^./, (c) => c === 'A' ? 'B' : 'A') })), 'invalid', 'a forged nonce')
  t.equal(check(answer(), now + 60_001), 'stale', 'a right answer to an expired nonce')
  t.equal(check(answer({ username: 'twilio', password: 'wrong' }), now + 60_001), 'invalid', 'a wrong answer to an expired nonce is not stale')
  for (const name of ['username', 'nonce', 'response', 'nc', 'cnonce']) {
    t.equal(check(answer(users[0], { [name]: undefined })), 'invalid', `without ${name}`)
  }
  t.equal(checkDigest(answer(), 'GET', fields.uri, settings, now), 'invalid', 'another method')
})
