/**
 * Message status callbacks and inbound messages (docs/twilio-facts.md §2.2–§2.4): SMS, MMS,
 * WhatsApp and RCS.
 */
import type { Family } from './family'

export const MESSAGE_STATUSES = [
  'accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read', 'canceled',
  'partially_delivered', 'receiving', 'received'
] as const

export const GEO_FIELDS = ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry'] as const

export const MESSAGE_FIELDS = [
  'MessageStatus', 'SmsStatus', 'MessageSid', 'SmsSid', 'SmsMessageSid', 'AccountSid', 'From', 'To', 'ApiVersion',
  'MessagingServiceSid', 'ErrorCode', 'ErrorMessage', 'RawDlrDoneDate', 'ChannelInstallSid', 'ChannelStatusMessage',
  'ChannelPrefix', 'EventType', 'Body', 'NumMedia', 'NumSegments', 'ProfileName', 'WaId', 'Forwarded',
  'FrequentlyForwarded', 'ReferralBody', 'ReferralHeadline', 'ReferralSourceId', 'ReferralSourceType',
  'ReferralSourceUrl', 'ReferralMediaId', 'ReferralMediaContentType', 'ReferralMediaUrl', 'ReferralNumMedia',
  'ReferralCtwaClid', 'OriginalRepliedMessageSender', 'OriginalRepliedMessageSid', 'Latitude', 'Longitude', 'Address',
  'Label', 'ButtonPayload', 'ButtonText', 'ButtonType', 'InteractiveData', 'FlowData', 'ChannelMetadata', 'AddOns',
  'MessageType', 'ExternalUserId', ...GEO_FIELDS
] as const

/**
 * Message ranks, from the transitions in docs/twilio-facts.md §2.2. The outcomes share a rank
 * because none follows another; inbound statuses are not ordered.
 */
export const MESSAGE_RANKS = Object.freeze({
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

export const messages = {
  path: '/twilio/sms/status',
  // `SmsStatus` and `SmsSid` are the legacy twins, read only when the new names are absent (§2.3).
  statusParams: ['MessageStatus', 'SmsStatus'],
  // Twilio's inbound-message table has no status field, and a status callback carries neither
  // `Body` nor `NumMedia`, which every inbound message has (§2.3, §2.4).
  statusless: { status: 'received', by: ['Body', 'NumMedia'] },
  sidParams: ['MessageSid', 'SmsSid'],
  statuses: MESSAGE_STATUSES,
  fields: MESSAGE_FIELDS,
  numberedFields: /^Media(?:Url|ContentType)\d+$/,
  keyParams: [],
  order: { ranks: MESSAGE_RANKS },
  // An inbound message is answered with the TwiML of `onReceived` (§2.4).
  replyStatuses: ['receiving', 'received']
} as const satisfies Family
