import { test } from 'tap'
import { sampleCallEvent, sampleMessageEvent, sampleSid } from '../../lib/testing/samples'
import { CALL_STATUSES, MESSAGE_STATUSES } from '../../lib/families/statuses'

const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`)
const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/
const E164 = /^(whatsapp:)?\+\d{11}$/
const INBOUND = new Set(['received', 'receiving'])
const TERMINAL_CALL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled'])

test('sampleSid: prefix and 32 lowercase hex digits, one per seed, always the same', async (t) => {
  t.match(sampleSid('SM', 1), SID('SM'))
  t.match(sampleSid('CA', 'x'), SID('CA'))
  t.equal(sampleSid('SM', 1), sampleSid('SM', 1))
  t.equal(sampleSid('SM', 1), sampleSid('SM', '1'), 'a number seed and its text are the same seed')
  t.not(sampleSid('SM', 1), sampleSid('SM', 2))
  t.not(sampleSid('SM', 1).slice(2), sampleSid('MM', 1).slice(2), 'the prefix is part of the seed')
  for (const bad of ['sm', 'S', 'SMS', 'S1', '']) {
    t.throws(() => sampleSid(bad, 1), { name: 'TypeError', message: /two capital letters/ }, bad)
  }
})

test('sampleMessageEvent: every status has the parameters Twilio sends for it (§2.3, §2.4)', async (t) => {
  for (const status of MESSAGE_STATUSES) {
    const event = sampleMessageEvent(status)
    t.match(event.AccountSid, SID('AC'), status)
    t.match(event.MessageSid, SID('SM'), status)
    t.equal(event.SmsSid, event.MessageSid, `${status}: legacy SmsSid`)
    t.equal(event.SmsStatus, status, `${status}: legacy SmsStatus`)
    t.equal(event.ApiVersion, '2010-04-01', status)
    t.match(event.From, E164, status)
    t.match(event.To, E164, status)
    t.equal('ErrorCode' in event, status === 'undelivered' || status === 'failed', `${status}: ErrorCode`)
    t.equal('RawDlrDoneDate' in event, status === 'delivered' || status === 'undelivered', `${status}: RawDlrDoneDate`)
    if ('ErrorCode' in event) t.equal(event.ErrorCode, '30003', status)
    if ('RawDlrDoneDate' in event) t.match(event.RawDlrDoneDate, /^\d{10}$/, `${status}: YYMMDDhhmm`)
    if (INBOUND.has(status)) {
      // Inbound webhooks carry the legacy SmsStatus only; the plugin fills MessageStatus from it.
      t.notOk('MessageStatus' in event, `${status}: no MessageStatus inbound`)
      t.equal(event.SmsMessageSid, event.MessageSid, status)
      t.type(event.Body, 'string', status)
      t.equal(event.NumMedia, '0', status)
      t.equal(event.NumSegments, '1', status)
      t.match(event.MessagingServiceSid, SID('MG'), status)
    } else {
      t.equal(event.MessageStatus, status, status)
      t.notOk('Body' in event, `${status}: no Body on a status callback`)
    }
  }
  t.equal(sampleMessageEvent('received').To, sampleMessageEvent('sent').From, 'inbound: the customer writes to the app number')
  t.match(sampleMessageEvent('queued'), { MessagingServiceSid: SID('MG') }, 'queued callbacks come from Messaging Services')
  t.match(sampleMessageEvent('read'), { EventType: 'READ', ChannelPrefix: 'whatsapp', From: /^whatsapp:/ })
})

test('sampleMessageEvent: a status Twilio adds later gets the base status callback', async (t) => {
  t.same(Object.keys(sampleMessageEvent('future_status')).sort(),
    ['AccountSid', 'ApiVersion', 'From', 'MessageSid', 'MessageStatus', 'SmsSid', 'SmsStatus', 'To'])
})

test('sampleCallEvent: every status has the parameters Twilio sends for it (§3.3)', async (t) => {
  for (const status of CALL_STATUSES) {
    const event = sampleCallEvent(status)
    t.match(event.AccountSid, SID('AC'), status)
    t.match(event.CallSid, SID('CA'), status)
    t.equal(event.CallStatus, status, status)
    t.equal(event.CallbackSource, 'call-progress-events', status)
    t.match(event.SequenceNumber, /^\d+$/, status)
    t.match(event.Timestamp, RFC_2822, status)
    t.notOk(Number.isNaN(Date.parse(event.Timestamp as string)), `${status}: Timestamp parses`)
    t.equal(event.Caller, event.From, status)
    t.equal(event.Called, event.To, status)
    t.equal(event.Direction, 'outbound-api', status)
    for (const param of ['CallDuration', 'Duration', 'SipResponseCode']) {
      t.equal(param in event, TERMINAL_CALL.has(status), `${status}: ${param}`)
    }
  }
  t.match(sampleCallEvent('completed'), { CallDuration: '42', Duration: '1', SipResponseCode: '200' })
  t.match(sampleCallEvent('busy'), { CallDuration: '0', Duration: '0', SipResponseCode: '486' })
  t.match(sampleCallEvent('no-answer'), { SipResponseCode: '487' })
})

test('sampleCallEvent: a lifecycle is ordered by SequenceNumber and Timestamp', async (t) => {
  const life = ['initiated', 'ringing', 'in-progress', 'completed'].map((status) => sampleCallEvent(status))
  t.same(life.map((e) => e.SequenceNumber), ['0', '1', '2', '3'])
  const times = life.map((e) => Date.parse(e.Timestamp as string))
  t.same(times, [...times].sort((a, b) => a - b))
  t.ok(times[0] < times[3])
})

test('sampleCallEvent: a status Twilio adds later gets the base callback, first in sequence', async (t) => {
  const event = sampleCallEvent('future-status')
  t.match(event, { CallStatus: 'future-status', SequenceNumber: '0' })
  t.notOk('CallDuration' in event)
})

test('samples are deterministic', async (t) => {
  t.same(sampleMessageEvent('delivered'), sampleMessageEvent('delivered'))
  t.same(sampleCallEvent('ringing'), sampleCallEvent('ringing'))
  t.equal(sampleMessageEvent('sent').MessageSid, sampleMessageEvent('delivered').MessageSid, 'one message through its statuses')
  t.equal(sampleCallEvent('ringing').CallSid, sampleCallEvent('completed').CallSid, 'one call through its statuses')
})

test('overrides replace, add and remove parameters', async (t) => {
  const event = sampleMessageEvent('undelivered', {
    ErrorCode: '30005',
    'MessagingBinding.Address': ['+13255550100', '+14155550100'],
    RawDlrDoneDate: undefined
  })
  t.equal(event.ErrorCode, '30005')
  t.same(event['MessagingBinding.Address'], ['+13255550100', '+14155550100'])
  t.notOk('RawDlrDoneDate' in event)
  const before = sampleMessageEvent('undelivered')
  t.equal(before.ErrorCode, '30003', 'the defaults are not changed by an earlier call')
})

test('overriding a Sid or a number also sets its twins, unless they are overridden too', async (t) => {
  const sid = sampleSid('SM', 7)
  t.match(sampleMessageEvent('delivered', { MessageSid: sid }), { MessageSid: sid, SmsSid: sid })
  t.match(sampleMessageEvent('received', { MessageSid: sid }), { MessageSid: sid, SmsSid: sid, SmsMessageSid: sid })
  t.notOk('SmsMessageSid' in sampleMessageEvent('sent', { MessageSid: sid }), 'a twin the sample lacks is not added')
  t.match(sampleMessageEvent('sent', { MessageSid: sid, SmsSid: 'SMother' }), { MessageSid: sid, SmsSid: 'SMother' })
  t.notOk('SmsSid' in sampleMessageEvent('sent', { MessageSid: sid, SmsSid: undefined }), 'removing a twin wins')
  t.match(sampleCallEvent('ringing', { From: '+15550000001', To: '+15550000002' }),
    { From: '+15550000001', Caller: '+15550000001', To: '+15550000002', Called: '+15550000002' })
  t.match(sampleCallEvent('ringing', { From: ['+1', '+2'] }), { From: ['+1', '+2'], Caller: sampleCallEvent('ringing').Caller },
    'a repeated value is not copied to a twin')
})

test('a parameter named __proto__ stays a plain parameter', async (t) => {
  const event = sampleMessageEvent('sent', JSON.parse('{"__proto__":"x","constructor":"y"}'))
  t.ok(Object.hasOwn(event, '__proto__'))
  t.equal(Object.getPrototypeOf(event), Object.prototype)
  t.equal(event.constructor, 'y')
})
