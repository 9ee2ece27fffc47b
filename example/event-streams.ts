import Fastify from 'fastify'
import twilioStatus from 'fastify-twilio-status'

interface Records {
  markDelivered (messageSid: string): Promise<void>
  closeCall (callSid: string | undefined): Promise<void>
}

// An Event Streams webhook sink: point its destination at https://your-host/twilio/event-streams.
export async function buildEventStreamsApp (authToken: string, { markDelivered, closeCall }: Records) {
  const app = Fastify({ logger: { level: 'warn' } })
  await app.register(twilioStatus, {
    authToken,
    eventStreams: {
      onMessageDelivered: async (event) => { await markDelivered(event.data.messageSid) },
      onCallCompleted: async (event) => { await closeCall(event.data.request?.parameters?.CallSid) },
      onTestEvent: (event) => { app.log.info({ testId: event.data.test_id }, 'sink test') },
      onAny: (event) => { app.log.debug({ id: event.id, type: event.type }, 'event') }
    }
  })
  return app
}
