/**
 * The Fastify adapter: an encapsulated context with its own body parsers and error handler, the
 * status routes and any TwiML webhook routes the host declares. Every route checks
 * `X-Twilio-Signature` in its preHandler hook, before its handler runs; the status handler then
 * dispatches by status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { createDelivery } from './delivery'
import { InvalidParamError, MissingSidError, MissingStatusError } from './errors'
import { twilioErrorHandler } from './error-handler'
import { isSingleValued } from './fields'
import { type FormParams, parseForm } from './form'
import { jsonParams } from './json-params'
import { type ChannelConfig, normalizeOptions, type WebhookConfig } from './options'
import { targetOf } from './public-url'
import type { Params } from './signature'
import { SID_PARAMS, STATUS_PARAMS } from './statuses'
import { EMPTY_TWIML, twimlOf } from './twiml'
import { createSignatureCheck } from './verify'

/** What the plugin's parsers read, beside `request.body` (which is the parameters alone). */
interface Parsed {
  readonly params: FormParams
  /** Form parameters as signed; `null` for GET and JSON (the URL is signed instead). */
  readonly signed: Params | null
  /** JSON only: the raw text, hashed against `bodySHA256`. */
  readonly raw: string | undefined
  /** Names given more than once (a JSON list counts): refused when Twilio sends them once. */
  readonly repeated: readonly string[]
}

const kParsed = Symbol('fastify-twilio-status.parsed')
type TwilioRequest = FastifyRequest & { [kParsed]: Parsed | null }

const NONE: readonly string[] = Object.freeze([])

/** The first of `names` present and not empty (Twilio never sends an empty status or Sid). */
function readParam (params: FormParams, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name] as string | undefined
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

async function fastifyTwilioStatus (fastify: FastifyInstance, options: FastifyTwilioStatusOptions): Promise<void> {
  const config = normalizeOptions(options)
  const { maxParams } = config
  const checkSignature = config.validate ? createSignatureCheck(config.verify) : null
  const deliver = createDelivery(config.delivery)
  if (checkSignature === null) {
    fastify.log.warn('fastify-twilio-status: validate is false, X-Twilio-Signature is NOT checked; anyone can call these routes')
  }

  function formParsed (text: string, signed: boolean): Parsed {
    const repeated: string[] = []
    const params = parseForm(text, maxParams, repeated)
    return { params, signed: signed ? params : null, raw: undefined, repeated: repeated.length === 0 ? NONE : repeated }
  }

  /**
   * What this request carries. A GET has its parameters in the query string and signs only the
   * URL (§1.3); a POST without a body has none. Either way `request.body` becomes the parameters.
   */
  function parsedOf (request: TwilioRequest): Parsed {
    let parsed = request[kParsed]
    if (parsed === null) {
      const target = targetOf(request)
      const query = target.indexOf('?')
      parsed = request.method === 'GET' ? formParsed(query === -1 ? '' : target.slice(query + 1), false) : formParsed('', true)
      request[kParsed] = parsed
      request.body = parsed.params
    }
    return parsed
  }

  fastify.decorateRequest(kParsed, null)
  fastify.setErrorHandler(twilioErrorHandler)
  // Only our parsers in this context: form (strict, prototype-free) and JSON kept raw for
  // `bodySHA256`. A host's own parsers (even @fastify/formbody) stay untouched outside it.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' },
    function parseFormBody (request, body, done) {
      const parsed = formParsed(body as string, true)
      ;(request as TwilioRequest)[kParsed] = parsed
      done(null, parsed.params)
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
        ;(request as TwilioRequest)[kParsed] = { params, signed: null, raw: body as string, repeated }
        done(null, params)
      })
    })

  /** The preHandler of every route here: nothing runs before the signature is checked. */
  function verifyTwilioSignature (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const parsed = parsedOf(request as TwilioRequest)
    let checked: void | Promise<void>
    try {
      checked = (checkSignature as NonNullable<typeof checkSignature>)(request, {
        target: targetOf(request), signed: parsed.signed, raw: parsed.raw, accountSid: parsed.params.AccountSid
      })
    } catch (err) {
      return done(err as Error)
    }
    if (checked === undefined) done()
    else checked.then(() => { done() }, done)
  }

  function makeStatusHandler (channel: ChannelConfig) {
    const statusNames = STATUS_PARAMS[channel.channel]
    const sidNames = SID_PARAMS[channel.channel]

    return async function handleTwilioStatus (request: FastifyRequest, reply: FastifyReply): Promise<string> {
      const { params: event, repeated } = parsedOf(request as TwilioRequest)
      for (const name of repeated) {
        if (isSingleValued(channel.channel, name)) throw new InvalidParamError(name)
      }
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

  /** A TwiML webhook: no idempotency (every request needs its own answer), TwiML from the handler. */
  function makeWebhookHandler (webhook: WebhookConfig) {
    const handler = webhook.handler as (request: FastifyRequest, reply: FastifyReply) => unknown
    return async function handleTwilioWebhook (request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      parsedOf(request as TwilioRequest)
      const result = await handler(request, reply)
      if (reply.sent) return reply
      reply.type('text/xml')
      return twimlOf(result) ?? EMPTY_TWIML
    }
  }

  const preHandler = checkSignature === null ? undefined : verifyTwilioSignature
  for (const channel of config.channels) {
    fastify.route({
      method: ['POST', 'GET'],
      url: channel.path,
      bodyLimit: config.bodyLimit,
      exposeHeadRoute: false,
      preHandler,
      handler: makeStatusHandler(channel)
    })
  }
  for (const webhook of config.webhooks) {
    fastify.route({
      method: [...webhook.method],
      url: webhook.url,
      bodyLimit: config.bodyLimit,
      exposeHeadRoute: false,
      preHandler,
      handler: makeWebhookHandler(webhook)
    })
  }
}

export { fastifyTwilioStatus }
