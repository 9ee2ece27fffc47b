/** Every family of Twilio callbacks the plugin receives, by its option name: the table the rest reads. */
import { amd } from './amd'
import { calls } from './calls'
import { conferences } from './conferences'
import { debuggerEvents } from './debugger'
import { conversations } from './conversations'
import { eventStreams } from './event-streams'
import { callbackName } from './statuses'
import { accountSidOf } from './account'
import type { Decision, Family } from './family'
import { messages } from './messages'
import { recordings } from './recordings'
import { realtimeTranscriptions, transcriptions } from './transcriptions'
import { taskrouter } from './taskrouter'
import { verify } from './verify'
import { taskrouterAssignment } from './taskrouter-assignment'

export const FAMILIES = {
  sms: messages,
  call: calls,
  recording: recordings,
  transcription: transcriptions,
  realtimeTranscription: realtimeTranscriptions,
  amd,
  conference: conferences,
  taskrouter,
  verify,
  debugger: debuggerEvents,
  eventStreams,
  conversations,
  taskrouterAssignment
} as const satisfies Record<string, Family>

/** A family's option name: `sms`, `call`, `recording`, … */
export type Channel = keyof typeof FAMILIES

export const CHANNELS = Object.keys(FAMILIES) as Channel[]

/** The families whose requests carry one event's parameters (all but Event Streams' batches). */
export type FormChannel = Exclude<Channel, 'eventStreams'>

const SINGLE = new Map<Channel, ReadonlySet<string>>(CHANNELS.map((channel) => [channel, new Set(FAMILIES[channel].fields)]))

/** Per family, the statuses Twilio sends once per Sid (`Family.once`). */
const ONCE = new Map<Channel, ReadonlySet<string>>(CHANNELS.map((channel) => [channel, new Set((FAMILIES[channel] as Family).once)]))

function isOnce (channel: Channel, status: string): boolean {
  return (ONCE.get(channel) as ReadonlySet<string>).has(status)
}

/** Whether Twilio sends `name` at most once on `channel` (a repeat is then not Twilio's). */
export function isSingleValued (channel: Channel, name: string): boolean {
  const family: Family = FAMILIES[channel]
  return (SINGLE.get(channel) as ReadonlySet<string>).has(name) || (family.numberedFields?.test(name) ?? false)
}

const DECISIONS = new Map<Channel, Decision>(CHANNELS.flatMap((channel) => {
  const decision = (FAMILIES[channel] as Family).decision
  return decision === undefined ? [] : [[channel, decision]]
}))

/** The decision `status`'s callback makes on `channel` (`Family.decision`), or `undefined`: its reply is TwiML. */
export function decisionOf (channel: Channel, status: string): Decision | undefined {
  const decision = DECISIONS.get(channel)
  return decision?.statuses.includes(status) === true ? decision : undefined
}

/** The option name of a status's callback in its family. */
export function callbackNameIn (channel: Channel, status: string): string {
  return (FAMILIES[channel] as Family).names?.[status] ?? callbackName(status)
}

const SEQUENCE = /^\d{1,15}$/

/**
 * Where an event stands in its subject's lifecycle (docs/twilio-facts.md §4.4), or `undefined`
 * when it cannot be ordered: such events are always dispatched.
 */
export function rankOf (channel: Channel, status: string, event: Record<string, unknown>): number | undefined {
  const order: Family['order'] = FAMILIES[channel].order
  if (order === null) return undefined
  // Own keys only: a status such as `constructor` or `__proto__` must not read Object.prototype.
  if ('ranks' in order) return Object.hasOwn(order.ranks, status) ? order.ranks[status] : undefined
  const sequence = event[order.sequence]
  if (typeof sequence === 'string' && SEQUENCE.test(sequence)) return Number(sequence)
  // A status sent once ends its subject's order, with or without a sequence: a reconciled call's
  // `completed` (read from the REST API, which has no SequenceNumber) makes a late `ringing` stale.
  return isOnce(channel, status) ? Number.MAX_SAFE_INTEGER : undefined
}

/** The parameter naming the account on `channel`'s requests: `AccountSid`, or the family's own (Verify's `account_sid`). */
export function accountParamOf (channel: Channel | undefined): string {
  return (channel === undefined ? undefined : (FAMILIES[channel] as Family).accountParam) ?? 'AccountSid'
}

/**
 * The account an event of `channel` belongs to: the one the signature check read, '' when none is
 * named (docs/security.md, "Account isolation").
 */
export function accountOf (params: Readonly<Record<string, unknown>>, target = '', channel?: Channel): string {
  return accountSidOf(params, target, accountParamOf(channel)) ?? ''
}

/**
 * `account` as one segment of a key: a ':' (and so '%') in it is escaped, so that no account's
 * keys can begin like another's, whatever AccountSid a host's token lookup accepts.
 */
export function accountSegment (account: string): string {
  return account.includes(':') || account.includes('%') ? account.replaceAll('%', '%25').replaceAll(':', '%3A') : account
}

/**
 * The idempotency key from what Twilio signed: family, account, Sid, status and the family's key
 * parameters, trailing empty ones dropped (`call:AC…:CA…:completed`).
 */
export function keyOf (channel: Channel, account: string, sid: string, status: string, event: Record<string, unknown>): string {
  let key = `${channel}:${accountSegment(account)}:${sid}:${status}`
  if (isOnce(channel, status)) return key
  let pending = ''
  for (const param of FAMILIES[channel].keyParams as readonly string[]) {
    const value = event[param]
    pending += ':'
    if (typeof value === 'string') {
      key += pending + value
      pending = ''
    }
  }
  return key
}
