/**
 * Verification as a Fastify hook: which secrets a request must be signed with, the URL Twilio
 * signed, and the coded 403 with a rate-limited warn log when it does not verify.
 */
import type { FastifyRequest } from 'fastify'
import {
  BodyHashMismatchError, InvalidHostError, InvalidSignatureError, MalformedSignatureError, MissingSignatureError,
  SharedKeyRequiredError, UnknownAccountError, UnknownSharedKeyError, UnsupportedAlgorithmError
} from '../errors'
import type { TokenLookup, VerifyConfig } from '../config'
import { signatureRejected, tracedCheck } from '../tracing'
import { isThenable } from '../thenable'
import { createAuthCheck } from './auth-check'
import { clip, createLogLimiter, warnLimited } from './log-limit'
import { requestUrl } from './public-url'
import {
  type Algorithm, algorithmOf, createVerifier, type Params, parseSignatureSettings, type RejectReason, type SignatureSettings,
  signatureShape, signingKey, type SigningKey
} from './signature'

/** What was signed, from whichever parser read the request. */
export interface SignedParts {
  /** The raw request target (before any `rewriteUrl`). */
  readonly target: string
  /** Form parameters; `null` for GET and JSON (the URL alone is signed). */
  readonly signed: Params | null
  /** JSON only: the raw body, checked against `bodySHA256`. */
  readonly raw?: string | undefined
  /** The `AccountSid` a token lookup is asked about: `accountSidOf` the request (`../families/account`). */
  readonly accountSid: unknown
}

const REJECTIONS: Record<RejectReason, new () => Error> = {
  missing: MissingSignatureError,
  malformed: MalformedSignatureError,
  mismatch: InvalidSignatureError,
  'body-hash': BodyHashMismatchError
}

const REFUSED = 'fastify-twilio-status: signature rejected (run `npx fastify-twilio-status explain` with the request to see why)'

const LOOKUP_FAILED = 'fastify-twilio-status: signature rejected: the authToken lookup failed'

/** Refusals logged a minute, per reason; the next line logged says how many were left out. */
const REFUSAL_LOG_BURST = 5

/** A URL in a refusal's log line is cut after this many characters: the sender chooses its length. */
const LOGGED_URL_LENGTH = 1024

/** A lookup's answer as tokens, or `null` when it gave none. */
function tokensOf (value: unknown): string[] | null {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  const tokens = list.filter((token): token is string => typeof token === 'string' && token !== '')
  return tokens.length === 0 ? null : tokens
}

/** A check's answer: `undefined` when the request verifies, else the coded 403 to answer with. */
export type CheckResult = Error | undefined

export type SignatureCheck = (request: FastifyRequest, parts: SignedParts) => CheckResult | Promise<CheckResult>

/** Whether `config` checks signatures: `false` when only `auth` is configured (Twilio's credentials stand alone). */
export function checksSignatures (config: VerifyConfig): boolean {
  return config.tokens.length > 0 || config.tokenLookup !== null || config.sharedKeys.size > 0
}

/**
 * A check that returns the coded 403 (after a warn log) when `parts` are not signed by a secret
 * the config accepts; synchronous unless a token lookup answers with a promise. Cheap refusals first.
 */
