/**
 * Verify Push webhooks, a Verify Service's webhook (docs/twilio-facts.md §20): notifications by
 * `type`, deduplicated by `uuid`, the account named in snake_case `account_sid`.
 */
import type { Family } from './family'

export const VERIFY_EVENTS = ['factor.created', 'factor.verified', 'factor.deleted', 'challenge.approved', 'challenge.denied'] as const

export const VERIFY_FIELDS = [
  'uuid', 'type', 'account_sid', 'service_sid', 'entity_identity', 'factor_sid', 'factor_type',
  // Beyond the first rows of Twilio's table: unverified (§20.2).
  'factor_friendly_name', 'challenge_sid', 'challenge_details'
] as const

export const verify = {
  path: '/twilio/verify',
  statusParams: ['type'],
  sidParams: ['uuid'],
  statuses: VERIFY_EVENTS,
  fields: VERIFY_FIELDS,
  keyParams: [],
  order: null,
  ack: { status: 204 },
  accountParam: 'account_sid'
} as const satisfies Family
