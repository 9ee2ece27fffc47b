import Fastify from 'fastify'
import { test } from 'tap'
import twilioStatus from 'fastify-twilio-status'
import { sampleSid, signedInject } from 'fastify-twilio-status/testing'

const authToken = 'test-auth-token'
// The app's publicUrl: the kit signs the URL Twilio calls, as the app rebuilds it.
const publicUrl = 'https://hooks.example.com'

// The app under test: it records delivered messages and answers inbound ones.
async function buildApp () {
  const delivered: string[] = []
  const app = Fastify()
  await app.register(twilioStatus, {
    authToken,
    publicUrl,
    sms: {
      onDelivered: async (event) => { delivered.push(event.MessageSid) },
      onReceived: async () => '<Response><Message>Thanks, we got it!</Message></Response>'
    }
  })
  return { app, delivered }
}

test('a delivered SMS reaches onDelivered', async (t) => {
  const { app, delivered } = await buildApp()
  t.teardown(() => app.close())
  const sid = sampleSid('SM', 1)

  const res = await app.inject(signedInject({ authToken, publicUrl, channel: 'sms', status: 'delivered', sid }))

  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/xml/)
  t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><Response/>')
  t.same(delivered, [sid])
})

test('an inbound SMS is answered with the TwiML onReceived returns', async (t) => {
  const { app } = await buildApp()
  t.teardown(() => app.close())

  const res = await app.inject(signedInject({
    authToken, publicUrl, channel: 'sms', status: 'received', params: { Body: 'Where is my order?' }
  }))

  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/xml/)
  t.equal(res.body, '<Response><Message>Thanks, we got it!</Message></Response>')
})

test('a callback signed with another token, or for another URL, is refused', async (t) => {
  const { app, delivered } = await buildApp()
  t.teardown(() => app.close())

  const forged = await app.inject(signedInject({ authToken: 'not-our-token', publicUrl, channel: 'sms', status: 'delivered' }))
  // Without publicUrl the kit signs http://localhost:80/…, a URL this app does not verify.
  const elsewhere = await app.inject(signedInject({ authToken, channel: 'sms', status: 'delivered' }))

  t.equal(forged.statusCode, 403)
  t.equal(elsewhere.statusCode, 403)
  t.same(delivered, [])
})
