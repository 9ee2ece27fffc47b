/**
 * Realistic sample payloads for every message and call status, as Twilio posts them (docs/twilio-facts.md
 * §2.3, §2.4, §3.3). Deterministic, so tests can compare; Sids vary through `sampleSid`. Part of
 * the testing kit (`fastify-twilio-status/testing`); pure, no Fastify.
 */
import { bodyHash } from '../verify/signature'
import type { CallStatus, MessageStatus } from '../../types/index'

/** Form parameters as Twilio sends them: a repeated name holds every value, in order. */
export type TwilioFormParams = Record<string, string | string[]>

/** Changes to a sample payload: a value replaces or adds a parameter, `undefined` removes it. */
export type ParamOverrides = Readonly<Record<string, string | readonly string[] | undefined>>

// Twilio's own documentation numbers: the app's number and a customer's.
export const TWILIO_NUMBER = '+15017250604'
export const CUSTOMER_NUMBER = '+15558675310'
const ERROR_UNREACHABLE = '30003'
// Carrier delivery-report done date, `YYMMDDhhmm` (docs/twilio-facts.md §2.3).
const DLR_DONE_DATE = '2507171206'
// Calls start at a fixed instant so that samples are deterministic; `Timestamp` adds the step's offset.
export const CALL_START_MS = Date.UTC(2025, 6, 17, 12, 6, 0)

// When an override sets one of these, its legacy or duplicate twins in the sample follow it.
const TWINS: Readonly<Record<string, readonly string[]>> = {
  MessageSid: ['SmsSid', 'SmsMessageSid'],
  From: ['Caller'],
  To: ['Called']
}

/**
 * A Twilio-shaped Sid: a two-letter prefix (`SM`, `MM`, `CA`, `AC`, `MG`, …) and 32 lowercase hex
 * digits derived from `seed`. The same prefix and seed always give the same Sid, so tests that
 * need several messages or calls can number them: `sampleSid('SM', 1)`, `sampleSid('SM', 2)`.
 */
export function sampleSid (prefix: string, seed: string | number): string {
  if (!/^[A-Z]{2}$/.test(prefix)) {
    throw new TypeError(`fastify-twilio-status/testing: a Sid prefix is two capital letters such as "SM", got ${JSON.stringify(prefix)}`)
  }
  return prefix + bodyHash(`${prefix}:${seed}`).slice(0, 32)
}

export const ACCOUNT_SID = sampleSid('AC', 'sample')
const MESSAGE_SID = sampleSid('SM', 'sample')
const SERVICE_SID = sampleSid('MG', 'sample')
export const CALL_SID = sampleSid('CA', 'sample')

/** Parameters a status adds to the base message status callback (docs/twilio-facts.md §2.3). */
const MESSAGE_EXTRAS: Partial<Record<string, Readonly<Record<string, string>>>> = {
  // Only messages sent through a Messaging Service pass through these statuses.
  accepted: { MessagingServiceSid: SERVICE_SID },
  scheduled: { MessagingServiceSid: SERVICE_SID },
  queued: { MessagingServiceSid: SERVICE_SID },
  canceled: { MessagingServiceSid: SERVICE_SID },
  delivered: { RawDlrDoneDate: DLR_DONE_DATE },
  undelivered: { ErrorCode: ERROR_UNREACHABLE, RawDlrDoneDate: DLR_DONE_DATE },
  failed: { ErrorCode: ERROR_UNREACHABLE },
  // Read receipts exist on WhatsApp and RCS only.
  read: {
    From: `whatsapp:${TWILIO_NUMBER}`,
    To: `whatsapp:${CUSTOMER_NUMBER}`,
    ChannelPrefix: 'whatsapp',
    ChannelInstallSid: sampleSid('XE', 'sample'),
    EventType: 'READ'
  }
}

/** An inbound message (docs/twilio-facts.md §2.4): the customer writes to the app's number. */
function inboundMessage (status: string): Record<string, string> {
  return {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    MessagingServiceSid: SERVICE_SID,
    MessageSid: MESSAGE_SID,
    SmsSid: MESSAGE_SID,
    SmsMessageSid: MESSAGE_SID,
    // Inbound webhooks carry only the legacy status parameter.
    SmsStatus: status,
    From: CUSTOMER_NUMBER,
    To: TWILIO_NUMBER,
    Body: 'Hi! Is my order on its way?',
    NumMedia: '0',
    NumSegments: '1',
    FromCity: 'SAN FRANCISCO',
    FromState: 'CA',
    FromZip: '94103',
    FromCountry: 'US',
    ToCity: 'SAN FRANCISCO',
    ToState: 'CA',
    ToZip: '94105',
    ToCountry: 'US'
  }
}

