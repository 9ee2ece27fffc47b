/** The verification options, checked once; shared by the plugin and `twilioSignature()`. */
import { fail, integer, isPlainObject, rejectUnknownKeys } from './checks'
import { InvalidOptionError } from '../errors'
import type { AuthConfig, BearerCheck, Credential, DigestAlgorithm, TokenLookup, VerifyConfig } from '../config'
import { checkPublicUrl } from '../verify/public-url'

/** The options that say how requests are verified. */
export const VERIFY_KEYS = ['authToken', 'sharedKeys', 'requireSharedKey', 'publicUrl', 'auth']

function checkTokens (value: unknown): string[] {
  const tokens = typeof value === 'string' ? [value] : value
  if (!Array.isArray(tokens) || tokens.length === 0) {
    fail('authToken', 'a non-empty string or a non-empty array of them', value)
  }
  tokens.forEach((token: unknown, i) => {
    if (typeof token !== 'string' || token.length === 0) {
      fail(typeof value === 'string' ? 'authToken' : `authToken[${i}]`, 'a non-empty string', token)
    }
  })
  return [...tokens]
}

function checkSharedKeys (value: unknown): Map<string, string> {
  const keys = new Map<string, string>()
  if (value === undefined) return keys
  if (!isPlainObject(value)) fail('sharedKeys', 'an object of SharedKey secrets by key id ({ webhooks_sharedkey_…: secret })', value)
  for (const [id, secret] of Object.entries(value)) {
    if (typeof secret !== 'string' || secret === '') fail(`sharedKeys.${id}`, 'a non-empty string', secret)
    keys.set(id, secret)
  }
  return keys
}

function publicUrlOption (value: unknown): string | null {
  if (value === undefined) return null
  if (typeof value !== 'string') fail('publicUrl', 'a string', value)
  const checked = checkPublicUrl(value)
  return 'base' in checked ? checked.base : fail('publicUrl', checked.expected, value)
}

/** The realm of a challenge when none is given. */
const DEFAULT_REALM = 'twilio'
const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5']
const DEFAULT_NONCE_TTL = 5 * 60_000

/** A secret that is not a non-empty string: the error names its type, never its value. */
function secretFail (option: string, value: unknown): never {
  throw new InvalidOptionError(`option ${option} must be a non-empty string, got ${value === '' ? 'an empty string' : value === null ? 'null' : typeof value}`)
}

/** Users as `[{ username, password }, …]`, several during a rotation. A password is never echoed in an error. */
function checkUsers (option: string, value: unknown): Credential[] {
  if (!Array.isArray(value) || value.length === 0) fail(option, 'a non-empty array of { username, password }', value)
  return value.map((user: unknown, i) => {
    const where = `${option}[${i}]`
    if (!isPlainObject(user)) fail(where, 'an object { username, password }', user)
    rejectUnknownKeys(`${where}.`, user, ['username', 'password'])
    if (typeof user.username !== 'string' || user.username === '') fail(`${where}.username`, 'a non-empty string', user.username)
    // RFC 7617 §2: a user-id cannot hold a colon. Not echoed: it may be `user:password` pasted whole.
    if (user.username.includes(':')) throw new InvalidOptionError(`option ${where}.username must not contain ":"`)
    if (typeof user.password !== 'string' || user.password === '') secretFail(`${where}.password`, user.password)
    return Object.freeze({ username: user.username, password: user.password })
  })
}

function realmOf (option: string, value: unknown): string {
  if (value === undefined) return DEFAULT_REALM
  if (typeof value !== 'string' || value === '') fail(option, 'a non-empty string', value)
  return value
}

/** A scheme's options: its users alone, or an object holding them. */
function schemeObject (option: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  const object = Array.isArray(value) ? { users: value } : value
  if (!isPlainObject(object)) fail(option, 'an array of { username, password } or an object { users, … }', value)
  rejectUnknownKeys(`${option}.`, object, keys)
  return object
}

