/** A decision as the reply string delivery returns and the store keeps. */
import t from 'tap'
import { decodeDecision, encodeDecision } from '../../lib/dispatch/decision'
import { EMPTY_TWIML } from '../../lib/dispatch/twiml'

t.test('a decision round-trips: status code and body', async (t) => {
  for (const decision of [{ statusCode: 200, body: '{}' }, { statusCode: 403, body: '{"rejected":true}' }, { statusCode: 200, body: '' }]) {
    t.same(decodeDecision(encodeDecision(decision)), decision)
  }
})

t.test('the log note is never encoded', async (t) => {
  t.equal(encodeDecision({ statusCode: 403, body: '{}', note: 'secret reason' }), '403{}')
})

t.test('a reply that holds no decision decodes to null', async (t) => {
  for (const reply of ['', EMPTY_TWIML, '{}', '600{}', '20']) t.equal(decodeDecision(reply), null, reply)
})