export function createSignatureCheck (config: VerifyConfig): SignatureCheck {
  const verify = createVerifier(config.tokens)
  const shared = new Map<string, Record<Algorithm, SigningKey>>()
  for (const [id, secret] of config.sharedKeys) {
    shared.set(id, { HMAC_SHA1: signingKey(secret, 'HMAC_SHA1'), HMAC_SHA256: signingKey(secret, 'HMAC_SHA256') })
  }
  const admitLine = createLogLimiter(REFUSAL_LOG_BURST)
  const admitRotation = createLogLimiter(1)

  /**
   * A refusal: logged at warn unless past this minute's burst of that reason, and returned, not
   * thrown, so a forged request costs no more than a real one (docs/design.md, "Verification").
   */
  function reject (request: FastifyRequest, reason: string, err: Error, details?: Record<string, unknown>, message = REFUSED): Error {
    warnLimited(admitLine, reason, request.log, { reason, ...details }, message)
    signatureRejected(reason, err)
    return err
  }

  function check (request: FastifyRequest, parts: SignedParts, url: string, keys: readonly SigningKey[] | undefined, keyName: string): CheckResult {
    const verdict = verify({ signature: request.headers['x-twilio-signature'], url, params: parts.signed, rawBody: parts.raw }, keys)
    if (!verdict.valid) {
      const urls = verdict.urls.map((candidate) => clip(candidate, LOGGED_URL_LENGTH))
      return reject(request, verdict.reason, new REJECTIONS[verdict.reason](), { urls, key: keyName })
    }
    if (verdict.tokenIndex > 0 && keys === undefined && admitRotation(verdict.tokenIndex) !== -1) {
      request.log.info({ tokenIndex: verdict.tokenIndex }, `fastify-twilio-status: a request was signed with authToken[${verdict.tokenIndex}], not the current token: the rotation is not finished`)
    }
    return undefined
  }

  /** The keys a SharedKey-signed request must verify with, or the refusal. */
  function sharedKeysFor (request: FastifyRequest, settings: SignatureSettings, shape: Algorithm): SigningKey[] | Error {
    const algorithm = algorithmOf(settings.algorithm)
    if (algorithm === null) {
      const named = clip(settings.algorithm)
      return reject(request, 'unsupported-algorithm', new UnsupportedAlgorithmError(named), { algorithm: named })
    }
    // A SHA-1 signature under algorithm=HMAC_SHA256 (or the reverse) has the wrong length.
    if (algorithm !== shape) return reject(request, 'malformed', new MalformedSignatureError(), { algorithm })
    if (settings.key === undefined && shared.size > 0) return Array.from(shared.values(), (byAlgorithm) => byAlgorithm[algorithm])
    const known = settings.key === undefined ? undefined : shared.get(settings.key)
    // Key ids are not secret: naming the unknown one helps an operator in the middle of a rotation.
    if (known === undefined) return reject(request, 'unknown-key', new UnknownSharedKeyError(), { keyId: settings.key === undefined ? null : clip(settings.key) })
    return [known[algorithm]]
  }

  function withLookup (request: FastifyRequest, parts: SignedParts, url: string, lookup: TokenLookup): CheckResult | Promise<CheckResult> {
    const accountSid = typeof parts.accountSid === 'string' ? parts.accountSid : undefined
    const logged = accountSid === undefined ? null : clip(accountSid)
    const unknown = (): Error => reject(request, 'unknown-account', new UnknownAccountError(), { accountSid: logged })
    // The host's incident, so its error is logged; at warn, once, as any refusal: whoever sends a
    // well-formed signature can make the lookup fail.
    const failed = (err: unknown): Error => reject(request, 'lookup-failed', new UnknownAccountError(), { accountSid: logged, err }, LOOKUP_FAILED)
    const verifyWith = (answer: unknown): CheckResult => {
      const tokens = tokensOf(answer)
      if (tokens === null) return unknown()
      return check(request, parts, url, tokens.map((token) => signingKey(token)), 'authToken')
    }
    let answer: unknown
    try {
      answer = lookup(accountSid, request)
    } catch (err) {
      return failed(err)
    }
    if (!isThenable(answer)) return verifyWith(answer)
    return Promise.resolve(answer).then(verifyWith, failed)
  }

  function checkSignature (request: FastifyRequest, parts: SignedParts): CheckResult | Promise<CheckResult> {
    const signature = request.headers['x-twilio-signature']
    if (signature === undefined) return reject(request, 'missing', new MissingSignatureError())
    // The algorithm the signature's length says; the settings header must name the same one.
    const shape = typeof signature === 'string' ? signatureShape(signature) : null
    if (shape === null) return reject(request, 'malformed', new MalformedSignatureError())
    const settings = parseSignatureSettings(request.headers['x-twilio-webhooks-signature-settings'])
    let keys: SigningKey[] | undefined
    if (settings !== null) {
      const chosen = sharedKeysFor(request, settings, shape)
      if (chosen instanceof Error) return chosen
      keys = chosen
    } else if (config.requireSharedKey) {
      return reject(request, 'shared-key-required', new SharedKeyRequiredError())
    } else if (shape !== 'HMAC_SHA1') {
      return reject(request, 'malformed', new MalformedSignatureError())
    }
    const url = requestUrl(config.publicUrl, request, parts.target)
    if (url === null) return reject(request, 'invalid-host', new InvalidHostError(), { protocol: clip(String(request.protocol)), host: clip(request.host) })
    if (keys !== undefined) return check(request, parts, url, keys, 'sharedKey')
    if (config.tokenLookup !== null) return withLookup(request, parts, url, config.tokenLookup)
    return check(request, parts, url, undefined, 'authToken')
  }

  // With `auth`, Twilio's credentials are checked first (headers only, no HMAC), then the
  // signature when one is configured too: both must pass.
  const authCheck = config.auth === null ? null : createAuthCheck(config.auth, config.publicUrl)
  const signatures = checksSignatures(config)
  if (authCheck === null) return tracedCheck(checkSignature)
  return tracedCheck(function checkRequest (request: FastifyRequest, parts: SignedParts) {
    const authed = authCheck(request)
    if (authed instanceof Error) return authed
    if (authed === undefined) return signatures ? checkSignature(request, parts) : undefined
    return authed.then((refused) => refused ?? (signatures ? checkSignature(request, parts) : undefined))
  })
}
