/**
 * HTTP authentication of Twilio's requests, pure: `node:crypto` only. Basic (RFC 7617), Digest
 * (RFC 7616, server side, with stateless nonces) and Bearer tokens (RFC 6750), as Twilio's
 * Webhooks configuration API and password-protected URLs send them (docs/twilio-facts.md §8.8).
 * Every secret is compared as a SHA-256 digest of fixed length (docs/security.md, "HTTP authentication").
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Credential, DigestAlgorithm } from '../config'

const HASHES: Readonly<Record<DigestAlgorithm, string>> = { 'SHA-256': 'sha256', MD5: 'md5' }

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * Whether two secrets are equal, in time independent of where they differ and of their lengths:
 * both sides are hashed to 32 bytes first, so `timingSafeEqual` always compares equal lengths.
 */
export function sameSecret (given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected))
}

/** An `Authorization` header split into its scheme (lower-cased) and the rest; `null` when there is none. */
export function authorizationOf (header: string | undefined): { scheme: string, rest: string } | null {
  if (header === undefined) return null
  const text = header.trim()
  const space = text.indexOf(' ')
  if (space === -1) return { scheme: text.toLowerCase(), rest: '' }
  return { scheme: text.slice(0, space).toLowerCase(), rest: text.slice(space + 1).trim() }
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Basic credentials (RFC 7617) against every configured user: all are compared, whichever
 * matches, so a rotation's second user costs the same as the first. `false` when malformed.
 */
export function checkBasic (token68: string, users: readonly Credential[]): boolean {
  if (!TOKEN68.test(token68)) return false
  const decoded = Buffer.from(token68, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return false
  const username = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  let ok = false
  for (const user of users) {
    // Both comparisons run for every user, whatever matched before.
    const name = sameSecret(username, user.username)
    const secret = sameSecret(password, user.password)
    if (name && secret) ok = true
  }
  return ok
}

/** A Bearer token (RFC 6750) against a static list: every entry is compared. */
export function checkBearer (token: string, tokens: readonly string[]): boolean {
  let ok = false
  for (const expected of tokens) {
    if (sameSecret(token, expected)) ok = true
  }
  return ok
}

// ---- Digest (RFC 7616)

const NONCE_BYTES = 16
const MAC_BYTES = 16

/**
 * Nonces that any instance sharing `key` can check without storing them: the issue time and
 * 8 random bytes, followed by their HMAC. A nonce is fresh for `ttl` ms after it is issued.
 */
export interface Nonces {
  issue (now?: number): string
  /** `fresh`: issued by a holder of the key within `ttl`; `stale`: authentic but too old; `invalid`: not ours. */
  check (nonce: string, now?: number): 'fresh' | 'stale' | 'invalid'
}

/** How far ahead of this instance's clock another instance's nonce may be dated. */
const CLOCK_SKEW = 60_000

export function createNonces (key: Buffer, ttl: number): Nonces {
  const mac = (body: Buffer): Buffer => createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES)
  return {
    issue (now = Date.now()) {
      const body = Buffer.alloc(NONCE_BYTES)
      body.writeBigUInt64BE(BigInt(now), 0)
      randomBytes(8).copy(body, 8)
      return Buffer.concat([body, mac(body)]).toString('base64url')
    },
    check (nonce, now = Date.now()) {
      // 32 bytes are 43 base64url characters: anything else costs no HMAC.
      if (!/^[A-Za-z0-9_-]{43}$/.test(nonce)) return 'invalid'
      const bytes = Buffer.from(nonce, 'base64url')
      const body = bytes.subarray(0, NONCE_BYTES)
      if (!timingSafeEqual(mac(body), bytes.subarray(NONCE_BYTES))) return 'invalid'
      const issued = Number(body.readBigUInt64BE(0))
      if (issued > now + CLOCK_SKEW) return 'invalid'
      return now - issued <= ttl ? 'fresh' : 'stale'
    }
  }
}

/** The nonce key of a Digest configuration: derived from its realm and users, so instances configured alike share it. */
export function nonceKey (realm: string, users: readonly Credential[]): Buffer {
  return createHash('sha256').update(JSON.stringify(['fastify-twilio-status digest nonce', realm, users.map((u) => [u.username, u.password])])).digest()
}

/** A `Digest` challenge for `WWW-Authenticate` (RFC 7616 §3.3), `qop="auth"` only. */
export function digestChallenge (realm: string, algorithm: DigestAlgorithm, nonce: string, stale: boolean): string {
  return `Digest realm=${quote(realm)}, qop="auth", algorithm=${algorithm}, nonce="${nonce}"` + (stale ? ', stale=true' : '')
}

/** A quoted-string (RFC 9110 §5.6.4). */
export function quote (text: string): string {
  return '"' + text.replace(/["\\]/g, '\\$&') + '"'
}

const DIGEST_PARAM = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y

/** The auth-params of a Digest `Authorization` header, names lower-cased; `null` when malformed or a name repeats. */
export function digestParams (rest: string): Map<string, string> | null {
  const params = new Map<string, string>()
  DIGEST_PARAM.lastIndex = 0
  while (DIGEST_PARAM.lastIndex < rest.length) {
    const start = DIGEST_PARAM.lastIndex
    const match = DIGEST_PARAM.exec(rest)
    if (match === null || DIGEST_PARAM.lastIndex === start) return null
    const name = match[1].toLowerCase()
    if (params.has(name)) return null
    params.set(name, match[2] === undefined ? match[3] : match[2].replace(/\\(.)/g, '$1'))
  }
  return params
}

function hex (algorithm: string, text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex')
}

/** What the client's `response` must be (RFC 7616 §3.4.1), `qop=auth`. */
export function digestResponse (
  algorithm: DigestAlgorithm, session: boolean, user: Credential, realm: string,
  fields: { nonce: string, nc: string, cnonce: string, method: string, uri: string }
): string {
  const hash = HASHES[algorithm]
  let ha1 = hex(hash, `${user.username}:${realm}:${user.password}`)
  if (session) ha1 = hex(hash, `${ha1}:${fields.nonce}:${fields.cnonce}`)
  const ha2 = hex(hash, `${fields.method}:${fields.uri}`)
  return hex(hash, `${ha1}:${fields.nonce}:${fields.nc}:${fields.cnonce}:auth:${ha2}`)
}

export interface DigestSettings {
  readonly realm: string
  readonly users: readonly Credential[]
  /** Offered in this order; a response with another is refused. */
  readonly algorithms: readonly DigestAlgorithm[]
  readonly nonces: Nonces
}

/**
 * A Digest `Authorization` (its auth-params) for `method` and the raw request target `uri`:
 * `ok`, `stale` (a well-formed answer to an expired nonce: challenge again with `stale=true`) or
 * `invalid`. Every user's response is computed and compared, whichever one matches.
 */
export function checkDigest (params: Map<string, string>, method: string, uri: string, settings: DigestSettings, now?: number): 'ok' | 'stale' | 'invalid' {
  const username = params.get('username')
  const nonce = params.get('nonce')
  const response = params.get('response')
  const nc = params.get('nc')
  const cnonce = params.get('cnonce')
  if (username === undefined || nonce === undefined || response === undefined || nc === undefined || cnonce === undefined) return 'invalid'
  if (params.get('realm') !== settings.realm || params.get('uri') !== uri || params.get('qop') !== 'auth' || !/^[0-9a-fA-F]{8}$/.test(nc)) return 'invalid'
  const named = (params.get('algorithm') ?? 'MD5').toUpperCase()
  const session = named.endsWith('-SESS')
  const algorithm = settings.algorithms.find((offered) => offered === (session ? named.slice(0, -5) : named))
  if (algorithm === undefined) return 'invalid'
  const freshness = settings.nonces.check(nonce, now)
  if (freshness === 'invalid') return 'invalid'
  const hashedNames = params.get('userhash')?.toLowerCase() === 'true'
  let ok = false
  for (const user of settings.users) {
    const name = hashedNames ? hex(HASHES[algorithm], `${user.username}:${settings.realm}`) : user.username
    const expected = digestResponse(algorithm, session, user, settings.realm, { nonce, nc, cnonce, method, uri })
    const named = sameSecret(username, name)
    const answered = sameSecret(response.toLowerCase(), expected)
    if (named && answered) ok = true
  }
  if (!ok) return 'invalid'
  return freshness === 'fresh' ? 'ok' : 'stale'
}
