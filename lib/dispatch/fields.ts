/**
 * The parameters Twilio documents for each channel, every one single-valued (Twilio's
 * messaging and voice webhook references: Messaging "Status callback parameters" and "Incoming
 * message webhook", Voice "Call status callbacks"). The event types in `types/index.ts` name the
 * same fields as `string`: a repeated one is refused with a coded 400 so that the type holds.
 * A type test checks that these lists and the event types agree.
 */
import type { Channel } from './statuses'

const GEO_FIELDS = ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry'] as const

export const MESSAGE_FIELDS = [
  'MessageStatus', 'SmsStatus', 'MessageSid', 'SmsSid', 'SmsMessageSid', 'AccountSid', 'From', 'To', 'ApiVersion',
  'MessagingServiceSid', 'ErrorCode', 'ErrorMessage', 'RawDlrDoneDate', 'ChannelInstallSid', 'ChannelStatusMessage',
  'ChannelPrefix', 'EventType', 'Body', 'NumMedia', 'NumSegments', 'ProfileName', 'WaId', 'Forwarded',
  'FrequentlyForwarded', 'ReferralBody', 'ReferralHeadline', 'ReferralSourceId', 'ReferralSourceType',
  'ReferralSourceUrl', 'ReferralMediaId', 'ReferralMediaContentType', 'ReferralMediaUrl', 'ReferralNumMedia',
  'ReferralCtwaClid', 'OriginalRepliedMessageSender', 'OriginalRepliedMessageSid', 'Latitude', 'Longitude', 'Address',
  'Label', 'ButtonPayload', 'ButtonText', 'ButtonType', 'InteractiveData', 'FlowData', 'ChannelMetadata', 'AddOns',
  ...GEO_FIELDS
] as const

export const CALL_FIELDS = [
  'CallStatus', 'CallSid', 'AccountSid', 'From', 'To', 'ApiVersion', 'Direction', 'ForwardedFrom', 'CallerName',
  'ParentCallSid', 'Caller', 'Called', 'CallToken', 'CallerCity', 'CallerState', 'CallerZip', 'CallerCountry',
  'CalledCity', 'CalledState', 'CalledZip', 'CalledCountry', 'Timestamp', 'CallbackSource', 'SequenceNumber',
  'CallDuration', 'Duration', 'SipResponseCode', 'RecordingUrl', 'RecordingSid', 'RecordingDuration', 'StirStatus',
  ...GEO_FIELDS
] as const

/** `MediaUrl0`, `MediaContentType3`, …: one per attachment, each single-valued. */
const MEDIA_FIELD = /^Media(?:Url|ContentType)\d+$/

const SINGLE: Readonly<Record<Channel, ReadonlySet<string>>> = {
  sms: new Set(MESSAGE_FIELDS),
  call: new Set(CALL_FIELDS)
}

/** Whether Twilio sends `name` at most once on `channel` (a repeat is then not Twilio's). */
export function isSingleValued (channel: Channel, name: string): boolean {
  return SINGLE[channel].has(name) || (channel === 'sms' && MEDIA_FIELD.test(name))
}
