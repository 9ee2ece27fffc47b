import { test } from 'tap'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { signedInject } from 'fastify-twilio-status/testing'
import { buildTracedApp } from './tracing'

const authToken = 'tracing-token'

test('a status callback is one trace: verification and the callback under the request span', async (t) => {
  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  provider.register()
  t.teardown(() => provider.shutdown())
  const delivered: string[] = []
  const app = await buildTracedApp(authToken, async (event) => { delivered.push(event.MessageSid) })
  t.teardown(() => app.close())

  const res = await app.inject(signedInject({ authToken, channel: 'sms', status: 'delivered' }))
  t.equal(res.statusCode, 200)
  t.equal(delivered.length, 1)

  const spans = exporter.getFinishedSpans()
  const request = spans.find((span) => span.name === 'request')
  const verify = spans.find((span) => span.name === 'twilio.verify')
  const callback = spans.find((span) => span.name === 'twilio.callback onDelivered')
  t.ok(request !== undefined && verify !== undefined && callback !== undefined, spans.map((span) => span.name).join(', '))
  const traceId = request?.spanContext().traceId
  t.equal(verify?.spanContext().traceId, traceId)
  t.equal(callback?.spanContext().traceId, traceId)
  t.equal(callback?.attributes['twilio.sid'], delivered[0])
  t.equal(callback?.attributes['twilio.status'], 'delivered')
})
