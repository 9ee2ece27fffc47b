/**
 * Public types: the events Twilio sends (facts file §2.3, §2.4, §3.3), the callbacks that
 * receive them and the plugin's options. Status unions come from `lib/statuses.ts`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Stats } from '../lib/stats'
import type { CallbackName, CallStatus, MessageStatus } from '../lib/statuses'
import type { StatusStore } from '../lib/store'

export type { Stats } from '../lib/stats'
export type { Claim, StatusStore } from '../lib/store'

export type { CallbackName, CallStatus, Channel, MessageStatus, PascalStatus } from '../lib/statuses'

/**
 * Parameters Twilio adds without notice still reach callbacks, as strings (or, for a name sent
 * more than once, every value in order). Every field an event type names is single-valued: a
 * request repeating one is refused with 400, so those are always one string.
 */
export interface TwilioParams {
  readonly [param: string]: string | readonly string[] | undefined
}

/** Where the numbers are, when Twilio's lookup succeeds (messages and calls alike). */
export interface GeoParams {
  readonly FromCity?: string
  readonly FromState?: string
  readonly FromZip?: string
  readonly FromCountry?: string
  readonly ToCity?: string
  readonly ToState?: string
  readonly ToZip?: string
  readonly ToCountry?: string
}

/** Parameters of an SMS/MMS/WhatsApp status callback (§2.3) and of an inbound message (§2.4). */
export interface MessageEvent<S extends string = MessageStatus | (string & {})> extends TwilioParams, GeoParams {
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

/** Parameters of a voice call status callback (§3.3). */
export interface CallEvent<S extends string = CallStatus | (string & {})> extends TwilioParams, GeoParams {
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

/** How a request's signature is checked: shared by the plugin and `twilioSignature()`. */
export interface VerifyOptions {
  /**
   * The Auth Token Twilio signs with, or several during rotation (any one validates; put the
   * current one first), or a lookup by the request's `AccountSid` (subaccounts).
   */
  readonly authToken: string | readonly string[] | AuthTokenLookup
  /**
   * SharedKey secrets by key id (`webhooks_sharedkey_…`), for webhooks Twilio signs with a
   * SharedKey (they carry `X-Twilio-Webhooks-Signature-Settings`). Several during a rotation.
   */
  readonly sharedKeys?: Readonly<Record<string, string>>
  /** Refuse Auth Token signatures: only SharedKey-signed requests verify. Default `false`. */
  readonly requireSharedKey?: boolean
  /**
   * The origin (or base URL) Twilio calls, e.g. `https://hooks.example.com`, when the app sits
   * behind a proxy or tunnel. The request target is appended to it. Without it the URL is built
   * from `request.protocol` and `request.host`, which honour Fastify's `trustProxy`.
   */
  readonly publicUrl?: string
}

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

export interface FastifyTwilioStatusOptions extends VerifyOptions {
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
}
