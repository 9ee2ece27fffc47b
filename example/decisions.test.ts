import { test } from 'tap'
import { sampleAssignmentEvent, sampleConversationsEvent, signedInject } from 'fastify-twilio-status/testing'
import { buildDecisionsApp } from './decisions'

const authToken = 'decisions-token'

test('pre-events allow, reject and modify; a redelivery gets the same decision', async (t) => {
  const app = await buildDecisionsApp(authToken, { phoneOf: async () => undefined, breakActivitySid: 'WA0' })
  t.teardown(() => app.close())
  const ask = (EventType: string, params: Record<string, string>) =>
    app.inject(signedInject({ authToken, channel: 'conversations', status: EventType as 'onMessageAdd', params }))

  const rejected = await ask('onMessageAdd', { Body: 'What is your password?' })
  t.equal(rejected.statusCode, 403, 'a 4xx rejects: nothing is published')
  const again = await ask('onMessageAdd', { Body: 'What is your password?', RetryCount: '1' })
  t.equal(again.statusCode, 403, 'the same event again: the same decision')

  const modified = await ask('onMessageAdd', { Body: 'Hello', Author: '+15558675310' })
  t.same(modified.json(), { attributes: '{"channel":"sms"}' })
  const allowed = await ask('onMessageAdd', { Body: 'Hello', Author: 'alice' })
  t.same(allowed.json(), {}, '200 {}: published unmodified')
  const named = await ask('onConversationAdd', sampleConversationsEvent('onConversationAdd') as Record<string, string>)
  t.same(named.json(), { friendly_name: 'Support: +15558675310' })
  const posted = await ask('onMessageAdded', {})
  t.equal(posted.statusCode, 200)
  t.equal(posted.body, '')
})

test('the assignment callback answers an instruction, or {} to decide later', async (t) => {
  const app = await buildDecisionsApp(authToken, { phoneOf: async (sid) => sid === 'WK1' ? '+15558675310' : undefined, breakActivitySid: 'WA0' })
  t.teardown(() => app.close())
  const assign = (params: Record<string, string>) =>
    app.inject(signedInject({ authToken, channel: 'taskrouterAssignment', status: 'assignment', params }))

  const call = await assign({ WorkerSid: 'WK1', TaskAttributes: '{"type":"call"}', ReservationSid: 'WR1' })
  t.same(call.json(), { instruction: 'dequeue', to: '+15558675310', from: '+15017250604', timeout: 20 })
  const browser = await assign({ WorkerSid: 'WK2', TaskAttributes: '{"type":"call"}', ReservationSid: 'WR2' })
  t.same(browser.json(), {})
  const chat = await assign({ ReservationSid: 'WR3' })
  t.same(chat.json(), { instruction: 'reject', activity_sid: 'WA0' }, `not a call (${String(sampleAssignmentEvent('assignment').TaskAttributes)}): refused`)
})
