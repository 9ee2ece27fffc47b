/**
 * Status unions, each derived from a family's `as const` list in `lib/families`, and the
 * callback names derived from a status.
 */
import type { AMD_RESULTS } from '../lib/families/amd'
import type { CALL_STATUSES } from '../lib/families/calls'
import type { CONFERENCE_EVENTS } from '../lib/families/conferences'
import type { DEBUGGER_LEVELS } from '../lib/families/debugger'
import type { TASKROUTER_EVENTS } from '../lib/families/taskrouter'
import type { VERIFY_EVENTS } from '../lib/families/verify'
import type { CONVERSATIONS_EVENTS, CONVERSATIONS_PRE_EVENTS } from '../lib/families/conversations'
import type { EVENT_STREAMS_TYPES } from '../lib/families/event-streams'
import type { MESSAGE_STATUSES } from '../lib/families/messages'
import type { RECORDING_STATUSES } from '../lib/families/recordings'
import type { REALTIME_TRANSCRIPTION_EVENTS, TRANSCRIPTION_STATUSES } from '../lib/families/transcriptions'

export type { Channel, FormChannel } from '../lib/families/index'
export type { CallbackName, PascalStatus } from '../lib/families/statuses'

export type MessageStatus = typeof MESSAGE_STATUSES[number]
export type CallStatus = typeof CALL_STATUSES[number]
export type RecordingStatus = typeof RECORDING_STATUSES[number]
export type TranscriptionStatus = typeof TRANSCRIPTION_STATUSES[number]
export type RealtimeTranscriptionEventName = typeof REALTIME_TRANSCRIPTION_EVENTS[number]
export type AmdResult = typeof AMD_RESULTS[number]
export type ConferenceEventName = typeof CONFERENCE_EVENTS[number]
/** TaskRouter Workspace event types: `task.created`, `worker.activity.update`, … */
export type TaskRouterEventType = typeof TASKROUTER_EVENTS[number]
/** Verify Push webhook types: `factor.verified`, `challenge.approved`, … */
export type VerifyPushEventType = typeof VERIFY_EVENTS[number]
/** Debugger event levels, lower-cased: `error`, `warning`. */
export type DebuggerLevel = typeof DEBUGGER_LEVELS[number]
/** A Conversations (classic) webhook's `EventType`, which is also its callback's name. */
export type ConversationsEventType = typeof CONVERSATIONS_EVENTS[number]
/** The Conversations events that wait for a decision (pre-events). */
export type ConversationsPreEventType = typeof CONVERSATIONS_PRE_EVENTS[number]
/** Event Streams types with a callback of their own. */
export type EventStreamsType = typeof EVENT_STREAMS_TYPES[number][0]

/** Each family's documented statuses, by option name (Event Streams' are its `EventStreamsType`s). */
export interface ChannelStatuses {
  readonly sms: MessageStatus
  readonly call: CallStatus
  readonly recording: RecordingStatus
  readonly transcription: TranscriptionStatus
  readonly realtimeTranscription: RealtimeTranscriptionEventName
  readonly amd: AmdResult
  readonly conference: ConferenceEventName
  readonly taskrouter: TaskRouterEventType
  readonly verify: VerifyPushEventType
  readonly debugger: DebuggerLevel
  readonly eventStreams: EventStreamsType
  readonly conversations: ConversationsEventType
  /** The assignment callback has no status parameter: every request is `assignment`. */
  readonly taskrouterAssignment: 'assignment'
}
