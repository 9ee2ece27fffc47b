/** The handlers behind the plugin's routes, run once the preHandler has verified the request. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ChannelConfig, WebhookConfig } from '../config'
import { createHash } from 'node:crypto'
import type { Deliver, Delivery } from '../delivery/delivery'
import { CallbackFailedError, InvalidParamError, MissingSidError, MissingStatusError } from '../errors'
import type { FormParams } from '../verify/form'
import type { Parsed } from './body'
import { targetOf } from '../verify/public-url'
import { accountOf, accountParamOf, FAMILIES, isSingleValued } from '../families/index'
import { INVALID_JSON_PARAM, parseJsonParams } from '../families/json'
import { createLogLimiter, warnLimited } from '../verify/log-limit'
import { isThenable } from '../thenable'
import type { Decision, DecisionReply, Family } from '../families/family'
import { EMPTY_TWIML, twimlOf } from '../dispatch/twiml'
import { decodeDecision } from '../dispatch/decision'

type ParsedOf = (request: FastifyRequest) => Parsed

/** Warn lines a minute per route and parameter for JSON texts left unparsed: each event may carry one. */
const JSON_LOG_BURST = 5

/** The first of `names` present and not empty (Twilio never sends an empty status or Sid). */
function readParam (params: FormParams, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name] as string | undefined
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

/** A JSON body's nested value is not a Twilio parameter (`../verify/json-params`). */
function refuseNotText ({ notText }: Parsed): void {
  if (notText !== undefined) throw new InvalidParamError(notText)
}

/** An event's identity when no Sid names it (`Family.identity`): a digest of its signed parameters but `except`. */
export function identityOf (params: FormParams, except: readonly string[]): string {
  const names = Object.keys(params).filter((name) => !except.includes(name)).sort()
  const hash = createHash('sha256')
  for (const name of names) hash.update(JSON.stringify([name, params[name]]))
  return hash.digest('base64url').slice(0, 32)
}

/** What a verified request of `channel` is to deliver, or a coded 400 when it is not one of its events. */
export function eventReader (channel: ChannelConfig, parsedOf: ParsedOf): (request: FastifyRequest) => Delivery {
  const { statusParams: statusNames, sidParams: sidNames, statusless, identity, lowerStatus, jsonParams }: Family = FAMILIES[channel.channel]
  const accountParam = accountParamOf(channel.channel)
  const admitJsonLine = createLogLimiter(JSON_LOG_BURST)

  /** The status sent, or what a request without one is (an inbound message is `received`). */
  function statusOf (event: FormParams): string | undefined {
    const sent = readParam(event, statusNames)
    const status = lowerStatus === true ? sent?.toLowerCase() : sent
    if (status !== undefined || statusless === undefined) return status
    return statusless.by.some((name) => event[name] !== undefined) ? statusless.status : undefined
  }

  return function readEvent (request: FastifyRequest): Delivery {
    const parsed = parsedOf(request)
    refuseNotText(parsed)
    const { params: event, repeated } = parsed
    for (const name of repeated) {
      if (isSingleValued(channel.channel, name)) throw new InvalidParamError(name)
    }
    const status = statusOf(event)
    // A family with no status parameter is told apart by its Sid (an assignment's `ReservationSid`).
    if (status === undefined) throw statusNames.length === 0 ? new MissingSidError(sidNames[0]) : new MissingStatusError(statusNames[0])
    const sid = identity === undefined ? readParam(event, sidNames) : identityOf(event, identity.except)
    if (sid === undefined) throw new MissingSidError(sidNames[0])
    // Callbacks rely on `MessageStatus` and `MessageSid`; an inbound message carries at most the
    // legacy `SmsStatus` (docs/twilio-facts.md §2.3, §2.4).
    if (statusNames.length > 0) event[statusNames[0]] = status
    if (identity === undefined) event[sidNames[0]] = sid
    if (!channel.known.has(status)) {
      request.log.warn({ sid, status }, 'fastify-twilio-status: unknown status, acknowledged and passed to onAny only')
    }
    // JSON texts (`TaskAttributes`, `Payload`, …) parsed once into `event.parsed`. One that does not
    // parse is left out and logged, never refused: Twilio signed it and resends no 4xx.
    if (jsonParams !== undefined) {
      for (const param of parseJsonParams(event, jsonParams)) {
        warnLimited(admitJsonLine, param, request.log, { code: INVALID_JSON_PARAM, param, sid, status }, 'fastify-twilio-status: a JSON text parameter is not JSON of its documented shape; left out of event.parsed')
      }
    }
    // The account the signature check read. One a form names only in its signed query goes into
    // the event too, so that callbacks see it and a queued job's worker keys the event alike.
    const account = accountOf(event, targetOf(request), channel.channel)
    if (event[accountParam] === undefined && account !== '') event[accountParam] = account
    return { channel, account, status, sid, event, request }
  }
}

