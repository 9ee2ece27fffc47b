/**
 * The webhooks whose answer is a decision (docs/decisions.md): Conversations (classic) pre- and
 * post-events (docs/twilio-facts.md §17) and TaskRouter's assignment callback (§18).
 */
import type { FastifyRequest } from 'fastify'
import type { AnyCallback } from './callbacks'
import type { ConversationsEventType, ConversationsPreEventType } from './statuses'
import type { JsonObject, TaskRouterParsed } from './events'

/** Parameters every Conversations webhook carries (§17.2). */
type ConversationsCommon<E extends string> = {
  readonly EventType: E
  readonly AccountSid?: string
  /** `SDK` or `API` (docs); `SMS` is seen too. */
  readonly Source?: 'SDK' | 'API' | (string & {})
  /** The SDK user who acted, on SDK-driven events. */
  readonly ClientIdentity?: string
  /** Seen in captures (`0`); takes no part in the idempotency key. */
  readonly RetryCount?: string
}

/** The addresses of an SMS or WhatsApp participant. */
type Binding = {
  readonly 'MessagingBinding.ProxyAddress'?: string
  /** Repeated, one value per address, when Twilio creates a group MMS conversation (§17.2). */
  readonly 'MessagingBinding.Address'?: string | readonly string[]
  readonly 'MessagingBinding.ProjectedAddress'?: string
}

type ConversationParams = {
  /** Absent on `onConversationAdd`: the conversation does not exist yet. */
  readonly ConversationSid?: string
  readonly ChatServiceSid?: string
  readonly MessagingServiceSid?: string
  readonly FriendlyName?: string
  readonly UniqueName?: string
  /** JSON text, as signed; parsed in `parsed.Attributes`. */
  readonly Attributes?: string
  /** `active`, `inactive` or `closed`. */
  readonly State?: string
  /** ISO 8601. */
  readonly DateCreated?: string
  readonly DateUpdated?: string
}

/** `onConversationAdd`/`Added`: the first message's binding, body and media, on autocreation. */
type ConversationAddParams = ConversationParams & Binding & {
  readonly 'MessagingBinding.AuthorAddress'?: string
  readonly MessageBody?: string
  /** JSON text (a list of media), as signed; parsed in `parsed.Media`. */
  readonly Media?: string
}

type MessageParams = {
  readonly ConversationSid: string
  readonly ChatServiceSid?: string
  readonly MessagingServiceSid?: string
  readonly Body?: string
  readonly Author?: string
  readonly ParticipantSid?: string
  /** JSON text. */
  readonly Attributes?: string
  /** JSON text (a list of media). */
  readonly Media?: string
  readonly DateCreated?: string
  readonly DateUpdated?: string
}

/** A message that exists: every message event but `onMessageAdd`. */
type ExistingMessageParams = MessageParams & {
  readonly MessageSid: string
  /** The message's index in the conversation. */
  readonly Index?: string
}

type ParticipantParams = Binding & {
  readonly ConversationSid: string
  readonly ChatServiceSid?: string
  /** Either `Identity` (chat) or the binding's addresses (SMS, WhatsApp). */
  readonly Identity?: string
  readonly RoleSid?: string
  /** JSON text. */
  readonly Attributes?: string
  /** `SMS`, `CHAT` or `WHATSAPP`. */
  readonly 'MessagingBinding.Type'?: string
  readonly DateCreated?: string
  readonly DateUpdated?: string
}

type ExistingParticipantParams = ParticipantParams & { readonly ParticipantSid: string }

type UserParams = {
  readonly ChatServiceSid?: string
  readonly Identity?: string
  readonly RoleSid?: string
  /** JSON text. */
  readonly Attributes?: string
  readonly FriendlyName?: string
  readonly DateCreated?: string
  readonly DateUpdated?: string
}

type ExistingUserParams = UserParams & { readonly UserSid: string }

