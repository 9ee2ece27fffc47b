/**
 * Entry point, in Fastify's export convention: `module.exports` is the plugin, with `.default`,
 * `.fastifyTwilioStatus` and the other named exports on it, so ESM, CJS and TS imports all work.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import * as Types from '../types/index'
import * as errors from './errors'
import * as families from './families/index'
import * as hook from './http/hook'
import { fastifyTwilioStatus as plugin } from './plugin'
import * as redisStore from './stores/redis'
import * as retry from './options/connection-overrides'
import * as stats from './options/index'
import * as statuses from './families/statuses'
import * as store from './stores/memory'
import * as queueReplay from './queue/replay'
import * as queueStats from './options/queue'
import * as queueWorker from './worker'
import * as reconcileOptions from './options/reconcile'

function fastifyTwilioStatus (fastify: FastifyInstance, options: Types.FastifyTwilioStatusOptions): Promise<void> {
  return plugin(fastify, options)
}

// fastify-plugin names the plugin and checks the Fastify range; not encapsulated, so that the
// `reconcile` handle reaches the host, while the routes and body parsers stay in a child context
// the plugin registers itself (./plugin).
fp(fastifyTwilioStatus, { fastify: '5.x', name: 'fastify-twilio-status' })

// Local bindings (not import bindings, which tsc rewrites to `x_1.name`), so that the list below
// is a plain object of identifiers.
const { CALL_STATUSES, callbackName, MESSAGE_STATUSES } = statuses
const { MemoryStore } = store
const { RedisStore } = redisStore
const { createStats } = stats
const { statusCallbackUrl } = retry
const { twilioSignature } = hook
const { createTwilioWorker } = queueWorker
const { replayFailed, queueLag } = queueReplay
const { createQueueStats } = queueStats
const { createReconcileStats } = reconcileOptions

// The named exports, put on the plugin (`export =` below makes it the module). Written as
// `module.exports = { … }` because Node's ESM loader finds a CommonJS module's named exports by
// reading its source (cjs-module-lexer): it sees this literal, not Object.assign.
module.exports = { default: fastifyTwilioStatus, fastifyTwilioStatus, errors, MESSAGE_STATUSES, CALL_STATUSES, callbackName, MemoryStore, RedisStore, createStats, statusCallbackUrl, twilioSignature, createTwilioWorker, replayFailed, queueLag, createQueueStats, createReconcileStats }
Object.assign(fastifyTwilioStatus, module.exports)

// What `export =` gives TypeScript: every type of types/ (test/types-public.test.ts checks that
// none is missing), then the values above, the two classes as types too.
declare namespace fastifyTwilioStatus {
  export import FastifyTwilioStatusOptions = Types.FastifyTwilioStatusOptions
  export import SmsOptions = Types.SmsOptions
  export import CallOptions = Types.CallOptions
  export import MessageEvent = Types.MessageEvent
  export import InboundMessageEvent = Types.InboundMessageEvent
  export import StatusMessageEvent = Types.StatusMessageEvent
  export import CallEvent = Types.CallEvent
  export import MessageStatus = Types.MessageStatus
  export import RecordingStatus = Types.RecordingStatus
  export import TranscriptionStatus = Types.TranscriptionStatus
  export import RealtimeTranscriptionEventName = Types.RealtimeTranscriptionEventName
  export import AmdResult = Types.AmdResult
  export import ConferenceEventName = Types.ConferenceEventName
  export import RecordingEvent = Types.RecordingEvent
  export import TranscriptionEvent = Types.TranscriptionEvent
  export import RealtimeTranscriptionEvent = Types.RealtimeTranscriptionEvent
  export import AmdEvent = Types.AmdEvent
  export import ConferenceEvent = Types.ConferenceEvent
  export import FallbackParams = Types.FallbackParams
  export import EventStreamsType = Types.EventStreamsType
  export import EventStreamsOptions = Types.EventStreamsOptions
  export import CloudEvent = Types.CloudEvent
  export import EventStreamsData = Types.EventStreamsData
  export import MessageStatusData = Types.MessageStatusData
  export import InboundMessageData = Types.InboundMessageData
  export import VoiceWebhookData = Types.VoiceWebhookData
  export import TestEventData = Types.TestEventData
  export import VerifyVerificationData = Types.VerifyVerificationData
  export import JsonObject = Types.JsonObject
  export import TaskRouterEvent = Types.TaskRouterEvent
  export import TaskRouterParsed = Types.TaskRouterParsed
  export import VerifyPushEvent = Types.VerifyPushEvent
  export import DebuggerEvent = Types.DebuggerEvent
  export import DebuggerPayload = Types.DebuggerPayload
  export import TaskRouterEventType = Types.TaskRouterEventType
  export import VerifyPushEventType = Types.VerifyPushEventType
  export import DebuggerLevel = Types.DebuggerLevel
  export import FamilyOptions = Types.FamilyOptions
  export import RecordingOptions = Types.RecordingOptions
  export import TranscriptionOptions = Types.TranscriptionOptions
  export import RealtimeTranscriptionOptions = Types.RealtimeTranscriptionOptions
  export import AmdOptions = Types.AmdOptions
  export import ConferenceOptions = Types.ConferenceOptions
  export import NotificationOptions = Types.NotificationOptions
  export import TaskRouterOptions = Types.TaskRouterOptions
  export import VerifyPushOptions = Types.VerifyPushOptions
  export import DebuggerOptions = Types.DebuggerOptions
  export import CallStatus = Types.CallStatus
  export import Channel = families.Channel
  export import ChannelStatuses = Types.ChannelStatuses
  export import PascalStatus = statuses.PascalStatus
  export import CallbackName = statuses.CallbackName
  export import CallbackResult = Types.CallbackResult
  export import StatusCallback = Types.StatusCallback
  export import AnyCallback = Types.AnyCallback
  export import MessageStatusCallbacks = Types.MessageStatusCallbacks
  export import CallStatusCallbacks = Types.CallStatusCallbacks
  export import TwilioParams = Types.TwilioParams
  export import GeoParams = Types.GeoParams
  export import IdempotencyOptions = Types.IdempotencyOptions
  export import OrderingOptions = Types.OrderingOptions
  export import StatusStore = Types.StatusStore
  export import Claim = Types.Claim
  export import Stats = Types.Stats
  export import Awaitable = Types.Awaitable
  export import MemoryStoreOptions = Types.MemoryStoreOptions
  export import RedisStoreOptions = Types.RedisStoreOptions
  export import RedisClient = Types.RedisClient
  export import ConnectionOverrides = Types.ConnectionOverrides
  export import VerifyOptions = Types.VerifyOptions
  export import VerifyFields = Types.VerifyFields
  export import PluginFields = Types.PluginFields
  export import PluginVerifies = Types.PluginVerifies
  export import PluginServes = Types.PluginServes
  export import AuthToken = Types.AuthToken
  export import SharedKeys = Types.SharedKeys
  export import WebhookAuth = Types.WebhookAuth
  export import HttpCredential = Types.HttpCredential
  export import HttpUsers = Types.HttpUsers
  export import AuthTokenLookup = Types.AuthTokenLookup
  export import TwilioSignatureOptions = Types.TwilioSignatureOptions
  export import TwilioWebhookRoute = Types.TwilioWebhookRoute
  export import TwilioSignatureHook = Types.TwilioSignatureHook
  export import FormChannel = families.FormChannel
  export import TwilioQueue = Types.TwilioQueue
  export import QueueOptions = Types.QueueOptions
  export import TwilioJobData = Types.TwilioJobData
  export import TwilioJobContext = Types.TwilioJobContext
  export import QueueStats = Types.QueueStats
  export import WorkerCallbacks = Types.WorkerCallbacks
  export import TwilioWorkerOptions = Types.TwilioWorkerOptions
  export import TwilioWorker = Types.TwilioWorker
  export import BullWorkerLike = Types.BullWorkerLike
  export import FailedJobLike = Types.FailedJobLike
  export import TwilioQueueReader = Types.TwilioQueueReader
  export import TwilioRestClient = Types.TwilioRestClient
  export import StatusSource = Types.StatusSource
  export import ReconcileCredentials = Types.ReconcileCredentials
  export import ReconcileOptions = Types.ReconcileOptions
  export import ReconcileStats = Types.ReconcileStats
  export import ReconciledSource = Types.ReconciledSource
  export import WaitForOptions = Types.WaitForOptions
  export import WaitResult = Types.WaitResult
  export import TrackOptions = Types.TrackOptions
  export import TwilioStatusHandle = Types.TwilioStatusHandle
  export import DueWatch = Types.DueWatch
  export import WatchStore = Types.WatchStore
  export import EventText = Types.EventText
  export import ConversationsEventType = Types.ConversationsEventType
  export import ConversationsPreEventType = Types.ConversationsPreEventType
  export import ConversationsEvent = Types.ConversationsEvent
  export import ConversationsEventParams = Types.ConversationsEventParams
  export import ConversationsJson = Types.ConversationsJson
  export import ConversationsParsed = Types.ConversationsParsed
  export import ConversationsModifiable = Types.ConversationsModifiable
  export import ConversationsOptions = Types.ConversationsOptions
  export import PreEventReject = Types.PreEventReject
  export import PreEventDecision = Types.PreEventDecision
  export import PreEventAllow = Types.PreEventAllow
  export import AssignmentEvent = Types.AssignmentEvent
  export import AssignmentInstruction = Types.AssignmentInstruction
  export import AssignmentInstructions = Types.AssignmentInstructions
  export import AssignmentAnswer = Types.AssignmentAnswer
  export import AssignmentLater = Types.AssignmentLater
  export import TaskRouterAssignmentOptions = Types.TaskRouterAssignmentOptions
  export { fastifyTwilioStatus as default, fastifyTwilioStatus, errors, MESSAGE_STATUSES, CALL_STATUSES, callbackName, createStats, statusCallbackUrl, twilioSignature, createTwilioWorker, replayFailed, queueLag, createQueueStats, createReconcileStats }
  export import MemoryStore = store.MemoryStore
  export import RedisStore = redisStore.RedisStore
}

export = fastifyTwilioStatus
