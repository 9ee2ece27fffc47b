import { test } from 'tap'
import { sampleSid, signedRouteInject } from 'fastify-twilio-status/testing'
import { buildVoiceApp } from './voice-app'

const authToken = 'test-auth-token'
// The publicUrl given to twilioSignature() in the app: the kit signs the URL Twilio calls.
const publicUrl = 'https://voice.example.com'
const call = { CallSid: sampleSid('CA', 1), AccountSid: sampleSid('AC', 1), From: '+15551230000', To: '+15559870000' }

test('an incoming call is answered with a menu', async (t) => {
  const app = await buildVoiceApp(authToken)
  t.teardown(() => app.close())

  const res = await app.inject(signedRouteInject({
    authToken, publicUrl, path: '/voice/incoming', params: { ...call, CallStatus: 'ringing' }
  }))

  t.equal(res.statusCode, 200)
  t.match(res.body, /<Gather numDigits="1" action="\/voice\/menu">/)
})

test('pressing 1 at the menu connects the caller to sales', async (t) => {
  const app = await buildVoiceApp(authToken)
  t.teardown(() => app.close())

  const res = await app.inject(signedRouteInject({
    authToken, publicUrl, path: '/voice/menu', params: { ...call, Digits: '1' }
  }))

  t.equal(res.statusCode, 200)
  t.equal(res.body, '<Response><Say>Connecting you to sales.</Say></Response>')
})

test('a menu answer signed with another token is refused', async (t) => {
  const app = await buildVoiceApp(authToken)
  t.teardown(() => app.close())

  const res = await app.inject(signedRouteInject({
    authToken: 'not-our-token', publicUrl, path: '/voice/menu', params: { ...call, Digits: '1' }
  }))

  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'FST_TWILIO_INVALID_SIGNATURE')
})
