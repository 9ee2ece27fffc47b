import { test } from 'tap'
import { sampleDebuggerEvent, sampleSid, signedInject } from 'fastify-twilio-status/testing'
import { buildMetricsApp } from './prometheus'

const authToken = 'metrics-token'

/** The scraped samples by metric name, and the text as Prometheus reads it. */
async function scrape (app: Awaited<ReturnType<typeof buildMetricsApp>>) {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  const samples: Record<string, number> = {}
  for (const line of res.body.split('\n')) {
    const match = /^(twilio_status_\w+) (\S+)$/.exec(line)
    if (match !== null) samples[match[1] as string] = Number(match[2])
  }
  return { res, samples }
}

test('/metrics exposes the stats counters after signed requests', async (t) => {
  const app = await buildMetricsApp(authToken)
  t.teardown(() => app.close())
  const first = sampleSid('SM', 1)

  for (const request of [
    signedInject({ authToken, channel: 'sms', status: 'delivered', sid: first }),
    signedInject({ authToken, channel: 'sms', status: 'delivered', sid: sampleSid('SM', 2) }),
    signedInject({ authToken, channel: 'sms', status: 'delivered', sid: first }), // a redelivery
    signedInject({ authToken, channel: 'call', status: 'completed', sid: sampleSid('CA', 3) })
  ]) {
    t.equal((await app.inject(request)).statusCode, 200)
  }
  t.equal((await app.inject(signedInject({ authToken: 'not-our-token', channel: 'sms', status: 'delivered' }))).statusCode, 403)

  const { res, samples } = await scrape(app)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(res.body, '# TYPE twilio_status_dispatched_total counter')
  t.match(res.body, '# HELP twilio_status_in_progress_total Twilio deliveries answered 503 because another instance holds the event')
  t.same(samples, {
    twilio_status_dispatched_total: 3,
    twilio_status_duplicates_total: 1,
    twilio_status_stale_total: 0,
    twilio_status_in_progress_total: 0,
    twilio_status_deadlines_total: 0,
    twilio_status_store_errors_total: 0
  })

  // Each scrape reads the current values: counted once, not added up scrape after scrape.
  t.equal((await app.inject(signedInject({ authToken, channel: 'sms', status: 'delivered', sid: sampleSid('SM', 4) }))).statusCode, 200)
  const again = await scrape(app)
  t.equal(again.samples.twilio_status_dispatched_total, 4)
  t.equal(again.samples.twilio_status_duplicates_total, 1)
})

test('/metrics counts the Debugger\'s events by level and error code, once per event', async (t) => {
  const app = await buildMetricsApp(authToken)
  t.teardown(() => app.close())
  const warning = JSON.stringify({ resource_sid: sampleSid('SM', 1), service_sid: null, error_code: '30003' })
  for (const request of [
    signedInject({ authToken, channel: 'debugger', status: 'error', sid: sampleSid('NO', 1) }),
    signedInject({ authToken, channel: 'debugger', status: 'error', sid: sampleSid('NO', 1) }), // a redelivery
    signedInject({ authToken, channel: 'debugger', status: 'error', sid: sampleSid('NO', 2) }),
    signedInject({ authToken, channel: 'debugger', status: 'warning', sid: sampleSid('NO', 3), params: { Payload: warning } }),
    signedInject({ authToken, channel: 'debugger', status: 'warning', sid: sampleSid('NO', 4), params: { Payload: undefined } })
  ]) {
    t.equal((await app.inject(request)).statusCode, 204)
  }
  t.equal(sampleDebuggerEvent('error').Level, 'ERROR', 'sent upper-case, as in Twilio\'s example')
  const { res } = await scrape(app)
  t.match(res.body, '# TYPE twilio_debugger_events_total counter')
  const counted = res.body.split('\n').filter((line) => line.startsWith('twilio_debugger_events_total{')).sort()
  t.same(counted, [
    'twilio_debugger_events_total{level="error",error_code="11200"} 2',
    'twilio_debugger_events_total{level="warning",error_code="30003"} 1',
    'twilio_debugger_events_total{level="warning",error_code="none"} 1'
  ])
})
