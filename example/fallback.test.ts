import { test } from 'tap'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { buildFallbackApp } from './fallback'

const authToken = 'fallback-token'

test('a fallback request, signed against the fallback URL with ErrorCode and ErrorUrl, gets its TwiML', async (t) => {
  const app = await buildFallbackApp(authToken)
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const url = `http://127.0.0.1:${port}/sms/fallback`
  const params = {
    AccountSid: 'AC' + '1'.repeat(32),
    MessageSid: 'SM' + '2'.repeat(32),
    SmsSid: 'SM' + '2'.repeat(32),
    SmsStatus: 'received',
    From: '+15551234567',
    To: '+15557654321',
    Body: 'hello',
    ErrorCode: '11205',
    ErrorUrl: 'https://primary.example.com/sms'
  }
  const post = async (signed: Record<string, string>) => await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(authToken, url, signed) },
    body: new URLSearchParams(params).toString()
  })
  const res = await post(params)
  t.equal(res.status, 200)
  t.equal(await res.text(), '<Response><Message>Sorry, we are having trouble. We will reply soon.</Message></Response>')
  const { ErrorCode, ErrorUrl, ...primary } = params
  t.ok(ErrorCode !== '' && ErrorUrl !== '')
  t.equal((await post(primary)).status, 403, 'a signature over the primary parameters alone does not cover ErrorCode and ErrorUrl')
})
