/**
 * Where an event stands in its subject's lifecycle, to discard ones that arrive after a later
 * one (docs/twilio-facts.md §4.4). Calls carry `SequenceNumber`; messages carry nothing, so their statuses are ranked.
 */
import type { Channel, MessageStatus } from '../dispatch/statuses'

/**
 * Message ranks, from the transitions in docs/twilio-facts.md §2.2: accepted/scheduled → queued → sending → sent →
 * one outcome, then possibly `read`. The outcomes share a rank because none follows another:
 * `delivered` and `undelivered` both stand, and `read` after `delivered` is progress. `canceled`
 * ends a scheduled message before it is queued. Inbound statuses are not ordered.
 */
export const MESSAGE_RANKS: Readonly<Partial<Record<MessageStatus, number>>> = Object.freeze({
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  canceled: 4,
  partially_delivered: 4,
  read: 5
})

const SEQUENCE = /^\d{1,15}$/

/**
 * The rank of an event, or `undefined` when it cannot be ordered (an inbound message, an
 * unknown status, a call without a usable `SequenceNumber`): such events are always dispatched.
 */
export function rankOf (channel: Channel, status: string, event: Record<string, unknown>): number | undefined {
  // Own keys only: a status such as `constructor` or `__proto__` must not read Object.prototype.
  if (channel === 'sms') return Object.hasOwn(MESSAGE_RANKS, status) ? MESSAGE_RANKS[status as MessageStatus] : undefined
  const sequence = event.SequenceNumber
  return typeof sequence === 'string' && SEQUENCE.test(sequence) ? Number(sequence) : undefined
}
