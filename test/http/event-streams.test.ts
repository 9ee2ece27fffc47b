/**
 * An Event Streams sink through the plugin, over real HTTP: JSON batches of CloudEvents signed
 * as Twilio signs sinks (the URL with bodySHA256, by the twilio package), dispatched by type,
 * deduplicated by id, answered within the shorter deadline, and a partial failure reported.
 */
import t from 'tap'
import Fastify from 'fastify'
import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import twilioStatus from '../../lib/index'
import { sampleCloudEvent, signedEventStreamsInject } from '../../lib/testing/index'
import type { EventStreamsOptions } from '../../types/index'
import { OTHER_TOKEN, send, TOKEN } from '../helpers/sign'

const HOST = 'hooks.example.com'
const PATH = '/twilio/event-streams'

async function sink (t: tap.Test, callbacks: EventStreamsOptions, extra: { deadline?: number } = {}) {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(twilioStatus, { authToken: TOKEN, eventStreams: callbacks, ...extra })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  return async (events: unknown, options: { token?: string, contentType?: string } = {}) => {
    const body = JSON.stringify(events)
    const target = `${PATH}?bodySHA256=${getExpectedBodyHash(body) as string}`
    const res = await send(port, {
      method: 'POST',
      url: target,
      headers: {
        host: HOST,
        'content-type': options.contentType ?? 'application/json',
        'x-twilio-signature': getExpectedTwilioSignature(options.token ?? TOKEN, `http://${HOST}${target}`, {})
      },
      payload: body
    })
    return { status: res.statusCode, body: res.body === '' ? null : JSON.parse(res.body) as Record<string, unknown> }
  }
}

const delivered = (seed: number) => sampleCloudEvent('com.twilio.messaging.message.delivered', seed)

t.test('a batch: each event reaches the callback of its type once, and a redelivery runs nothing', async (t) => {
  const calls: string[] = []
  const post = await sink(t, {
    onMessageDelivered: (event) => { calls.push(`delivered:${event.data.messageSid}`) },
    onCallCompleted: (event) => { calls.push(`call:${event.data.request?.parameters?.CallStatus as string}`) },
    onAny: (event) => { calls.push(`any:${event.type}`) }
  })
  const batch = [delivered(1), delivered(2), sampleCloudEvent('com.twilio.voice.status-callback.call.completed', 3)]
  const first = await post(batch)
  t.equal(first.status, 204)
  t.equal(first.body, null, 'no body')
  t.equal(calls.filter((c) => c.startsWith('delivered:')).length, 2)
  t.ok(calls.includes('call:completed'))
  t.equal(calls.filter((c) => c.startsWith('any:')).length, 3)
  calls.length = 0
  t.equal((await post(batch)).status, 204)
  t.same(calls, [], 'the same ids: nothing runs again')
  t.equal((await post([delivered(2), delivered(4)])).status, 204)
  t.same(calls.filter((c) => c.startsWith('delivered:')), [`delivered:${(delivered(4).data as { messageSid: string }).messageSid}`], 'only the new event of a mixed batch')
})

t.test('a failing event: 500 with each outcome; the redelivered batch runs only the failed event', async (t) => {
  let broken = true
  const runs: number[] = []
  const post = await sink(t, {
    onMessageDelivered: (event) => {
      const seed = Number((event.data.messageSid as string) === (delivered(2).data as { messageSid: string }).messageSid)
      runs.push(seed)
      if (seed === 1 && broken) throw new Error('database down')
    }
  })
  const batch = [delivered(1), delivered(2), delivered(3)]
  const res = await post(batch)
  t.equal(res.status, 500)
  t.match(res.body, { code: 'FST_TWILIO_EVENTS_FAILED', message: '1 of 3 events not handled; a redelivery runs only those' })
  t.same((res.body?.events as Array<{ outcome: string }>).map((e) => e.outcome), ['handled', 'failed', 'handled'])
  t.match((res.body?.events as Array<{ code?: string }>)[1], { id: batch[1].id, code: 'FST_TWILIO_CALLBACK_FAILED' })
  broken = false
  t.equal((await post(batch)).status, 204)
  t.same(runs, [0, 1, 0, 1], 'three the first time, then only the failed one')
})

t.test('the sink test event is acknowledged and its test_id reaches onTestEvent; data sent as a JSON string is parsed', async (t) => {
  const seen: unknown[] = []
  const post = await sink(t, {
    onTestEvent: (event) => { seen.push(event.data.test_id) },
    onMessageSent: (event) => { seen.push(event.data.messageStatus) }
  })
  t.equal((await post([sampleCloudEvent('com.twilio.eventstreams.test-event')])).status, 204)
  const legacy = sampleCloudEvent('com.twilio.messaging.message.sent', 5)
  t.equal((await post([{ ...legacy, data: JSON.stringify(legacy.data) }])).status, 204)
  t.equal((await post([{ ...sampleCloudEvent('com.twilio.messaging.message.sent', 6), data: '{not json' }])).status, 204, 'unparseable text stays as it came')
  t.same(seen, ['cae2f9e2-c277-4612-8ad3-93c1a7a3ef88', 'SENT', undefined])
})

