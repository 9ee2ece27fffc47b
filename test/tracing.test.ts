/**
 * Spans under `@fastify/otel`, Fastify's OpenTelemetry instrumentation, read back from
 * OpenTelemetry's in-memory exporter: the request span, the verification under the
 * `verifyTwilioSignature` hook span, and a `twilio.callback <name>` span per callback under the
 * `handleTwilioStatus` handler span.
 */
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import FastifyOtelInstrumentation from '@fastify/otel'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import twilioStatus from '../lib/index'
import { sampleCloudEvent, signedEventStreamsInject } from '../lib/testing/index'
import { twilioSignature } from '../lib/http/hook'
import { otelApi, TRACER_NAME, tracedChannels } from '../lib/tracing'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { CALL_PATH, callParams, formPost, OTHER_TOKEN, smsParams, TOKEN } from './helpers/sign'

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
// The global tracer provider and an AsyncLocalStorage context manager, as NodeSDK sets them.
provider.register()
const instrumentation = new FastifyOtelInstrumentation()
t.teardown(() => provider.shutdown())

/** An app with `@fastify/otel` registered first (unless `otel` is false), then the plugin. */
async function build (t: Test, options: FastifyTwilioStatusOptions, otel = true): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (otel) await app.register(instrumentation.plugin())
  await app.register(twilioStatus, options)
  await app.ready()
  exporter.reset()
  return app
}

/** The spans ended so far, by name (each name once per test unless said). */
function spans (): ReadableSpan[] {
  return exporter.getFinishedSpans()
}
function named (name: string): ReadableSpan {
  const found = spans().filter((span) => span.name === name)
  if (found.length !== 1) throw new Error(`${found.length} spans named ${name}: ${spans().map((s) => s.name).join(', ')}`)
  return found[0] as ReadableSpan
}
function parentOf (span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}
function idOf (span: ReadableSpan): string {
  return span.spanContext().spanId
}
function ours (): string[] {
  return spans().filter((span) => span.instrumentationScope.name === TRACER_NAME).map((span) => span.name).sort()
}

t.test('a signed status callback: request span, verification under the hook span, one span per callback under the handler span', async (t) => {
  const app = await build(t, {
    authToken: TOKEN,
    sms: {
      onDelivered: async () => { await new Promise((resolve) => setImmediate(resolve)) },
      onAny: () => {}
    }
  })
  const params = smsParams('delivered')

  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)

  const request = named('request')
  t.equal(request.kind, SpanKind.SERVER)
  t.equal(parentOf(request), undefined, 'the request span is the root')
  t.equal(request.attributes['http.route'], '/twilio/sms/status')
  t.equal(request.attributes['http.response.status_code'], 200)

  const hook = named('preHandler - verifyTwilioSignature')
  t.equal(parentOf(hook), idOf(request))
  const verify = named('twilio.verify')
  t.equal(parentOf(verify), idOf(hook), 'the verification is a child of the verifyTwilioSignature hook span')
  t.same(verify.events, [])
  t.equal(verify.status.code, SpanStatusCode.UNSET)

  const handler = named('handler - handleTwilioStatus')
  t.equal(parentOf(handler), idOf(request))
  const event = { 'twilio.channel': 'sms', 'twilio.status': 'delivered', 'twilio.sid': params.MessageSid }
  t.match(handler.attributes, event, 'the handler span carries the channel, status and Sid')

  for (const name of ['onDelivered', 'onAny']) {
    const callback = named(`twilio.callback ${name}`)
    t.equal(parentOf(callback), idOf(handler), `${name} is a child of the handler span`)
    t.same(callback.attributes, { ...event, 'twilio.callback': name })
    t.equal(callback.status.code, SpanStatusCode.UNSET)
    t.equal(callback.kind, SpanKind.INTERNAL)
    t.equal(callback.spanContext().traceId, request.spanContext().traceId)
  }
  t.same(ours(), ['twilio.callback onAny', 'twilio.callback onDelivered', 'twilio.verify'])
})

