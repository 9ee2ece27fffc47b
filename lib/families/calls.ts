/** Voice call status callbacks (docs/twilio-facts.md §3.1–§3.3). */
import type { Family } from './family'
import { GEO_FIELDS } from './messages'

export const CALL_STATUSES = [
  'queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'
] as const

export const CALL_FIELDS = [
  'CallStatus', 'CallSid', 'AccountSid', 'From', 'To', 'ApiVersion', 'Direction', 'ForwardedFrom', 'CallerName',
  'ParentCallSid', 'Caller', 'Called', 'CallToken', 'CallerCity', 'CallerState', 'CallerZip', 'CallerCountry',
  'CalledCity', 'CalledState', 'CalledZip', 'CalledCountry', 'Timestamp', 'CallbackSource', 'SequenceNumber',
  'CallDuration', 'Duration', 'SipResponseCode', 'RecordingUrl', 'RecordingSid', 'RecordingDuration', 'StirStatus',
  'AnsweredBy', 'MachineDetectionDuration',
  ...GEO_FIELDS
] as const

export const calls = {
  path: '/twilio/call/status',
  statusParams: ['CallStatus'],
  sidParams: ['CallSid'],
  statuses: CALL_STATUSES,
  fields: CALL_FIELDS,
  // Each call event carries its place in the call (§3.3): two events of one status differ by it.
  keyParams: ['SequenceNumber'],
  // A call ends once (§3.2): its terminal status needs no SequenceNumber to be told apart.
  once: ['completed', 'busy', 'failed', 'no-answer', 'canceled'],
  order: { sequence: 'SequenceNumber' }
} as const satisfies Family
