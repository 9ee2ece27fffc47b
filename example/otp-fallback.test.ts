import { test } from 'tap'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { buildOtpApp, type OtpClient } from './otp-fallback'

const authToken = 'otp-token'
const publicUrl = 'https://otp.example.com'
const ACCOUNT = 'AC' + '1'.repeat(32)
/** The Sids the fake client gives: the first message, then the call placed after it. */
const SMS_SID = 'SM' + '1'.padStart(32, '0')
const CALL_SID = 'CA' + '2'.padStart(32, '0')

/** A stand-in for the twilio client: what was sent, and what its REST API shows for each Sid. */
function fakeClient (shows: Record<string, string>) {
  const sent: string[] = []
  let n = 0
  const resource = (sid: string) => ({
    fetch: async () => {
      const status = shows[sid]
      if (status === undefined) throw Object.assign(new Error('not found'), { status: 404 })
      // A twilio instance: camelCase fields.
      return { sid, status, accountSid: ACCOUNT, from: '+15550001111', to: '+15552223333', apiVersion: '2010-04-01' }
    }
  })
  const client: OtpClient = {
    messages: Object.assign((sid: string) => resource(sid), { create: async () => { sent.push('sms'); return { sid: 'SM' + String(++n).padStart(32, '0') } } }),
    calls: Object.assign((sid: string) => resource(sid), { create: async () => { sent.push('call'); return { sid: 'CA' + String(++n).padStart(32, '0') } } })
  }
  return { client, sent }
}

/** An app whose wait is over at once, the REST API showing the SMS with `status`: asks for an OTP. */
async function otpWhenTwilioShows (t: { teardown: (fn: () => unknown) => void }, status: string) {
  const { client, sent } = fakeClient({ [SMS_SID]: status })
  const app = await buildOtpApp({ authToken, client, from: '+15550001111', publicUrl, waitMs: 20 })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/otp', payload: { to: '+15552223333', code: '123456' } })
  return { answer: res.json(), sent }
}

test('the delivery report arrives: the code went by SMS', async (t) => {
  const { client, sent } = fakeClient({})
  const app = await buildOtpApp({ authToken, client, from: '+15550001111', publicUrl, waitMs: 5000 })
  t.teardown(() => app.close())
  const pending = app.inject({ method: 'POST', url: '/otp', payload: { to: '+15552223333', code: '123456' } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const sid = SMS_SID
  const params = { AccountSid: ACCOUNT, MessageSid: sid, SmsSid: sid, MessageStatus: 'delivered', SmsStatus: 'delivered', To: '+15552223333', From: '+15550001111', ApiVersion: '2010-04-01' }
  const callback = await app.inject({
    method: 'POST',
    url: '/twilio/sms/status',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(authToken, `${publicUrl}/twilio/sms/status`, params) },
    payload: new URLSearchParams(params).toString()
  })
  t.equal(callback.statusCode, 200)
  t.same((await pending).json(), { channel: 'sms', sid, reconciled: false })
  t.same(sent, ['sms'])
})

test('the report was lost, and Twilio shows the SMS delivered: no call', async (t) => {
  const { answer, sent } = await otpWhenTwilioShows(t, 'delivered')
  t.same(answer, { channel: 'sms', sid: SMS_SID, reconciled: true })
  t.same(sent, ['sms'])
})

test('still only sent at the timeout: the code is read out in a call', async (t) => {
  const { answer, sent } = await otpWhenTwilioShows(t, 'sent')
  t.same(answer, { channel: 'call', sid: CALL_SID })
  t.same(sent, ['sms', 'call'])
})
