/**
 * `twilioSignature(options)`: the plugin's verification as hooks for a host's own routes. Its
 * `preParsing` keeps the raw body, so the check sees what Twilio sent whatever the host's parser does.
 */
import { PassThrough, type Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { TwilioSignatureHook, TwilioSignatureOptions } from '../../types/index'
import { InvalidOptionError, RawBodyMissingError, UnsupportedBodyError } from '../errors'
import { rejectUnknownKeys } from '../options/checks'
import { type CheckResult, checksSignatures, createSignatureCheck, type SignedParts } from '../verify/check'
import { DEFAULT_MAX_PARAMS, type FormParams, parseForm } from '../verify/form'
import { normalizeVerifyOptions, VERIFY_KEYS } from '../options/verify'
import { targetOf } from '../verify/public-url'
import { accountSidOf, jsonObjectOf } from '../families/account'
import { signatureShape } from '../verify/signature'

const FORM = /^application\/x-www-form-urlencoded\s*(?:;|$)/i
// `application/json`, or a `+json` type such as Event Streams' CloudEvents (docs/twilio-facts.md §10.1).
const JSON_TYPES = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

/** The bodies Twilio signs: a form (its parameters) or JSON (`bodySHA256`); `null` for any other. */
function kindOf (request: FastifyRequest): 'form' | 'json' | null {
  const type = request.headers['content-type']
  if (type === undefined) return null
  return FORM.test(type) ? 'form' : JSON_TYPES.test(type) ? 'json' : null
}

/** A host parser's form, if it is one Twilio could have signed: text values only, no schema applied. */
function hostForm (request: FastifyRequest): FormParams | null {
  const body = request.body
  if (typeof body !== 'object' || body === null || request.routeOptions.schema?.body !== undefined) return null
  for (const value of Object.values(body)) {
    if (typeof value !== 'string' && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) return null
  }
  return body as FormParams
}

export function twilioSignature (options: TwilioSignatureOptions): TwilioSignatureHook {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('twilioSignature options must be an object')
  rejectUnknownKeys('twilioSignature.', options as unknown as Record<string, unknown>, VERIFY_KEYS)
  const config = normalizeVerifyOptions(options as unknown as Record<string, unknown>, true)
  const check = createSignatureCheck(config)
  // With `auth` alone no body is signed: none is read.
  const signatures = checksSignatures(config)
  // The AccountSid is read only for a token lookup, the one thing that asks for it.
  const lookup = config.tokenLookup !== null
  const raws = new WeakMap<FastifyRequest, string>()
  // Routes told (once each) that they lack the preParsing hook: as many as the app has routes.
  const warned = new Set<string>()

  function keepRawBody (request: FastifyRequest, _reply: FastifyReply, payload: Readable, done: (err: Error | null, body?: Readable) => void): void {
    if (kindOf(request) === null) return done(null, payload)
    // Fastify resolves every route's limit (its own, the instance's, or 1 MiB).
    const limit = request.routeOptions.bodyLimit as number
    const chunks: Buffer[] = []
    let size = 0
    const tee = new PassThrough() as PassThrough & { receivedEncodedLength?: number }
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length
      tee.receivedEncodedLength = size
      // Past the limit Fastify answers 413; nothing more is kept.
      if (size <= limit) chunks.push(chunk)
    })
    payload.on('end', () => { if (size <= limit) raws.set(request, Buffer.concat(chunks).toString('utf8')) })
    payload.on('error', (err) => tee.destroy(err))
    payload.pipe(tee)
    done(null, tee)
  }

  /** The body cannot be verified without its raw text: a 403 and, once per route, the fix. */
  function rawBodyMissing (request: FastifyRequest): Error {
    const route = `${request.method} ${String(request.routeOptions.url)}`
    if (!warned.has(route)) {
      warned.add(route)
      request.log.warn({ route }, 'fastify-twilio-status: this route\'s body cannot be verified without the preParsing hook of twilioSignature(): add `preParsing: verify.preParsing` beside `preHandler: verify`; until then it answers 403 FST_TWILIO_RAW_BODY_MISSING')
    }
    return new RawBodyMissingError()
  }

  /** What Twilio signed, read from the raw text where there is a body, or why it cannot be known. */
  function signedPartsOf (request: FastifyRequest): SignedParts | Error {
    const target = targetOf(request)
    // The AccountSid (for a token lookup only) is the one the plugin's routes key events by: the
    // body's, else the signed query's (`accountSidOf`).
    // No body: the URL alone is signed (a GET), and the query is all the request names.
    if (request.body === undefined) return { target, signed: null, accountSid: lookup ? accountSidOf(null, target) : undefined }
    const kind = kindOf(request)
    if (kind === null) return new UnsupportedBodyError()
    const raw = raws.get(request)
    if (kind === 'json') {
      if (raw === undefined) return rawBodyMissing(request)
      return { target, signed: null, raw, accountSid: lookup ? accountSidOf(jsonObjectOf(raw), target) : undefined }
    }
    const params = raw === undefined ? hostForm(request) : parseForm(raw, DEFAULT_MAX_PARAMS)
    if (params === null) return rawBodyMissing(request)
    return { target, signed: params, accountSid: lookup ? accountSidOf(params, target) : undefined }
  }

  function verifyTwilioSignature (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const signature = request.headers['x-twilio-signature']
    let parts: SignedParts | Error
    if (!signatures || typeof signature !== 'string' || signatureShape(signature) === null) {
      // No signature, or none that can be an HMAC: the check refuses it (and logs it) from the
      // headers alone, so no body is read and no token looked up for it. Nor with `auth` alone.
      parts = { target: targetOf(request), signed: null, accountSid: undefined }
    } else {
      try {
        parts = signedPartsOf(request)
      } catch (malformed) {
        // parseForm's coded 400s: broken percent-encoding, more than DEFAULT_MAX_PARAMS parameters.
        return done(malformed as Error)
      }
      if (parts instanceof Error) return done(parts)
    }
    const checked: CheckResult | Promise<CheckResult> = check(request, parts)
    if (checked === undefined || checked instanceof Error) done(checked)
    else checked.then(done, done)
  }

  return Object.assign(verifyTwilioSignature, { preParsing: keepRawBody })
}
