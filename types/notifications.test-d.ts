/**
 * Type tests (tsd) for the notification families: TaskRouter's Workspace events, Verify Push
 * webhooks and the Debugger. Each callback's event is narrowed to its own status, names only the
 * documented fields, and carries its JSON texts parsed and typed in `parsed`.
 */
import Fastify from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import twilioStatus, {
  createTwilioWorker, type DebuggerEvent, type DebuggerLevel, type DebuggerOptions, type DebuggerPayload, type JsonObject, type TaskRouterEvent,
  type TaskRouterEventType, type TaskRouterOptions, type VerifyPushEvent, type VerifyPushEventType, type VerifyPushOptions,
  type VerifyVerificationData, type CloudEvent, type EventStreamsOptions, type TwilioParams, type CallbackName
} from '..'
import { sampleDebuggerEvent, sampleTaskRouterEvent, sampleVerifyEvent, signedInject, type TwilioFormParams } from 'fastify-twilio-status/testing'

const app = Fastify()

app.register(twilioStatus, {
  authToken: 'x',
  taskrouter: {
    path: '/hooks/taskrouter',
    onTaskCreated (event) {
      expectType<'task.created'>(event.EventType)
      expectType<string>(event.ResourceSid)
      expectType<string | undefined>(event.TaskAttributes)
      expectType<JsonObject | undefined>(event.parsed.TaskAttributes)
      expectType<JsonObject | undefined>(event.parsed.WorkerAttributes)
    },
    onReservationAccepted (event) {
      expectType<'reservation.accepted'>(event.EventType)
      expectType<string | undefined>(event.ReservationSid)
      expectType<string | undefined>(event.WorkerSid)
    },
    onWorkerActivityUpdate (event) {
      expectType<'worker.activity.update'>(event.EventType)
      expectType<string | undefined>(event.WorkerPreviousActivitySid)
      expectType<string | undefined>(event.WorkerTimeInPreviousActivityMs)
    },
    onWorkerChannelAvailabilityUpdate (event) {
      expectType<'worker.channel.availability.update'>(event.EventType)
      expectType<string | undefined>(event.WorkerChannelAvailableCapacity)
    },
    onTaskQueueExpressionUpdated (event) {
      expectType<'task-queue.expression.updated'>(event.EventType)
      expectType<string | undefined>(event.TaskQueueTargetExpression)
    },
    onTaskTransferAttemptFailed (event) {
      expectType<'task.transfer-attempt-failed'>(event.EventType)
    },
    onWorkspaceDeleted (event) {
      expectType<'workspace.deleted'>(event.EventType)
    },
    async onAny (event) {
      expectType<TaskRouterEventType | (string & {})>(event.EventType)
    }
  },
  verify: {
    onFactorVerified (event) {
      expectType<'factor.verified'>(event.type)
      expectType<string>(event.uuid)
      expectType<string | undefined>(event.account_sid)
      expectType<string | undefined>(event.entity_identity)
    },
    onChallengeApproved (event) {
      expectType<'challenge.approved'>(event.type)
      expectType<string | undefined>(event.factor_sid)
    },
    onChallengeDenied (event) {
      expectType<'challenge.denied'>(event.type)
    }
  },
  debugger: {
    onError (event) {
      expectType<'error'>(event.Level)
      expectType<string>(event.Sid)
      expectType<DebuggerPayload | undefined>(event.parsed.Payload)
      expectType<string | undefined>(event.parsed.Payload?.error_code)
      expectType<string | null | undefined>(event.parsed.Payload?.service_sid)
      expectType<string | undefined>(event.parsed.Payload?.more_info?.httpResponse)
    },
    onWarning (event) {
      expectType<'warning'>(event.Level)
    },
    onAny (event) {
      expectType<DebuggerLevel | (string & {})>(event.Level)
    }
  }
})

// Misspelt callbacks and fields do not compile.
expectError<TaskRouterOptions>({ onTaskCreate () {} })
expectError<TaskRouterOptions>({ 'onTask.created' () {} })
expectError<VerifyPushOptions>({ onFactorApproved () {} })
expectError<DebuggerOptions>({ onInfo () {} })
expectError<DebuggerOptions>({ onError (event: DebuggerEvent<'error'>) { return event.Payloads } })
expectError<TaskRouterOptions>({ onTaskCreated (event: TaskRouterEvent<'task.created'>) { return event.TaskAttribute } })
// A callback for one status does not take another status's event.
expectNotAssignable<TaskRouterOptions>({ onTaskCreated (event: TaskRouterEvent<'task.completed'>) { return event } })
expectNotAssignable<VerifyPushOptions>({ onFactorCreated (event: VerifyPushEvent<'factor.deleted'>) { return event } })
expectNotAssignable<DebuggerOptions>({ onWarning (event: DebuggerEvent<'error'>) { return event } })

