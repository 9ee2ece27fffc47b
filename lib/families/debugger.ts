/**
 * The Debugger webhook (docs/twilio-facts.md §21): Twilio reporting an error or warning of the
 * account, such as a webhook of the app that failed (11200). `Level` is matched lower-cased.
 */
import type { Family } from './family'

export const DEBUGGER_LEVELS = ['error', 'warning'] as const

export const DEBUGGER_FIELDS = ['Sid', 'AccountSid', 'ParentAccountSid', 'Timestamp', 'Level', 'PayloadType', 'Payload'] as const

export const debuggerEvents = {
  path: '/twilio/debugger',
  statusParams: ['Level'],
  sidParams: ['Sid'],
  statuses: DEBUGGER_LEVELS,
  fields: DEBUGGER_FIELDS,
  keyParams: [],
  order: null,
  ack: { status: 204 },
  jsonParams: { Payload: 'object' },
  lowerStatus: true
} as const satisfies Family
