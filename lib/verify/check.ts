/**
 * Verification as a Fastify hook: which secrets a request must be signed with (the Auth Token
 * list, a subaccount's tokens looked up by `AccountSid`, or a SharedKey named in
 * `X-Twilio-Webhooks-Signature-Settings`), the URL Twilio signed, and the coded 403 with a warn
 * log when it does not verify. The HMACs themselves are in `./signature` (pure).
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import {
  BodyHashMismatchError, InvalidSignatureError, MalformedSignatureError, MissingSignatureError, SharedKeyRequiredError,
  UnknownAccountError, UnknownSharedKeyError, UnsupportedAlgorithmError
} from '../errors'
import { signatureRejected, tracedCheck } from '../tracing'
import { signedUrl } from './public-url'
import {
  type Algorithm, algorithmOf, createVerifier, type Params, parseSignatureSettings, type RejectReason, signingKey,
  type SigningKey
} from './signature'

/** A host's token lookup: the Auth Token(s) of the account a request claims to come from. */
export type TokenLookup = (accountSid: string | undefined, request: FastifyRequest) => unknown

export interface VerifyConfig {
  /** Auth Tokens, current first; empty when `tokenLookup` is given. */
  readonly tokens: readonly string[]
  readonly tokenLookup: TokenLookup | null
  /** SharedKey secrets by key id. */
  readonly sharedKeys: ReadonlyMap<string, string>
  /** Refuse Auth Token signatures: only SharedKey-signed requests verify. */
  readonly requireSharedKey: boolean
  readonly publicUrl: string | null
}

/** What was signed, from whichever parser read the request. */
export interface SignedParts {
  /** The raw request target (before any `rewriteUrl`). */
  readonly target: string
  /** Form parameters; `null` for GET and JSON (the URL alone is signed). */
  readonly signed: Params | null
  /** JSON only: the raw body, checked against `bodySHA256`. */
  readonly raw?: string | undefined
  /** The `AccountSid` the request names, for a token lookup. */
  readonly accountSid: unknown
}

const REJECTIONS: Record<RejectReason, new () => Error> = {
  missing: MissingSignatureError,
  malformed: MalformedSignatureError,
  mismatch: InvalidSignatureError,
  'body-hash': BodyHashMismatchError
}

/** How often, at most, a request validated by an old token of the rotation list is logged. */
const ROTATION_LOG_INTERVAL = 60_000

/**
 * A refusal: logged at warn (`fields` starts with the reason) and returned, not thrown. A throw
 * costs V8 a stack walk for the exception message even when caught, about as much as an HMAC:
 * a forged request must not cost more than a real one.
 */
function reject (log: FastifyBaseLogger, fields: { readonly reason: string } & Record<string, unknown>, err: Error): Error {
  log.warn(fields, 'fastify-twilio-status: signature rejected (run `npx fastify-twilio-status explain` with the request to see why)')
  signatureRejected(fields.reason, err)
  return err
}

/** Header text in a log line or an error message, bounded: the sender chooses its length. */
function clip (text: string): string {
  return text.length > 64 ? text.slice(0, 64) + '…' : text
}

/** A lookup's answer as tokens, or `null` when it gave none. */
function tokensOf (value: unknown): string[] | null {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  const tokens = list.filter((token): token is string => typeof token === 'string' && token !== '')
  return tokens.length === 0 ? null : tokens
}

/** A check's answer: `undefined` when the request verifies, else the coded 403 to answer with. */
export type CheckResult = Error | undefined

export type SignatureCheck = (request: FastifyRequest, parts: SignedParts) => CheckResult | Promise<CheckResult>

/**
 * A check that returns the coded 403 (after a warn log) when `parts` are not signed by a secret
 * the config accepts. Synchronous unless a token lookup answers with a promise.
 */
