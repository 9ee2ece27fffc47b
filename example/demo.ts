/**
 * `npm run demo`: an example host app with the plugin on 127.0.0.1 (port 8090, or `PORT`; 0 picks
 * a free one), driven over real HTTP by requests signed the way Twilio signs them: no account, no
 * tunnel, no network. Each dispatched callback prints one timeline line. Exits 0 when every
 * reply was the expected one, 1 otherwise.
 *
 * It imports the plugin from ../lib (built to dist/lib) rather than 'fastify-twilio-status', so
 * that `npm run build` compiles it from a clean clone; an app of yours would use the package name.
 */
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import twilioStatus from '../lib/index'
import { sampleSid, signedInject, type SignedInjectOptions, type TwilioInjectOptions } from '../lib/testing/index'
import type { TwilioParams } from '../types/index'

const AUTH_TOKEN = 'demo-auth-token-not-a-real-one'
const TWIML_REPLY = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks! Your order ships today.</Message></Response>'
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

/** One line per dispatched callback: elapsed ms, channel, short Sid, status, callback, key detail. */
function createTimeline (write: (line: string) => void) {
  let start = performance.now()
  const seen: string[] = []

  /** Start the clock (at the first request, not at server start) and print the column names. */
  function begin (): void {
    write(`${'ms'.padStart(9)}  chan  sid          status       callback      detail`)
    start = performance.now()
  }

  function detail (event: TwilioParams): string {
    const parts: string[] = []
    if (event.ErrorCode !== undefined) parts.push(`ErrorCode=${String(event.ErrorCode)}`)
    if (event.Body !== undefined) parts.push(`Body=${JSON.stringify(event.Body)}`)
    if (event.CallDuration !== undefined) parts.push(`CallDuration=${String(event.CallDuration)}s`)
    if (event.SipResponseCode !== undefined) parts.push(`SipResponseCode=${String(event.SipResponseCode)}`)
    return parts.join(' ')
  }

  function record (channel: 'sms' | 'call', callback: string, event: TwilioParams): void {
    const sid = String(channel === 'sms' ? event.MessageSid : event.CallSid)
    const status = String(channel === 'sms' ? event.MessageStatus : event.CallStatus)
    const ms = (performance.now() - start).toFixed(0)
    seen.push(`${sid} ${callback}`)
    write(`${ms.padStart(6)} ms  ${channel.padEnd(4)}  ${sid.slice(0, 6)}…${sid.slice(-4)}  ${status.padEnd(11)}  ${callback.padEnd(12)}  ${detail(event)}`.trimEnd())
  }

  return { begin, record, seen }
}

function buildApp (timeline: ReturnType<typeof createTimeline>) {
  const app = Fastify({ logger: false })
  const sms = (name: string) => (event: TwilioParams) => { timeline.record('sms', name, event) }
  const call = (name: string) => (event: TwilioParams) => { timeline.record('call', name, event) }
  app.register(twilioStatus, {
    authToken: AUTH_TOKEN,
    sms: {
      onQueued: sms('onQueued'),
      onSent: sms('onSent'),
      onDelivered: sms('onDelivered'),
      onUndelivered: sms('onUndelivered'),
      onReceived: (event) => {
        timeline.record('sms', 'onReceived', event)
        return TWIML_REPLY
      }
    },
    call: {
      onInitiated: call('onInitiated'),
      onRinging: call('onRinging'),
      onInProgress: call('onInProgress'),
      onCompleted: call('onCompleted'),
      onBusy: call('onBusy')
    }
  })
  return app
}

interface Reply { readonly statusCode: number, readonly contentType: string, readonly body: string }

/** Send a signed request over a real HTTP connection. */
function send (port: number, signed: TwilioInjectOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: signed.method, path: signed.url, headers: signed.headers, agent: false },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => { body += chunk })
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body }))
      })
    req.on('error', reject)
    req.end(signed.payload)
  })
}

interface Step {
  readonly request: SignedInjectOptions
  /** The callback that must run; `null` for a request that must be refused. */
  readonly callback: string | null
  readonly status: number
  readonly body: string | RegExp
}

