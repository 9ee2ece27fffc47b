/**
 * The events Twilio sends (docs/twilio-facts.md §2.3, §2.4, §3.3 and each family's section), as
 * callbacks receive them.
 */
import type { AmdResult, CallStatus, ConferenceEventName, EventStreamsType, MessageStatus, RealtimeTranscriptionEventName, RecordingStatus, TranscriptionStatus } from './statuses'

import type { DebuggerLevel, TaskRouterEventType, VerifyPushEventType } from './statuses'

/**
 * Every parameter of a request, by name. Parameters Twilio adds without notice still reach
 * callbacks, as strings (or, for a name sent more than once, every value in order): read them
 * through this type, which every event is (`const params: TwilioParams = event`). The event
 * types name only documented fields, so a misspelt one does not compile; they are type aliases,
 * not interfaces, because only an object type alias is assignable to an index signature
 * without declaring one. Every field an event type names is single-valued: a request repeating
 * one is refused with 400, so those are always one string.
 */
export interface TwilioParams {
  readonly [param: string]: string | readonly string[] | undefined
}

/** Where the numbers are, when Twilio's lookup succeeds (messages and calls alike). */
export type GeoParams = {
  readonly FromCity?: string
  readonly FromState?: string
  readonly FromZip?: string
  readonly FromCountry?: string
  readonly ToCity?: string
  readonly ToState?: string
  readonly ToZip?: string
  readonly ToCountry?: string
}

/** What every message request carries, inbound or status callback (docs/twilio-facts.md §2.3, §2.4). */
type MessageParams<S extends string> = {
  /** The status this callback reports, never empty. Filled from the legacy `SmsStatus` when Twilio sends only that. */
  readonly MessageStatus: S
  /** Legacy twin of `MessageStatus`. */
  readonly SmsStatus?: string
  /** Never empty (a request without one is refused). Filled from the legacy `SmsSid` when Twilio sends only that. */
  readonly MessageSid: string
  /** Legacy twin of `MessageSid`. */
  readonly SmsSid?: string
  /** Legacy twin of `MessageSid` on inbound messages. */
  readonly SmsMessageSid?: string
  /** Twilio always sends it; typed optional because the plugin does not require it. */
  readonly AccountSid?: string
  /**
   * Sender: `+15551234567`, or an address prefixed by its channel (`whatsapp:+1…`, `rcs:…`,
   * `messenger:…`). Not always a phone number: a WhatsApp user who hides their number may be a
   * business-scoped user id, `whatsapp:US.13491208655302741918` (docs/twilio-facts.md §2.5).
   */
  readonly From?: string
  /** Recipient, as `From`. */
  readonly To?: string
  /** Always `2010-04-01`. */
  readonly ApiVersion?: string
  /** Present when the message was sent through a Messaging Service. */
  readonly MessagingServiceSid?: string
  /** WhatsApp: the user's id (`whatsapp:ID.4566546130240823`), seen beside `From`; not in Twilio's tables (§2.5). */
  readonly ExternalUserId?: string
  /** Inbound: the text, up to 1600 characters. Normally absent on a status callback (§2.3), so not narrowed away. */
  readonly Body?: string
  /** Inbound: how many `MediaUrl{N}` / `MediaContentType{N}` pairs follow (N from 0). */
  readonly NumMedia?: string
  readonly NumSegments?: string
  readonly [media: `MediaUrl${number}`]: string | undefined
  readonly [media: `MediaContentType${number}`]: string | undefined
}

