import t from 'tap'
import { CALL_STATUSES, callbackName, MESSAGE_STATUSES } from '../../lib/families/statuses'
import { FAMILIES } from '../../lib/families/index'

t.test('callbackName turns every status into its camel-cased option name', async (t) => {
  t.equal(callbackName('delivered'), 'onDelivered')
  t.equal(callbackName('no-answer'), 'onNoAnswer')
  t.equal(callbackName('in-progress'), 'onInProgress')
  t.equal(callbackName('partially_delivered'), 'onPartiallyDelivered')
})

t.test('every status of docs/twilio-facts.md has a distinct callback name', async (t) => {
  t.same(MESSAGE_STATUSES.map(callbackName), ['onAccepted', 'onScheduled', 'onQueued', 'onSending', 'onSent',
    'onDelivered', 'onUndelivered', 'onFailed', 'onRead', 'onCanceled', 'onPartiallyDelivered', 'onReceiving', 'onReceived'])
  t.same(CALL_STATUSES.map(callbackName), ['onQueued', 'onInitiated', 'onRinging', 'onInProgress', 'onCompleted',
    'onBusy', 'onFailed', 'onNoAnswer', 'onCanceled'])
  t.equal(FAMILIES.sms.statuses, MESSAGE_STATUSES)
  t.equal(FAMILIES.call.statuses, CALL_STATUSES)
  t.same(FAMILIES.conference.statuses.map(callbackName).slice(0, 4), ['onConferenceStart', 'onConferenceEnd', 'onParticipantJoin', 'onParticipantLeave'])
  t.same(FAMILIES.amd.statuses.map(callbackName), ['onHuman', 'onMachineStart', 'onMachineEndBeep', 'onMachineEndSilence', 'onMachineEndOther', 'onFax', 'onUnknown'])
})

t.test('the status and Sid are read from the current parameter before the legacy one', async (t) => {
  t.same([FAMILIES.sms.statusParams, FAMILIES.call.statusParams], [['MessageStatus', 'SmsStatus'], ['CallStatus']])
  t.same([FAMILIES.sms.sidParams, FAMILIES.call.sidParams], [['MessageSid', 'SmsSid'], ['CallSid']])
})