function scenario (): Array<{ title: string, steps: Step[] }> {
  const ok = (request: SignedInjectOptions, callback: string, body: string = EMPTY_TWIML): Step =>
    ({ request: { method: 'POST', ...request }, callback, status: 200, body })
  const message = (sid: string, status: string, callback: string, body?: string) =>
    ok({ authToken: AUTH_TOKEN, channel: 'sms', status, sid }, callback, body)
  const phone = (sid: string, status: string, callback: string) =>
    ok({ authToken: AUTH_TOKEN, channel: 'call', status, sid }, callback)
  const [sms1, sms2, sms3, call1, call2] = [sampleSid('SM', 1), sampleSid('SM', 2), sampleSid('SM', 3), sampleSid('CA', 1), sampleSid('CA', 2)]
  return [
    { title: 'SMS: queued → sent → delivered', steps: [message(sms1, 'queued', 'onQueued'), message(sms1, 'sent', 'onSent'), message(sms1, 'delivered', 'onDelivered')] },
    { title: 'SMS: sent → undelivered (carrier error)', steps: [message(sms2, 'sent', 'onSent'), message(sms2, 'undelivered', 'onUndelivered')] },
    { title: 'SMS: an inbound message, answered with TwiML', steps: [message(sms3, 'received', 'onReceived', TWIML_REPLY)] },
    {
      title: 'Call: initiated → ringing → in-progress → completed',
      steps: [phone(call1, 'initiated', 'onInitiated'), phone(call1, 'ringing', 'onRinging'), phone(call1, 'in-progress', 'onInProgress'), phone(call1, 'completed', 'onCompleted')]
    },
    { title: 'Call: initiated → ringing → busy', steps: [phone(call2, 'initiated', 'onInitiated'), phone(call2, 'ringing', 'onRinging'), phone(call2, 'busy', 'onBusy')] },
    {
      title: 'A forged callback (signed with another token)',
      steps: [{ request: { authToken: 'someone-elses-token', channel: 'sms', status: 'delivered', sid: sampleSid('SM', 4) }, callback: null, status: 403, body: /"code":"FST_TWILIO_INVALID_SIGNATURE"/ }]
    }
  ]
}

function describeRefusal (reply: Reply): string {
  let error: { code?: string, message?: string } = {}
  try {
    error = JSON.parse(reply.body)
  } catch {}
  return `HTTP ${reply.statusCode} ${error.code ?? ''} (${error.message ?? reply.body}); no callback ran`
}

/** What was wrong with a reply, or `null` when it is the expected one. */
function check (step: Step, reply: Reply, ran: string | undefined): string | null {
  const sid = step.request.sid as string
  if (reply.statusCode !== step.status) return `expected HTTP ${step.status}, got ${reply.statusCode}: ${reply.body}`
  if (typeof step.body === 'string' ? reply.body !== step.body : !step.body.test(reply.body)) return `unexpected body ${reply.body}`
  if (step.status === 200 && !reply.contentType.startsWith('text/xml')) return `expected text/xml, got ${reply.contentType}`
  const expected = step.callback === null ? undefined : `${sid} ${step.callback}`
  if (ran !== expected) return `expected callback ${step.callback ?? '(none)'}, ran ${ran ?? '(none)'}`
  return null
}

async function main (): Promise<number> {
  const port = Number(process.env.PORT ?? 8090)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number (0 picks a free one), got ${JSON.stringify(process.env.PORT)}`)
    return 1
  }
  const timeline = createTimeline((line) => console.log(line))
  const app = buildApp(timeline)
  try {
    await app.listen({ host: '127.0.0.1', port })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    console.error(code === 'EADDRINUSE'
      ? `Port ${port} on 127.0.0.1 is already in use. Run with another one: PORT=8091 npm run demo (PORT=0 picks a free one).`
      : `Could not listen on 127.0.0.1:${port}: ${(err as Error).message}`)
    await app.close()
    return 1
  }
  const actual = (app.server.address() as AddressInfo).port
  console.log(`fastify-twilio-status demo: host app on http://127.0.0.1:${actual}, Twilio-signed requests over real HTTP`)

  let failures = 0
  timeline.begin()
  for (const { title, steps } of scenario()) {
    console.log(`\n── ${title}`)
    for (const step of steps) {
      const before = timeline.seen.length
      const reply = await send(actual, signedInject({ ...step.request, host: `127.0.0.1:${actual}` }))
      const problem = check(step, reply, timeline.seen.slice(before).join(', ') || undefined)
      if (step.callback === 'onReceived') console.log(`${' '.repeat(11)}TwiML reply: ${reply.body}`)
      if (step.status === 403) console.log(`${' '.repeat(11)}${describeRefusal(reply)}`)
      if (problem !== null) {
        failures++
        console.log(`${' '.repeat(11)}UNEXPECTED: ${problem}`)
      }
    }
  }
  await app.close()
  const total = scenario().reduce((n, { steps }) => n + steps.length, 0)
  console.log(failures === 0
    ? `\nAll ${total} requests answered as expected.`
    : `\n${failures} of ${total} requests were not answered as expected.`)
  return failures === 0 ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