/** Parameters only an inbound message carries (docs/twilio-facts.md §2.4, §2.5). */
type InboundMessageParams = GeoParams & {
  /** WhatsApp sender's profile name. */
  readonly ProfileName?: string
  /** WhatsApp: the sender's number without `+` (absent, or not that, for a business-scoped user id). */
  readonly WaId?: string
  /** WhatsApp: `true` when the message was forwarded. */
  readonly Forwarded?: string
  /** WhatsApp: `true` when it was forwarded many times. */
  readonly FrequentlyForwarded?: string
  /** Click-to-WhatsApp ads: the ad the user tapped. */
  readonly ReferralBody?: string
  readonly ReferralHeadline?: string
  readonly ReferralSourceId?: string
  /** `ad` or `post`. */
  readonly ReferralSourceType?: string
  readonly ReferralSourceUrl?: string
  readonly ReferralMediaId?: string
  readonly ReferralMediaContentType?: string
  readonly ReferralMediaUrl?: string
  readonly ReferralNumMedia?: string
  /** The click id of a click-to-WhatsApp ad. */
  readonly ReferralCtwaClid?: string
  /** A reply to an earlier message: who sent that one, and its Sid. */
  readonly OriginalRepliedMessageSender?: string
  readonly OriginalRepliedMessageSid?: string
  /** Location shares. */
  readonly Latitude?: string
  readonly Longitude?: string
  readonly Address?: string
  readonly Label?: string
  /** A tapped button: its payload, its text, and `REPLY` or `ACTION`. */
  readonly ButtonPayload?: string
  readonly ButtonText?: string
  readonly ButtonType?: string
  /** JSON text: an interactive reply (a list or button choice). */
  readonly InteractiveData?: string
  /** JSON text: a WhatsApp Flow's answers. */
  readonly FlowData?: string
  /** JSON text: the channel's own data about the message. */
  readonly ChannelMetadata?: string
  /** Seen in captures, values not documented: `text`, `interactive`, `location`, `button`, … (§2.5). */
  readonly MessageType?: string
  /** JSON text from Add-ons. */
  readonly AddOns?: string
}

/** Parameters only a status callback carries (docs/twilio-facts.md §2.3). */
type MessageStatusParams = {
  /** On `failed` and `undelivered`, for example `30003`. */
  readonly ErrorCode?: string
  /** Seen alongside `ErrorCode`; not in Twilio's table. */
  readonly ErrorMessage?: string
  /** Carrier delivery-report done date, `YYMMDDhhmm`, on most `delivered`/`undelivered`. */
  readonly RawDlrDoneDate?: string
  /** WhatsApp and other channels: the installed channel that sent it (`XE…`). */
  readonly ChannelInstallSid?: string
  /** Channel error text, only on failure. */
  readonly ChannelStatusMessage?: string
  /** `whatsapp`, `rcs`, … */
  readonly ChannelPrefix?: string
  /** Post-delivery events: `READ` on WhatsApp read receipts. */
  readonly EventType?: string
}

/** The fields of `T`, each declared absent: what a request of the other kind does not carry. */
type Absent<T> = { readonly [K in keyof T]?: undefined }

/** The statuses of an inbound message; every other known status is a status callback's. */
type InboundStatus = 'receiving' | 'received'

/** An inbound message (`onReceived`, `onReceiving`): its fields typed, the status-callback ones absent. */
export type InboundMessageEvent<S extends string = InboundStatus> = MessageParams<S> & InboundMessageParams & Absent<MessageStatusParams>

/** A message status callback (`onDelivered`, `onRead`, …): its fields typed, the inbound-only ones absent. */
export type StatusMessageEvent<S extends string = Exclude<MessageStatus, InboundStatus>> = MessageParams<S> & MessageStatusParams & Absent<InboundMessageParams>

/** A message with a status the plugin does not know: every field of either kind. */
type OtherMessageEvent<S extends string> = MessageParams<S> & InboundMessageParams & MessageStatusParams

/**
 * Parameters of an SMS/MMS/WhatsApp/RCS status callback (docs/twilio-facts.md §2.3) or inbound
 * message (§2.4), narrowed by status: in `onReceived` the inbound fields (`ProfileName`,
 * `ButtonPayload`, `Latitude`, …) are typed and the status-callback ones (`ErrorCode`,
 * `EventType`, …) are `undefined`; in `onDelivered` the reverse. `Body`, `NumMedia` and the media
 * are typed on both (a status callback normally lacks them). A status the plugin does not know
 * carries every field.
 * `onAny` gets the union, narrowed by testing `MessageStatus`.
 */
export type MessageEvent<S extends string = MessageStatus | (string & {})> =
  S extends InboundStatus ? InboundMessageEvent<S> : S extends MessageStatus ? StatusMessageEvent<S> : OtherMessageEvent<S>

