/**
 * The `auth` option as a check on a Fastify request: which `Authorization` passes, and the coded
 * 401 with its `WWW-Authenticate` challenges when none does (docs/security.md, "HTTP
 * authentication"). Credentials are never logged: a refusal logs its reason and scheme only.
 */
import type { FastifyRequest } from 'fastify'
import type { AuthConfig } from '../config'
import { InvalidCredentialsError, MissingCredentialsError, StaleNonceError } from '../errors'
import { isThenable } from '../thenable'
import { signatureRejected } from '../tracing'
import {
  authorizationOf, checkBasic, checkBearer, checkDigest, createNonces, type DigestSettings, digestChallenge, digestParams, nonceKey, quote
} from './auth'
import { createLogLimiter, warnLimited } from './log-limit'
import { targetOf } from './public-url'

/** `undefined` when the request authenticates, else the coded 401 to answer with (its challenges in `headers`). */
export type AuthCheck = (request: FastifyRequest) => Error | undefined | Promise<Error | undefined>

const REFUSED = 'fastify-twilio-status: authentication refused'
const VERIFY_FAILED = 'fastify-twilio-status: authentication refused: the bearer verify function failed'

/** Refusals logged a minute, per reason, as for signatures. */
const REFUSAL_LOG_BURST = 5

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * `publicUrl`, when it has a path (a proxy strips `/api` before the app): a Digest `uri` is the
 * target Twilio requested, that path then the app's target.
 */
export function createAuthCheck (auth: AuthConfig, publicUrl: string | null = null): AuthCheck {
  const prefix = publicUrl === null ? '' : new URL(publicUrl).pathname.replace(/\/$/, '')
  const digest: DigestSettings | null = auth.digest === null
    ? null
    : { ...auth.digest, nonces: createNonces(nonceKey(auth.digest.realm, auth.digest.users), auth.digest.nonceTtl) }
  const basic = auth.basic
  const bearer = auth.bearer
  const admit = createLogLimiter(REFUSAL_LOG_BURST)

  /** One challenge per configured scheme, Digest (one per algorithm, a fresh nonce) first. */
  function challenges (stale: boolean, bearerError: boolean): string[] {
    const list: string[] = []
    if (digest !== null) {
      const nonce = digest.nonces.issue()
      for (const algorithm of digest.algorithms) list.push(digestChallenge(digest.realm, algorithm, nonce, stale))
    }
    if (basic !== null) list.push(`Basic realm=${quote(basic.realm)}, charset="UTF-8"`)
    // RFC 6750 §3.1: `invalid_token` once a token was presented and refused.
    if (bearer !== null) list.push(bearerError ? 'Bearer error="invalid_token"' : 'Bearer')
    return list
  }

  /**
   * A refusal, returned with its challenges. A request without credentials is the first leg of a
   * challenge (Twilio's password-protected URLs start so), logged at debug; wrong credentials at
   * warn, a few a minute.
   */
  function refuse (request: FastifyRequest, reason: string, err: Error, scheme: string | null, details?: Record<string, unknown>, message = REFUSED): Error {
    ;(err as Error & { headers?: Record<string, string[]> }).headers = {
      'www-authenticate': challenges(reason === 'stale-nonce', reason === 'invalid-credentials' && scheme === 'bearer')
    }
    if (reason === 'missing-credentials' || reason === 'stale-nonce') {
      request.log.debug({ reason, scheme }, REFUSED)
    } else {
      warnLimited(admit, reason, request.log, { reason, scheme, ...details }, message)
    }
    signatureRejected(reason, err)
    return err
  }

  const invalid = (request: FastifyRequest, scheme: string): Error => refuse(request, 'invalid-credentials', new InvalidCredentialsError(), scheme)

  function checkToken (request: FastifyRequest, token: string, settings: NonNullable<AuthConfig['bearer']>): Error | undefined | Promise<Error | undefined> {
    if (!TOKEN68.test(token)) return invalid(request, 'bearer')
    if (settings.tokens.length > 0 && checkBearer(token, settings.tokens)) return undefined
    const verify = settings.verify
    if (verify === null) return invalid(request, 'bearer')
    // The host's incident, so its error is logged (never the token): at warn, as any refusal.
    const failed = (err: unknown): Error => refuse(request, 'verify-failed', new InvalidCredentialsError(), 'bearer', { err }, VERIFY_FAILED)
    const verdict = (answer: unknown): Error | undefined => answer === true ? undefined : invalid(request, 'bearer')
    let answer: unknown
    try {
      answer = verify(token, request)
    } catch (err) {
      return failed(err)
    }
    return isThenable(answer) ? Promise.resolve(answer).then(verdict, failed) : verdict(answer)
  }

  return function checkAuthorization (request) {
    const header = request.headers.authorization
    const given = authorizationOf(header)
    if (given !== null) {
      if (given.scheme === 'basic' && basic !== null) {
        return checkBasic(given.rest, basic.users) ? undefined : invalid(request, 'basic')
      }
      if (given.scheme === 'digest' && digest !== null) {
        const params = digestParams(given.rest)
        const target = targetOf(request)
        const uri = prefix !== '' && params?.get('uri') === prefix + target ? prefix + target : target
        const verdict = params === null ? 'invalid' : checkDigest(params, request.method, uri, digest)
        if (verdict === 'ok') return undefined
        return verdict === 'stale' ? refuse(request, 'stale-nonce', new StaleNonceError(), 'digest') : invalid(request, 'digest')
      }
      if (given.scheme === 'bearer' && bearer !== null) return checkToken(request, given.rest, bearer)
    }
    // No credentials, or of a scheme not configured here: the challenge says which to send.
    return refuse(request, 'missing-credentials', new MissingCredentialsError(), given === null ? null : given.scheme.slice(0, 16))
  }
}
