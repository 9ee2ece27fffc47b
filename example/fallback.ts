import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import { type FallbackParams, type MessageEvent, twilioSignature } from 'fastify-twilio-status'

// Twilio calls the fallback URL when the primary webhook failed (timeout, HTTP error, bad TwiML),
// with the primary's parameters plus ErrorCode and ErrorUrl, signed against the fallback URL.
export async function buildFallbackApp (authToken: string) {
  const app = Fastify({ logger: { level: 'warn' } })
  await app.register(formbody)
  const verifyTwilio = twilioSignature({ authToken })

  app.post('/sms/fallback', { preHandler: verifyTwilio }, async (request, reply) => {
    const event = request.body as FallbackParams<MessageEvent>
    request.log.warn({ sid: event.MessageSid, error: event.ErrorCode, failed: event.ErrorUrl }, 'primary SMS webhook failed')
    return await reply.type('text/xml').send('<Response><Message>Sorry, we are having trouble. We will reply soon.</Message></Response>')
  })
  return app
}
