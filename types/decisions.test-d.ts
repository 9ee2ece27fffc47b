/**
 * Type tests (tsd) of the decision families: each Conversations callback gets its event narrowed by
 * `EventType`, a pre-event may answer only what Twilio documents for it, and the assignment
 * callback only a documented instruction. `npm run build && npx tsd`.
 */
import Fastify from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import twilioStatus, {
  type AssignmentAnswer, type AssignmentEvent, type ConversationsEvent, type ConversationsEventType, type PreEventDecision, type TwilioParams, type JsonObject
} from '..'

const app = Fastify()

app.register(twilioStatus, {
  authToken: 'token',
  conversations: {
    path: '/hooks/conversations',
    onMessageAdd (event) {
      expectType<'onMessageAdd'>(event.EventType)
      expectType<string>(event.ConversationSid)
      expectType<string | undefined>(event.Body)
      // The message does not exist yet: no MessageSid on onMessageAdd.
      expectError(event.MessageSid)
      return { body: 'edited', author: 'bot', attributes: '{"edited":true}' }
    },
    onMessageAdded (event) {
      expectType<string>(event.MessageSid)
      expectType<string | undefined>(event.Index)
      // The callback's event carries its JSON texts parsed and typed.
      expectType<JsonObject | undefined>(event.parsed.Attributes)
      expectType<readonly JsonObject[] | undefined>(event.parsed.Media)
    },
    onMessageUpdate: async () => ({ reject: true, reason: 'locked' }),
    onConversationAdd (event) {
      expectType<string | readonly string[] | undefined>(event['MessagingBinding.Address'])
      expectType<string | undefined>(event.ConversationSid)
      return { friendly_name: 'Support' }
    },
    onConversationUpdate: () => ({}),
    onConversationRemove: () => true,
    onParticipantAdd (event) {
      expectType<string | undefined>(event.Identity)
      expectType<string | undefined>(event['MessagingBinding.Type'])
    },
    onUserUpdated (event) {
      expectType<string>(event.UserSid)
      expectType<string | undefined>(event.isOnline)
    },
    onConversationStateUpdated (event) {
      expectType<string | undefined>(event.StateTo)
    },
    onDeliveryUpdated (event) {
      expectType<string>(event.DeliveryReceiptSid)
    },
    onAny (event) {
      expectType<ConversationsEventType>(event.EventType)
      if (event.EventType === 'onParticipantRemoved') expectType<string>(event.ParticipantSid)
    }
  },
  taskrouterAssignment: {
    onAssignment (event) {
      expectType<string>(event.ReservationSid)
      expectType<string | undefined>(event.TaskAttributes)
      return { instruction: 'dequeue', from: '+15017250604', post_work_activity_sid: 'WA1', timeout: 30, record: 'record-from-answer' }
    }
  }
})

// Modify only the documented fields of each event (docs/twilio-facts.md §17.3).
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onConversationAdd: () => ({ body: 'x' }) } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onMessageAdd: () => ({ friendly_name: 'x' }) } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onParticipantAdd: () => ({ friendly_name: 'x' }) } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onMessageAdd: () => ({ attributes: { a: 1 } }) } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onMessageAdd: () => false } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onMessageAdd: async () => ({ Body: 'x' }) } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onMessageAdded: (event: ConversationsEvent<'onMessageAdd'>) => event.Body } }))
expectError(app.register(twilioStatus, { authToken: 'token', conversations: { onMessageSent: () => {} } }))

expectAssignable<PreEventDecision<'onMessageAdd'>>({ reject: true })
expectAssignable<PreEventDecision<'onParticipantAdd'>>(undefined)
expectAssignable<PreEventDecision<'onParticipantAdd'>>({})
expectNotAssignable<PreEventDecision<'onMessageAdd'>>({ Body: 'x' })
// `{}` on one path and a decision on another, as an async callback infers them.
app.register(twilioStatus, {
  authToken: 'token',
  conversations: { onMessageAdd: async (event) => event.Body === 'x' ? { reject: true } : event.Body === 'y' ? { body: 'z' } : {} },
  taskrouterAssignment: { onAssignment: async (event) => event.WorkerSid === undefined ? {} : event.TaskSid === undefined ? { instruction: 'reject', activity_sid: 'WA1' } : { instruction: 'accept' } }
})
expectNotAssignable<PreEventDecision<'onParticipantAdd'>>({ friendly_name: 'x' })
expectNotAssignable<PreEventDecision<'onUserUpdate'>>({ reject: false })

// Only documented instructions, each with its own keys (§18.3).
expectAssignable<AssignmentAnswer>({ instruction: 'accept' })
expectAssignable<AssignmentAnswer>({ instruction: 'reject' })
expectAssignable<AssignmentAnswer>({ instruction: 'call', from: '+1', url: 'https://example.com' })
expectAssignable<AssignmentAnswer>({ instruction: 'redirect', call_sid: 'CA1', url: 'https://example.com', accept: true })
expectAssignable<AssignmentAnswer>({ instruction: 'conference', room_name: 'support' })
expectAssignable<AssignmentAnswer>({})
expectNotAssignable<AssignmentAnswer>({ instruction: 'hold' })
expectNotAssignable<AssignmentAnswer>({ instruction: 'accept', activity_sid: 'WA1' })
expectNotAssignable<AssignmentAnswer>({ instruction: 'call', url: 'https://example.com' })
expectNotAssignable<AssignmentAnswer>({ instruction: 'redirect', call_sid: 'CA1' })
expectNotAssignable<AssignmentAnswer>({ instruction: 'dequeue', timeout: '30' })
expectNotAssignable<AssignmentAnswer>({ activity_sid: 'WA1' })
expectError(app.register(twilioStatus, { authToken: 'token', taskrouterAssignment: { onAssignment: () => ({ instruction: 'accept', to: '+1' }) } }))

// JSON texts are parsed in `parsed`, typed per event: only the texts an event carries are there,
// each `undefined` when absent or not JSON of its shape. `parsed` is no parameter: these events are
// not TwilioParams (docs/typescript.md), and an unnamed parameter is read through a cast.
declare const added: ConversationsEvent<'onConversationAdded'>
expectType<JsonObject | undefined>(added.parsed.Attributes)
expectType<readonly JsonObject[] | undefined>(added.parsed.Media)
expectNotAssignable<TwilioParams>(added)
expectType<string | readonly string[] | undefined>((added as unknown as TwilioParams).NewParam)
declare const participant: ConversationsEvent<'onParticipantAdded'>
expectType<JsonObject | undefined>(participant.parsed.Attributes)
expectError(participant.parsed.Media)
declare const stateUpdated: ConversationsEvent<'onConversationStateUpdated'>
expectError(stateUpdated.parsed.Attributes)
declare const assignment: AssignmentEvent
expectType<JsonObject | undefined>(assignment.parsed.TaskAttributes)
expectType<JsonObject | undefined>(assignment.parsed.WorkerAttributes)
expectNotAssignable<TwilioParams>(assignment)
expectError(assignment.parsed.Payload)