export function createSignatureCheck (config: VerifyConfig): SignatureCheck {
  const verify = createVerifier(config.tokens)
  const shared = new Map<string, Record<Algorithm, SigningKey>>()
  for (const [id, secret] of config.sharedKeys) {
    shared.set(id, { HMAC_SHA1: signingKey(secret, 'HMAC_SHA1'), HMAC_SHA256: signingKey(secret, 'HMAC_SHA256') })
  }
  const lastRotationLog = new Map<number, number>()

  function check (request: FastifyRequest, parts: SignedParts, keys: readonly SigningKey[] | undefined, keyName: string): CheckResult {
    const verdict = verify({
      signature: request.headers['x-twilio-signature'],
      url: signedUrl(config.publicUrl, request, parts.target),
      params: parts.signed,
      rawBody: parts.raw
    }, keys)
    if (!verdict.valid) return reject(request.log, { reason: verdict.reason, urls: verdict.urls, key: keyName }, new REJECTIONS[verdict.reason]())
    if (verdict.tokenIndex > 0 && keys === undefined) {
      const now = Date.now()
      if (now - (lastRotationLog.get(verdict.tokenIndex) ?? -Infinity) >= ROTATION_LOG_INTERVAL) {
        lastRotationLog.set(verdict.tokenIndex, now)
        request.log.info({ tokenIndex: verdict.tokenIndex }, `fastify-twilio-status: a request was signed with authToken[${verdict.tokenIndex}], not the current token: the rotation is not finished`)
      }
    }
    return undefined
  }

  /** The keys a SharedKey-signed request must verify with, or the refusal. */
  function sharedKeysFor (request: FastifyRequest, key: string | undefined, algorithmName: string): SigningKey[] | Error {
    const algorithm = algorithmOf(algorithmName)
    const named = clip(algorithmName)
    if (algorithm === null) return reject(request.log, { reason: 'unsupported-algorithm', algorithm: named }, new UnsupportedAlgorithmError(named))
    if (key === undefined && shared.size > 0) return Array.from(shared.values(), (byAlgorithm) => byAlgorithm[algorithm])
    const known = key === undefined ? undefined : shared.get(key)
    // Key ids are not secret: naming the unknown one helps an operator in the middle of a rotation.
    if (known === undefined) return reject(request.log, { reason: 'unknown-key', keyId: key === undefined ? null : clip(key) }, new UnknownSharedKeyError())
    return [known[algorithm]]
  }

  function withLookup (request: FastifyRequest, parts: SignedParts, lookup: TokenLookup): CheckResult | Promise<CheckResult> {
    const accountSid = typeof parts.accountSid === 'string' ? parts.accountSid : undefined
    const logged = accountSid === undefined ? null : clip(accountSid)
    const unknown = (): Error => reject(request.log, { reason: 'unknown-account', accountSid: logged }, new UnknownAccountError())
    const failed = (err: unknown): Error => {
      request.log.error({ err, accountSid: logged }, 'fastify-twilio-status: authToken lookup failed')
      return unknown()
    }
    const verifyWith = (answer: unknown): CheckResult => {
      const tokens = tokensOf(answer)
      if (tokens === null) return unknown()
      return check(request, parts, tokens.map((token) => signingKey(token)), 'authToken')
    }
    let answer: unknown
    try {
      answer = lookup(accountSid, request)
    } catch (err) {
      return failed(err)
    }
    if (typeof (answer as PromiseLike<unknown> | null)?.then !== 'function') return verifyWith(answer)
    return Promise.resolve(answer).then(verifyWith, failed)
  }

  return tracedCheck(function checkSignature (request: FastifyRequest, parts: SignedParts) {
    const settings = parseSignatureSettings(request.headers['x-twilio-webhooks-signature-settings'])
    if (settings !== null) {
      const keys = sharedKeysFor(request, settings.key, settings.algorithm)
      return keys instanceof Error ? keys : check(request, parts, keys, 'sharedKey')
    }
    if (config.requireSharedKey) return reject(request.log, { reason: 'shared-key-required' }, new SharedKeyRequiredError())
    if (config.tokenLookup !== null) return withLookup(request, parts, config.tokenLookup)
    return check(request, parts, undefined, 'authToken')
  })
}
