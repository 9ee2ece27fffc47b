import Fastify from 'fastify'
import twilioStatus from 'fastify-twilio-status'

export async function buildApp (authToken: string) {
  const app = Fastify({ logger: { level: 'warn' } })
  const delivered: string[] = []

  await app.register(twilioStatus, {
    authToken, // or [current, previous] during a token rotation
    publicUrl: 'https://hooks.example.com', // the origin Twilio calls, when behind a TLS proxy
    sms: {
      onDelivered: async (event) => { delivered.push(event.MessageSid) },
      onUndelivered: async (event, request) => {
        request.log.warn({ sid: event.MessageSid, code: event.ErrorCode }, 'SMS not delivered')
      },
      onReceived: async (event) =>
        `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks for "${escapeXml(event.Body ?? '')}"</Message></Response>`
    },
    call: {
      onRinging: async (event) => { app.log.info({ sid: event.CallSid }, 'ringing') },
      onCompleted: async (event) => { app.log.info({ seconds: Number(event.CallDuration) }, 'call ended') }
    }
  })

  return { app, delivered }
}

function escapeXml (text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