/** Parameters of a voice call status callback (docs/twilio-facts.md §3.3). */
export type CallEvent<S extends string = CallStatus | (string & {})> = GeoParams & {
  readonly CallStatus: S
  readonly CallSid: string
  /** Twilio always sends it; typed optional because the plugin does not require it. */
  readonly AccountSid?: string
  readonly From?: string
  readonly To?: string
  /** Always `2010-04-01`. */
  readonly ApiVersion?: string
  /** `inbound`, `outbound-api` or `outbound-dial`. */
  readonly Direction?: string
  readonly ForwardedFrom?: string
  /** With `VoiceCallerIdLookup`. */
  readonly CallerName?: string
  /** Absent on the first leg. */
  readonly ParentCallSid?: string
  /** Same as `From`. */
  readonly Caller?: string
  /** Same as `To`. */
  readonly Called?: string
  readonly CallToken?: string
  readonly CallerCity?: string
  readonly CallerState?: string
  readonly CallerZip?: string
  readonly CallerCountry?: string
  readonly CalledCity?: string
  readonly CalledState?: string
  readonly CalledZip?: string
  readonly CalledCountry?: string
  /** RFC 2822 UTC, e.g. `Fri, 08 Jan 2016 17:18:38 +0000`. */
  readonly Timestamp?: string
  /** `call-progress-events` on call status callbacks. */
  readonly CallbackSource?: string
  /** Per call, from `0`. Requests may arrive out of order; this orders them. */
  readonly SequenceNumber?: string
  /** Seconds, on terminal events. */
  readonly CallDuration?: string
  /** Billed minutes, on `completed`. */
  readonly Duration?: string
  /** On terminal events, e.g. `404`, `487`. */
  readonly SipResponseCode?: string
  /** On `completed` when the call was recorded. */
  readonly RecordingUrl?: string
  readonly RecordingSid?: string
  readonly RecordingDuration?: string
  /** On `ringing`/`in-progress`: `A`, `B`, `C` or empty. */
  readonly StirStatus?: string
  /** With synchronous answering-machine detection: `human`, `machine_start`, … (§11). */
  readonly AnsweredBy?: string
  /** With synchronous answering-machine detection, ms. */
  readonly MachineDetectionDuration?: string
}

/** A recording status callback (`RecordingStatusCallback`, docs/twilio-facts.md §12). */
export type RecordingEvent<S extends string = RecordingStatus | (string & {})> = {
  readonly RecordingStatus: S
  readonly RecordingSid: string
  readonly AccountSid?: string
  /** The recorded call; absent for a conference recording, which has `ConferenceSid`. */
  readonly CallSid?: string
  readonly ConferenceSid?: string
  /** Downloadable once `completed`. */
  readonly RecordingUrl?: string
  /** Seconds. */
  readonly RecordingDuration?: string
  /** `1` or `2`. */
  readonly RecordingChannels?: string
  /** RFC 2822. */
  readonly RecordingStartTime?: string
  /** `DialVerb`, `Conference`, `OutboundAPI`, `Trunking`, `RecordVerb`, `StartCallRecordingAPI`, `StartConferenceRecordingAPI`. */
  readonly RecordingSource?: string
  /** `inbound`, `outbound` or `both`. */
  readonly RecordingTrack?: string
  /** Why a recording is `absent` or `failed`. */
  readonly ErrorCode?: string
}

/** The `<Record transcribeCallback>` callback, one per transcription (docs/twilio-facts.md §13.1). */
export type TranscriptionEvent<S extends string = TranscriptionStatus | (string & {})> = {
  readonly TranscriptionStatus: S
  readonly TranscriptionSid: string
  readonly TranscriptionText?: string
  readonly TranscriptionUrl?: string
  readonly TranscriptionType?: string
  readonly RecordingSid?: string
  readonly RecordingUrl?: string
  readonly AccountSid?: string
  readonly CallSid?: string
  readonly CallStatus?: string
  readonly From?: string
  readonly To?: string
  readonly Caller?: string
  readonly Called?: string
  readonly Direction?: string
  readonly ApiVersion?: string
  readonly ForwardedFrom?: string
  /** Seen in captures: the transcription resource's URL. */
  readonly url?: string
}

/** A real-time transcription event (`<Start><Transcription statusCallbackUrl>`, docs/twilio-facts.md §13.2). */
export type RealtimeTranscriptionEvent<S extends string = RealtimeTranscriptionEventName | (string & {})> = {
  readonly TranscriptionEvent: S
  readonly TranscriptionSid: string
  readonly AccountSid?: string
  readonly CallSid?: string
  /** ISO 8601. */
  readonly Timestamp?: string
  /** Per transcription, increasing: what tells two `transcription-content` events apart. */
  readonly SequenceId?: string
  /** `inbound_track` or `outbound_track`. */
  readonly Track?: string
  /** `true` for a final result, `false` for a partial one. */
  readonly Final?: string
  /** JSON text: `{"transcript": "…", "confidence": 0.9}`. */
  readonly TranscriptionData?: string
  readonly LanguageCode?: string
  readonly TranscriptionEngine?: string
  readonly PartialResults?: string
  readonly ProviderConfiguration?: string
  readonly Name?: string
  readonly InboundTrackLabel?: string
  readonly OutboundTrackLabel?: string
  /** With `partialResults`: how stable a partial result is. */
  readonly Stability?: string
  /** JSON text: the provider's own result data. */
  readonly TranscriptionProviderData?: string
  /** On `transcription-error`. */
  readonly TranscriptionErrorCode?: string
  readonly TranscriptionError?: string
}

