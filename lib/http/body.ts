/**
 * The plugin context's strict body parsers, which keep what Twilio signed beside `request.body`,
 * and `verifyTwilioSignature`, the preHandler of every plugin route.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { errorBody } from './error-handler'
import { accountSidOf } from '../families/account'
import { type FormParams, parseForm } from '../verify/form'
import { jsonParams } from '../verify/json-params'
import { targetOf } from '../verify/public-url'
import type { Params } from '../verify/signature'
import type { SignatureCheck } from '../verify/check'

/** What the plugin's parsers read, beside `request.body` (which is the parameters alone). */
export interface Parsed {
  readonly params: FormParams
  /** Form parameters as signed; `null` for GET and JSON (the URL is signed instead). */
  readonly signed: Params | null
  /** JSON only: the raw text, hashed against `bodySHA256`. */
  readonly raw: string | undefined
  /** Names given more than once (a JSON list counts): refused when Twilio sends them once. */
  readonly repeated: readonly string[]
  /** JSON only: the parsed body (an Event Streams batch is an array, with no parameters). */
  readonly json?: unknown
  /** JSON only: the first name whose value is not text (nested), left out of `params`; the routes refuse it. */
  readonly notText?: string
}

const kParsed = Symbol('fastify-twilio-status.parsed')
type TwilioRequest = FastifyRequest & { [kParsed]: Parsed | null }

const NONE: readonly string[] = Object.freeze([])

export interface TwilioBodies {
  /**
   * What this request carries. A GET has its parameters in the query string and signs only the
   * URL (docs/twilio-facts.md §1.3); a POST without a body has none. Either way `request.body` becomes the parameters.
   */
  parsedOf (request: FastifyRequest): Parsed
  /** The preHandler hook of the plugin's routes; `null` with `validate: false`. */
  readonly verifyTwilioSignature: ((request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void) | null
  /** The same hook for a family that names its account in another parameter (Verify's `account_sid`). */
  verifierFor (accountParam: string): TwilioBodies['verifyTwilioSignature']
}

/** Install the parsers in the plugin's (encapsulated) context and build its hook. */
export function twilioBodies (fastify: FastifyInstance, maxParams: number, checkSignature: SignatureCheck | null): TwilioBodies {
  function formParsed (text: string, signed: boolean): Parsed {
    const repeated: string[] = []
    const params = parseForm(text, maxParams, repeated)
    return { params, signed: signed ? params : null, raw: undefined, repeated: repeated.length === 0 ? NONE : repeated }
  }

  function parsedOf (request: FastifyRequest): Parsed {
    let parsed = (request as TwilioRequest)[kParsed]
    if (parsed === null) {
      const target = targetOf(request)
      const query = target.indexOf('?')
      parsed = request.method === 'GET' ? formParsed(query === -1 ? '' : target.slice(query + 1), false) : formParsed('', true)
      ;(request as TwilioRequest)[kParsed] = parsed
      request.body = parsed.params
    }
    return parsed
  }

  fastify.decorateRequest(kParsed, null)
  // Only our parsers in this context. A host's own parsers (even @fastify/formbody) stay
  // untouched outside it.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' },
    function parseFormBody (request, body, done) {
      const parsed = formParsed(body as string, true)
      ;(request as TwilioRequest)[kParsed] = parsed
      done(null, parsed.params)
    })
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  // Event Streams' batches may also be labelled as CloudEvents, one event or a batch (docs/twilio-facts.md §10.1).
  fastify.addContentTypeParser(['application/json', 'application/cloudevents-batch+json', 'application/cloudevents+json'], { parseAs: 'string' },
    function parseJsonBody (request, body, done) {
      parseJson(request, body as string, (err, json) => {
        if (err !== null) return done(err, undefined)
        const repeated: string[] = []
        const notText: string[] = []
        let params: FormParams
        try {
          params = jsonParams(json, maxParams, repeated, notText)
        } catch (invalid) {
          return done(invalid as Error, undefined)
        }
        ;(request as TwilioRequest)[kParsed] = { params, signed: null, raw: body as string, repeated, json, notText: notText[0] }
        done(null, params)
      })
    })

  /**
   * A refused request (a coded 403, or a 401 with its `WWW-Authenticate` challenges, already
   * logged) is answered here with the error handler's body, skipping Fastify's error path
   * (docs/design.md, "Verification").
   */
  function refuse (reply: FastifyReply, refused: FastifyError & { headers?: Record<string, string[]> }): void {
    const status = refused.statusCode as number
    if (refused.headers !== undefined) reply.headers(refused.headers)
    reply.code(status).send(errorBody(status, refused))
  }

  function verifierFor (accountParam: string) {
    return function verifyTwilioSignature (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      const parsed = parsedOf(request)
      const target = targetOf(request)
      // The rule that keys the event (`accountOf`): an event belongs to the account that verified it.
      const checked = (checkSignature as SignatureCheck)(request, {
        target, signed: parsed.signed, raw: parsed.raw, accountSid: accountSidOf(parsed.params, target, accountParam)
      })
      if (checked === undefined) done()
      else if (checked instanceof Error) refuse(reply, checked as FastifyError)
      else checked.then((refused) => { refused === undefined ? done() : refuse(reply, refused as FastifyError) }, done)
    }
  }

  const verifyTwilioSignature = verifierFor('AccountSid')
  return {
    parsedOf,
    verifyTwilioSignature: checkSignature === null ? null : verifyTwilioSignature,
    verifierFor: (accountParam) => checkSignature === null ? null : accountParam === 'AccountSid' ? verifyTwilioSignature : verifierFor(accountParam)
  }
}
