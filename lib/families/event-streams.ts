/**
 * Event Streams webhook sinks (docs/twilio-facts.md §10): a JSON batch of CloudEvents, each
 * dispatched by `type` and deduplicated by `id`; never ordered (Event Streams promises no order).
 */
import type { Family } from './family'

/** The event types with a callback of their own: `[type, callback name]`. */
export const EVENT_STREAMS_TYPES = [
  ['com.twilio.messaging.message.queued', 'onMessageQueued'],
  ['com.twilio.messaging.message.sent', 'onMessageSent'],
  ['com.twilio.messaging.message.delivered', 'onMessageDelivered'],
  ['com.twilio.messaging.message.undelivered', 'onMessageUndelivered'],
  ['com.twilio.messaging.message.failed', 'onMessageFailed'],
  ['com.twilio.messaging.message.read', 'onMessageRead'],
  ['com.twilio.messaging.inbound-message.received', 'onInboundMessageReceived'],
  ['com.twilio.voice.status-callback.call.initiated', 'onCallInitiated'],
  ['com.twilio.voice.status-callback.call.ringing', 'onCallRinging'],
  ['com.twilio.voice.status-callback.call.answered', 'onCallAnswered'],
  ['com.twilio.voice.status-callback.call.completed', 'onCallCompleted'],
  ['com.twilio.voice.status-callback.amd.detected', 'onAmdDetected'],
  // Verify's verification lifecycle (§20.3).
  ['com.twilio.accountsecurity.verify.verification.pending', 'onVerificationPending'],
  ['com.twilio.accountsecurity.verify.verification.approved', 'onVerificationApproved'],
  ['com.twilio.accountsecurity.verify.verification.canceled', 'onVerificationCanceled'],
  ['com.twilio.accountsecurity.verify.verification.expired', 'onVerificationExpired'],
  ['com.twilio.accountsecurity.verify.verification.max-attempts-reached', 'onVerificationMaxAttemptsReached'],
  // Sent when a sink is tested; answer it 2xx like any other (§10.4).
  ['com.twilio.eventstreams.test-event', 'onTestEvent']
] as const

/** The CloudEvent envelope (https://github.com/cloudevents/spec, version 1.0). */
export const CLOUD_EVENT_FIELDS = ['specversion', 'type', 'source', 'id', 'dataschema', 'datacontenttype', 'time', 'data'] as const

/** Event Streams waits 5 s for an answer (§10.5): answer before it, with room for the network. */
export const EVENT_STREAMS_DEADLINE = 4000

export const eventStreams = {
  path: '/twilio/event-streams',
  statusParams: ['type'],
  sidParams: ['id'],
  statuses: EVENT_STREAMS_TYPES.map(([type]) => type),
  names: Object.fromEntries(EVENT_STREAMS_TYPES),
  fields: CLOUD_EVENT_FIELDS,
  keyParams: [],
  order: null,
  batch: true
} as const satisfies Family
