/**
 * Every status Twilio sends, defined once. The status unions, the callback names and the
 * runtime lookups all derive from these two arrays (docs/twilio-facts.md §2.2 and §3.1).
 */
export const MESSAGE_STATUSES = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'read',
  'canceled',
  'partially_delivered',
  'receiving',
  'received'
] as const

export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled'
] as const

export type MessageStatus = typeof MESSAGE_STATUSES[number]
export type CallStatus = typeof CALL_STATUSES[number]
export type Channel = 'sms' | 'call'

/** `no-answer` → `NoAnswer`, `partially_delivered` → `PartiallyDelivered`. */
export type PascalStatus<S extends string> =
  S extends `${infer A}-${infer B}` ? `${Capitalize<A>}${PascalStatus<B>}`
    : S extends `${infer A}_${infer B}` ? `${Capitalize<A>}${PascalStatus<B>}`
      : Capitalize<S>

/** The option name of a status's callback: `no-answer` → `onNoAnswer`. */
export type CallbackName<S extends string> = `on${PascalStatus<S>}`

/** Runtime twin of {@link CallbackName}. */
export function callbackName<S extends string> (status: S): CallbackName<S> {
  let name = 'on'
  for (const part of status.split(/[-_]/)) name += part.charAt(0).toUpperCase() + part.slice(1)
  return name as CallbackName<S>
}

/** Each channel's route unless its `path` option says otherwise (the testing kit signs for the same). */
export const DEFAULT_PATHS: Readonly<Record<Channel, string>> = { sms: '/twilio/sms/status', call: '/twilio/call/status' }

/** The parameter that carries the status, per channel, in the order they are read. */
export const STATUS_PARAMS: Readonly<Record<Channel, readonly string[]>> = {
  // `SmsStatus` is the legacy twin of `MessageStatus` (docs/twilio-facts.md §2.3); read it only when the new one is absent.
  sms: ['MessageStatus', 'SmsStatus'],
  call: ['CallStatus']
}

export const STATUSES: Readonly<Record<Channel, readonly string[]>> = {
  sms: MESSAGE_STATUSES,
  call: CALL_STATUSES
}

/** The parameter that names the event's subject, per channel (legacy twin second). */
export const SID_PARAMS: Readonly<Record<Channel, readonly string[]>> = {
  sms: ['MessageSid', 'SmsSid'],
  call: ['CallSid']
}
