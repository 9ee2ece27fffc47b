/**
 * Sample payloads for the families whose answer is a decision (docs/decisions.md): Conversations
 * (classic) webhooks (docs/twilio-facts.md §17) and TaskRouter's assignment callback (§18).
 * Deterministic, like `./samples`; `overrides` change them.
 */
import { RESERVATION_SID, TASK_QUEUE_SID, TASK_SID, WORKER_SID, WORKFLOW_SID, WORKSPACE_SID } from './notification-samples'
import { ACCOUNT_SID, CALL_START_MS, CUSTOMER_NUMBER as CUSTOMER, merge, type ParamOverrides, sampleSid, TWILIO_NUMBER, type TwilioFormParams } from './samples'

const CONVERSATION_SID = sampleSid('CH', 'sample')
const CHAT_SERVICE_SID = sampleSid('IS', 'sample')
const MESSAGING_SERVICE_SID = sampleSid('MG', 'sample')
const MESSAGE_SID = sampleSid('IM', 'sample')
const PARTICIPANT_SID = sampleSid('MB', 'sample')
const USER_SID = sampleSid('US', 'sample')
const CREATED = new Date(CALL_START_MS).toISOString()

/** A Conversations (classic) webhook of `eventType` (`onMessageAdd`, `onConversationAdded`, …), as an SMS participant's action sends it. */
export function sampleConversationsEvent (eventType: string, overrides: ParamOverrides = {}): TwilioFormParams {
  const payload: Record<string, string> = { AccountSid: ACCOUNT_SID, EventType: eventType, Source: 'SMS', RetryCount: '0', ChatServiceSid: CHAT_SERVICE_SID }
  const exists = !eventType.endsWith('Add')
  if (eventType.startsWith('onConversation')) {
    Object.assign(payload, {
      MessagingServiceSid: MESSAGING_SERVICE_SID, FriendlyName: 'Support', Attributes: '{}', State: 'active', DateCreated: CREATED
    })
    if (exists) payload.ConversationSid = CONVERSATION_SID
    if (eventType === 'onConversationAdd' || eventType === 'onConversationAdded') {
      Object.assign(payload, {
        'MessagingBinding.ProxyAddress': TWILIO_NUMBER, 'MessagingBinding.Address': CUSTOMER, 'MessagingBinding.AuthorAddress': CUSTOMER, MessageBody: 'Hello'
      })
    }
    if (eventType === 'onConversationStateUpdated') {
      Object.assign(payload, { StateFrom: 'active', StateTo: 'inactive', StateUpdated: CREATED, Reason: 'TIMER' })
    }
  } else if (eventType.startsWith('onMessage')) {
    Object.assign(payload, {
      ConversationSid: CONVERSATION_SID, Body: 'Hello', Author: CUSTOMER, ParticipantSid: PARTICIPANT_SID, Attributes: '{}', DateCreated: CREATED
    })
    if (exists) Object.assign(payload, { MessageSid: MESSAGE_SID, Index: '0' })
  } else if (eventType.startsWith('onParticipant')) {
    Object.assign(payload, {
      ConversationSid: CONVERSATION_SID,
      RoleSid: sampleSid('RL', 'sample'),
      Attributes: '{}',
      DateCreated: CREATED,
      'MessagingBinding.ProxyAddress': TWILIO_NUMBER,
      'MessagingBinding.Address': CUSTOMER,
      'MessagingBinding.Type': 'SMS'
    })
    if (exists) payload.ParticipantSid = PARTICIPANT_SID
  } else if (eventType.startsWith('onUser')) {
    Object.assign(payload, { UserSid: USER_SID, Identity: 'alice', RoleSid: sampleSid('RL', 'user'), Attributes: '{}', FriendlyName: 'Alice', DateCreated: CREATED })
  } else if (eventType === 'onDeliveryUpdated') {
    Object.assign(payload, {
      ConversationSid: CONVERSATION_SID,
      MessageSid: MESSAGE_SID,
      DeliveryReceiptSid: sampleSid('DY', 'sample'),
      ChannelMessageSid: sampleSid('SM', 'sample'),
      ParticipantSid: PARTICIPANT_SID,
      Status: 'delivered',
      DateCreated: CREATED
    })
  }
  return merge(payload, overrides)
}

/** TaskRouter's assignment callback for a sample Reservation (§18.1); `status` is always `assignment`. */
export function sampleAssignmentEvent (_status: string, overrides: ParamOverrides = {}): TwilioFormParams {
  return merge({
    Timestamp: String(CALL_START_MS / 1000),
    AccountSid: ACCOUNT_SID,
    WorkspaceSid: WORKSPACE_SID,
    WorkflowSid: WORKFLOW_SID,
    TaskQueueSid: TASK_QUEUE_SID,
    WorkerSid: WORKER_SID,
    WorkerAttributes: '{"contact_uri":"client:alice"}',
    TaskSid: TASK_SID,
    TaskAttributes: '{"type":"support","from":"+15558675310"}',
    TaskAge: '12',
    TaskPriority: '0',
    ReservationSid: RESERVATION_SID
  }, overrides)
}
