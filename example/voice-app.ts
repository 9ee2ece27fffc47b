import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import twilioStatus, { twilioSignature } from 'fastify-twilio-status'

export async function buildVoiceApp (authToken: string) {
  const app = Fastify({ logger: { level: 'warn' } })
  // Your own Twilio routes: the same verification as the status routes, as a preHandler hook.
  const verifyTwilio = twilioSignature({ authToken, publicUrl: 'https://voice.example.com' })
  await app.register(formbody) // parses forms without changing what Twilio signed

  app.post('/voice/incoming', { preHandler: verifyTwilio }, async (_request, reply) => {
    return await reply.type('text/xml').send(
      '<Response><Gather numDigits="1" action="/voice/menu"><Say>Press 1 for sales, 2 for support.</Say></Gather></Response>')
  })
  app.post('/voice/menu', { preHandler: verifyTwilio }, async (request, reply) => {
    const { Digits } = request.body as { Digits?: string }
    const team = Digits === '1' ? 'sales' : 'support'
    return await reply.type('text/xml').send(`<Response><Say>Connecting you to ${team}.</Say></Response>`)
  })

  await app.register(twilioStatus, {
    authToken,
    publicUrl: 'https://voice.example.com',
    call: { onCompleted: async (event) => { app.log.info({ sid: event.CallSid }, 'call ended') } }
  })
  return app
}
