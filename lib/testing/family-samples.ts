/**
 * Sample payloads for the voice families beside call status (docs/twilio-facts.md §9, §11–§13):
 * the recording, transcription and answering-machine callbacks of the sample call, and a
 * conference. Deterministic, like `./samples`; `overrides` change them.
 */
import type { FormChannel } from '../families/index'
import {
  ACCOUNT_SID, CALL_SID, CALL_START_MS, merge, type ParamOverrides, sampleCallEvent, sampleMessageEvent, sampleSid,
  type TwilioFormParams
} from './samples'
import { sampleDebuggerEvent, sampleTaskRouterEvent, sampleVerifyEvent } from './notification-samples'
import { sampleAssignmentEvent, sampleConversationsEvent } from './decision-samples'

const RECORDING_SID = sampleSid('RE', 'sample')
const TRANSCRIPTION_SID = sampleSid('TR', 'sample')
const REALTIME_SID = sampleSid('GT', 'sample')
const CONFERENCE_SID = sampleSid('CF', 'sample')

/** RFC 2822 at `seconds` after the sample call started, as Twilio writes it. */
function at (seconds: number): string {
  return new Date(CALL_START_MS + seconds * 1000).toUTCString().replace('GMT', '+0000')
}

/** The sample call's recording (`RecordingStatusCallback`, §12). */
export function sampleRecordingEvent (status: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const recording: Record<string, string> = {
    AccountSid: ACCOUNT_SID,
    CallSid: CALL_SID,
    RecordingSid: RECORDING_SID,
    RecordingStatus: status,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${RECORDING_SID}`,
    RecordingChannels: '1',
    RecordingStartTime: at(6),
    RecordingSource: 'RecordVerb',
    RecordingTrack: 'both'
  }
  if (status === 'completed') recording.RecordingDuration = '42'
  if (status === 'absent' || status === 'failed') recording.ErrorCode = '13617'
  return merge(recording, overrides)
}

/** The `<Record transcribeCallback>` callback for the sample recording (§13.1). */
export function sampleTranscriptionEvent (status: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const call = sampleCallEvent('in-progress')
  const transcription: Record<string, string> = {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: CALL_SID,
    CallStatus: 'completed',
    Direction: 'outbound-api',
    From: call.From as string,
    Caller: call.From as string,
    To: call.To as string,
    Called: call.To as string,
    RecordingSid: RECORDING_SID,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${RECORDING_SID}`,
    TranscriptionSid: TRANSCRIPTION_SID,
    TranscriptionStatus: status,
    TranscriptionType: 'fast',
    TranscriptionUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${RECORDING_SID}/Transcriptions/${TRANSCRIPTION_SID}`
  }
  if (status === 'completed') transcription.TranscriptionText = 'Hi, this is a message for the support team.'
  return merge(transcription, overrides)
}

/** A real-time transcription event of the sample call (§13.2); `transcription-content` is sequence 1. */
export function sampleRealtimeTranscriptionEvent (event: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const sequence = { 'transcription-started': 0, 'transcription-content': 1, 'transcription-stopped': 2, 'transcription-error': 2 }[event] ?? 0
  const payload: Record<string, string> = {
    AccountSid: ACCOUNT_SID,
    CallSid: CALL_SID,
    TranscriptionSid: REALTIME_SID,
    TranscriptionEvent: event,
    SequenceId: String(sequence),
    Timestamp: new Date(CALL_START_MS + (6 + sequence) * 1000).toISOString(),
    LanguageCode: 'en-US',
    TranscriptionEngine: 'google'
  }
  if (event === 'transcription-content') {
    Object.assign(payload, { Track: 'inbound_track', Final: 'true', TranscriptionData: '{"transcript":"I would like to check my order.","confidence":0.93}' })
  }
  if (event === 'transcription-error') Object.assign(payload, { TranscriptionErrorCode: '32650', TranscriptionError: 'Transcription provider error' })
  return merge(payload, overrides)
}

/** The asynchronous answering-machine verdict for the sample call (§11). */
export function sampleAmdEvent (answeredBy: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const duration = answeredBy === 'human' ? '1840' : answeredBy.startsWith('machine_end') ? '4270' : '2630'
  return merge({ AccountSid: ACCOUNT_SID, CallSid: CALL_SID, AnsweredBy: answeredBy, MachineDetectionDuration: duration }, overrides)
}

/** A conference event (§9): participant events carry the participant's call and flags. */
export function sampleConferenceEvent (event: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const payload: Record<string, string> = {
    AccountSid: ACCOUNT_SID,
    ConferenceSid: CONFERENCE_SID,
    FriendlyName: 'SupportRoom',
    StatusCallbackEvent: event,
    SequenceNumber: '1',
    Timestamp: at(10)
  }
  if (event.startsWith('participant-') || event.startsWith('announcement-')) {
    Object.assign(payload, {
      CallSid: CALL_SID,
      Muted: String(event === 'participant-mute'),
      Hold: String(event === 'participant-hold'),
      Coaching: 'false',
      EndConferenceOnExit: 'false',
      StartConferenceOnEnter: 'true'
    })
  }
  if (event === 'participant-leave') Object.assign(payload, { ParticipantCallStatus: 'completed', ReasonParticipantLeft: 'participant_hung_up' })
  if (event === 'conference-end') Object.assign(payload, { ReasonConferenceEnded: 'last-participant-left', Reason: 'Participant left the conference' })
  return merge(payload, overrides)
}

const SAMPLES: Readonly<Record<FormChannel, (status: string, overrides?: ParamOverrides) => TwilioFormParams>> = {
  sms: sampleMessageEvent,
  call: sampleCallEvent,
  recording: sampleRecordingEvent,
  transcription: sampleTranscriptionEvent,
  realtimeTranscription: sampleRealtimeTranscriptionEvent,
  amd: sampleAmdEvent,
  taskrouter: sampleTaskRouterEvent,
  verify: sampleVerifyEvent,
  debugger: sampleDebuggerEvent,
  conference: sampleConferenceEvent,
  conversations: sampleConversationsEvent,
  taskrouterAssignment: sampleAssignmentEvent
}

/** What Twilio posts for `status` on any family: the sample of that family, changed by `overrides`. */
export function sampleEvent (channel: FormChannel, status: string, overrides: ParamOverrides = {}): TwilioFormParams {
  return SAMPLES[channel](status, overrides)
}

/** A CloudEvent of `type` as an Event Streams sink receives it (docs/twilio-facts.md §10), with `id` from `seed`. */
export function sampleCloudEvent (type: string, seed: string | number = 'sample', data?: Record<string, unknown>): Record<string, unknown> {
  const messageSid = sampleSid('SM', seed)
  const base = { specversion: '1.0', type, id: sampleSid('EZ', `${type}:${seed}`), datacontenttype: 'application/json', time: new Date(CALL_START_MS).toISOString() }
  if (type === 'com.twilio.eventstreams.test-event') {
    return { ...base, source: 'Sink', id: ACCOUNT_SID, dataschema: 'https://events-schemas.twilio.com/EventStreams.TestSink/1.json', data: data ?? { test_id: 'cae2f9e2-c277-4612-8ad3-93c1a7a3ef88' } }
  }
  if (type.startsWith('com.twilio.voice.')) {
    return {
      ...base,
      source: `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${CALL_SID}.json`,
      dataschema: 'https://events-schemas.twilio.com/Voice.WebhookEvent/2',
      data: data ?? { sid: CALL_SID, eventSid: sampleSid('VW', seed), timestamp: base.time, request: { method: 'POST', parameters: sampleCallEvent(type.slice(type.lastIndexOf('.') + 1)) } }
    }
  }
  return {
    ...base,
    source: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${messageSid}.json`,
    dataschema: 'https://events-schemas.twilio.com/Messaging.MessageStatus/8',
    data: data ?? { messageSid, accountSid: ACCOUNT_SID, timestamp: base.time, eventName: type, messageStatus: type.slice(type.lastIndexOf('.') + 1).toUpperCase() }
  }
}
