import { test } from 'tap'
import { sampleSid, signedInject } from 'fastify-twilio-status/testing'
import { buildApp } from './app'

const authToken = 'test-auth-token'
// The app sets publicUrl: Twilio signs that URL, so the test signs it too.
const publicUrl = 'https://hooks.example.com'

test('a delivered SMS reaches onDelivered', async (t) => {
  const { app, delivered } = await buildApp(authToken)
  t.teardown(() => app.close())
  const sid = sampleSid('SM', 1)

  const res = await app.inject(signedInject({ authToken, publicUrl, channel: 'sms', status: 'delivered', sid }))

  t.equal(res.statusCode, 200)
  t.same(delivered, [sid])
})

test('an inbound SMS is answered with TwiML that quotes it', async (t) => {
  const { app } = await buildApp(authToken)
  t.teardown(() => app.close())

  const res = await app.inject(signedInject({
    authToken, publicUrl, channel: 'sms', status: 'received', params: { Body: 'Where is my order?' }
  }))

  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/xml/)
  t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks for "Where is my order?"</Message></Response>')
})

test('a request signed for another URL than publicUrl is refused', async (t) => {
  const { app, delivered } = await buildApp(authToken)
  t.teardown(() => app.close())

  // Without publicUrl the kit signs http://localhost:80/…, a URL this app never rebuilds.
  const res = await app.inject(signedInject({ authToken, channel: 'sms', status: 'delivered' }))

  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(delivered, [])
})

test('over real HTTP, the signed request is sent as the kit built it', async (t) => {
  const { app, delivered } = await buildApp(authToken)
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const sid = sampleSid('SM', 2)

  const signed = signedInject({ authToken, publicUrl, channel: 'sms', status: 'delivered', sid, path: "/twilio/sms/status?customer=O'Brien" })
  t.equal(signed.url, '/twilio/sms/status?customer=O%27Brien', 'the target as inject would send it: \' becomes %27')
  const res = await fetch(`http://127.0.0.1:${port}${signed.url}`, { method: signed.method, headers: signed.headers, body: signed.payload })

  t.equal(res.status, 200)
  t.same(delivered, [sid])
})
