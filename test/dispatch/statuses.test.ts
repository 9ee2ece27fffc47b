import t from 'tap'
import { CALL_STATUSES, callbackName, MESSAGE_STATUSES, SID_PARAMS, STATUS_PARAMS, STATUSES } from '../../lib/dispatch/statuses'

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
  t.equal(STATUSES.sms, MESSAGE_STATUSES)
  t.equal(STATUSES.call, CALL_STATUSES)
})

t.test('the status and Sid are read from the current parameter before the legacy one', async (t) => {
  t.same(STATUS_PARAMS, { sms: ['MessageStatus', 'SmsStatus'], call: ['CallStatus'] })
  t.same(SID_PARAMS, { sms: ['MessageSid', 'SmsSid'], call: ['CallSid'] })
})
