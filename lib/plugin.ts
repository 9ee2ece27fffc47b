/**
 * The Fastify adapter: an encapsulated context with its own body parsers and one route per
 * channel. Each request is verified before any callback runs, then dispatched by status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { createDelivery } from './delivery'
import {
  BodyHashMismatchError, InvalidSignatureError, MalformedSignatureError, MissingSignatureError,
  MissingStatusError, InvalidParamError
} from './errors'
import { parseForm } from './form'
import { type ChannelConfig, normalizeOptions } from './options'
import { signedUrl } from './public-url'
import { createVerifier, type Params, type RejectReason } from './signature'
import { SID_PARAMS, STATUS_PARAMS } from './statuses'

/** What the plugin's body parsers produce. */
interface ParsedBody {
  /** The event: form parameters, or the parsed JSON object. */
  readonly params: Record<string, unknown>
  /** Form parameters as signed; `null` for JSON (the URL and `bodySHA256` are signed instead). */
  readonly signed: Params | null
  /** JSON only: the raw text, hashed against `bodySHA256`. */
  readonly raw?: string
}

const REJECTIONS: Record<RejectReason, new () => Error> = {
  missing: MissingSignatureError,
  malformed: MalformedSignatureError,
  mismatch: InvalidSignatureError,
  'body-hash': BodyHashMismatchError
}

function formBody (text: string): ParsedBody {
  const params = parseForm(text)
  return { params, signed: params }
}

/** A GET carries its parameters in the query string, and signs only the URL (§1.3). */
function queryBody (target: string): ParsedBody {
  const query = target.indexOf('?')
  return { params: parseForm(query === -1 ? '' : target.slice(query + 1)), signed: null }
}

/** The first of `names` present, as one string; a repeated or non-text one is an error. */
function readParam (params: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name]
    if (value === undefined) continue
    if (typeof value !== 'string') throw new InvalidParamError(name)
    return value
  }
  return undefined
}

async function fastifyTwilioStatus (fastify: FastifyInstance, options: FastifyTwilioStatusOptions): Promise<void> {
  const config = normalizeOptions(options)
  const verify = config.validate ? createVerifier(config.tokens) : null
  const deliver = createDelivery(config.delivery)
  if (verify === null) {
    fastify.log.warn('fastify-twilio-status: validate is false, X-Twilio-Signature is NOT checked; anyone can call these routes')
  }

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
        const params = typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {}
        done(err, err === null ? { params, signed: null, raw: body } : undefined)
      })
    })

  function makeHandler (channel: ChannelConfig) {
    const statusNames = STATUS_PARAMS[channel.channel]
    const sidNames = SID_PARAMS[channel.channel]

    return async function handleTwilioStatus (request: FastifyRequest, reply: FastifyReply): Promise<string> {
      const target = request.raw.url as string
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
      const event = body.params
      const status = readParam(event, statusNames)
      if (status === undefined) throw new MissingStatusError(statusNames[0])
      // Callbacks rely on `MessageStatus`; Twilio's legacy form sends only `SmsStatus` (§2.3).
      event[statusNames[0]] = status
      const sid = readParam(event, sidNames) ?? ''
      if (!channel.known.has(status)) {
        request.log.warn({ sid, status }, 'fastify-twilio-status: unknown status, acknowledged and passed to onAny only')
      }
      const token = request.headers['i-twilio-idempotency-token']
      const twiml = await deliver({ channel, status, sid, event, request, token: typeof token === 'string' ? token : undefined })
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
