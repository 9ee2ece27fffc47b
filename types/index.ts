/**
 * Public types, in one place: the events Twilio sends (docs/twilio-facts.md §2.3, §2.4, §3.3),
 * the callbacks that receive them, the plugin's and the hook's options, stores and counters.
 * Status unions are derived from the lists in `lib/dispatch/statuses.ts`.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Readable } from 'node:stream'
import type { CallbackName } from '../lib/dispatch/statuses'
import type { AMD_RESULTS } from '../lib/families/amd'
import type { CALL_STATUSES } from '../lib/families/calls'
import type { CONFERENCE_EVENTS } from '../lib/families/conferences'
import type { FormChannel } from '../lib/families/index'
import type { EVENT_STREAMS_TYPES } from '../lib/families/event-streams'
import type { MESSAGE_STATUSES } from '../lib/families/messages'
import type { RECORDING_STATUSES } from '../lib/families/recordings'
import type { REALTIME_TRANSCRIPTION_EVENTS, TRANSCRIPTION_STATUSES } from '../lib/families/transcriptions'

export type { CallbackName, PascalStatus } from '../lib/dispatch/statuses'
export type { Channel, FormChannel } from '../lib/families/index'

export type MessageStatus = typeof MESSAGE_STATUSES[number]
export type CallStatus = typeof CALL_STATUSES[number]
export type RecordingStatus = typeof RECORDING_STATUSES[number]
export type TranscriptionStatus = typeof TRANSCRIPTION_STATUSES[number]
export type RealtimeTranscriptionEventName = typeof REALTIME_TRANSCRIPTION_EVENTS[number]
export type AmdResult = typeof AMD_RESULTS[number]
export type ConferenceEventName = typeof CONFERENCE_EVENTS[number]
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
  readonly eventStreams: EventStreamsType
}

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

/** Parameters of an SMS/MMS/WhatsApp status callback (docs/twilio-facts.md §2.3) and of an inbound message (docs/twilio-facts.md §2.4). */
export type MessageEvent<S extends string = MessageStatus | (string & {})> = GeoParams & {
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
  /** Sender: `+15551234567`, or prefixed by the channel (`whatsapp:+1…`, `rcs:…`, `messenger:…`). */
  readonly From?: string
  readonly To?: string
  /** Always `2010-04-01`. */
  readonly ApiVersion?: string
  /** Present when the message was sent through a Messaging Service. */
  readonly MessagingServiceSid?: string
  /** On `failed` and `undelivered`, for example `30003`. */
  readonly ErrorCode?: string
  /** Seen alongside `ErrorCode`; not in Twilio's table. */
  readonly ErrorMessage?: string
  /** Carrier delivery-report done date, `YYMMDDhhmm`, on most `delivered`/`undelivered`. */
  readonly RawDlrDoneDate?: string
  readonly ChannelInstallSid?: string
  /** Channel error text, only on failure. */
  readonly ChannelStatusMessage?: string
  /** `whatsapp`, `rcs`, … */
  readonly ChannelPrefix?: string
  /** Post-delivery events: `READ` on WhatsApp read receipts. */
  readonly EventType?: string
  /** Inbound: the text, up to 1600 characters. */
  readonly Body?: string
  /** Inbound: how many `MediaUrl{N}` / `MediaContentType{N}` pairs follow (N from 0). */
  readonly NumMedia?: string
  readonly NumSegments?: string
  readonly [media: `MediaUrl${number}`]: string | undefined
  readonly [media: `MediaContentType${number}`]: string | undefined
  /** WhatsApp sender's profile name. */
  readonly ProfileName?: string
  /** WhatsApp id of the sender. */
  readonly WaId?: string
  readonly Forwarded?: string
  readonly FrequentlyForwarded?: string
  readonly ReferralBody?: string
  readonly ReferralHeadline?: string
  readonly ReferralSourceId?: string
  readonly ReferralSourceType?: string
  readonly ReferralSourceUrl?: string
  readonly ReferralMediaId?: string
  readonly ReferralMediaContentType?: string
  readonly ReferralMediaUrl?: string
  readonly ReferralNumMedia?: string
  readonly ReferralCtwaClid?: string
  readonly OriginalRepliedMessageSender?: string
  readonly OriginalRepliedMessageSid?: string
  /** Location shares. */
  readonly Latitude?: string
  readonly Longitude?: string
  readonly Address?: string
  readonly Label?: string
  readonly ButtonPayload?: string
  readonly ButtonText?: string
  /** `REPLY` or `ACTION`. */
  readonly ButtonType?: string
  /** JSON text. */
  readonly InteractiveData?: string
  /** JSON text. */
  readonly FlowData?: string
  /** JSON text. */
  readonly ChannelMetadata?: string
  /** JSON text from Add-ons. */
  readonly AddOns?: string
}

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

