import Fastify from 'fastify'
import twilioStatus, { type TwilioRestClient } from 'fastify-twilio-status'

/** What this app uses of a `twilio` client: send a message, place a call, and fetch both (reconcile). */
export interface OtpClient extends TwilioRestClient {
  messages: TwilioRestClient['messages'] & {
    create (params: { to: string, from: string, body: string, statusCallback: string }): Promise<{ sid: string }>
  }
  calls: TwilioRestClient['calls'] & {
    create (params: { to: string, from: string, twiml: string, statusCallback: string }): Promise<{ sid: string }>
  }
}

export interface OtpOptions {
  authToken: string
  /** The host's twilio client: `twilio(apiKey, apiSecret, { accountSid })`. */
  client: OtpClient
  from: string
  /** Where Twilio reaches this app. */
  publicUrl: string
  /** How long to wait for the SMS's delivery report before calling instead, ms. */
  waitMs?: number
}

// Send a one-time code by SMS; when no delivery report says it arrived in time, read it out in a
// call instead. A status callback lost on its way (a deploy, a proxy's 502) is fetched from
// Twilio's REST API at the timeout, so the fallback is decided on what Twilio knows.
export async function buildOtpApp ({ authToken, client, from, publicUrl, waitMs = 30_000 }: OtpOptions) {
  const app = Fastify({ logger: { level: 'warn' } })
  await app.register(twilioStatus, {
    authToken,
    publicUrl,
    sms: {},
    call: {},
    reconcile: { client, after: 5 * 60_000 }
  })

  app.post('/otp', async (request) => {
    const { to, code } = request.body as { to: string, code: string }
    const message = await client.messages.create({ to, from, body: `Your code is ${code}`, statusCallback: `${publicUrl}/twilio/sms/status` })
    // Tracked before Twilio can call back, so that a callback on any instance is seen.
    await app.twilioStatus.track(message.sid)
    try {
      const { status, reconciled } = await app.twilioStatus.waitFor(message.sid, ['delivered', 'undelivered', 'failed'], { timeout: waitMs })
      if (status === 'delivered') return { channel: 'sms', sid: message.sid, reconciled }
    } catch (err) {
      // FST_TWILIO_WAIT_TIMEOUT: still `sent` or `queued` when fetched; the code may never arrive.
      request.log.warn({ err, sid: message.sid }, 'OTP SMS not delivered in time, calling instead')
    }
    const twiml = `<Response><Say>Your code is ${code.split('').join(' ')}</Say></Response>`
    const call = await client.calls.create({ to, from, twiml, statusCallback: `${publicUrl}/twilio/call/status` })
    await app.twilioStatus.track(call.sid)
    return { channel: 'call', sid: call.sid }
  })
  return app
}