/** An asynchronous answering-machine detection result (`AsyncAmdStatusCallback`, docs/twilio-facts.md §11). */
export type AmdEvent<S extends string = AmdResult | (string & {})> = {
  readonly AnsweredBy: S
  readonly CallSid: string
  readonly AccountSid?: string
  /** How long detection took, ms. */
  readonly MachineDetectionDuration?: string
}

/** A conference status callback (`<Conference statusCallback>`, docs/twilio-facts.md §9). */
export type ConferenceEvent<S extends string = ConferenceEventName | (string & {})> = {
  readonly StatusCallbackEvent: S
  readonly ConferenceSid: string
  /** The room name from the TwiML. */
  readonly FriendlyName?: string
  readonly AccountSid?: string
  /** Per conference: orders its events. */
  readonly SequenceNumber?: string
  /** RFC 2822. */
  readonly Timestamp?: string
  /** The participant's call, on participant and participant-announcement events. */
  readonly CallSid?: string
  /** `true`/`false`, on participant events. */
  readonly Muted?: string
  readonly Hold?: string
  readonly Coaching?: string
  readonly EndConferenceOnExit?: string
  readonly StartConferenceOnEnter?: string
  readonly ParticipantLabel?: string
  /** On `conference-end`. */
  readonly CallSidEndingConference?: string
  readonly ParticipantLabelEndingConference?: string
  /** On `conference-end`: `conference-ended-via-api`, `last-participant-left`, … */
  readonly ReasonConferenceEnded?: string
  readonly Reason?: string
  /** On announcement events. */
  readonly ReasonAnnouncementFailed?: string
  readonly AnnounceUrl?: string
  /** On `participant-leave`: `completed`, `no-answer`, `busy`, … */
  readonly ParticipantCallStatus?: string
  /** On `participant-leave`: `participant_hung_up`, `conference_ended_via_api`, … */
  readonly ReasonParticipantLeft?: string
}

/** `data` of a messaging status event (`Messaging.MessageStatus`, docs/twilio-facts.md §10.7): camelCase. */
export type MessageStatusData = {
  readonly messageSid: string
  readonly accountSid: string
  /** ISO 8601. */
  readonly timestamp?: string
  readonly eventName?: string
  readonly apiVersion?: string
  readonly from?: string
  readonly to?: string
  /** Upper-case: `QUEUED`, `SENT`, `DELIVERED`, `UNDELIVERED`, `FAILED`, `READ`. */
  readonly messageStatus?: string
  readonly messagingServiceSid?: string
  /** A number, on failures only. */
  readonly errorCode?: number
}

/** `data` of an inbound message event (`Messaging.InboundMessageV1`). */
export type InboundMessageData = {
  readonly messageSid: string
  readonly accountSid: string
  readonly timestamp?: string
  readonly from?: string
  readonly to?: string
  readonly body?: string
  readonly numMedia?: number
}

/** `data` of a voice event (`Voice.WebhookEvent`): a record of the classic webhook exchange. */
export type VoiceWebhookData = {
  /** The CallSid. */
  readonly sid?: string
  readonly eventSid?: string
  readonly timestamp?: string
  /** The classic parameters (`CallStatus`, `SequenceNumber`, `AnsweredBy`, …) are in `request.parameters`. */
  readonly request?: { readonly method?: string, readonly url?: string, readonly parameters?: Readonly<Record<string, string>> }
}

/** `data` of the test event Twilio sends when a sink is tested. */
export type TestEventData = {
  readonly test_id: string
}

/** The `data` of each Event Streams type. */
export type EventStreamsData<T extends string> =
  T extends `com.twilio.messaging.message.${string}` ? MessageStatusData
    : T extends 'com.twilio.messaging.inbound-message.received' ? InboundMessageData
      : T extends `com.twilio.voice.${string}` ? VoiceWebhookData
        : T extends 'com.twilio.eventstreams.test-event' ? TestEventData
          : T extends `com.twilio.accountsecurity.verify.verification.${string}` ? VerifyVerificationData
            : unknown

