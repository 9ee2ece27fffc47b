/**
 * Transcriptions (docs/twilio-facts.md §13): the `<Record transcribeCallback>` callback, one per
 * transcription, and real-time transcription events (`<Start><Transcription statusCallbackUrl>`),
 * many per transcription.
 */
import type { Family } from './family'

export const TRANSCRIPTION_STATUSES = ['completed', 'failed'] as const

export const TRANSCRIPTION_FIELDS = [
  'TranscriptionStatus', 'TranscriptionSid', 'TranscriptionText', 'TranscriptionUrl', 'TranscriptionType',
  'RecordingSid', 'RecordingUrl', 'AccountSid', 'CallSid', 'CallStatus', 'From', 'To', 'Caller', 'Called',
  'Direction', 'ApiVersion', 'ForwardedFrom', 'url'
] as const

export const transcriptions = {
  path: '/twilio/transcription/status',
  statusParams: ['TranscriptionStatus'],
  sidParams: ['TranscriptionSid'],
  statuses: TRANSCRIPTION_STATUSES,
  fields: TRANSCRIPTION_FIELDS,
  keyParams: [],
  order: null
} as const satisfies Family

export const REALTIME_TRANSCRIPTION_EVENTS = [
  'transcription-started', 'transcription-content', 'transcription-stopped', 'transcription-error'
] as const

export const REALTIME_TRANSCRIPTION_FIELDS = [
  'TranscriptionEvent', 'TranscriptionSid', 'AccountSid', 'CallSid', 'Timestamp', 'SequenceId', 'Track', 'Final',
  'TranscriptionData', 'LanguageCode', 'TranscriptionEngine', 'PartialResults', 'ProviderConfiguration', 'Name',
  'InboundTrackLabel', 'OutboundTrackLabel', 'Stability', 'TranscriptionProviderData', 'TranscriptionErrorCode',
  'TranscriptionError'
] as const

export const realtimeTranscriptions = {
  path: '/twilio/transcription/realtime',
  statusParams: ['TranscriptionEvent'],
  sidParams: ['TranscriptionSid'],
  statuses: REALTIME_TRANSCRIPTION_EVENTS,
  fields: REALTIME_TRANSCRIPTION_FIELDS,
  // Every `transcription-content` of one transcription shares its Sid and event: `SequenceId` parts them.
  keyParams: ['SequenceId'],
  order: { sequence: 'SequenceId' }
} as const satisfies Family
