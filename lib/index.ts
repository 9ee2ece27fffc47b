/**
 * Entry point. Fastify's export convention, so that `import x from`, `import { fastifyTwilioStatus }
 * from` and `require()` all work from JS and TS: `module.exports` is the plugin, with `.default`
 * and `.fastifyTwilioStatus` on it, typed by `export =` and a merged namespace.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type * as Types from '../types/index'
import * as errors from './errors'
import * as hook from './http/hook'
import { fastifyTwilioStatus as plugin } from './plugin'
import * as redisStore from './stores/redis'
import * as retry from './delivery/retry'
import * as stats from './delivery/stats'
import * as statuses from './families/statuses'
import * as store from './stores/memory'
import * as queueReplay from './queue/replay'
import * as queueStats from './queue/stats'
import * as queueWorker from './queue/worker'

// Local bindings (not import bindings, which tsc rewrites to `x_1.name`), so that the ESM hint
// at the end of this file is a plain object of identifiers.
const { CALL_STATUSES, callbackName, MESSAGE_STATUSES } = statuses
const { MemoryStore } = store
const { RedisStore } = redisStore
const { createStats } = stats
const { statusCallbackUrl } = retry
const { twilioSignature } = hook
const { createTwilioWorker } = queueWorker
const { replayFailed, queueLag } = queueReplay
const { createQueueStats } = queueStats

const extras = { errors, MESSAGE_STATUSES, CALL_STATUSES, callbackName, MemoryStore, RedisStore, createStats, statusCallbackUrl, twilioSignature, createTwilioWorker, replayFailed, queueLag, createQueueStats }

function fastifyTwilioStatus (fastify: FastifyInstance, options: Types.FastifyTwilioStatusOptions): Promise<void> {
  return plugin(fastify, options)
}

// `encapsulate: true`: fastify-plugin names the plugin and checks the Fastify range, while the
// routes and body parsers stay in the plugin's own context.
fp(fastifyTwilioStatus, { fastify: '5.x', name: 'fastify-twilio-status', encapsulate: true })
// `module.exports =` replaces the exports object, so the aliases go on the plugin itself.
Object.assign(fastifyTwilioStatus, extras, { default: fastifyTwilioStatus, fastifyTwilioStatus })
// For Node's ESM loader, which finds a CommonJS module's named exports by reading its source
// (cjs-module-lexer) and cannot see Object.assign: this never runs, it only names them.
/* c8 ignore next */
0 && (module.exports = { default: fastifyTwilioStatus, fastifyTwilioStatus, errors, MESSAGE_STATUSES, CALL_STATUSES, callbackName, MemoryStore, RedisStore, createStats, statusCallbackUrl, twilioSignature, createTwilioWorker, replayFailed, queueLag, createQueueStats })

