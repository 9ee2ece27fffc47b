import Fastify from 'fastify'
import { Counter, Registry } from 'prom-client'
import twilioStatus, { createStats, type Stats } from 'fastify-twilio-status'

// One Prometheus counter per field of `stats`, with its HELP text.
const HELP: Record<keyof Stats, string> = {
  dispatched: 'Twilio events whose callbacks all succeeded',
  duplicates: 'Twilio deliveries answered without running callbacks: the event was handled already',
  stale: 'Twilio events older than one already handled, given to onStale',
  inProgress: 'Twilio deliveries answered 503 because another instance holds the event',
  deadlines: 'Twilio deliveries answered 503 at the deadline while their callbacks ran on',
  storeErrors: 'Idempotency store operations that failed or timed out'
}

export async function buildMetricsApp (authToken: string) {
  const app = Fastify({ logger: { level: 'warn' } })
  const stats = createStats() // updated in place by the plugin
  const registry = new Registry()
  for (const field of Object.keys(HELP) as Array<keyof Stats>) {
    registry.registerMetric(new Counter({
      name: `twilio_status_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`, // inProgress → in_progress
      help: HELP[field],
      registers: [],
      // Read at scrape time: nothing runs per request.
      collect () {
        this.reset()
        this.inc(stats[field])
      }
    }))
  }

  // The Console Debugger's webhook: Twilio reporting the account's errors and warnings (a webhook
  // of this app that failed is 11200), counted once per event (a redelivery runs no callback).
  const debuggerEvents = new Counter({
    name: 'twilio_debugger_events_total',
    help: 'Errors and warnings Twilio reported through the Debugger webhook, by level and error code',
    labelNames: ['level', 'error_code'] as const,
    registers: [registry]
  })

  await app.register(twilioStatus, {
    authToken,
    stats,
    sms: { onDelivered: async () => {} },
    call: { onCompleted: async () => {} },
    debugger: {
      onAny (event) {
        debuggerEvents.inc({ level: event.Level, error_code: event.parsed.Payload?.error_code ?? 'none' })
      }
    }
  })
  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType)
    return await registry.metrics()
  })
  return app
}
