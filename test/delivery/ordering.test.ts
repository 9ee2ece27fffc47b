import t from 'tap'
import { MESSAGE_RANKS, rankOf } from '../../lib/delivery/ordering'
import { MESSAGE_STATUSES } from '../../lib/dispatch/statuses'

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

t.test('the ranks are frozen', async (t) => {
  t.ok(Object.isFrozen(MESSAGE_RANKS))
})

t.test('calls rank by SequenceNumber, whatever the status', async (t) => {
  t.equal(rankOf('call', 'completed', { SequenceNumber: '0' }), 0)
  t.equal(rankOf('call', 'ringing', { SequenceNumber: '3' }), 3)
  t.equal(rankOf('call', 'bogus', { SequenceNumber: '12' }), 12)
  t.equal(rankOf('call', 'completed', { SequenceNumber: '007' }), 7)
  t.equal(rankOf('call', 'completed', { SequenceNumber: '999999999999999' }), 999_999_999_999_999, '15 digits')
})

t.test('a call without a usable SequenceNumber is not ordered', async (t) => {
  const unusable: unknown[] = [undefined, '', '1000000000000000', '-1', '1.5', ' 1', '1 ', '1e3', '0x10', '١', 5, null, ['1', '2']]
  for (const sequence of unusable) {
    t.equal(rankOf('call', 'completed', { SequenceNumber: sequence }), undefined, JSON.stringify(sequence))
  }
  t.equal(rankOf('call', 'completed', {}), undefined, 'absent')
})
