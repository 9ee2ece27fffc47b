/**
 * The handler of an Event Streams sink (docs/twilio-facts.md §10): each event of a batch delivered
 * on its own; 204 when all were handled, else 500 (503 for the deadline alone) so the batch is retried.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { ChannelConfig } from '../config'
import type { createDelivery } from '../delivery/delivery'
import { InvalidEventsError } from '../errors'
import { accountOf } from '../families/index'
import type { Parsed } from './body'
import { targetOf } from '../verify/public-url'

/** One event's outcome in a reply that is not 204. */
interface Outcome {
  readonly id: string
  readonly type: string
  readonly outcome: 'handled' | 'failed' | 'late'
  readonly code?: string
}

const SINGLE_EVENT = /^application\/cloudevents\+json\s*(?:;|$)/i

type Event = Record<string, unknown> & { id: string, type: string }

function isEvent (value: unknown): value is Event {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    typeof (value as { id?: unknown }).id === 'string' && (value as { id: string }).id !== '' &&
    typeof (value as { type?: unknown }).type === 'string'
}

/**
 * The events of a body: Event Streams posts an array (§10.1); the CloudEvents JSON format's own
 * media type carries one event (structured mode), a batch of one here. Any other object is not
 * a batch, whatever it holds.
 */
function eventsOf (request: FastifyRequest, json: unknown): readonly unknown[] {
  if (Array.isArray(json)) return json
  if (typeof json === 'object' && json !== null && SINGLE_EVENT.test(request.headers['content-type'] as string)) return [json]
  throw new InvalidEventsError('the body is not a JSON array')
}

/** `data` is an object in current events, a JSON string in older ones (§10.2): callbacks get the object. */
function withData (event: Record<string, unknown>): Record<string, unknown> {
  if (typeof event.data !== 'string') return event
  try {
    return { ...event, data: JSON.parse(event.data) as unknown }
  } catch {
    return event
  }
}

export function eventStreamsHandler (channel: ChannelConfig, parsedOf: (request: FastifyRequest) => Parsed, deliver: ReturnType<typeof createDelivery>) {
  return async function handleTwilioEventStreams (request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const batch = eventsOf(request, parsedOf(request).json)
    const bad = batch.findIndex((event) => !isEvent(event))
    if (bad !== -1) throw new InvalidEventsError(`event ${bad} has no text id and type`)
    // The account the signature check read, once for the batch: a batch names none in its body,
    // so it is the sink URL's ?AccountSid= (see `accountOf`).
    const account = accountOf(parsedOf(request).params, targetOf(request))
    const outcomes = await Promise.all((batch as readonly Event[]).map(async (raw): Promise<Outcome> => {
      const { id, type } = raw
      if (!channel.known.has(type)) request.log.info({ id, type }, 'fastify-twilio-status: Event Streams type without a callback of its own, passed to onAny')
      try {
        await deliver({ channel, account, status: type, sid: id, event: withData(raw), request })
        return { id, type, outcome: 'handled' }
      } catch (err) {
        const code = (err as FastifyError).code
        request.log.error({ err, id, type }, 'fastify-twilio-status: Event Streams event failed')
        return { id, type, outcome: code === 'FST_TWILIO_DEADLINE' ? 'late' : 'failed', code }
      }
    }))
    const failed = outcomes.filter((o) => o.outcome !== 'handled')
    if (failed.length === 0) return await reply.code(204).send()
    const statusCode = failed.every((o) => o.outcome === 'late') ? 503 : 500
    return await reply.code(statusCode).send({
      statusCode,
      code: 'FST_TWILIO_EVENTS_FAILED',
      error: STATUS_CODES[statusCode],
      message: `${failed.length} of ${outcomes.length} events not handled; a redelivery runs only those`,
      events: outcomes
    })
  }
}
