/**
 * The Fastify adapter: an encapsulated context with its own body parsers, error handler and one
 * route per channel. Each request is verified before any callback runs, then dispatched by status.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { createDelivery } from './delivery'
import {
  BodyHashMismatchError, InvalidSignatureError, MalformedSignatureError, MissingSignatureError,
  MissingSidError, MissingStatusError, InvalidParamError
} from './errors'
import { isSingleValued } from './fields'
import { type FormParams, parseForm } from './form'
import { jsonParams } from './json-params'
import { type ChannelConfig, normalizeOptions } from './options'
import { signedUrl } from './public-url'
import { createVerifier, type Params, type RejectReason } from './signature'
import { SID_PARAMS, STATUS_PARAMS } from './statuses'

/** What the plugin's body parsers produce. */
interface ParsedBody {
  /** The event: form parameters, or the JSON object's, as text. */
  readonly params: FormParams
  /** Form parameters as signed; `null` for JSON (the URL and `bodySHA256` are signed instead). */
  readonly signed: Params | null
  /** JSON only: the raw text, hashed against `bodySHA256`. */
  readonly raw?: string
  /** Names given more than once (a JSON list counts): refused when Twilio sends them once. */
  readonly repeated: readonly string[]
}

const NONE: readonly string[] = Object.freeze([])

const REJECTIONS: Record<RejectReason, new () => Error> = {
  missing: MissingSignatureError,
  malformed: MalformedSignatureError,
  mismatch: InvalidSignatureError,
  'body-hash': BodyHashMismatchError
}

/** The first of `names` present and not empty (Twilio never sends an empty status or Sid). */
function readParam (params: FormParams, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name] as string | undefined
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

/**
 * Twilio's view of a request must not depend on the host's error handler: 403 forged, 400
 * malformed, 500 failed, 503 deadline. Fastify's own 4xx (413, 415, bad JSON) keep their status;
 * any other error is a 500 whose message is not echoed.
 */
function twilioErrorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode
  const statusCode = status !== undefined && status >= 400 && status < 600 ? status : 500
  const coded = typeof error.code === 'string' && error.code.startsWith('FST_')
  if (statusCode >= 500) request.log.error({ err: error }, error.message)
  else request.log.info({ err: error }, error.message)
  reply.code(statusCode).send({
    statusCode,
    code: coded ? error.code : undefined,
    error: STATUS_CODES[statusCode],
    message: coded ? error.message : 'Internal Server Error'
  })
}

async function fastifyTwilioStatus (fastify: FastifyInstance, options: FastifyTwilioStatusOptions): Promise<void> {
  const config = normalizeOptions(options)
  const { maxParams } = config
  const verify = config.validate ? createVerifier(config.tokens) : null
  const deliver = createDelivery(config.delivery)
  if (verify === null) {
    fastify.log.warn('fastify-twilio-status: validate is false, X-Twilio-Signature is NOT checked; anyone can call these routes')
  }

  function formBody (text: string): ParsedBody {
    const repeated: string[] = []
    const params = parseForm(text, maxParams, repeated)
    return { params, signed: params, repeated: repeated.length === 0 ? NONE : repeated }
  }

  /** A GET carries its parameters in the query string, and signs only the URL (§1.3). */
  function queryBody (target: string): ParsedBody {
    const query = target.indexOf('?')
    const { params, repeated } = formBody(query === -1 ? '' : target.slice(query + 1))
    return { params, signed: null, repeated }
  }

  fastify.setErrorHandler(twilioErrorHandler)
  // Only our parsers in this context: form (strict, prototype-free) and JSON kept raw for
  // `bodySHA256`. A host's own parsers (even @fastify/formbody) stay untouched outside it.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' },
    function parseFormBody (_request, body, done) {
      done(null, formBody(body as string))
    })
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' },
    function parseJsonBody (request, body, done) {
      parseJson(request, body as string, (err, json) => {
        if (err !== null) return done(err, undefined)
        const repeated: string[] = []
        let params: FormParams
        try {
          params = jsonParams(json, maxParams, repeated)
        } catch (invalid) {
          return done(invalid as Error, undefined)
        }
        done(null, { params, signed: null, raw: body as string, repeated })
      })
    })

  function makeHandler (channel: ChannelConfig) {
    const statusNames = STATUS_PARAMS[channel.channel]
    const sidNames = SID_PARAMS[channel.channel]

    return async function handleTwilioStatus (request: FastifyRequest, reply: FastifyReply): Promise<string> {
      // Twilio signed the target it requested: before any `rewriteUrl` of the host's.
      const target = (request.raw as { originalUrl?: string }).originalUrl ?? request.raw.url as string
      const body = (request.body as ParsedBody | undefined) ?? (request.method === 'GET' ? queryBody(target) : formBody(''))
      if (verify !== null) {
        const verdict = verify({
          signature: request.headers['x-twilio-signature'],
          url: signedUrl(config.publicUrl, request, target),
          params: body.signed,
          rawBody: body.raw
        })
        if (!verdict.valid) {
          request.log.warn({ reason: verdict.reason, urls: verdict.urls }, 'fastify-twilio-status: signature rejected')
          throw new REJECTIONS[verdict.reason]()
        }
      }
      for (const name of body.repeated) {
        if (isSingleValued(channel.channel, name)) throw new InvalidParamError(name)
      }
      const event = body.params
      const status = readParam(event, statusNames)
      if (status === undefined) throw new MissingStatusError(statusNames[0])
      const sid = readParam(event, sidNames)
      if (sid === undefined) throw new MissingSidError(sidNames[0])
      // Callbacks rely on `MessageStatus` and `MessageSid`; Twilio's legacy form sends only
      // `SmsStatus` and `SmsSid` (§2.3).
      event[statusNames[0]] = status
      event[sidNames[0]] = sid
      if (!channel.known.has(status)) {
        request.log.warn({ sid, status }, 'fastify-twilio-status: unknown status, acknowledged and passed to onAny only')
      }
      const twiml = await deliver({ channel, status, sid, event, request })
      reply.type('text/xml')
      return twiml
    }
  }

  for (const channel of config.channels) {
    fastify.route({
      method: ['POST', 'GET'],
      url: channel.path,
      bodyLimit: config.bodyLimit,
      exposeHeadRoute: false,
      handler: makeHandler(channel)
    })
  }
}

export { fastifyTwilioStatus }