declare namespace fastifyTwilioStatus {
  export type FastifyTwilioStatusOptions = Types.FastifyTwilioStatusOptions
  export type SmsOptions = Types.SmsOptions
  export type CallOptions = Types.CallOptions
  export type MessageEvent<S extends string = Types.MessageStatus | (string & {})> = Types.MessageEvent<S>
  export type CallEvent<S extends string = Types.CallStatus | (string & {})> = Types.CallEvent<S>
  export type MessageStatus = Types.MessageStatus
  export type RecordingStatus = Types.RecordingStatus
  export type TranscriptionStatus = Types.TranscriptionStatus
  export type RealtimeTranscriptionEventName = Types.RealtimeTranscriptionEventName
  export type AmdResult = Types.AmdResult
  export type ConferenceEventName = Types.ConferenceEventName
  export type RecordingEvent<S extends string = Types.RecordingStatus | (string & {})> = Types.RecordingEvent<S>
  export type TranscriptionEvent<S extends string = Types.TranscriptionStatus | (string & {})> = Types.TranscriptionEvent<S>
  export type RealtimeTranscriptionEvent<S extends string = Types.RealtimeTranscriptionEventName | (string & {})> = Types.RealtimeTranscriptionEvent<S>
  export type AmdEvent<S extends string = Types.AmdResult | (string & {})> = Types.AmdEvent<S>
  export type ConferenceEvent<S extends string = Types.ConferenceEventName | (string & {})> = Types.ConferenceEvent<S>
  export type FallbackParams<P extends Types.TwilioParams = Types.TwilioParams> = Types.FallbackParams<P>
  export type EventStreamsType = Types.EventStreamsType
  export type EventStreamsOptions = Types.EventStreamsOptions
  export type CloudEvent<T extends string = Types.EventStreamsType | (string & {})> = Types.CloudEvent<T>
  export type EventStreamsData<T extends string> = Types.EventStreamsData<T>
  export type MessageStatusData = Types.MessageStatusData
  export type InboundMessageData = Types.InboundMessageData
  export type VoiceWebhookData = Types.VoiceWebhookData
  export type TestEventData = Types.TestEventData
  export type FamilyOptions<Statuses extends string, Param extends string, E extends Types.TwilioParams> = Types.FamilyOptions<Statuses, Param, E>
  export type RecordingOptions = Types.RecordingOptions
  export type TranscriptionOptions = Types.TranscriptionOptions
  export type RealtimeTranscriptionOptions = Types.RealtimeTranscriptionOptions
  export type AmdOptions = Types.AmdOptions
  export type ConferenceOptions = Types.ConferenceOptions
  export type CallStatus = Types.CallStatus
  export type Channel = Types.Channel
  export type ChannelStatuses = Types.ChannelStatuses
  export type PascalStatus<S extends string> = Types.PascalStatus<S>
  export type CallbackName<S extends string> = Types.CallbackName<S>
  export type CallbackResult = Types.CallbackResult
  export type StatusCallback<E> = Types.StatusCallback<E>
  export type AnyCallback<E> = Types.AnyCallback<E>
  export type MessageStatusCallbacks = Types.MessageStatusCallbacks
  export type CallStatusCallbacks = Types.CallStatusCallbacks
  export type TwilioParams = Types.TwilioParams
  export type GeoParams = Types.GeoParams
  export type IdempotencyOptions = Types.IdempotencyOptions
  export type OrderingOptions = Types.OrderingOptions
  export type StatusStore = Types.StatusStore
  export type Claim = Types.Claim
  export type Stats = Types.Stats
  export type Awaitable<T> = Types.Awaitable<T>
  export type MemoryStoreOptions = Types.MemoryStoreOptions
  export type RedisStoreOptions = Types.RedisStoreOptions
  export type RedisClient = Types.RedisClient
  export type ConnectionOverrides = Types.ConnectionOverrides
  export type VerifyOptions = Types.VerifyOptions
  export type VerifyFields = Types.VerifyFields
  export type PluginFields = Types.PluginFields
  export type PluginVerifies = Types.PluginVerifies
  export type PluginServes = Types.PluginServes
  export type AuthToken = Types.AuthToken
  export type SharedKeys = Types.SharedKeys
  export type AuthTokenLookup = Types.AuthTokenLookup
  export type TwilioSignatureOptions = Types.TwilioSignatureOptions
  export type TwilioWebhookRoute = Types.TwilioWebhookRoute
  export type TwilioSignatureHook = Types.TwilioSignatureHook
  export type FormChannel = Types.FormChannel
  export type TwilioQueue = Types.TwilioQueue
  export type QueueOptions = Types.QueueOptions
  export type TwilioJobData = Types.TwilioJobData
  export type TwilioJobContext = Types.TwilioJobContext
  export type QueueStats = Types.QueueStats
  export type WorkerCallbacks<O> = Types.WorkerCallbacks<O>
  export type TwilioWorkerOptions = Types.TwilioWorkerOptions
  export type TwilioWorker = Types.TwilioWorker
  export type BullWorkerLike = Types.BullWorkerLike
  export type FailedJobLike = Types.FailedJobLike
  export type TwilioQueueReader = Types.TwilioQueueReader
  export const errors: typeof extras.errors
  export const MESSAGE_STATUSES: typeof extras.MESSAGE_STATUSES
  export const CALL_STATUSES: typeof extras.CALL_STATUSES
  export const callbackName: typeof extras.callbackName
  export const MemoryStore: typeof extras.MemoryStore
  export type MemoryStore = InstanceType<typeof extras.MemoryStore>
  export const RedisStore: typeof extras.RedisStore
  export type RedisStore = InstanceType<typeof extras.RedisStore>
  export const createStats: typeof extras.createStats
  export const statusCallbackUrl: typeof extras.statusCallbackUrl
  export const twilioSignature: typeof extras.twilioSignature
  export const createTwilioWorker: typeof extras.createTwilioWorker
  export const replayFailed: typeof extras.replayFailed
  export const queueLag: typeof extras.queueLag
  export const createQueueStats: typeof extras.createQueueStats
  export { fastifyTwilioStatus as default, fastifyTwilioStatus }
}

export = fastifyTwilioStatus