/** A CloudEvent from an Event Streams sink (docs/twilio-facts.md §10.2); `data` is always an object. */
export interface CloudEvent<T extends string = EventStreamsType | (string & {})> {
  readonly specversion: string
  readonly type: T
  readonly source?: string
  /** Unique per event: Event Streams' redeliveries keep it, so it is the idempotency key. */
  readonly id: string
  readonly dataschema?: string
  readonly datacontenttype?: string
  /** ISO 8601. Event Streams does not order events: compare these. */
  readonly time?: string
  readonly data: EventStreamsData<T>
}

/** A JSON object Twilio sent as text, as `JSON.parse` gives it. */
export type JsonObject = { readonly [key: string]: unknown }

/**
 * A TaskRouter Workspace event (`EventCallbackUrl`, docs/twilio-facts.md §19): the common
 * parameters and every documented field group; which groups come depends on the event.
 */
export type TaskRouterEvent<S extends string = TaskRouterEventType | (string & {})> = {
  /** `task.created`, `reservation.accepted`, `worker.activity.update`, … */
  readonly EventType: S
  /** The Sid of the resource the event is about (TaskSid, ReservationSid, WorkerSid, …). Never empty. */
  readonly ResourceSid: string
  readonly AccountSid?: string
  readonly WorkspaceSid?: string
  readonly WorkspaceName?: string
  readonly EventDescription?: string
  /** `Task`, `Reservation`, `Worker`, `Activity`, `Workflow`, `Workspace`. */
  readonly ResourceType?: string
  /** When the event was sent; its format is not documented. */
  readonly Timestamp?: string
  /** Activity events. */
  readonly ActivitySid?: string
  readonly ActivityName?: string
  readonly ActivityAvailable?: string
  /** Reservation, task and workflow events. */
  readonly ReservationSid?: string
  readonly TaskQueueSid?: string
  readonly WorkflowSid?: string
  readonly WorkflowName?: string
  /** The Task group. */
  readonly TaskSid?: string
  /** JSON text, as signed; parsed in `parsed.TaskAttributes`. */
  readonly TaskAttributes?: string
  readonly TaskAge?: string
  readonly TaskPriority?: string
  readonly TaskAssignmentStatus?: string
  readonly TaskCanceledReason?: string
  readonly TaskCompletedReason?: string
  /** The Task Channel group; on worker channel events, the channel concerned. */
  readonly TaskChannelSid?: string
  readonly TaskChannelName?: string
  readonly TaskChannelUniqueName?: string
  readonly TaskChannelOptimizedRouting?: string
  /** Task Queue events. */
  readonly TaskQueueName?: string
  readonly TaskQueueTargetExpression?: string
  readonly OperatingUnitSid?: string
  /** The Worker group. */
  readonly WorkerSid?: string
  readonly WorkerName?: string
  /** JSON text, as signed; parsed in `parsed.WorkerAttributes`. */
  readonly WorkerAttributes?: string
  readonly WorkerActivitySid?: string
  readonly WorkerActivityName?: string
  readonly WorkerVersion?: string
  /** When a worker's activity changes. */
  readonly WorkerTimeInPreviousActivity?: string
  readonly WorkerTimeInPreviousActivityMs?: string
  readonly WorkerPreviousActivitySid?: string
  /** When a worker's channel capacity or availability changes. */
  readonly WorkerChannelAvailable?: string
  readonly WorkerChannelAvailableCapacity?: string
  readonly WorkerChannelPreviousCapacity?: string
  readonly WorkerChannelTaskCount?: string
  /** Not in Twilio's table; seen in third-party handlers (unverified). */
  readonly Sid?: string
  readonly TimestampMs?: string
  readonly TaskVersion?: string
  readonly WorkerPreviousActivityName?: string
  readonly parsed: TaskRouterParsed
}

/**
 * A TaskRouter request's JSON texts, parsed once when it came in (not a parameter: not enumerable,
 * not serialized). Absent when the text is absent, empty, or not a JSON object (then logged at
 * warn, and the event delivered all the same).
 */
export interface TaskRouterParsed {
  readonly TaskAttributes?: JsonObject
  readonly WorkerAttributes?: JsonObject
}

/**
 * A Verify Push webhook (a Verify Service's webhook, docs/twilio-facts.md §20). Its parameters
 * are snake_case, the account included (`account_sid`).
 */