/** Each event's own parameters (§17.2), by `EventType`. */
export type ConversationsEventParams = {
  readonly onMessageAdd: MessageParams
  readonly onMessageAdded: ExistingMessageParams
  readonly onMessageUpdate: ExistingMessageParams
  readonly onMessageUpdated: ExistingMessageParams
  readonly onMessageRemove: ExistingMessageParams
  readonly onMessageRemoved: ExistingMessageParams & { readonly DateRemoved?: string }
  readonly onConversationAdd: ConversationAddParams
  readonly onConversationAdded: ConversationAddParams & { readonly ConversationSid: string }
  readonly onConversationUpdate: ConversationParams & { readonly ConversationSid: string }
  readonly onConversationUpdated: ConversationParams & { readonly ConversationSid: string }
  readonly onConversationRemove: ConversationParams & { readonly ConversationSid: string }
  readonly onConversationRemoved: ConversationParams & { readonly ConversationSid: string, readonly DateRemoved?: string }
  readonly onParticipantAdd: ParticipantParams
  readonly onParticipantAdded: ExistingParticipantParams
  readonly onParticipantUpdate: ExistingParticipantParams
  readonly onParticipantUpdated: ExistingParticipantParams & { readonly LastReadMessageIndex?: string }
  readonly onParticipantRemove: ExistingParticipantParams
  readonly onParticipantRemoved: ExistingParticipantParams & { readonly DateRemoved?: string }
  readonly onUserAdded: ExistingUserParams
  readonly onUserUpdate: ExistingUserParams
  /** `isOnline` and `isNotifiable` as the docs spell them; the wire spelling is unverified. */
  readonly onUserUpdated: ExistingUserParams & { readonly isOnline?: string, readonly isNotifiable?: string }
  readonly onConversationStateUpdated: {
    readonly ConversationSid: string
    readonly ChatServiceSid?: string
    readonly StateFrom?: string
    readonly StateTo?: string
    readonly StateUpdated?: string
    /** `API`, `TIMER` or `EVENT`. */
    readonly Reason?: string
  }
  readonly onDeliveryUpdated: {
    readonly ConversationSid: string
    readonly ChatServiceSid?: string
    readonly MessageSid?: string
    readonly DeliveryReceiptSid: string
    readonly ChannelMessageSid?: string
    readonly ParticipantSid?: string
    /** `read`, `failed`, `delivered`, `undelivered` or `sent`. */
    readonly Status?: string
    readonly ErrorCode?: string
    readonly DateCreated?: string
    readonly DateUpdated?: string
  }
}

/** Conversations' JSON texts, parsed (§17.2): `Media` is a list of media objects. */
export type ConversationsJson = {
  readonly Attributes: JsonObject
  readonly Media: readonly JsonObject[]
}

/**
 * The JSON texts of an event's parameters `P`, parsed once when the request came in (not a
 * parameter: not enumerable, not serialized). Absent when the text is absent, empty, or not JSON
 * of its shape (then logged at warn, and the event delivered all the same).
 */
export type ConversationsParsed<P> = { readonly [K in keyof ConversationsJson as K extends keyof P ? K : never]?: ConversationsJson[K] }

/** A Conversations (classic) webhook, narrowed by `EventType`; the union of all without one. */
export type ConversationsEvent<E extends ConversationsEventType = ConversationsEventType> =
  E extends ConversationsEventType ? ConversationsCommon<E> & ConversationsEventParams[E] & { readonly parsed: ConversationsParsed<ConversationsEventParams[E]> } : never

/** The fields a pre-event may replace (§17.3), snake_case as Twilio's examples write them. */
export type ConversationsModifiable = {
  readonly onConversationAdd: { readonly friendly_name?: string }
  readonly onConversationUpdate: { readonly friendly_name?: string }
  readonly onMessageAdd: { readonly body?: string, readonly author?: string, /** JSON text. */ readonly attributes?: string }
  readonly onMessageUpdate: { readonly body?: string, readonly author?: string, /** JSON text. */ readonly attributes?: string }
}

/** Reject the action: nothing is published. `reason` goes to the app's log, never to Twilio. */
export interface PreEventReject {
  readonly reject: true
  readonly reason?: string
}

/** Every key a pre-event's decision may hold. */
type PreEventKey = 'reject' | 'reason' | { [E in keyof ConversationsModifiable]: keyof ConversationsModifiable[E] }[keyof ConversationsModifiable]

/**
 * `{}`: allow. Written as every key absent rather than `Record<string, never>`, so that a callback
 * returning `{}` on one path and a rejection on another still compiles.
 */
export type PreEventAllow = { readonly [K in PreEventKey]?: undefined }

/**
 * A pre-event's decision: allow (`undefined`, `true` or `{}`), reject, or, where Twilio allows
 * it, the modified fields only.
 */
export type PreEventDecision<E extends ConversationsPreEventType> =
  | void | true | PreEventAllow | PreEventReject
  | (E extends keyof ConversationsModifiable ? ConversationsModifiable[E] : never)

