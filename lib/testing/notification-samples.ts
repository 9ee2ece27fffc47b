/**
 * Sample payloads for the notification families (docs/twilio-facts.md §19–§21): TaskRouter's
 * Workspace events, Verify Push webhooks and the Debugger's events, built from Twilio's parameter
 * tables and examples. Deterministic, like `./samples`; `overrides` change them.
 */
import { bodyHash } from '../verify/signature'
import { ACCOUNT_SID, CALL_SID, CALL_START_MS, merge, type ParamOverrides, sampleSid, type TwilioFormParams } from './samples'

export const WORKSPACE_SID = sampleSid('WS', 'sample')
export const WORKFLOW_SID = sampleSid('WW', 'sample')
export const TASK_QUEUE_SID = sampleSid('WQ', 'sample')
export const TASK_SID = sampleSid('WT', 'sample')
export const WORKER_SID = sampleSid('WK', 'sample')
export const RESERVATION_SID = sampleSid('WR', 'sample')
const AVAILABLE_SID = sampleSid('WA', 'available')
const OFFLINE_SID = sampleSid('WA', 'offline')
const TASK_CHANNEL_SID = sampleSid('TC', 'voice')

/** Where a task stands after each task or reservation event: `TaskAssignmentStatus`. */
const ASSIGNMENT: Readonly<Record<string, string>> = {
  'reservation.created': 'reserved',
  'reservation.accepted': 'assigned',
  'reservation.wrapup': 'wrapping',
  'reservation.completed': 'completed',
  'task.canceled': 'canceled',
  'task.wrapup': 'wrapping',
  'task.completed': 'completed'
}

/** The resource each event is about: `[ResourceType, ResourceSid]`. */
function resourceOf (eventType: string): [string, string] {
  const [resource] = eventType.split('.') as [string]
  switch (resource) {
    case 'activity': return ['Activity', AVAILABLE_SID]
    case 'reservation': return ['Reservation', RESERVATION_SID]
    case 'worker': return ['Worker', WORKER_SID]
    case 'workspace': return ['Workspace', WORKSPACE_SID]
    case 'task-channel': return ['TaskChannel', TASK_CHANNEL_SID]
    case 'workflow': return /^workflow\.(created|updated|deleted)$/.test(eventType) ? ['Workflow', WORKFLOW_SID] : ['Task', TASK_SID]
    case 'task-queue': return /^task-queue\.(entered|timeout|moved)$/.test(eventType) ? ['Task', TASK_SID] : ['TaskQueue', TASK_QUEUE_SID]
    default: return ['Task', TASK_SID]
  }
}

/** Twilio's Task field group (§19.2). */
function taskFields (eventType: string): Record<string, string> {
  const fields: Record<string, string> = {
    TaskSid: TASK_SID,
    TaskAttributes: '{"type":"support","from":"+15558675310","selected_language":"en"}',
    TaskAge: '25',
    TaskPriority: '0',
    TaskAssignmentStatus: ASSIGNMENT[eventType] ?? 'pending'
  }
  if (eventType === 'task.canceled') fields.TaskCanceledReason = 'Caller hung up'
  if (eventType === 'task.completed') fields.TaskCompletedReason = 'Call ended'
  return fields
}

/** Twilio's Worker field group (§19.2). */
function workerFields (): Record<string, string> {
  return {
    WorkerSid: WORKER_SID,
    WorkerName: 'Alice',
    WorkerAttributes: '{"skills":["support"],"languages":["en"]}',
    WorkerActivitySid: AVAILABLE_SID,
    WorkerActivityName: 'Available',
    WorkerVersion: '3'
  }
}