function checkBearerOption (value: unknown): AuthConfig['bearer'] {
  const object = Array.isArray(value) ? { tokens: value } : value
  if (!isPlainObject(object)) fail('auth.bearer', 'an array of tokens or an object { tokens, verify }', value)
  rejectUnknownKeys('auth.bearer.', object, ['tokens', 'verify'])
  const tokens = object.tokens === undefined ? [] : object.tokens
  if (!Array.isArray(tokens)) fail('auth.bearer.tokens', 'an array of strings', tokens)
  tokens.forEach((token: unknown, i) => {
    if (typeof token !== 'string' || token === '') secretFail(`auth.bearer.tokens[${i}]`, token)
  })
  const verify = object.verify === undefined ? null : object.verify
  if (verify !== null && typeof verify !== 'function') fail('auth.bearer.verify', 'a function (token, request) => boolean | Promise<boolean>', verify)
  if (tokens.length === 0 && verify === null) fail('auth.bearer', 'given tokens or a verify function', value)
  return Object.freeze({ tokens: Object.freeze([...tokens as string[]]), verify: verify as BearerCheck | null })
}

/** The `auth` option: Twilio's HTTP Basic, Digest or Bearer credentials, at least one scheme. */
function checkAuth (value: unknown): AuthConfig | null {
  if (value === undefined) return null
  if (!isPlainObject(value)) fail('auth', 'an object { basic?, digest?, bearer? }', value)
  rejectUnknownKeys('auth.', value, ['basic', 'digest', 'bearer'])
  if (value.basic === undefined && value.digest === undefined && value.bearer === undefined) fail('auth', 'given basic, digest or bearer', value)
  let basic: AuthConfig['basic'] = null
  if (value.basic !== undefined) {
    const object = schemeObject('auth.basic', value.basic, ['users', 'realm'])
    basic = Object.freeze({ realm: realmOf('auth.basic.realm', object.realm), users: Object.freeze(checkUsers('auth.basic.users', object.users)) })
  }
  let digest: AuthConfig['digest'] = null
  if (value.digest !== undefined) {
    const object = schemeObject('auth.digest', value.digest, ['users', 'realm', 'algorithms', 'nonceTtl'])
    const algorithms = object.algorithms === undefined ? DIGEST_ALGORITHMS : object.algorithms
    if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => !DIGEST_ALGORITHMS.includes(a as DigestAlgorithm)) ||
      new Set(algorithms).size !== algorithms.length) {
      fail('auth.digest.algorithms', 'a non-empty array of distinct \'SHA-256\' and \'MD5\'', algorithms)
    }
    digest = Object.freeze({
      realm: realmOf('auth.digest.realm', object.realm),
      users: Object.freeze(checkUsers('auth.digest.users', object.users)),
      algorithms: Object.freeze([...algorithms as DigestAlgorithm[]]),
      nonceTtl: integer('auth.digest.nonceTtl', object.nonceTtl, DEFAULT_NONCE_TTL, 1000, 24 * 60 * 60_000)
    })
  }
  const bearer = value.bearer === undefined ? null : checkBearerOption(value.bearer)
  return Object.freeze({ basic, digest, bearer })
}

/**
 * The verification options, checked: the Auth Token(s) or a lookup of them by AccountSid, the
 * SharedKey secrets by key id, and the public URL. With `validate: false` none is needed.
 */
export function normalizeVerifyOptions (options: Record<string, unknown>, validate: boolean): VerifyConfig {
  const sharedKeys = checkSharedKeys(options.sharedKeys)
  const requireSharedKey = options.requireSharedKey === undefined ? false : options.requireSharedKey
  if (typeof requireSharedKey !== 'boolean') fail('requireSharedKey', 'a boolean', requireSharedKey)
  if (requireSharedKey && sharedKeys.size === 0) fail('sharedKeys', 'given when requireSharedKey is true', options.sharedKeys)
  const authConfig = checkAuth(options.auth)
  if (authConfig !== null && !validate) fail('auth', 'left out with validate: false, which checks nothing', options.auth)
  const auth = options.authToken
  // Only SharedKeys are needed when Auth Token signatures are refused (or none is checked), and
  // nothing else when Twilio's credentials (`auth`) stand alone.
  const noToken = auth === undefined && (!validate || requireSharedKey || sharedKeys.size > 0 || authConfig !== null)
  const lookup = typeof auth === 'function' ? auth as TokenLookup : null
  return Object.freeze({
    tokens: Object.freeze(noToken || lookup !== null ? [] : checkTokens(auth)),
    tokenLookup: lookup,
    sharedKeys,
    requireSharedKey,
    publicUrl: publicUrlOption(options.publicUrl),
    auth: authConfig
  })
}
