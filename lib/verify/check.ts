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

function reject (log: FastifyBaseLogger, reason: string, err: Error, extra: Record<string, unknown> = {}): never {
  log.warn({ reason, ...extra }, 'fastify-twilio-status: signature rejected (run `npx fastify-twilio-status explain` with the request to see why)')
  signatureRejected(reason, err)
  throw err
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

/**
 * A check that throws the coded 403 (after a warn log) when `parts` are not signed by a secret
 * the config accepts. Synchronous unless a token lookup answers with a promise.
 */
export function createSignatureCheck (config: VerifyConfig): (request: FastifyRequest, parts: SignedParts) => void | Promise<void> {
  const verify = createVerifier(config.tokens)
  const shared = new Map<string, Record<Algorithm, SigningKey>>()
  for (const [id, secret] of config.sharedKeys) {
    shared.set(id, { HMAC_SHA1: signingKey(secret, 'HMAC_SHA1'), HMAC_SHA256: signingKey(secret, 'HMAC_SHA256') })
  }
  const lastRotationLog = new Map<number, number>()

  function check (request: FastifyRequest, parts: SignedParts, keys: readonly SigningKey[] | undefined, keyName: string): void {
    const verdict = verify({
      signature: request.headers['x-twilio-signature'],
      url: signedUrl(config.publicUrl, request, parts.target),
      params: parts.signed,
      rawBody: parts.raw
    }, keys)
    if (!verdict.valid) reject(request.log, verdict.reason, new REJECTIONS[verdict.reason](), { urls: verdict.urls, key: keyName })
    if (verdict.tokenIndex > 0 && keys === undefined) {
      const now = Date.now()
      if (now - (lastRotationLog.get(verdict.tokenIndex) ?? -Infinity) >= ROTATION_LOG_INTERVAL) {
        lastRotationLog.set(verdict.tokenIndex, now)
        request.log.info({ tokenIndex: verdict.tokenIndex }, `fastify-twilio-status: a request was signed with authToken[${verdict.tokenIndex}], not the current token: the rotation is not finished`)
      }
    }
  }

  /** The keys a SharedKey-signed request must verify with. */
  function sharedKeysFor (request: FastifyRequest, key: string | undefined, algorithmName: string): SigningKey[] {
    const algorithm = algorithmOf(algorithmName)
    const named = clip(algorithmName)
    if (algorithm === null) reject(request.log, 'unsupported-algorithm', new UnsupportedAlgorithmError(named), { algorithm: named })
    if (key === undefined && shared.size > 0) return Array.from(shared.values(), (byAlgorithm) => byAlgorithm[algorithm])
    const known = key === undefined ? undefined : shared.get(key)
    // Key ids are not secret: naming the unknown one helps an operator in the middle of a rotation.
    if (known === undefined) reject(request.log, 'unknown-key', new UnknownSharedKeyError(), { keyId: key === undefined ? null : clip(key) })
    return [known[algorithm]]
  }

  function withLookup (request: FastifyRequest, parts: SignedParts, lookup: TokenLookup): void | Promise<void> {
    const accountSid = typeof parts.accountSid === 'string' ? parts.accountSid : undefined
    const logged = accountSid === undefined ? null : clip(accountSid)
    const failed = (err: unknown): never => {
      request.log.error({ err, accountSid: logged }, 'fastify-twilio-status: authToken lookup failed')
      return reject(request.log, 'unknown-account', new UnknownAccountError(), { accountSid: logged })
    }
    const verifyWith = (answer: unknown): void => {
      const tokens = tokensOf(answer)
      if (tokens === null) reject(request.log, 'unknown-account', new UnknownAccountError(), { accountSid: logged })
      check(request, parts, tokens.map((token) => signingKey(token)), 'authToken')
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
    if (settings !== null) return check(request, parts, sharedKeysFor(request, settings.key, settings.algorithm), 'sharedKey')
    if (config.requireSharedKey) reject(request.log, 'shared-key-required', new SharedKeyRequiredError())
    if (config.tokenLookup !== null) return withLookup(request, parts, config.tokenLookup)
    return check(request, parts, undefined, 'authToken')
  })
}