/** The field data Twilio's Events reference lists for `eventType` (§19.2). */
function fieldsOf (eventType: string): Record<string, string> {
  const task = (extra: Record<string, string>): Record<string, string> => ({ ...taskFields(eventType), ...extra })
  const [resource] = eventType.split('.') as [string]
  switch (resource) {
    case 'activity': return { ActivitySid: AVAILABLE_SID, ActivityName: 'Available', ActivityAvailable: 'true' }
    case 'reservation': return {
      ...task({ TaskQueueSid: TASK_QUEUE_SID, ReservationSid: RESERVATION_SID, WorkflowSid: WORKFLOW_SID }),
      ...(eventType === 'reservation.failed' ? {} : workerFields())
    }
    case 'task-channel': return { TaskChannelSid: TASK_CHANNEL_SID, TaskChannelName: 'Voice', TaskChannelUniqueName: 'voice', TaskChannelOptimizedRouting: 'false' }
    case 'task-queue': return /^task-queue\.(entered|timeout|moved)$/.test(eventType)
      ? task({ TaskQueueSid: TASK_QUEUE_SID, WorkflowSid: WORKFLOW_SID })
      : { TaskQueueSid: TASK_QUEUE_SID, TaskQueueName: 'Support', TaskQueueTargetExpression: 'languages HAS "en"', ...(eventType === 'task-queue.created' ? { OperatingUnitSid: sampleSid('OU', 'sample') } : {}) }
    case 'worker': {
      const fields = workerFields()
      if (eventType === 'worker.activity.update') {
        Object.assign(fields, { WorkerTimeInPreviousActivity: '3600', WorkerTimeInPreviousActivityMs: '3600000', WorkerPreviousActivitySid: OFFLINE_SID })
      }
      if (eventType === 'worker.capacity.update' || eventType === 'worker.channel.availability.update') {
        Object.assign(fields, {
          WorkerChannelAvailable: 'true',
          WorkerChannelAvailableCapacity: '1',
          WorkerChannelPreviousCapacity: '1',
          TaskChannelSid: TASK_CHANNEL_SID,
          TaskChannelUniqueName: 'voice',
          WorkerChannelTaskCount: '0'
        })
      }
      return fields
    }
    case 'workflow': return /^workflow\.(created|updated|deleted)$/.test(eventType)
      ? { WorkflowSid: WORKFLOW_SID, WorkflowName: 'Support' }
      : task({ WorkflowSid: WORKFLOW_SID })
    case 'workspace': return {}
    default: return task(eventType === 'task.created' ? { WorkflowSid: WORKFLOW_SID } : { TaskQueueSid: TASK_QUEUE_SID, WorkflowSid: WORKFLOW_SID })
  }
}

/** A TaskRouter Workspace event (§19) of `eventType`, with the field groups Twilio lists for it. */
export function sampleTaskRouterEvent (eventType: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const [resourceType, resourceSid] = resourceOf(eventType)
  return merge({
    EventType: eventType,
    AccountSid: ACCOUNT_SID,
    WorkspaceSid: WORKSPACE_SID,
    WorkspaceName: 'Support',
    EventDescription: `${resourceType} ${resourceSid} ${eventType.slice(eventType.indexOf('.') + 1)}`,
    ResourceType: resourceType,
    ResourceSid: resourceSid,
    // Its format is not documented: epoch seconds here.
    Timestamp: String(CALL_START_MS / 1000),
    ...fieldsOf(eventType)
  }, overrides)
}

/** A v4-shaped UUID derived from `seed`, so samples stay deterministic. */
export function sampleUuid (seed: string): string {
  const hex = bodyHash(`uuid:${seed}`).slice(0, 32)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** A Verify Push webhook (§20) of `type`: the parameters of Twilio's table that could be read. */
export function sampleVerifyEvent (type: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const event: Record<string, string> = {
    uuid: sampleUuid(type),
    type,
    account_sid: ACCOUNT_SID,
    service_sid: sampleSid('VA', 'sample'),
    entity_identity: 'ff483d1ff591898a9942916050d2ca3f',
    factor_sid: sampleSid('YF', 'sample'),
    factor_type: 'push'
  }
  return merge(event, overrides)
}

/** Twilio's example `Payload` (11200, a webhook that answered 404), for the sample call. */
const DEBUGGER_PAYLOAD = JSON.stringify({
  resource_sid: CALL_SID,
  service_sid: null,
  error_code: '11200',
  more_info: {
    msg: 'An attempt to retrieve content from https://example.com/twilio/voice returned the HTTP status code 404',
    Msg: 'An attempt to retrieve content from https://example.com/twilio/voice returned the HTTP status code 404',
    sourceComponent: '12000',
    ErrorCode: '11200',
    httpResponse: '404',
    url: 'https://example.com/twilio/voice',
    LogLevel: 'ERROR'
  },
  webhook: { type: 'application/json', request: {} }
})

/** A Debugger event (§21) at `level` (`error`, `warning`): Twilio's example, its `Level` upper-cased as sent there. */
export function sampleDebuggerEvent (level: string, overrides: ParamOverrides = {}): TwilioFormParams {
  return merge({
    AccountSid: ACCOUNT_SID,
    Level: level.toUpperCase(),
    ParentAccountSid: '',
    Payload: DEBUGGER_PAYLOAD,
    PayloadType: 'application/json',
    Sid: sampleSid('NO', level),
    Timestamp: new Date(CALL_START_MS).toISOString().replace('.000', '')
  }, overrides)
}
