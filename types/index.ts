/**
 * Public types, in one place: the events Twilio sends (docs/twilio-facts.md §2.3, §2.4, §3.3),
 * the callbacks that receive them, the plugin's and the hook's options, stores and counters.
 * Status unions are derived from the lists in `lib/dispatch/statuses.ts`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import type { HookHandlerDoneFunction } from 'fastify'
import type { CallbackName, CallStatus, MessageStatus } from '../lib/dispatch/statuses'

export type { CallbackName, CallStatus, Channel, MessageStatus, PascalStatus } from '../lib/dispatch/statuses'

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

/** Parameters of an SMS/MMS/WhatsApp status callback (docs/twilio-facts.md §2.3) and of an inbound message (docs/twilio-facts.md §2.4). */
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

/** Parameters of a voice call status callback (docs/twilio-facts.md §3.3). */
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
  | { readonly state: 'claimed' }
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
}

export interface MemoryStoreOptions {
  /** Most keys kept (events and ordering subjects each); the oldest go first. Default 100000. */
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