export type VerifyPushEvent<S extends string = VerifyPushEventType | (string & {})> = {
  /** `factor.created`, `factor.verified`, `factor.deleted`, `challenge.approved`, `challenge.denied`. */
  readonly type: S
  /** Unique per webhook: the idempotency key. */
  readonly uuid: string
  readonly account_sid?: string
  readonly service_sid?: string
  readonly entity_identity?: string
  readonly factor_sid?: string
  /** `push`. */
  readonly factor_type?: string
  /** Unverified: named by Twilio's table beyond the rows that could be read. */
  readonly factor_friendly_name?: string
  /** Unverified, on challenge events. */
  readonly challenge_sid?: string
  /** Unverified, on challenge events. */
  readonly challenge_details?: string
}

/** The Debugger's `Payload`, parsed (docs/twilio-facts.md §21). */
export type DebuggerPayload = {
  /** The resource the error is about (a CallSid, …). */
  readonly resource_sid?: string
  /** `null` in Twilio's example. */
  readonly service_sid?: string | null
  /** Text in Twilio's example: `"11200"`. */
  readonly error_code?: string
  /** Product-specific details; Twilio's example for 11200 has these. */
  readonly more_info?: {
    readonly msg?: string
    readonly Msg?: string
    readonly sourceComponent?: string
    readonly ErrorCode?: string
    readonly httpResponse?: string
    readonly url?: string
    readonly LogLevel?: string
    readonly [key: string]: unknown
  }
  /** The failed webhook's request and response, when a webhook failed. */
  readonly webhook?: {
    readonly type?: string
    readonly request?: { readonly method?: string, readonly url?: string, readonly headers?: JsonObject, readonly parameters?: JsonObject, readonly [key: string]: unknown }
    readonly response?: { readonly status_code?: number | string, readonly headers?: JsonObject, readonly body?: string, readonly [key: string]: unknown }
    readonly [key: string]: unknown
  }
  readonly [key: string]: unknown
}

/** A Debugger webhook event: an error or warning of the account (docs/twilio-facts.md §21). */
export type DebuggerEvent<S extends string = DebuggerLevel | (string & {})> = {
  /** Lower-cased: Twilio's table says `Error`/`Warning`, its example sends `ERROR`. */
  readonly Level: S
  /** `NO…`, unique per event: the idempotency key. */
  readonly Sid: string
  readonly AccountSid?: string
  /** Subaccounts only (Twilio's example sends it empty). */
  readonly ParentAccountSid?: string
  /** ISO 8601. */
  readonly Timestamp?: string
  /** `application/json`. */
  readonly PayloadType?: string
  /** JSON text, as signed; parsed in `parsed.Payload`. */
  readonly Payload?: string
  /**
   * `Payload` parsed once, when the request came in (not a parameter: not enumerable, not
   * serialized); absent when it is absent, empty, or not a JSON object (then logged at warn).
   */
  readonly parsed: { readonly Payload?: DebuggerPayload }
}

/** `data` of a Verify verification status event (`AccountSecurity.VerifyEventStreamEvent`, docs/twilio-facts.md §20.3). */
export type VerifyVerificationData = {
  readonly account_sid?: string
  readonly service_sid?: string
  readonly verification_sid?: string
  readonly friendly_name?: string
  readonly custom_code_enabled?: boolean
  readonly custom_friendly_name?: string
  readonly created_at?: string
  readonly verified_at?: string
  readonly to?: string
  /** Upper-case: `PENDING`, `APPROVED`, `CANCELED`, `EXPIRED`, `MAX_ATTEMPTS_REACHED`. */
  readonly verification_status?: string
  readonly country?: string
  readonly code_length?: number
  readonly send_code_attempts?: { readonly count?: number, readonly attempts?: readonly JsonObject[] }
  readonly [key: string]: unknown
}

/**
 * A fallback URL request (`VoiceFallbackUrl`, `SmsFallbackUrl`, a Messaging Service's fallback):
 * the primary webhook's parameters plus the error, signed against the fallback URL
 * (docs/twilio-facts.md §14). Serve it from a host route behind `twilioSignature()`.
 */
export type FallbackParams<Primary extends TwilioParams = TwilioParams> = Primary & {
  /** The Twilio error that made the primary URL fail, e.g. `11200`, `11205`, `12100`. */
  readonly ErrorCode: string
  /** The primary URL that failed. */
  readonly ErrorUrl: string
}
