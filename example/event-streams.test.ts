import { test } from 'tap'
import { sampleCloudEvent, sampleSid, signedEventStreamsInject } from 'fastify-twilio-status/testing'
import { buildEventStreamsApp } from './event-streams'

const authToken = 'event-streams-token'

test('an Event Streams batch runs each event by type, once, and answers 204', async (t) => {
  const delivered: string[] = []
  const closed: Array<string | undefined> = []
  const app = await buildEventStreamsApp(authToken, {
    markDelivered: async (sid) => { delivered.push(sid) },
    closeCall: async (sid) => { closed.push(sid) }
  })
  t.teardown(() => app.close())
  const message = sampleCloudEvent('com.twilio.messaging.message.delivered', 1)
  const call = sampleCloudEvent('com.twilio.voice.status-callback.call.completed', 2)
  const events = [message, call, sampleCloudEvent('com.twilio.eventstreams.test-event')]

  const res = await app.inject(signedEventStreamsInject({ authToken, events }))
  t.equal(res.statusCode, 204)
  t.same(delivered, [sampleSid('SM', 1)])
  t.equal(closed.length, 1)
  t.match(closed[0], /^CA[0-9a-f]{32}$/, "the call's Sid, from the webhook's parameters")

  const again = await app.inject(signedEventStreamsInject({ authToken, events: [message, sampleCloudEvent('com.twilio.messaging.message.delivered', 3)] }))
  t.equal(again.statusCode, 204)
  t.same(delivered, [sampleSid('SM', 1), sampleSid('SM', 3)], 'a redelivered event runs nothing; the new one runs')

  const forged = await app.inject(signedEventStreamsInject({ authToken: 'not-our-token', events }))
  t.equal(forged.statusCode, 403)
})
