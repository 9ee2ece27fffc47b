import t from 'tap'
import { FAMILIES, type FormChannel } from '../../lib/families/index'
import type { Family } from '../../lib/families/family'
import {
  sampleAmdEvent, sampleCloudEvent, sampleConferenceEvent, sampleEvent, sampleRealtimeTranscriptionEvent, sampleRecordingEvent,
  sampleTranscriptionEvent, sampleConversationsEvent, sampleAssignmentEvent
} from '../../lib/testing/index'

/** The status as the plugin reads it: the Debugger's `Level` is sent upper-case (`ERROR`) and matched lower-cased. */
function statusIn (channel: FormChannel, value: unknown): unknown {
  return channel === 'debugger' && typeof value === 'string' ? value.toLowerCase() : value
}

/** A Verify webhook is named by a UUID, every other family by a Sid. */
function subjectOf (channel: FormChannel): RegExp {
  return channel === 'verify' ? /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ : /^[A-Z]{2}[0-9a-f]{32}$/
}

t.test('every status of every family has a sample carrying that status, its Sid and only documented fields', async (t) => {
  for (const channel of Object.keys(FAMILIES).filter((c) => c !== 'eventStreams') as FormChannel[]) {
    const family: Family = FAMILIES[channel]
    const documented = [...family.fields, ...family.repeatedFields ?? []]
    for (const status of family.statuses) {
      const sample = sampleEvent(channel, status)
      // A family with no status parameter (the assignment callback) has one status.
      t.ok(family.statusParams.some((p) => statusIn(channel, sample[p]) === status) || (family.statusParams.length === 0 && family.statuses.length === 1), `${channel} ${status}: status`)
      // A family identified by a digest (Conversations) names no subject on every event.
      if (family.identity === undefined) t.match(sample[family.sidParams[0]], subjectOf(channel), `${channel} ${status}: Sid`)
      for (const name of Object.keys(sample)) t.ok(documented.includes(name), `${channel} ${status}: ${name} is documented`)
    }
  }
})

t.test('family samples follow their status and take overrides', async (t) => {
  t.equal(sampleRecordingEvent('completed').RecordingDuration, '42')
  t.equal(sampleRecordingEvent('absent').ErrorCode, '13617')
  t.equal(sampleRecordingEvent('in-progress').RecordingDuration, undefined)
  t.equal(sampleTranscriptionEvent('failed').TranscriptionText, undefined)
  t.equal(sampleRealtimeTranscriptionEvent('transcription-content').Final, 'true')
  t.equal(sampleRealtimeTranscriptionEvent('transcription-error').TranscriptionErrorCode, '32650')
  t.equal(sampleRealtimeTranscriptionEvent('transcription-future').SequenceId, '0', 'an unknown event starts the sequence')
  t.same([sampleAmdEvent('human'), sampleAmdEvent('machine_start'), sampleAmdEvent('machine_end_beep')].map((e) => e.MachineDetectionDuration), ['1840', '2630', '4270'])
  t.equal(sampleConferenceEvent('conference-start').CallSid, undefined, 'conference-level events carry no participant')
  t.equal(sampleConferenceEvent('participant-mute').Muted, 'true')
  t.equal(sampleConferenceEvent('conference-end').ReasonConferenceEnded, 'last-participant-left')
  t.equal(sampleConferenceEvent('participant-join', { SequenceNumber: '9' }).SequenceNumber, '9')
  t.equal(sampleConversationsEvent('onMessageAdd').MessageSid, undefined, 'a message being added has no Sid yet')
  t.match(sampleConversationsEvent('onMessageAdded').MessageSid, /^IM/)
  t.equal(sampleConversationsEvent('onConversationAdd').ConversationSid, undefined, 'nor a conversation being added')
  t.same(Object.keys(sampleConversationsEvent('onFutureEvent')), ['AccountSid', 'EventType', 'Source', 'RetryCount', 'ChatServiceSid'], 'an unknown event: the common parameters')
  t.same(sampleConversationsEvent('onConversationAdd', { 'MessagingBinding.Address': ['+18550000000', '+18330000000'] })['MessagingBinding.Address'], ['+18550000000', '+18330000000'])
  t.equal(sampleAssignmentEvent('assignment', { ReservationSid: 'WR1' }).ReservationSid, 'WR1')
})

t.test('sample CloudEvents: messaging, voice and the sink test event', async (t) => {
  const delivered = sampleCloudEvent('com.twilio.messaging.message.delivered', 1)
  t.match(delivered, { specversion: '1.0', type: 'com.twilio.messaging.message.delivered', data: { messageStatus: 'DELIVERED' } })
  t.not(delivered.id, sampleCloudEvent('com.twilio.messaging.message.delivered', 2).id, 'the seed makes the id')
  t.match(sampleCloudEvent('com.twilio.voice.status-callback.call.ringing'), { data: { request: { parameters: { CallStatus: 'ringing' } } } })
  t.match(sampleCloudEvent('com.twilio.eventstreams.test-event'), { source: 'Sink', data: { test_id: /^[0-9a-f-]{36}$/ } })
  t.same(sampleCloudEvent('com.twilio.messaging.message.sent', 1, { custom: true }).data, { custom: true })
})