t.test('a forged request: the rejection is an event of the verification span, and no callback span', async (t) => {
  let ran = 0
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: () => { ran++ }, onAny: () => { ran++ } } })

  const res = await app.inject(formPost(smsParams('delivered'), { token: OTHER_TOKEN }))
  t.equal(res.statusCode, 403)
  t.equal(ran, 0)

  const verify = named('twilio.verify')
  t.equal(parentOf(verify), idOf(named('preHandler - verifyTwilioSignature')))
  t.same(verify.events.map((event) => ({ name: event.name, attributes: event.attributes })), [{
    name: 'twilio.signature.rejected',
    attributes: { 'twilio.signature.reason': 'mismatch', 'error.type': 'FST_TWILIO_INVALID_SIGNATURE' }
  }])
  t.equal(verify.status.code, SpanStatusCode.ERROR)
  t.equal(named('request').attributes['http.response.status_code'], 403)
  t.same(ours(), ['twilio.verify'], 'no callback span')
  t.notOk(spans().some((span) => span.name.startsWith('handler')), 'the handler never ran')

  exporter.reset()
  const missing = formPost(smsParams('delivered'))
  delete missing.headers['x-twilio-signature']
  t.equal((await app.inject(missing)).statusCode, 403)
  t.match(named('twilio.verify').events[0]?.attributes, { 'twilio.signature.reason': 'missing', 'error.type': 'FST_TWILIO_MISSING_SIGNATURE' })
})

t.test('an asynchronous token lookup is inside the verification span, its rejection included', async (t) => {
  const app = await build(t, {
    authToken: async (accountSid) => accountSid === 'AC00000000000000000000000000000001' ? TOKEN : undefined,
    sms: { onDelivered: () => {} }
  })

  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  t.same(named('twilio.verify').events, [])
  t.equal(named('twilio.verify').status.code, SpanStatusCode.UNSET)

  exporter.reset()
  t.equal((await app.inject(formPost(smsParams('delivered', { AccountSid: 'AC0000000000000000000000000000dead' })))).statusCode, 403)
  const verify = named('twilio.verify')
  t.same(verify.events.map((event) => event.attributes), [{ 'twilio.signature.reason': 'unknown-account', 'error.type': 'FST_TWILIO_UNKNOWN_ACCOUNT' }])
  t.equal(verify.status.code, SpanStatusCode.ERROR)
  t.ok(verify.ended)
})

t.test('a failing callback: its span has the error, the other callback\'s span does not', async (t) => {
  const plain: unknown = 'plain'
  const bare: unknown = Object.create(null)
  const failures: Record<string, () => void | Promise<void>> = {
    thrown: () => { throw new Error('boom') },
    rejected: async () => { throw new Error('async boom') },
    'non-Error object': () => { throw bare },
    'non-Error value': () => { throw plain }
  }
  const messages: Record<string, string> = { thrown: 'boom', rejected: 'async boom', 'non-Error object': 'a non-Error object', 'non-Error value': 'plain' }
  for (const [kind, onFailed] of Object.entries(failures)) {
    const app = await build(t, { authToken: TOKEN, sms: { onFailed, onAny: async () => {} } })
    const res = await app.inject(formPost(smsParams('failed')))
    t.equal(res.statusCode, 500, kind)

    const failed = named('twilio.callback onFailed')
    t.same(failed.status, { code: SpanStatusCode.ERROR, message: messages[kind] }, kind)
    t.same(failed.events.map((event) => event.name), ['exception'], `${kind}: recorded`)
    t.equal(failed.events[0]?.attributes?.['exception.message'], messages[kind])
    t.equal(named('twilio.callback onAny').status.code, SpanStatusCode.UNSET)
  }
})

t.test('a duplicate: the handler span names the event, no callback runs', async (t) => {
  const app = await build(t, { authToken: TOKEN, call: { onCompleted: () => {} } })
  const request = formPost(callParams('completed'), { target: CALL_PATH })
  t.equal((await app.inject(request)).statusCode, 200)
  exporter.reset()

  t.equal((await app.inject(request)).statusCode, 200)
  t.match(named('handler - handleTwilioStatus').attributes, { 'twilio.channel': 'call', 'twilio.status': 'completed' })
  t.same(ours(), ['twilio.verify'])
})