/** `onMessageDelivered`, `onCallCompleted`, `onTestEvent`, …: one callback per Event Streams type. */
export type EventStreamsOptions = ChannelOptions & {
  readonly [P in typeof EVENT_STREAMS_TYPES[number] as P[1]]?: StatusCallback<CloudEvent<P[0]>>
} & {
  /** Every new event of the batch, whatever its type. */
  readonly onAny?: AnyCallback<CloudEvent>
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

/**
 * What a status callback may return: nothing, or TwiML as a string or as an object whose
 * `toString()` gives TwiML (such as twilio's `MessagingResponse`). TwiML becomes the reply;
 * any other value is ignored.
 */
export type CallbackResult = void | string | { toString (): string }

/** A callback for one status. Throwing or rejecting makes the reply 500. */
export type StatusCallback<E> = (event: E, request: FastifyRequest) => CallbackResult | Promise<CallbackResult>

/**
 * Sees every verified event of its channel, known status or not. What it returns (or its promise
 * resolves to) is ignored, so `(event) => queue.push(event)` is fine; throwing or rejecting makes
 * the reply 500.
 */
export type AnyCallback<E> = (event: E, request: FastifyRequest) => unknown

/** `onDelivered`, `onUndelivered`, … one optional callback per message status. */
export type MessageStatusCallbacks = {
  readonly [S in MessageStatus as CallbackName<S>]?: StatusCallback<MessageEvent<S>>
}

/** `onRinging`, `onNoAnswer`, … one optional callback per call status. */
export type CallStatusCallbacks = {
  readonly [S in CallStatus as CallbackName<S>]?: StatusCallback<CallEvent<S>>
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
  readonly onAny?: AnyCallback<MessageEvent>
  /** With `ordering` on: a status that arrived after a later one, instead of its status callback. */
  readonly onStale?: AnyCallback<MessageEvent>
}

export interface CallOptions extends ChannelOptions, CallStatusCallbacks {
  /** Every verified call event that is not a duplicate (stale ones included). */
  readonly onAny?: AnyCallback<CallEvent>
  /** With `ordering` on: an event with a lower `SequenceNumber` than one already handled. */
  readonly onStale?: AnyCallback<CallEvent>
}

export interface IdempotencyOptions {
  /** How long a handled event is remembered, ms. Default one day. */
  readonly ttl?: number
  /** How long a claim lives while callbacks run (a crashed instance's claim expires after it), ms. Default 60000. */
  readonly pendingTtl?: number
}

export interface OrderingOptions {
  /** How long the latest rank of a Sid is remembered, ms. Default one day. */
  readonly ttl?: number
}

/**
 * The Auth Token(s) of the account a request names, for an app that serves several accounts
 * (each subaccount signs with its own token). Nothing (or an empty list) refuses the request
 * with 403 `FST_TWILIO_UNKNOWN_ACCOUNT`, as does a throw or a rejection (which is also logged).
 */
export type AuthTokenLookup = (accountSid: string | undefined, request: FastifyRequest) =>
  string | readonly string[] | null | undefined | Promise<string | readonly string[] | null | undefined>

/** The Auth Token Twilio signs with, several during a rotation, or a lookup by `AccountSid`. */
export type AuthToken = string | readonly string[] | AuthTokenLookup

/** SharedKey secrets by key id (`webhooks_sharedkey_…`). */
export type SharedKeys = Readonly<Record<string, string>>

/** Every verification option, each optional: {@link VerifyOptions} says which are required together. */
export interface VerifyFields {
  /**
   * The Auth Token Twilio signs with, or several during rotation (any one validates; put the
   * current one first), or a lookup by the request's `AccountSid` (subaccounts): the body's
   * top-level one, else the signed URL's `?AccountSid=` (an Event Streams sink URL).
   */
  readonly authToken?: AuthToken
  /**
   * SharedKey secrets by key id (`webhooks_sharedkey_…`), for webhooks Twilio signs with a
   * SharedKey (they carry `X-Twilio-Webhooks-Signature-Settings`). Several during a rotation.
   */
  readonly sharedKeys?: SharedKeys
  /** Refuse Auth Token signatures: only SharedKey-signed requests verify. Needs `sharedKeys`. Default `false`. */
  readonly requireSharedKey?: boolean
  /**
   * The origin (or base URL) Twilio calls, e.g. `https://hooks.example.com`, when the app sits
   * behind a proxy or tunnel. The request target is appended to it. Without it the URL is built
   * from `request.protocol` and `request.host`, which honour Fastify's `trustProxy`.
   */
  readonly publicUrl?: string
}

/**
 * How a request's signature is checked, shared by the plugin and `twilioSignature()`: with
 * `sharedKeys` (and an `authToken` too, unless `requireSharedKey`), or with an `authToken` alone.
 * `requireSharedKey` stays a `boolean` (a computed one may be `false`); `true` without
 * `sharedKeys` is refused at register time. (The `authToken` case is written last: when options
 * fit neither, the compiler's message names the last one.)
 */
export type VerifyOptions =
  | VerifyFields & Required<Pick<VerifyFields, 'sharedKeys'>>
  | VerifyFields & Required<Pick<VerifyFields, 'authToken'>>

/** Options of `twilioSignature()`, the hook for a host's own Twilio routes. */
export type TwilioSignatureOptions = VerifyOptions

/**
 * A TwiML webhook route declared through the plugin (the incoming-call URL, a `<Gather>` action):
 * the plugin's strict parser and verification, no idempotency. `request.body` is Twilio's
 * parameters; what the handler returns, when it is TwiML, is the reply (else an empty TwiML).
 */
export interface TwilioWebhookRoute {
  readonly url: string
  /** Default both. */
  readonly method?: 'GET' | 'POST' | ReadonlyArray<'GET' | 'POST'>
  readonly handler: (request: FastifyRequest<{ Body: TwilioParams }>, reply: FastifyReply) => CallbackResult | Promise<CallbackResult>
}

/** Every option of the plugin, each optional: {@link FastifyTwilioStatusOptions} says which are required. */
export interface PluginFields extends VerifyFields {
  /** TwiML webhook routes served with the plugin's parser and verification. */
  readonly webhooks?: readonly TwilioWebhookRoute[]
  /** `false` turns signature checks off (a warning is logged at register time). Default `true`. */
  readonly validate?: boolean
  /** Largest accepted body in bytes; larger gets 413. Default 65536. */
  readonly bodyLimit?: number
  /**
   * Most parameters in a form body, GET query or JSON object; more gets 400
   * `FST_TWILIO_TOO_MANY_PARAMS` before any sorting or hashing. Default 256.
   */
  readonly maxParams?: number
  /** Message status callbacks; route `/twilio/sms/status` unless `path` says otherwise. */
  readonly sms?: SmsOptions
  /** Call status callbacks; route `/twilio/call/status` unless `path` says otherwise. */
  readonly call?: CallOptions
  /** Recording status callbacks; route `/twilio/recording/status`. */
  readonly recording?: RecordingOptions
  /** `<Record transcribeCallback>` callbacks; route `/twilio/transcription/status`. */
  readonly transcription?: TranscriptionOptions
  /** Real-time transcription events; route `/twilio/transcription/realtime`. */
  readonly realtimeTranscription?: RealtimeTranscriptionOptions
  /** Asynchronous answering-machine detection results; route `/twilio/amd/status`. */
  readonly amd?: AmdOptions
  /** Conference status callbacks; route `/twilio/conference/status`. */
  readonly conference?: ConferenceOptions
  /** An Event Streams webhook sink; route `/twilio/event-streams` (POST, JSON batches). */
  readonly eventStreams?: EventStreamsOptions
  /** Run each event's callbacks once, however often Twilio delivers it. Default `true`. */
  readonly idempotency?: boolean | IdempotencyOptions
  /** Give events that arrive after a later one to `onStale`. Default `false`. */
  readonly ordering?: boolean | OrderingOptions
  /** Where handled events and ranks are kept. Default: a `MemoryStore` for this instance. */
  readonly store?: StatusStore
  /** Answer 503 when callbacks run longer than this, ms (100–14000). Default 10000. */
  readonly deadline?: number
  /** Treat a store call as failed after this long, ms. Default 1000. */
  readonly storeTimeout?: number
  /** Counters updated in place; make one with `createStats()`. */
  readonly stats?: Stats
  /**
   * Queue mode: hand each verified event to a BullMQ queue and answer Twilio once Redis has it;
   * workers (`createTwilioWorker`) run the callbacks. A `Queue`, or `{ queue, attempts, … }`.
   */
  readonly queue?: TwilioQueue | QueueOptions
}

/**
 * What the plugin serves: at least one family, or `webhooks`. (Written out, `sms` last: when an
 * options object fits none, the compiler's message names the last one.)
 */
export type PluginServes =
  | Required<Pick<PluginFields, 'webhooks'>>
  | Required<Pick<PluginFields, 'eventStreams'>>
  | Required<Pick<PluginFields, 'conference'>>
  | Required<Pick<PluginFields, 'amd'>>
  | Required<Pick<PluginFields, 'realtimeTranscription'>>
  | Required<Pick<PluginFields, 'transcription'>>
  | Required<Pick<PluginFields, 'recording'>>
  | Required<Pick<PluginFields, 'call'>>
  | Required<Pick<PluginFields, 'sms'>>

/**
 * How the plugin verifies: not at all (`validate: false`), with `sharedKeys`, or with an
 * `authToken` (written last, so that the message for options that fit none asks for it).
 */
export type PluginVerifies =
  | { readonly validate: false }
  | Required<Pick<VerifyFields, 'sharedKeys'>>
  | Required<Pick<VerifyFields, 'authToken'>>

/**
 * The plugin's options: how to verify (an `authToken`, or `sharedKeys`, or `validate: false`)
 * and at least one family (`sms`, `call`, …, `eventStreams`) or `webhooks`.
 */
export type FastifyTwilioStatusOptions = PluginFields & PluginVerifies & PluginServes

// ---- Delivery: counters, stores, Twilio's connection overrides

/** A value or a promise of it: a store may answer synchronously (memory) or not (Redis). */
export type Awaitable<T> = T | Promise<T>

/** Counters a host can read (pass the object as the `stats` option; it is updated in place). */
export interface Stats {
  /** Events whose callbacks all succeeded (stale ones included). */
  dispatched: number
  /** Deliveries answered without running callbacks because the event was handled already (or is being handled in this process). */
  duplicates: number
  /** Events older than one already seen, given to `onStale` instead of their status callback. */
  stale: number
  /** Deliveries answered 503 because another instance holds the event. */
  inProgress: number
  /** Deliveries answered 503 at the deadline while their callbacks ran on. */
  deadlines: number
  /** Store operations that threw or timed out (the event was processed anyway). */
  storeErrors: number
}

/** The outcome of claiming an event key. */
export type Claim =
  /** Yours to process. From `claimInOrder`, `stale` says whether a later event of the subject was seen. */
  | { readonly state: 'claimed', readonly stale?: boolean }
  | { readonly state: 'pending' }
  /** Handled already; `reply` is the TwiML that was sent the first time. */
  | { readonly state: 'done', readonly reply: string }

export interface StatusStore {
  /**
   * Atomically claim `key` for processing, for `ttlMs`. Answers `claimed` to exactly one
   * caller; others get `pending` while the claim lives, then `done` once it is completed.
   */
  claim (key: string, ttlMs: number): Awaitable<Claim>
  /** Mark `key` handled for `ttlMs`, remembering the reply (`''` stands for the empty TwiML). */
  complete (key: string, reply: string, ttlMs: number): Awaitable<void>
  /** Drop a claim whose callbacks failed, so a redelivery runs them again. */
  release (key: string): Awaitable<void>
  /**
   * Record `rank` for `subject` unless a higher one is recorded; `false` means the event is
   * stale (a later one was seen). Atomic.
   */
  advance (subject: string, rank: number, ttlMs: number): Awaitable<boolean>
  /**
   * Optional: `claim`, then `advance` when the claim is this caller's, as one atomic step (one
   * round trip to a shared store instead of two). A claimed answer carries `stale`. Without it,
   * an ordered event costs a `claim` and an `advance`.
   */
  claimInOrder? (key: string, ttlMs: number, subject: string, rank: number, orderTtlMs: number): Awaitable<Claim>
}

export interface MemoryStoreOptions {
  /**
   * Most keys kept (events and ordering subjects each); the first stored go first. Default
   * 100000. About 40 bytes per key, allocated when the store is made.
   */
  readonly maxEntries?: number
}

/** The part of an ioredis client this store uses. */
export interface RedisClient {
  evalsha (sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
  eval (script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
}

export interface RedisStoreOptions {
  /** An ioredis client (or cluster) the app owns; the store never closes it. */
  readonly client: RedisClient
  /** Key prefix, so several apps can share a database. Default `twilio-status:`. */
  readonly prefix?: string
}

export interface ConnectionOverrides {
  /** `ct`: connect timeout, ms, 100–10000 (Twilio's default 5000). */
  readonly connectTimeout?: number
  /** `rt`: read timeout, ms, 100–15000 (default 15000). */
  readonly readTimeout?: number
  /** `tt`: total time for all attempts, ms, 100–15000 (default 15000). */
  readonly totalTimeout?: number
  /** `rc`: retry count, 0–5 (default 1). */
  readonly retryCount?: number
  /**
   * `rp`: which failures are retried. Twilio documents the key; the value set below is
   * reported but not confirmed by its docs (docs/twilio-facts.md §4.2, [unverified]).
   */
  readonly retryPolicy?: ReadonlyArray<'ct' | 'rt' | '4xx' | '5xx' | 'all'>
}

// ---- The hook for a host's own Twilio routes

/** A preHandler hook, with the preParsing hook JSON routes also need (to keep the raw body). */
export interface TwilioSignatureHook {
  (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
  /** Keeps a JSON body's raw text, which `bodySHA256` is computed over. Other bodies pass untouched. */
  readonly preParsing: (request: FastifyRequest, reply: FastifyReply, payload: Readable, done: (err: Error | null, body?: Readable) => void) => void
}

// ---- Queue mode

/**
 * The part of a BullMQ `Queue` the plugin uses to enqueue. Structural, so that these types never
 * need bullmq installed: a `new Queue(name, { connection })` fits.
 */
export interface TwilioQueue {
  add (name: string, data: TwilioJobData, opts?: Record<string, unknown>): Promise<unknown>
}

/** The `queue` option in full. */
export interface QueueOptions {
  readonly queue: TwilioQueue
  /** Attempts per event before it stays in the failed set (the dead letters), 1–100. Default 8. */
  readonly attempts?: number
  /** First retry delay, ms, doubled at each attempt (BullMQ's exponential backoff). Default 1000. */
  readonly backoff?: number
  /** How long Redis may take to acknowledge an add before the event is processed inline, ms. Default 2000. */
  readonly timeout?: number
  /** More BullMQ job options, merged over the defaults (`removeOnComplete`, `priority`, …). */
  readonly jobOptions?: Readonly<Record<string, unknown>>
  /** Counters updated in place (`enqueued`, `fallbacks`); make one with `createQueueStats()`. */
  readonly stats?: QueueStats
}

/** A queued event: what the receiver verified, as the worker gets it. */
export interface TwilioJobData {
  readonly channel: FormChannel
  readonly status: string
  readonly sid: string
  /** Twilio's parameters, as the plugin parsed them (a repeated name is an array). */
  readonly event: Readonly<Record<string, string | readonly string[]>>
  /** How often `replayFailed` has put it back. */
  readonly replays?: number
}

/** What a worker's callback gets in place of the request. */
export interface TwilioJobContext {
  /** The worker's logger, bound to the job id, Sid and status. */
  readonly log: FastifyBaseLogger
  /** The BullMQ job id (the event's idempotency key, percent-encoded). */
  readonly id: string
  /** Attempts made before this one (0 on the first). */
  readonly attemptsMade: number
}

/** Queue mode's counters, updated in place (the receiver's `queue.stats`, a worker's `queueStats`). */
export interface QueueStats {
  /** Events added to the queue by this receiver (a redelivery's add counts, though BullMQ keeps one job). */
  enqueued: number
  /** Events processed inline because the add failed or timed out. */
  fallbacks: number
  /** Jobs whose callbacks succeeded (or found the event handled already). */
  processed: number
  /** Failed attempts that will be retried. */
  retried: number
  /** Jobs whose attempts are exhausted: now in the failed set. */
  failed: number
  /** Replayed jobs that then succeeded. */
  replayed: number
  /** How long the last job started by this worker had waited in the queue, ms. */
  lag: number
}

/** A channel's callbacks as a worker runs them: the same events, the job's context for the request. */
export type WorkerCallbacks<O> = {
  readonly [K in keyof O as K extends 'path' ? never : K]: O[K] extends ((event: infer E, request: FastifyRequest) => unknown) | undefined
    ? (event: E, job: TwilioJobContext) => unknown
    : O[K]
}

export interface TwilioWorkerOptions {
  /** ioredis options (with `maxRetriesPerRequest: null`, as BullMQ requires) or an ioredis instance. */
  readonly connection: unknown
  /** The queue's name, as given to the receiver's `Queue`. Default `twilio`. */
  readonly queueName?: string
  /** BullMQ key prefix, if the queue uses one. */
  readonly prefix?: string
  /** Jobs run at once by this worker. Default 1. */
  readonly concurrency?: number
  /** An attempt still running after this long fails (and is retried), ms. Default 30000. */
  readonly timeout?: number
  /**
   * Shared by every worker for idempotency and ordering. Default: a `RedisStore` on the worker's
   * own connection. A `MemoryStore` is right only for a single worker process.
   */
  readonly store?: StatusStore
  readonly idempotency?: boolean | IdempotencyOptions
  readonly ordering?: boolean | OrderingOptions
  /** Treat a store call as failed after this long, ms. Default 1000. */
  readonly storeTimeout?: number
  /** Delivery counters (`dispatched`, `duplicates`, `stale`, …); make one with `createStats()`. */
  readonly stats?: Stats
  /** Queue counters (`processed`, `retried`, `failed`, `replayed`, `lag`); make one with `createQueueStats()`. */
  readonly queueStats?: QueueStats
  /** A pino-like logger. Default: warnings and errors to stderr as JSON lines. */
  readonly logger?: FastifyBaseLogger
  /** More BullMQ `Worker` options (`lockDuration`, `stalledInterval`, `limiter`, …). */
  readonly workerOptions?: Readonly<Record<string, unknown>>
  readonly sms?: WorkerCallbacks<SmsOptions>
  readonly call?: WorkerCallbacks<CallOptions>
  readonly recording?: WorkerCallbacks<RecordingOptions>
  readonly transcription?: WorkerCallbacks<TranscriptionOptions>
  readonly realtimeTranscription?: WorkerCallbacks<RealtimeTranscriptionOptions>
  readonly amd?: WorkerCallbacks<AmdOptions>
  readonly conference?: WorkerCallbacks<ConferenceOptions>
}

/** The part of a BullMQ `Worker` a host usually touches. */
export interface BullWorkerLike {
  on (event: string, listener: (...args: never[]) => void): unknown
  isRunning (): boolean
}

export interface TwilioWorker {
  /** The BullMQ `Worker` itself (cast it to bullmq's `Worker` for its whole API). */
  readonly worker: BullWorkerLike
  readonly stats: Stats
  readonly queueStats: QueueStats
  /** Resolves once the worker is connected to Redis. */
  waitUntilReady (): Promise<void>
  /**
   * Graceful shutdown: take no new jobs, let running ones finish within `timeout` ms (default
   * 10000), give the rest back to the queue for another worker, then close.
   */
  close (options?: { readonly timeout?: number }): Promise<void>
}

/** A failed job as `replayFailed` reads it. */
export interface FailedJobLike {
  readonly data: TwilioJobData
  updateData (data: TwilioJobData): Promise<unknown>
  retry (state: 'failed', opts: { resetAttemptsMade: boolean, resetAttemptsStarted: boolean }): Promise<unknown>
}

/** The part of a BullMQ `Queue` that `replayFailed` and `queueLag` read. */
export interface TwilioQueueReader {
  getFailed (start: number, end: number): Promise<Array<FailedJobLike | undefined>>
  getJobs (types: Array<'wait'>, start: number, end: number, asc: boolean): Promise<Array<{ readonly timestamp: number } | undefined>>
}
