/**
 * TaskRouter's assignment callback (docs/twilio-facts.md §18): a Reservation was created and
 * TaskRouter waits for the instruction the callback returns, or `{}` to decide later.
 */
import type { Decision, DecisionReply, Family } from './family'
import { TASKROUTER_JSON_PARAMS } from './taskrouter'

export const ASSIGNMENT_FIELDS = [
  'Timestamp', 'AccountSid', 'WorkspaceSid', 'WorkflowSid', 'TaskQueueSid', 'WorkerSid', 'WorkerAttributes',
  'TaskSid', 'TaskAttributes', 'TaskAge', 'TaskPriority', 'ReservationSid'
] as const

type Kind = 'string' | 'number' | 'boolean'

/** Each instruction's keys and their JSON types (§18.3); the required ones first, in `required`. */
export const INSTRUCTIONS: Readonly<Record<string, { readonly keys: Readonly<Record<string, Kind>>, readonly required: readonly string[] }>> = {
  accept: { keys: {}, required: [] },
  reject: { keys: { activity_sid: 'string' }, required: [] },
  dequeue: {
    keys: {
      to: 'string',
      from: 'string',
      post_work_activity_sid: 'string',
      record: 'string',
      timeout: 'number',
      status_callback_url: 'string',
      status_callback_events: 'string'
    },
    required: []
  },
  call: {
    keys: { to: 'string', from: 'string', url: 'string', accept: 'boolean', record: 'string', timeout: 'number', status_callback_url: 'string' },
    required: ['from', 'url']
  },
  redirect: { keys: { call_sid: 'string', url: 'string', accept: 'boolean' }, required: ['call_sid', 'url'] },
  conference: { keys: { to: 'string', from: 'string', post_work_activity_sid: 'string', room_name: 'string' }, required: [] }
}

/** Twilio waits 5 s before it calls the fallback URL (§18.2): answer before it. */
export const ASSIGNMENT_DEADLINE = 4000

/** Decide later (§18.2): `{}`, never another JSON object without an instruction (warning 40005). */
const LATER: DecisionReply = Object.freeze({ statusCode: 200, body: '{}' })

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function kindOf (value: unknown): string {
  return typeof value
}

/** What the assignment callback returned, as TaskRouter's answer; a TypeError for anything else. */
export function assignmentAnswer (result: unknown): DecisionReply {
  if (result === undefined) return LATER
  if (!isPlainObject(result)) throw new TypeError(`an assignment answer is an instruction object or {}, got ${typeof result}`)
  const keys = Object.keys(result)
  if (keys.length === 0) return LATER
  const name = result.instruction
  const spec = typeof name === 'string' && Object.hasOwn(INSTRUCTIONS, name) ? INSTRUCTIONS[name] : undefined
  if (spec === undefined) throw new TypeError(`unknown assignment instruction ${String(name)}`)
  for (const key of keys) {
    if (key === 'instruction') continue
    if (!Object.hasOwn(spec.keys, key)) throw new TypeError(`instruction ${name as string} has no key ${key}`)
    if (kindOf(result[key]) !== spec.keys[key]) throw new TypeError(`${key} must be a ${spec.keys[key]}`)
  }
  const missing = spec.required.find((key) => result[key] === undefined)
  if (missing !== undefined) throw new TypeError(`instruction ${name as string} needs ${missing}`)
  return { statusCode: 200, body: JSON.stringify(result) }
}

export const assignmentDecision: Decision = {
  statuses: ['assignment'],
  deadline: ASSIGNMENT_DEADLINE,
  answer: assignmentAnswer,
  // No 200: TaskRouter then calls the FallbackAssignmentCallbackUrl (docs/decisions.md).
  fallback: null
}

export const taskrouterAssignment = {
  path: '/twilio/taskrouter/assignment',
  // No status parameter: every request is a reservation to assign.
  statusParams: [],
  statusless: { status: 'assignment', by: ['ReservationSid'] },
  sidParams: ['ReservationSid'],
  statuses: ['assignment'],
  fields: ASSIGNMENT_FIELDS,
  keyParams: [],
  order: null,
  replyStatuses: ['assignment'],
  // Twilio's own `WorkerAttributes` example is not JSON (§18.1): such a text is left out of `parsed`.
  jsonParams: TASKROUTER_JSON_PARAMS,
  decision: assignmentDecision
} as const satisfies Family
