/** The handlers behind the plugin's routes, run once the preHandler has verified the request. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ChannelConfig, WebhookConfig } from '../config'
import type { Deliver } from '../delivery/delivery'
import { InvalidParamError, MissingSidError, MissingStatusError } from '../errors'
import type { FormParams } from '../verify/form'
import type { Parsed } from './body'
import { targetOf } from '../verify/public-url'
import { accountOf, accountParamOf, FAMILIES, isSingleValued } from '../families/index'
import { parseJsonParams } from '../families/json'
import { isThenable } from '../thenable'
import type { Family } from '../families/family'
import { EMPTY_TWIML, twimlOf } from '../dispatch/twiml'

type ParsedOf = (request: FastifyRequest) => Parsed

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

export function statusHandler (channel: ChannelConfig, parsedOf: ParsedOf, deliver: Deliver) {
  const { statusParams: statusNames, sidParams: sidNames, statusless }: Family = FAMILIES[channel.channel]

  const { lowerStatus, jsonParams }: Family = FAMILIES[channel.channel]
  const accountParam = accountParamOf(channel.channel)

  /** The status sent, or what a request without one is (an inbound message is `received`). */
  function statusOf (event: FormParams): string | undefined {
    const sent = readParam(event, statusNames)
    const status = lowerStatus === true ? sent?.toLowerCase() : sent
    if (status !== undefined || statusless === undefined) return status
    return statusless.by.some((name) => event[name] !== undefined) ? statusless.status : undefined
  }

  /** Synchronous while the delivery is, so the usual event costs no promise (docs/design.md, "Delivery"). */
  return function handleTwilioStatus (request: FastifyRequest, reply: FastifyReply): string | Promise<string> {
    const parsed = parsedOf(request)
    refuseNotText(parsed)
    const { params: event, repeated } = parsed
    for (const name of repeated) {
      if (isSingleValued(channel.channel, name)) throw new InvalidParamError(name)
    }
    const status = statusOf(event)
    if (status === undefined) throw new MissingStatusError(statusNames[0])
    const sid = readParam(event, sidNames)
    if (sid === undefined) throw new MissingSidError(sidNames[0])
    // Callbacks rely on `MessageStatus` and `MessageSid`; an inbound message carries at most the
    // legacy `SmsStatus` (docs/twilio-facts.md §2.3, §2.4).
    event[statusNames[0]] = status
    event[sidNames[0]] = sid
    if (!channel.known.has(status)) {
      request.log.warn({ sid, status }, 'fastify-twilio-status: unknown status, acknowledged and passed to onAny only')
    }
    // The account the signature check read. One a form names only in its signed query goes into
    // the event too, so that callbacks see it and a queued job's worker keys the event alike.
    if (jsonParams !== undefined) parseJsonParams(event, jsonParams)
    const account = accountOf(event, targetOf(request), channel.channel)
    if (event[accountParam] === undefined && account !== '') event[accountParam] = account
    reply.type('text/xml')
    return deliver({ channel, account, status, sid, event, request })
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