/**
 * What Twilio posts for a message in `status`: a status callback (docs/twilio-facts.md §2.3), or for `receiving` and
 * `received` an inbound message webhook (docs/twilio-facts.md §2.4, which carries `SmsStatus` but no `MessageStatus`).
 * Undelivered and failed messages carry `ErrorCode` 30003; delivered and undelivered carry
 * `RawDlrDoneDate`. The same call gives the same payload; `overrides` change it, and setting
 * `MessageSid` also sets its legacy twins `SmsSid` and `SmsMessageSid`.
 */
export function sampleMessageEvent (status: MessageStatus | (string & {}), overrides: ParamOverrides = {}): TwilioFormParams {
  const sample = status === 'received' || status === 'receiving'
    ? inboundMessage(status)
    : {
        AccountSid: ACCOUNT_SID,
        ApiVersion: '2010-04-01',
        MessageSid: MESSAGE_SID,
        MessageStatus: status,
        SmsSid: MESSAGE_SID,
        SmsStatus: status,
        From: TWILIO_NUMBER,
        To: CUSTOMER_NUMBER,
        ...MESSAGE_EXTRAS[status]
      }
  return merge(sample, overrides)
}

/** Where a status sits in a call's life: `SequenceNumber`, seconds after the call started, extras. */
interface CallStep {
  readonly sequence: number
  readonly seconds: number
  readonly extras?: Readonly<Record<string, string>>
}

/** A terminal step: how long the call talked, and the SIP code it ended with (docs/twilio-facts.md §3.3). */
function ended (sequence: number, seconds: number, sipResponseCode: string, callDuration = 0): CallStep {
  // `Duration` is billed minutes, rounded up.
  const extras = { CallDuration: String(callDuration), Duration: String(Math.ceil(callDuration / 60)), SipResponseCode: sipResponseCode }
  return { sequence, seconds, extras }
}

const CALL_STEPS: Readonly<Record<CallStatus, CallStep>> = {
  queued: { sequence: 0, seconds: 0 },
  initiated: { sequence: 0, seconds: 0 },
  ringing: { sequence: 1, seconds: 1 },
  'in-progress': { sequence: 2, seconds: 6 },
  completed: ended(3, 48, '200', 42),
  busy: ended(2, 4, '486'),
  failed: ended(1, 1, '404'),
  'no-answer': ended(2, 61, '487'),
  canceled: ended(2, 10, '487')
}

/**
 * What Twilio posts to a call's status callback in `status` (docs/twilio-facts.md §3.3): an outbound API call from the
 * app's number, with `CallbackSource=call-progress-events`, a `SequenceNumber` and an RFC 2822
 * `Timestamp` that follow the call's life; terminal statuses add `CallDuration`, `Duration` and
 * `SipResponseCode`. The same call gives the same payload; `overrides` change it, and setting
 * `From` or `To` also sets `Caller` or `Called`.
 */
export function sampleCallEvent (status: CallStatus | (string & {}), overrides: ParamOverrides = {}): TwilioFormParams {
  const step: CallStep = CALL_STEPS[status as CallStatus] ?? CALL_STEPS.queued
  const sample = {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: CALL_SID,
    CallStatus: status,
    Direction: 'outbound-api',
    From: TWILIO_NUMBER,
    Caller: TWILIO_NUMBER,
    To: CUSTOMER_NUMBER,
    Called: CUSTOMER_NUMBER,
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(step.sequence),
    Timestamp: new Date(CALL_START_MS + step.seconds * 1000).toUTCString().replace('GMT', '+0000'),
    ...step.extras
  }
  return merge(sample, overrides)
}

export function merge (sample: Readonly<Record<string, string>>, overrides: ParamOverrides): TwilioFormParams {
  // A Map and `Object.fromEntries` keep names such as `__proto__` as plain parameters.
  const params = new Map<string, string | string[]>(Object.entries(sample))
  for (const [name, twins] of Object.entries(TWINS)) {
    const value = overrides[name]
    if (typeof value !== 'string') continue
    for (const twin of twins) if (params.has(twin) && !(twin in overrides)) params.set(twin, value)
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) params.delete(name)
    else params.set(name, typeof value === 'string' ? value : [...value])
  }
  return Object.fromEntries(params)
}
