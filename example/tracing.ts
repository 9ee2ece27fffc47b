import Fastify from 'fastify'
import FastifyOtelInstrumentation from '@fastify/otel'
import twilioStatus, { type MessageEvent } from 'fastify-twilio-status'

// After your OpenTelemetry setup: NodeSDK, or a NodeTracerProvider you register().
export async function buildTracedApp (authToken: string, onDelivered: (event: MessageEvent<'delivered'>) => Promise<void>) {
  const fastifyOtel = new FastifyOtelInstrumentation()
  const app = Fastify()
  await app.register(fastifyOtel.plugin()) // before the plugin, so that its routes are instrumented
  await app.register(twilioStatus, { authToken, sms: { onDelivered } })
  return app
}
