/**
 * TaskRouter Workspace events, the Workspace's `EventCallbackUrl` (docs/twilio-facts.md §19):
 * notifications, one per `EventType`, answered 204 `application/json` as Twilio asks.
 */
import type { Family } from './family'

/** Every `EventType` of Twilio's Events reference, by resource. */
export const TASKROUTER_EVENTS = [
  'activity.created', 'activity.updated', 'activity.deleted',
  'reservation.created', 'reservation.accepted', 'reservation.rejected', 'reservation.timeout', 'reservation.canceled',
  'reservation.rescinded', 'reservation.completed', 'reservation.failed', 'reservation.wrapup',
  'task.created', 'task.updated', 'task.canceled', 'task.wrapup', 'task.completed', 'task.deleted', 'task.system-deleted',
  'task.transfer-initiated', 'task.transfer-attempt-failed', 'task.transfer-failed', 'task.transfer-canceled',
  'task.transfer-completed',
  'task-channel.created', 'task-channel.updated', 'task-channel.deleted',
  'task-queue.created', 'task-queue.deleted', 'task-queue.entered', 'task-queue.timeout', 'task-queue.moved',
  'task-queue.expression.updated',
  'worker.created', 'worker.activity.update', 'worker.attributes.update', 'worker.capacity.update',
  'worker.channel.availability.update', 'worker.deleted',
  'workflow.created', 'workflow.updated', 'workflow.deleted', 'workflow.target-matched', 'workflow.entered',
  'workflow.timeout', 'workflow.skipped',
  'workspace.created', 'workspace.updated', 'workspace.deleted'
] as const

/** JSON objects sent as text (§19.3). */
export const TASKROUTER_JSON_PARAMS = { TaskAttributes: 'object', WorkerAttributes: 'object' } as const

export const TASKROUTER_FIELDS = [
  'EventType', 'AccountSid', 'WorkspaceSid', 'WorkspaceName', 'EventDescription', 'ResourceType', 'ResourceSid', 'Timestamp',
  'ActivitySid', 'ActivityName', 'ActivityAvailable',
  'ReservationSid', 'TaskQueueSid', 'WorkflowSid', 'WorkflowName',
  'TaskSid', 'TaskAttributes', 'TaskAge', 'TaskPriority', 'TaskAssignmentStatus', 'TaskCanceledReason', 'TaskCompletedReason',
  'TaskChannelSid', 'TaskChannelName', 'TaskChannelUniqueName', 'TaskChannelOptimizedRouting',
  'TaskQueueName', 'TaskQueueTargetExpression', 'OperatingUnitSid',
  'WorkerSid', 'WorkerName', 'WorkerAttributes', 'WorkerActivitySid', 'WorkerActivityName', 'WorkerVersion',
  'WorkerTimeInPreviousActivity', 'WorkerTimeInPreviousActivityMs', 'WorkerPreviousActivitySid',
  'WorkerChannelAvailable', 'WorkerChannelAvailableCapacity', 'WorkerChannelPreviousCapacity', 'WorkerChannelTaskCount',
  // Not in Twilio's table, seen in third-party handlers (§19.4): single-valued if sent at all.
  'Sid', 'TimestampMs', 'TaskVersion', 'WorkerPreviousActivityName'
] as const

export const taskrouter = {
  path: '/twilio/taskrouter/events',
  statusParams: ['EventType'],
  sidParams: ['ResourceSid'],
  statuses: TASKROUTER_EVENTS,
  fields: TASKROUTER_FIELDS,
  // Twilio documents no event id: the resource, type and time, plus what tells two events of one
  // resource in the same instant apart (a version, a channel; `Sid` where sent), are the key (§19.4).
  keyParams: ['Timestamp', 'TimestampMs', 'Sid', 'TaskVersion', 'WorkerVersion', 'TaskChannelSid'],
  order: null,
  ack: { status: 204, type: 'application/json' },
  jsonParams: TASKROUTER_JSON_PARAMS
} as const satisfies Family
