/** The plugin's options: verification, the families it serves, and how events are delivered. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AmdOptions, CallbackResult, CallOptions, ConferenceOptions, EventStreamsOptions, RealtimeTranscriptionOptions, RecordingOptions, SmsOptions, TranscriptionOptions } from './callbacks'
import type { DebuggerOptions, TaskRouterOptions, VerifyPushOptions } from './callbacks'
import type { ConversationsOptions, TaskRouterAssignmentOptions } from './decisions'
import type { Stats } from './delivery'
import type { TwilioParams } from './events'
import type { QueueOptions, TwilioQueue } from './queue'
import type { ReconcileOptions } from './reconcile'
import type { IdempotencyOptions, OrderingOptions, StatusStore } from './stores'
import type { VerifyFields } from './verify'

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
  /** Conversations (classic) webhooks: pre-events decide, post-events notify; route `/twilio/conversations`. */
  readonly conversations?: ConversationsOptions
  /** TaskRouter's assignment callback, answered with an instruction; route `/twilio/taskrouter/assignment`. */
  readonly taskrouterAssignment?: TaskRouterAssignmentOptions
  /** TaskRouter Workspace events; route `/twilio/taskrouter/events`, answered 204 `application/json`. */
  readonly taskrouter?: TaskRouterOptions
  /** Verify Push webhooks; route `/twilio/verify`, answered 204. */
  readonly verify?: VerifyPushOptions
  /** The Console Debugger's webhook; route `/twilio/debugger`, answered 204. */
  readonly debugger?: DebuggerOptions
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
  /**
   * Fetch tracked Sids with no final status from Twilio's REST API, and put the handle
   * (`track`, `waitFor`) on the host as `app.twilioStatus`. Off unless given.
   */
  readonly reconcile?: ReconcileOptions
}

/**
 * What the plugin serves: at least one family, or `webhooks`. (Written out, `sms` last: when an
 * options object fits none, the compiler's message names the last one.)
 */
export type PluginServes =
  | Required<Pick<PluginFields, 'webhooks'>>
  | Required<Pick<PluginFields, 'taskrouterAssignment'>>
  | Required<Pick<PluginFields, 'conversations'>>
  | Required<Pick<PluginFields, 'debugger'>>
  | Required<Pick<PluginFields, 'verify'>>
  | Required<Pick<PluginFields, 'taskrouter'>>
  | Required<Pick<PluginFields, 'eventStreams'>>
  | Required<Pick<PluginFields, 'conference'>>
  | Required<Pick<PluginFields, 'amd'>>
  | Required<Pick<PluginFields, 'realtimeTranscription'>>
  | Required<Pick<PluginFields, 'transcription'>>
  | Required<Pick<PluginFields, 'recording'>>
  | Required<Pick<PluginFields, 'call'>>
  | Required<Pick<PluginFields, 'sms'>>

/**
 * How the plugin verifies: not at all (`validate: false`), with Twilio's credentials (`auth`),
 * with `sharedKeys`, or with an `authToken` (written last, so that the message for options that
 * fit none asks for it).
 */
export type PluginVerifies =
  | { readonly validate: false }
  | Required<Pick<VerifyFields, 'auth'>>
  | Required<Pick<VerifyFields, 'sharedKeys'>>
  | Required<Pick<VerifyFields, 'authToken'>>

/**
 * The plugin's options: how to verify (an `authToken`, or `sharedKeys`, or `validate: false`)
 * and at least one family (`sms`, `call`, …, `eventStreams`) or `webhooks`.
 */
export type FastifyTwilioStatusOptions = PluginFields & PluginVerifies & PluginServes