t.test('a batch that is not an array of CloudEvents is refused with 400; a forged one with 403', async (t) => {
  const calls: string[] = []
  const post = await sink(t, { onAny: (event) => { calls.push(event.id) } })
  for (const [bad, why] of [[{ type: 'x', id: '1' }, 'the body is not a JSON array'], [[{ type: 'x' }], 'event 0 has no text id and type'],
    [[delivered(1), { id: '', type: 'x' }], 'event 1 has no text id and type'], [[null], 'event 0 has no text id and type']] as const) {
    const res = await post(bad)
    t.equal(res.status, 400)
    t.match(res.body, { code: 'FST_TWILIO_INVALID_EVENTS', message: `Not an Event Streams batch: ${why}` })
  }
  t.equal((await post([delivered(1)], { token: OTHER_TOKEN })).status, 403)
  t.equal((await post([delivered(1)], { contentType: 'application/cloudevents-batch+json' })).status, 204, 'the CloudEvents batch media type')
  t.same(calls, [delivered(1).id])
})

t.test('regression: one CloudEvent labelled application/cloudevents+json is a batch of one; as JSON or a batch type it is 400 FST_TWILIO_INVALID_EVENTS, not FST_TWILIO_INVALID_PARAM', async (t) => {
  const seen: unknown[] = []
  const post = await sink(t, { onMessageDelivered: (event) => { seen.push(event.data.messageSid) } })
  const one = delivered(8)
  t.type(one.data, 'object', 'its data is an object, as in current events')
  for (const contentType of ['application/json', 'application/cloudevents-batch+json', 'application/json; charset=utf-8']) {
    const res = await post(one, { contentType })
    t.equal(res.status, 400, contentType)
    t.match(res.body, { code: 'FST_TWILIO_INVALID_EVENTS', message: 'Not an Event Streams batch: the body is not a JSON array' }, contentType)
  }
  t.same(seen, [], 'refused: nothing ran')
  t.equal((await post(one, { contentType: 'application/cloudevents+json' })).status, 204)
  t.equal((await post(one, { contentType: 'Application/CloudEvents+JSON; charset=utf-8' })).status, 204, 'a redelivery, the type in any case with a charset')
  t.same(seen, [(one.data as { messageSid: string }).messageSid], 'delivered once, deduplicated by its id')
  const bare = await post({ data: { messageSid: 'SM1' } }, { contentType: 'application/cloudevents+json' })
  t.equal(bare.status, 400)
  t.match(bare.body, { code: 'FST_TWILIO_INVALID_EVENTS', message: 'Not an Event Streams batch: event 0 has no text id and type' })
  t.equal((await post(one, { contentType: 'application/cloudevents+json', token: OTHER_TOKEN })).status, 403, 'forged: refused before its shape is read')
})

t.test('events still running at the shorter deadline: 503 "late"; they finish and a redelivery runs nothing', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let runs = 0
  const post = await sink(t, { onMessageDelivered: async () => { runs++; await gate } }, { deadline: 100 })
  const res = await post([delivered(1)])
  t.equal(res.status, 503)
  t.same((res.body?.events as Array<{ outcome: string }>).map((e) => e.outcome), ['late'])
  release()
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal((await post([delivered(1)])).status, 204)
  t.equal(runs, 1)
})

t.test('a type without a callback of its own is acknowledged and reaches onAny', async (t) => {
  const types: string[] = []
  const post = await sink(t, { onAny: (event) => { types.push(event.type) } })
  t.equal((await post([sampleCloudEvent('com.twilio.voice.twiml.call.redirected', 1)])).status, 204)
  t.same(types, ['com.twilio.voice.twiml.call.redirected'])
})

t.test('signedEventStreamsInject signs a batch the sink accepts', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const ids: string[] = []
  await app.register(twilioStatus, { authToken: TOKEN, publicUrl: 'https://hooks.example.com', eventStreams: { onAny: (event) => { ids.push(event.id) } } })
  const res = await app.inject(signedEventStreamsInject({ authToken: TOKEN, publicUrl: 'https://hooks.example.com/', events: [delivered(7)] }))
  t.equal(res.statusCode, 204)
  t.same(ids, [delivered(7).id])
  const proxied = Fastify({ trustProxy: true })
  t.teardown(() => proxied.close())
  await proxied.register(twilioStatus, { authToken: TOKEN, prefix: '/hooks', eventStreams: { path: '/sink' } })
  const https = await proxied.inject(signedEventStreamsInject({ authToken: TOKEN, protocol: 'https', prefix: '/hooks', path: '/sink', host: 'h.example', events: [] }))
  t.equal(https.statusCode, 204, 'behind a TLS proxy, under a prefix: an empty batch is nothing to do')
})