/** `onMessageAdd`, `onConversationAdded`, …: one callback per `EventType`, named as Twilio names it. */
export type ConversationsOptions = {
  /** Route path (POST and GET). Default `/twilio/conversations`. */
  readonly path?: string
} & {
  readonly [E in ConversationsPreEventType]?: (event: ConversationsEvent<E>, request: FastifyRequest) => PreEventDecision<E> | Promise<PreEventDecision<E>>
} & {
  /** A notification: what it returns is ignored. */
  readonly [E in Exclude<ConversationsEventType, ConversationsPreEventType>]?: (event: ConversationsEvent<E>, request: FastifyRequest) => unknown
} & {
  /** Every verified event, pre or post; what it returns is ignored. */
  readonly onAny?: AnyCallback<ConversationsEvent>
}

/** TaskRouter's assignment callback (§18.1). */
export type AssignmentEvent = {
  readonly ReservationSid: string
  readonly TaskSid?: string
  readonly WorkerSid?: string
  readonly AccountSid?: string
  readonly WorkspaceSid?: string
  readonly WorkflowSid?: string
  readonly TaskQueueSid?: string
  /** When the assignment was made. */
  readonly Timestamp?: string
  /** JSON text, as signed; parsed in `parsed.WorkerAttributes` (Twilio's own example is not JSON: single quotes). */
  readonly WorkerAttributes?: string
  /** JSON text, as signed; parsed in `parsed.TaskAttributes`. */
  readonly TaskAttributes?: string
  /** Seconds. */
  readonly TaskAge?: string
  readonly TaskPriority?: string
  /** The JSON texts, parsed once as for a Workspace event. */
  readonly parsed: TaskRouterParsed
}

type Record_ = 'record-from-answer' | 'do-not-record'

/** Each assignment instruction's own keys (§18.3), snake_case as TaskRouter reads them. */
export type AssignmentInstructions = {
  readonly accept: { readonly instruction: 'accept' }
  /** Without `activity_sid` the worker stays in its activity. */
  readonly reject: { readonly instruction: 'reject', readonly activity_sid?: string }
  /** Only for Tasks created by `<Enqueue>`. */
  readonly dequeue: {
    readonly instruction: 'dequeue'
    readonly to?: string
    readonly from?: string
    readonly post_work_activity_sid?: string
    readonly record?: Record_
    /** Seconds, up to 999 (600 for SIP). Default 60. */
    readonly timeout?: number
    readonly status_callback_url?: string
    /** Comma-separated: `initiated,ringing,answered,completed`. */
    readonly status_callback_events?: string
  }
  readonly call: {
    readonly instruction: 'call'
    readonly to?: string
    readonly from: string
    readonly url: string
    readonly accept?: boolean
    readonly record?: Record_
    readonly timeout?: number
    readonly status_callback_url?: string
  }
  readonly redirect: { readonly instruction: 'redirect', readonly call_sid: string, readonly url: string, readonly accept?: boolean }
  /** Documented only through Twilio's error pages (40136, 40144): these keys alone. */
  readonly conference: { readonly instruction: 'conference', readonly to?: string, readonly from?: string, readonly post_work_activity_sid?: string, readonly room_name?: string }
}

type AnyInstructionKey = { [I in keyof AssignmentInstructions]: keyof AssignmentInstructions[I] }[keyof AssignmentInstructions]

/**
 * An assignment instruction: one of {@link AssignmentInstructions}, where another instruction's
 * key does not compile (`{ instruction: 'accept', to }`).
 */
export type AssignmentInstruction = {
  [I in keyof AssignmentInstructions]: AssignmentInstructions[I] & { readonly [K in Exclude<AnyInstructionKey, keyof AssignmentInstructions[I]>]?: never }
}[keyof AssignmentInstructions]

/**
 * `{}`: decide later. Written as every key absent rather than `Record<string, never>`, so that a
 * callback returning `{}` on one path and an instruction on another still compiles.
 */
export type AssignmentLater = { readonly [K in AnyInstructionKey]?: undefined }

/** An instruction, or `{}` / `undefined` to decide later through the Reservation's REST API. */
export type AssignmentAnswer = AssignmentInstruction | AssignmentLater | void

export interface TaskRouterAssignmentOptions {
  /** Route path (POST and GET). Default `/twilio/taskrouter/assignment`. */
  readonly path?: string
  /** The instruction for the new Reservation, answered within 4 s. */
  readonly onAssignment?: (event: AssignmentEvent, request: FastifyRequest) => AssignmentAnswer | Promise<AssignmentAnswer>
  /** Every verified assignment; what it returns is ignored. */
  readonly onAny?: AnyCallback<AssignmentEvent>
}