t.test('a stale event runs in a twilio.callback onStale span', async (t) => {
  const app = await build(t, { authToken: TOKEN, ordering: true, call: { onRinging: () => {}, onStale: () => {} } })
  const first = callParams('completed', { SequenceNumber: '3' })
  t.equal((await app.inject(formPost(first, { target: CALL_PATH }))).statusCode, 200)
  exporter.reset()

  const late = { ...first, CallStatus: 'ringing', SequenceNumber: '1' }
  t.equal((await app.inject(formPost(late, { target: CALL_PATH }))).statusCode, 200)
  t.match(named('twilio.callback onStale').attributes, { 'twilio.channel': 'call', 'twilio.status': 'ringing', 'twilio.sid': first.CallSid, 'twilio.callback': 'onStale' })
  t.same(ours(), ['twilio.callback onStale', 'twilio.verify'])
})

t.test('an Event Streams batch: one span per callback of each event, named after its callback', async (t) => {
  const app = await build(t, { authToken: TOKEN, eventStreams: { onMessageDelivered: () => {} } })
  const events = [sampleCloudEvent('com.twilio.messaging.message.delivered', 1), sampleCloudEvent('com.twilio.messaging.message.delivered', 2)]

  t.equal((await app.inject(signedEventStreamsInject({ authToken: TOKEN, events }))).statusCode, 204)
  const callbacks = spans().filter((span) => span.name === 'twilio.callback onMessageDelivered')
  t.same(callbacks.map((span) => span.attributes['twilio.sid']).sort(), events.map((event) => event.id).sort())
  t.match(callbacks[0]?.attributes, { 'twilio.channel': 'eventStreams', 'twilio.status': 'com.twilio.messaging.message.delivered' })
  const handler = named('handler - handleTwilioEventStreams')
  t.ok(callbacks.every((span) => parentOf(span) === idOf(handler)))
  t.equal(handler.attributes['twilio.sid'], undefined, 'a batch is not one event: the handler span names none')
})

t.test('a host route with twilioSignature(): the same verification span and rejection event', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(instrumentation.plugin())
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.post('/voice', { preHandler: twilioSignature({ authToken: TOKEN }) }, async () => '<Response/>')
  await app.ready()
  exporter.reset()

  t.equal((await app.inject(formPost({ CallSid: 'CA1' }, { target: '/voice', token: OTHER_TOKEN }))).statusCode, 403)
  t.equal(parentOf(named('twilio.verify')), idOf(named('preHandler - verifyTwilioSignature')))
  t.equal(named('twilio.verify').events[0]?.name, 'twilio.signature.rejected')
})

t.test('without an active span (no instrumentation) nothing is traced and nothing changes', async (t) => {
  const calls: string[] = []
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: () => { calls.push('onDelivered') }, onAny: () => { calls.push('onAny') } } }, false)

  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  t.equal((await app.inject(formPost(smsParams('delivered'), { token: OTHER_TOKEN }))).statusCode, 403)
  t.same(calls, ['onDelivered', 'onAny'])
  t.same(spans(), [])
})

t.test('traced channels keep every other field and leave absent callbacks absent', async (t) => {
  t.ok(otelApi(), '@opentelemetry/api is loaded')
  const onDelivered = (): void => {}
  const [traced] = tracedChannels([{
    channel: 'sms', path: '/sms', byStatus: new Map([['delivered', onDelivered]]), onAny: undefined, onStale: undefined, known: new Set(['delivered'])
  }])
  t.equal(traced?.path, '/sms')
  t.equal(traced?.onAny, undefined)
  t.equal(traced?.onStale, undefined)
  t.not(traced?.byStatus.get('delivered'), onDelivered, 'wrapped')
  t.equal(typeof traced?.byStatus.get('delivered'), 'function')
})
