import { test } from 'tap'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { buildVoiceApp } from './voice-app'

const authToken = 'voice-app-token'
const PUBLIC = 'https://voice.example.com'

// Over real HTTP, each request signed by the twilio package over the public URL Twilio calls.
async function post (port: number, path: string, params: Record<string, string>, token = authToken) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(token, PUBLIC + path, params)
    },
    body: new URLSearchParams(params).toString()
  })
  return { status: res.status, body: await res.text() }
}

const call = { CallSid: 'CA' + '5'.repeat(32), AccountSid: 'AC' + '6'.repeat(32), From: '+15551230000', To: '+15559870000' }

test('the incoming-call and Gather routes answer signed requests and refuse forged ones', async (t) => {
  const app = await buildVoiceApp(authToken)
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }

  const incoming = await post(port, '/voice/incoming', { ...call, CallStatus: 'ringing' })
  t.equal(incoming.status, 200)
  t.match(incoming.body, /<Gather numDigits="1" action="\/voice\/menu">/)

  const sales = await post(port, '/voice/menu', { ...call, CallStatus: 'in-progress', Digits: '1' })
  const support = await post(port, '/voice/menu', { ...call, CallStatus: 'in-progress', Digits: '2' })
  t.equal(sales.body, '<Response><Say>Connecting you to sales.</Say></Response>')
  t.equal(support.body, '<Response><Say>Connecting you to support.</Say></Response>', 'each answer gets its own reply')

  const forged = await post(port, '/voice/menu', { ...call, Digits: '1' }, 'not-the-token')
  t.equal(forged.status, 403)
  t.equal(JSON.parse(forged.body).code, 'FST_TWILIO_INVALID_SIGNATURE')

  const completed = await post(port, '/twilio/call/status', { ...call, CallStatus: 'completed' })
  t.equal(completed.status, 200)
})