// `parsed` is no parameter: events that carry it are not TwilioParams (docs/typescript.md); Verify's are.
declare const taskEvent: TaskRouterEvent
declare const verifyEvent: VerifyPushEvent
expectNotAssignable<TwilioParams>(taskEvent)
expectAssignable<TwilioParams>(verifyEvent)
expectType<string | readonly string[] | undefined>((taskEvent as unknown as TwilioParams).NewParam)

// Every callback of every family is given its own status, each of the 49 TaskRouter types included.
type EventOf<F> = NonNullable<F> extends (event: infer E, request: never) => unknown ? E : never
type Narrowed<O, Statuses extends string, Param extends string> = {
  [S in Statuses]: CallbackName<S> extends keyof O ? Param extends keyof EventOf<O[CallbackName<S>]> ? EventOf<O[CallbackName<S>]>[Param] : never : never
}
type Own<Statuses extends string> = { [S in Statuses]: S }
// Assignable both ways: each callback's status is its own, neither wider nor `never`.
expectAssignable<Own<TaskRouterEventType>>({} as Narrowed<TaskRouterOptions, TaskRouterEventType, 'EventType'>)
expectAssignable<Narrowed<TaskRouterOptions, TaskRouterEventType, 'EventType'>>({} as Own<TaskRouterEventType>)
expectAssignable<Own<VerifyPushEventType>>({} as Narrowed<VerifyPushOptions, VerifyPushEventType, 'type'>)
expectAssignable<Narrowed<VerifyPushOptions, VerifyPushEventType, 'type'>>({} as Own<VerifyPushEventType>)
expectAssignable<Own<DebuggerLevel>>({} as Narrowed<DebuggerOptions, DebuggerLevel, 'Level'>)
expectAssignable<Narrowed<DebuggerOptions, DebuggerLevel, 'Level'>>({} as Own<DebuggerLevel>)
// The check can fail: a family's callbacks read with another family's statuses give `never`.
expectNotAssignable<Narrowed<VerifyPushOptions, DebuggerLevel, 'type'>>({} as Own<DebuggerLevel>)

// Every documented type is a status of its union; other strings are not.
expectAssignable<TaskRouterEventType>('worker.capacity.update')
expectAssignable<TaskRouterEventType>('reservation.rescinded')
expectNotAssignable<TaskRouterEventType>('task.escalated')
expectAssignable<VerifyPushEventType>('factor.deleted')
expectNotAssignable<VerifyPushEventType>('challenge.expired')
expectNotAssignable<DebuggerLevel>('ERROR')

// The Verify Event Streams types each have a callback, with their data typed.
expectAssignable<EventStreamsOptions>({
  onVerificationApproved (event: CloudEvent<'com.twilio.accountsecurity.verify.verification.approved'>) {
    expectType<VerifyVerificationData>(event.data)
    expectType<string | undefined>(event.data.verification_status)
  },
  onVerificationMaxAttemptsReached () {}
})

// The testing kit: samples and signedInject for each family and its statuses.
expectType<TwilioFormParams>(sampleTaskRouterEvent('task.created'))
expectType<TwilioFormParams>(sampleVerifyEvent('factor.verified'))
expectType<TwilioFormParams>(sampleDebuggerEvent('error'))
signedInject({ authToken: 'x', channel: 'taskrouter', status: 'reservation.accepted' })
signedInject({ authToken: 'x', channel: 'verify', status: 'challenge.denied' })
signedInject({ authToken: 'x', channel: 'debugger', status: 'warning' })
expectError(signedInject({ authToken: 'x', channel: 'debugger', status: 'delivered' }))
expectError(signedInject({ authToken: 'x', channel: 'verify', status: 'task.created' }))

// Queue mode: a worker's callbacks get the same narrowed events, `parsed` included.
createTwilioWorker({
  connection: {},
  taskrouter: {
    onReservationCreated (event, job) {
      expectType<'reservation.created'>(event.EventType)
      expectType<JsonObject | undefined>(event.parsed.WorkerAttributes)
      expectType<string>(job.id)
    }
  },
  verify: { onChallengeDenied (event) { expectType<'challenge.denied'>(event.type) } },
  debugger: { onWarning (event) { expectType<DebuggerPayload | undefined>(event.parsed.Payload) } }
})