export function statusHandler (channel: ChannelConfig, parsedOf: ParsedOf, deliver: Deliver) {
  const readEvent = eventReader(channel, parsedOf)
  /** Synchronous while the delivery is, so the usual event costs no promise (docs/design.md, "Delivery"). */
  return function handleTwilioStatus (request: FastifyRequest, reply: FastifyReply): string | Promise<string> {
    const delivery = readEvent(request)
    reply.type('text/xml')
    return deliver(delivery)
  }
}

function fail ({ sid, status }: Delivery): never {
  throw new CallbackFailedError(sid, status)
}

/**
 * A family whose callbacks decide (`Family.decision`): a deciding status is answered with the
 * decision as JSON, or the family's fallback when the callback failed or is late; any other
 * status is a notification, answered with an empty 200.
 */
export function decisionHandler (channel: ChannelConfig, parsedOf: ParsedOf, deliver: Deliver, decision: Decision) {
  const readEvent = eventReader(channel, parsedOf)
  const deciding: ReadonlySet<string> = new Set(decision.statuses)
  return async function handleTwilioDecision (request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const delivery = readEvent(request)
    if (!deciding.has(delivery.status)) {
      await deliver(delivery)
      return await reply.code(200).send()
    }
    let answer: DecisionReply
    try {
      // A store holding no decision for the key (another program's value) counts as a failure.
      answer = decodeDecision(await deliver(delivery)) ?? fail(delivery)
    } catch (err) {
      if (decision.fallback === null) throw err
      request.log.error({ err, sid: delivery.sid, status: delivery.status }, 'fastify-twilio-status: decision failed or late, answered the fallback')
      answer = decision.fallback
    }
    return await reply.code(answer.statusCode).type('application/json').send(answer.body)
  }
}

/**
 * A notification family's route (`Family.ack`): once its event is delivered (or was already),
 * the empty answer Twilio asks for, whatever the callbacks returned; other families' as they are.
 */
export function acknowledging (channel: ChannelConfig, handler: (request: FastifyRequest, reply: FastifyReply) => string | Promise<string>): (request: FastifyRequest, reply: FastifyReply) => unknown {
  const { ack }: Family = FAMILIES[channel.channel]
  if (ack === undefined) return handler
  const { status, type } = ack
  const send = (reply: FastifyReply): undefined => {
    reply.code(status)
    if (type === undefined) reply.removeHeader('content-type')
    else reply.type(type)
    reply.send()
  }
  return function handleTwilioNotification (request, reply) {
    const delivered = handler(request, reply)
    return isThenable(delivered) ? Promise.resolve(delivered).then(() => send(reply)) : send(reply)
  }
}

/** A TwiML webhook: no idempotency (every request needs its own answer), TwiML from the handler. */
export function webhookHandler (webhook: WebhookConfig, parsedOf: ParsedOf) {
  const handler = webhook.handler as (request: FastifyRequest, reply: FastifyReply) => unknown
  return async function handleTwilioWebhook (request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    refuseNotText(parsedOf(request))
    const result = await handler(request, reply)
    if (reply.sent) return reply
    reply.type('text/xml')
    return twimlOf(result) ?? EMPTY_TWIML
  }
}
