/** Conversations (classic) as data: its events, what a pre-event's answer may be (docs/twilio-facts.md §17). */
import t from 'tap'
import {
  CONVERSATIONS_EVENTS, CONVERSATIONS_FIELDS, CONVERSATIONS_POST_EVENTS, CONVERSATIONS_PRE_EVENTS, conversations, conversationsAnswer, MODIFIABLE
} from '../../lib/families/conversations'
import { callbackNameIn, decisionOf, isSingleValued } from '../../lib/families/index'

t.test('every event is dispatched to the callback of its own name; only pre-events decide', async (t) => {
  for (const event of CONVERSATIONS_EVENTS) t.equal(callbackNameIn('conversations', event), event)
  for (const event of CONVERSATIONS_PRE_EVENTS) t.equal(decisionOf('conversations', event), conversations.decision, event)
  for (const event of CONVERSATIONS_POST_EVENTS) t.equal(decisionOf('conversations', event), undefined, event)
  t.equal(decisionOf('sms', 'received'), undefined, 'a family without decisions')
})

t.test('MessagingBinding.Address may repeat; every other documented field is single-valued', async (t) => {
  t.notOk(isSingleValued('conversations', 'MessagingBinding.Address'))
  for (const field of CONVERSATIONS_FIELDS) t.ok(isSingleValued('conversations', field), field)
})

t.test('allow: undefined, true and an empty object (a prototype-free one too) are 200 {}', async (t) => {
  for (const result of [undefined, true, {}, Object.create(null)]) {
    t.same(conversationsAnswer(result, 'onMessageAdd'), { statusCode: 200, body: '{}' })
  }
})

t.test('reject: 403 with no reason in the body; the reason only as the log note', async (t) => {
  t.same(conversationsAnswer({ reject: true }, 'onParticipantAdd'), { statusCode: 403, body: '{"rejected":true}' })
  t.same(conversationsAnswer({ reject: true, reason: 'banned' }, 'onUserUpdate'), { statusCode: 403, body: '{"rejected":true}', note: 'banned' })
  t.same(conversationsAnswer({ reject: true, reason: 42 }, 'onUserUpdate'), { statusCode: 403, body: '{"rejected":true}' }, 'a reason that is not text is not logged')
  t.throws(() => conversationsAnswer({ reject: true, body: 'x' }, 'onMessageAdd'), /only reject and reason, got body/)
})

t.test('modify: only the documented fields of each event, as text', async (t) => {
  for (const [event, fields] of Object.entries(MODIFIABLE)) {
    const modified = Object.fromEntries(fields.map((field) => [field, field === 'attributes' ? '{"a":1}' : `new ${field}`]))
    t.same(conversationsAnswer(modified, event), { statusCode: 200, body: JSON.stringify(modified) }, event)
  }
  t.throws(() => conversationsAnswer({ body: 'x' }, 'onConversationAdd'), /onConversationAdd cannot modify body \(modifiable: friendly_name\)/)
  t.throws(() => conversationsAnswer({ friendly_name: 'x' }, 'onParticipantAdd'), /modifiable: nothing/)
  t.throws(() => conversationsAnswer({ body: 7 }, 'onMessageAdd'), /body must be a string/)
  t.throws(() => conversationsAnswer({ attributes: '{x' }, 'onMessageUpdate'), SyntaxError)
})

t.test('anything else is no decision: false, text, arrays, class instances', async (t) => {
  for (const result of [false, 'allow', ['body'], new Map(), null, 1]) {
    t.throws(() => conversationsAnswer(result, 'onMessageAdd'), TypeError, String(result))
  }
})
