import t from 'tap'
import { callbackName } from '../../lib/families/statuses'
import { accountOf, accountSegment, CHANNELS, FAMILIES, isSingleValued, keyOf, rankOf } from '../../lib/families/index'
import { MESSAGE_STATUSES } from '../../lib/families/messages'

const sms = (status: string): number | undefined => rankOf('sms', status, {})

t.test('message statuses rank along their lifecycle', async (t) => {
  const chain = [['accepted', 'scheduled'], ['queued'], ['sending'], ['sent'],
    ['delivered', 'undelivered', 'failed', 'canceled', 'partially_delivered'], ['read']]
  for (let i = 0; i < chain.length; i++) {
    for (const status of chain[i]) t.equal(sms(status), i, status)
  }
})

t.test('read after delivered is progress, sent after delivered is a regression', async (t) => {
  t.ok((sms('read') as number) > (sms('delivered') as number))
  t.ok((sms('sent') as number) < (sms('delivered') as number))
  t.ok((sms('queued') as number) < (sms('sent') as number))
})

t.test('outcomes share a rank: none of them follows another', async (t) => {
  const outcomes = ['delivered', 'undelivered', 'failed', 'canceled', 'partially_delivered'].map(sms)
  t.equal(new Set(outcomes).size, 1)
})

t.test('every outbound message status is ranked; inbound ones are not', async (t) => {
  for (const status of MESSAGE_STATUSES) {
    if (status === 'receiving' || status === 'received') t.equal(sms(status), undefined, status)
    else t.type(sms(status), 'number', status)
  }
})

t.test('an unknown message status is not ordered', async (t) => {
  for (const status of ['', 'Delivered', 'DELIVERED', 'delivered ', 'bogus']) t.equal(sms(status), undefined, JSON.stringify(status))
})

t.test('regression: names inherited from Object.prototype are not ranks', async (t) => {
  // `MESSAGE_RANKS.constructor` is `Object`: it used to come back as a "rank", stored as text
  // that compares as NaN, which then let any stale status through.
  for (const status of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
    t.equal(sms(status), undefined, status)
  }
})

t.test('messages ignore SequenceNumber', async (t) => {
  t.equal(rankOf('sms', 'sent', { SequenceNumber: '9' }), 3)
  t.equal(rankOf('sms', 'bogus', { SequenceNumber: '9' }), undefined)
})

t.test('calls rank by SequenceNumber, whatever the status', async (t) => {
  t.equal(rankOf('call', 'completed', { SequenceNumber: '0' }), 0)
  t.equal(rankOf('call', 'ringing', { SequenceNumber: '3' }), 3)
  t.equal(rankOf('call', 'bogus', { SequenceNumber: '12' }), 12)
  t.equal(rankOf('call', 'completed', { SequenceNumber: '007' }), 7)
  t.equal(rankOf('call', 'completed', { SequenceNumber: '999999999999999' }), 999_999_999_999_999, '15 digits')
})

t.test('a call status without a usable SequenceNumber is not ordered, unless it ends the call: then it ranks last', async (t) => {
  const unusable: unknown[] = [undefined, '', '1000000000000000', '-1', '1.5', ' 1', '1 ', '1e3', '0x10', '١', 5, null, ['1', '2']]
  for (const sequence of unusable) {
    t.equal(rankOf('call', 'ringing', { SequenceNumber: sequence }), undefined, JSON.stringify(sequence))
    t.equal(rankOf('call', 'completed', { SequenceNumber: sequence }), Number.MAX_SAFE_INTEGER, `terminal, ${JSON.stringify(sequence)}`)
  }
  t.equal(rankOf('call', 'in-progress', {}), undefined, 'absent')
  for (const status of ['completed', 'busy', 'failed', 'no-answer', 'canceled']) t.equal(rankOf('call', status, {}), Number.MAX_SAFE_INTEGER, `${status}, absent`)
})

t.test('conferences and real-time transcriptions rank by their sequence; recordings by status; AMD and legacy transcriptions not at all', async (t) => {
  t.equal(rankOf('conference', 'participant-join', { SequenceNumber: '4' }), 4)
  t.equal(rankOf('realtimeTranscription', 'transcription-content', { SequenceId: '12' }), 12)
  t.equal(rankOf('realtimeTranscription', 'transcription-content', { SequenceNumber: '12' }), undefined, 'its own sequence parameter only')
  t.equal(rankOf('recording', 'in-progress', {}), 0)
  for (const status of ['completed', 'absent', 'failed']) t.equal(rankOf('recording', status, {}), 1, status)
  t.equal(rankOf('recording', 'constructor', {}), undefined)
  t.equal(rankOf('amd', 'human', { SequenceNumber: '1' }), undefined)
  t.equal(rankOf('transcription', 'completed', {}), undefined)
})

