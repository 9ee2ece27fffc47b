/**
 * Queue mode's receiving side: a verified event becomes a BullMQ job keyed by its idempotency key.
 * An event whose reply carries TwiML, or whose add failed, runs inline instead (docs/queue.md).
 */
import type { QueueConfig } from '../config'
import { type Deliver, eventKey } from '../delivery/delivery'
import { withTimeout } from '../timeout'
import { EMPTY_TWIML } from '../dispatch/twiml'
import { QueueUnavailableError } from '../errors'
import type { ReconciledSource, TwilioJobData } from '../../types/index'
import type { Family } from '../families/family'
import { type Channel, CHANNELS, FAMILIES, type FormChannel } from '../families/index'

/** Per family, the statuses whose reply Twilio acts on (`Family.replyStatuses`): run inline. */
const INLINE = new Map<Channel, ReadonlySet<string>>(CHANNELS.map((channel) => [channel, new Set((FAMILIES[channel] as Family).replyStatuses)]))

/** A BullMQ job id from an idempotency key: BullMQ refuses ':' in custom ids (docs/design.md, "Redis store and queue mode"). */
export function jobIdOf (key: string): string {
  return encodeURIComponent(key)
}

export function needsInline (channel: Channel, status: string): boolean {
  return (INLINE.get(channel) as ReadonlySet<string>).has(status)
}

export function enqueueing (config: QueueConfig, deliver: Deliver): Deliver {
  const { queue, jobOptions, timeout, stats } = config
  const tooSlow = (): Error => new Error(`queue add took longer than ${timeout} ms`)
  return async function deliverOrEnqueue (delivery) {
    const { channel, status, sid, event, request } = delivery
    const name = channel.channel as FormChannel
    if (needsInline(name, status)) return await deliver(delivery)
    const data: TwilioJobData = { channel: name, status, sid, event: event as TwilioJobData['event'] }
    if ((request as Partial<ReconciledSource>).reconciled === true) Object.assign(data, { reconciled: true })
    try {
      await withTimeout(queue.add(`${name} ${status}`, data, { ...jobOptions, jobId: jobIdOf(eventKey(delivery) as string) }), timeout, tooSlow)
    } catch (err) {
      if (!channel.byStatus.has(status) && channel.onAny === undefined) {
        request.log.error({ err, sid, status }, 'fastify-twilio-status: queue add failed and no callback here to run the event inline; answered 503')
        throw new QueueUnavailableError(sid, status)
      }
      stats.fallbacks++
      request.log.error({ err, sid, status }, 'fastify-twilio-status: queue add failed, processing inline')
      return await deliver(delivery)
    }
    stats.enqueued++
    return EMPTY_TWIML
  }
}
