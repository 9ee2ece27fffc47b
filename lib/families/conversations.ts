/**
 * Conversations (classic) webhooks (docs/twilio-facts.md §17): pre-events decide (allow, reject or
 * modify), post-events notify. Dispatched by `EventType`, each to the callback of the same name.
 */
import type { Decision, DecisionReply, Family } from './family'

/** Pre-events: Twilio waits for the answer before it commits the action (§17.3). */
export const CONVERSATIONS_PRE_EVENTS = [
  'onMessageAdd', 'onMessageUpdate', 'onMessageRemove',
  'onConversationAdd', 'onConversationUpdate', 'onConversationRemove',
  'onParticipantAdd', 'onParticipantUpdate', 'onParticipantRemove',
  'onUserUpdate'
] as const

/** Post-events: the pairs' second halves and the post-only events (§17.2). */
export const CONVERSATIONS_POST_EVENTS = [
  'onMessageAdded', 'onMessageUpdated', 'onMessageRemoved',
  'onConversationAdded', 'onConversationUpdated', 'onConversationRemoved',
  'onParticipantAdded', 'onParticipantUpdated', 'onParticipantRemoved',
  'onUserAdded', 'onUserUpdated',
  'onConversationStateUpdated', 'onDeliveryUpdated'
] as const

export const CONVERSATIONS_EVENTS = [...CONVERSATIONS_PRE_EVENTS, ...CONVERSATIONS_POST_EVENTS] as const

/** The fields a pre-event's answer may replace, per event (§17.3); the others modify nothing. */
export const MODIFIABLE = {
  onConversationAdd: ['friendly_name'],
  onConversationUpdate: ['friendly_name'],
  onMessageAdd: ['body', 'author', 'attributes'],
  onMessageUpdate: ['body', 'author', 'attributes']
} as const satisfies Partial<Record<typeof CONVERSATIONS_PRE_EVENTS[number], readonly string[]>>

/**
 * Every documented parameter, each sent once (§17.2). `MessagingBinding.Address` is not among
 * them: it repeats when a group MMS conversation is created.
 */
export const CONVERSATIONS_FIELDS = [
  'AccountSid', 'EventType', 'Source', 'ClientIdentity', 'RetryCount',
  'ConversationSid', 'ChatServiceSid', 'MessagingServiceSid', 'FriendlyName', 'UniqueName', 'Attributes', 'State',
  'DateCreated', 'DateUpdated', 'DateRemoved',
  'MessagingBinding.ProxyAddress', 'MessagingBinding.ProjectedAddress', 'MessagingBinding.AuthorAddress',
  'MessagingBinding.Type', 'MessageBody', 'Media',
  'MessageSid', 'Index', 'Body', 'Author', 'ParticipantSid',
  'Identity', 'RoleSid', 'LastReadMessageIndex',
  'StateFrom', 'StateTo', 'StateUpdated', 'Reason',
  'DeliveryReceiptSid', 'ChannelMessageSid', 'Status', 'ErrorCode',
  'UserSid', 'isOnline', 'isNotifiable'
] as const

/** Twilio waits 5 s (§17.1): answer before it, with room for the network. */
export const CONVERSATIONS_DEADLINE = 4000

/** Published unmodified: what Twilio itself does when no answer comes in 5 s (§17.3). */
const ALLOW: DecisionReply = Object.freeze({ statusCode: 200, body: '{}' })
/** A 4xx rejects the action (§17.3); the body names no reason, which stays in the app's logs. */
const REJECT: DecisionReply = Object.freeze({ statusCode: 403, body: '{"rejected":true}' })

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** What a pre-event's callback returned, as Twilio's answer; a TypeError for anything else. */
export function conversationsAnswer (result: unknown, status: string): DecisionReply {
  if (result === undefined || result === true) return ALLOW
  if (!isPlainObject(result)) throw new TypeError(`a pre-event decision is undefined, true, { reject: true } or an object of modified fields, got ${typeof result}`)
  if (result.reject === true) {
    const extra = Object.keys(result).find((key) => key !== 'reject' && key !== 'reason')
    if (extra !== undefined) throw new TypeError(`a rejection holds only reject and reason, got ${extra}`)
    return typeof result.reason === 'string' ? { ...REJECT, note: result.reason } : REJECT
  }
  const allowed: readonly string[] = (MODIFIABLE as Partial<Record<string, readonly string[]>>)[status] ?? []
  const keys = Object.keys(result)
  if (keys.length === 0) return ALLOW
  for (const key of keys) {
    if (!allowed.includes(key)) throw new TypeError(`${status} cannot modify ${key} (modifiable: ${allowed.join(', ') || 'nothing'})`)
    if (typeof result[key] !== 'string') throw new TypeError(`${key} must be a string`)
  }
  // Twilio refuses attributes that are not JSON text, and reports it to the client that acted, not here.
  if (typeof result.attributes === 'string') JSON.parse(result.attributes)
  return { statusCode: 200, body: JSON.stringify(result) }
}

export const conversationsDecision: Decision = {
  statuses: CONVERSATIONS_PRE_EVENTS,
  deadline: CONVERSATIONS_DEADLINE,
  answer: conversationsAnswer,
  // Fail open, as Twilio does on a timeout (docs/decisions.md, "What a failing callback answers").
  fallback: ALLOW
}

export const conversations = {
  path: '/twilio/conversations',
  statusParams: ['EventType'],
  // The subject, for `trigger --sid` and the samples; the key is the identity digest below.
  sidParams: ['ConversationSid'],
  statuses: CONVERSATIONS_EVENTS,
  names: Object.fromEntries(CONVERSATIONS_EVENTS.map((event) => [event, event])),
  fields: CONVERSATIONS_FIELDS,
  repeatedFields: ['MessagingBinding.Address'],
  keyParams: [],
  order: null,
  // A retry differs only in `RetryCount` (§17.4); the unsigned idempotency token takes no part.
  identity: { except: ['RetryCount'] },
  replyStatuses: CONVERSATIONS_PRE_EVENTS,
  // JSON text (§17.2): `Attributes` an object, `Media` a list of media objects.
  jsonParams: { Attributes: 'object', Media: 'objects' },
  decision: conversationsDecision
} as const satisfies Family
