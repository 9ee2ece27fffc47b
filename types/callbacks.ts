/** Each family's options: its route path and one callback per status, narrowed to that status. */
import type { FastifyRequest } from 'fastify'
import type { EVENT_STREAMS_TYPES } from '../lib/families/event-streams'
import type { DebuggerEvent, TaskRouterEvent, VerifyPushEvent } from './events'
import type { DebuggerLevel, TaskRouterEventType, VerifyPushEventType } from './statuses'
import type { AmdEvent, CallEvent, CloudEvent, ConferenceEvent, MessageEvent, RealtimeTranscriptionEvent, RecordingEvent, TranscriptionEvent, TwilioParams } from './events'
import type { ReconciledSource } from './reconcile'
import type { AmdResult, CallbackName, CallStatus, ConferenceEventName, MessageStatus, RealtimeTranscriptionEventName, RecordingStatus, TranscriptionStatus } from './statuses'

/**
 * What a status callback may return: nothing, or TwiML as a string or as an object whose
 * `toString()` gives TwiML (such as twilio's `MessagingResponse`). TwiML becomes the reply;
 * any other value is ignored.
 */
export type CallbackResult = void | string | { toString (): string }

/** A callback for one status. Throwing or rejecting makes the reply 500. */
export type StatusCallback<E, R = FastifyRequest> = (event: E, request: R) => CallbackResult | Promise<CallbackResult>

/**
 * Sees every verified event of its channel, known status or not. What it returns (or its promise
 * resolves to) is ignored, so `(event) => queue.push(event)` is fine; throwing or rejecting makes
 * the reply 500.
 */
export type AnyCallback<E, R = FastifyRequest> = (event: E, request: R) => unknown

/**
 * A message or call callback's second argument: the request, or for a status read from Twilio's
 * REST API by `reconcile`, a {@link ReconciledSource} (`'reconciled' in source` tells them apart).
 */
export type StatusSource = FastifyRequest | ReconciledSource

/** `onDelivered`, `onUndelivered`, … one optional callback per message status. */
export type MessageStatusCallbacks = {
  readonly [S in MessageStatus as CallbackName<S>]?: StatusCallback<MessageEvent<S>, StatusSource>
}

/** `onRinging`, `onNoAnswer`, … one optional callback per call status. */
export type CallStatusCallbacks = {
  readonly [S in CallStatus as CallbackName<S>]?: StatusCallback<CallEvent<S>, StatusSource>
}

interface ChannelOptions {
  /** Route path (POST and GET). Must start with `/`. */
  readonly path?: string
}

/**
 * A family's options: its path, one optional callback per status (each given the event narrowed
 * to that status), `onAny` and `onStale`. `Param` is the parameter that carries the status.
 */
export type FamilyOptions<Statuses extends string, Param extends string, E extends TwilioParams> = ChannelOptions & {
  readonly [S in Statuses as CallbackName<S>]?: StatusCallback<E & { readonly [K in Param]: S }>
} & {
  /** Every verified event of the family that is not a duplicate (stale ones included). */
  readonly onAny?: AnyCallback<E>
  /** With `ordering` on (families that carry a sequence or a rank): an event older than one already handled. */
  readonly onStale?: AnyCallback<E>
}

/** `onInProgress`, `onCompleted`, `onAbsent`, `onFailed`. */
export type RecordingOptions = FamilyOptions<RecordingStatus, 'RecordingStatus', RecordingEvent>
/** `onCompleted`, `onFailed`. */
export type TranscriptionOptions = FamilyOptions<TranscriptionStatus, 'TranscriptionStatus', TranscriptionEvent>
/** `onTranscriptionStarted`, `onTranscriptionContent`, `onTranscriptionStopped`, `onTranscriptionError`. */
export type RealtimeTranscriptionOptions = FamilyOptions<RealtimeTranscriptionEventName, 'TranscriptionEvent', RealtimeTranscriptionEvent>
/** `onHuman`, `onMachineStart`, `onMachineEndBeep`, `onMachineEndSilence`, `onMachineEndOther`, `onFax`, `onUnknown`. */
export type AmdOptions = FamilyOptions<AmdResult, 'AnsweredBy', AmdEvent>
/** `onConferenceStart`, `onParticipantJoin`, `onParticipantLeave`, … */
export type ConferenceOptions = FamilyOptions<ConferenceEventName, 'StatusCallbackEvent', ConferenceEvent>

export interface SmsOptions extends ChannelOptions, MessageStatusCallbacks {
  /** Every verified message event that is not a duplicate (stale ones included). */
  readonly onAny?: AnyCallback<MessageEvent, StatusSource>
  /** With `ordering` on: a status that arrived after a later one, instead of its status callback. */
  readonly onStale?: AnyCallback<MessageEvent, StatusSource>
}

export interface CallOptions extends ChannelOptions, CallStatusCallbacks {
  /** Every verified call event that is not a duplicate (stale ones included). */
  readonly onAny?: AnyCallback<CallEvent, StatusSource>
  /** With `ordering` on: an event with a lower `SequenceNumber` than one already handled. */
  readonly onStale?: AnyCallback<CallEvent, StatusSource>
}

/**
 * A notification family's options (TaskRouter events, the Debugger): its path, one optional
 * callback per status, given the event narrowed to it, and `onAny`. What a callback returns is
 * ignored: Twilio acts on no reply. `E` need not be a {@link TwilioParams}: it may carry `parsed`.
 */
export type NotificationOptions<Statuses extends string, Param extends string, E> = ChannelOptions & {
  readonly [S in Statuses as CallbackName<S>]?: AnyCallback<E & { readonly [K in Param]: S }>
} & {
  /** Every verified event of the family that is not a duplicate, whatever its status. */
  readonly onAny?: AnyCallback<E>
}

/** `onTaskCreated`, `onReservationAccepted`, `onWorkerActivityUpdate`, …: one callback per TaskRouter `EventType`. */
export type TaskRouterOptions = NotificationOptions<TaskRouterEventType, 'EventType', TaskRouterEvent>
/** `onFactorCreated`, `onFactorVerified`, `onFactorDeleted`, `onChallengeApproved`, `onChallengeDenied`. */
export type VerifyPushOptions = NotificationOptions<VerifyPushEventType, 'type', VerifyPushEvent>
/** `onError`, `onWarning` (by `Level`, lower-cased), and `onAny`. */
export type DebuggerOptions = NotificationOptions<DebuggerLevel, 'Level', DebuggerEvent>

/** `onMessageDelivered`, `onCallCompleted`, `onTestEvent`, …: one callback per Event Streams type. */
export type EventStreamsOptions = ChannelOptions & {
  readonly [P in typeof EVENT_STREAMS_TYPES[number] as P[1]]?: StatusCallback<CloudEvent<P[0]>>
} & {
  /** Every new event of the batch, whatever its type. */
  readonly onAny?: AnyCallback<CloudEvent>
}