t.test('keys: account, Sid, status and the family\'s key parameters, trailing absent ones dropped', async (t) => {
  t.equal(keyOf('sms', 'AC1', 'SM1', 'delivered', { SequenceNumber: '3' }), 'sms:AC1:SM1:delivered', 'messages have no key parameter')
  t.equal(keyOf('sms', 'AC2', 'SM1', 'delivered', {}), 'sms:AC2:SM1:delivered', 'another account, another key')
  t.equal(keyOf('sms', '', 'SM1', 'delivered', {}), 'sms::SM1:delivered', 'no account')
  t.equal(keyOf('call', 'AC1', 'CA1', 'ringing', { SequenceNumber: '3' }), 'call:AC1:CA1:ringing:3')
  t.equal(keyOf('call', 'AC1', 'CA1', 'ringing', {}), 'call:AC1:CA1:ringing')
  for (const status of ['completed', 'busy', 'failed', 'no-answer', 'canceled']) {
    t.equal(keyOf('call', 'AC1', 'CA1', status, { SequenceNumber: '3' }), `call:AC1:CA1:${status}`, `a call ends once: ${status} is keyed without SequenceNumber`)
  }
  t.equal(keyOf('conference', 'AC1', 'CF1', 'participant-join', { CallSid: 'CA1', SequenceNumber: '2' }), 'conference:AC1:CF1:participant-join:CA1:2')
  t.equal(keyOf('conference', 'AC1', 'CF1', 'participant-join', { CallSid: 'CA2', SequenceNumber: '3' }), 'conference:AC1:CF1:participant-join:CA2:3', 'another participant, another key')
  t.equal(keyOf('conference', 'AC1', 'CF1', 'conference-start', { SequenceNumber: '1' }), 'conference:AC1:CF1:conference-start::1', 'an absent CallSid keeps its place')
  t.equal(keyOf('realtimeTranscription', 'AC1', 'GT1', 'transcription-content', { SequenceId: '7' }), 'realtimeTranscription:AC1:GT1:transcription-content:7')
  t.equal(keyOf('call', 'AC1', 'CA1', 'ringing', { SequenceNumber: ['1', '2'] }), 'call:AC1:CA1:ringing', 'only text counts')
  t.equal(keyOf('call', 'AC1:CA1', 'completed', '5', {}), 'call:AC1%3ACA1:completed:5', 'a \':\' in the account is escaped')
})

t.test('the account: the AccountSid the signature check read, as one key segment', async (t) => {
  t.equal(accountOf({ AccountSid: 'AC1', MessageSid: 'SM1' }), 'AC1')
  t.equal(accountOf({ MessageSid: 'SM1' }), '', 'none named')
  t.equal(accountOf({ AccountSid: ['AC1', 'AC2'] }), '', 'a repeated AccountSid names no account (and a status route refuses it)')
  t.equal(accountOf(Object.assign(Object.create(null) as Record<string, unknown>, { AccountSid: 'AC1' })), 'AC1', 'prototype-free parameters')
  t.equal(accountOf({}, '/sink?AccountSid=AC2&bodySHA256=x'), 'AC2', 'parameters that name none: the request target\'s query (an Event Streams batch)')
  t.equal(accountOf({ AccountSid: 'AC1' }, '/x?AccountSid=AC2'), 'AC1', 'the parameters\' first')
  t.equal(accountOf({}, '/x?AccountSid=AC1&AccountSid=AC2'), '', 'a query naming two names none')
  t.equal(accountSegment('AC' + 'a'.repeat(32)), 'AC' + 'a'.repeat(32), 'an AccountSid as it is')
  t.equal(accountSegment('AC1:SM1'), 'AC1%3ASM1')
  t.equal(accountSegment('AC1%3ASM1'), 'AC1%253ASM1', 'a \'%\' is escaped too, so no two accounts share a segment')
  t.equal(accountSegment('a%b:c:%'), 'a%25b%3Ac%3A%25')
  t.equal(accountSegment('\ud800:'), '\ud800%3A', 'a lone surrogate does not throw')
})

t.test('every family: distinct statuses and callback names, a route of its own, fields that include its status and Sid', async (t) => {
  const paths = new Set<string>()
  for (const channel of CHANNELS) {
    const family = FAMILIES[channel]
    t.equal(new Set(family.statuses.map(callbackName)).size, family.statuses.length, `${channel}: callback names`)
    t.notOk(paths.has(family.path), `${channel}: ${family.path}`)
    paths.add(family.path)
    for (const name of [...family.statusParams, ...family.sidParams, ...family.keyParams]) {
      t.ok(isSingleValued(channel, name), `${channel}: ${name} is a documented single-valued field`)
    }
  }
  t.ok(isSingleValued('sms', 'MediaUrl3'))
  t.notOk(isSingleValued('call', 'MediaUrl3'), 'numbered media fields are the messages\'')
  t.notOk(isSingleValued('sms', 'Extra'))
})
