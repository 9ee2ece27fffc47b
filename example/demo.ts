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
import { type Channel, FAMILIES } from '../lib/families/index'
import {
  sampleCloudEvent, sampleSid, signedEventStreamsInject, signedInject, type SignedInjectOptions, type TwilioInjectOptions
} from '../lib/testing/index'
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
    write(`${'ms'.padStart(9)}  family         sid          status                    callback                  detail`)
    start = performance.now()
  }

  function detail (event: TwilioParams): string {
    const parts: string[] = []
    if (event.ErrorCode !== undefined) parts.push(`ErrorCode=${String(event.ErrorCode)}`)
    if (event.Body !== undefined) parts.push(`Body=${JSON.stringify(event.Body)}`)
    if (event.CallDuration !== undefined) parts.push(`CallDuration=${String(event.CallDuration)}s`)
    if (event.SipResponseCode !== undefined) parts.push(`SipResponseCode=${String(event.SipResponseCode)}`)
    if (event.RecordingDuration !== undefined) parts.push(`RecordingDuration=${String(event.RecordingDuration)}s`)
    if (event.TranscriptionText !== undefined) parts.push(`TranscriptionText=${JSON.stringify(event.TranscriptionText)}`)
    if (event.ParticipantLabel !== undefined) parts.push(`ParticipantLabel=${String(event.ParticipantLabel)}`)
    if (event.MachineDetectionDuration !== undefined) parts.push(`MachineDetectionDuration=${String(event.MachineDetectionDuration)}ms`)
    return parts.join(' ')
  }

  // An event that carries `parsed` (Conversations, TaskRouter) is no TwilioParams: read as one here.
  function record (channel: Channel, callback: string, parameters: object): void {
    const event = parameters as TwilioParams
    const family = FAMILIES[channel]
    const sid = String(event[family.sidParams[0]])
    const status = String(event[(family.statusParams as readonly string[])[0] ?? ''] ?? callback)
    const ms = (performance.now() - start).toFixed(0)
    seen.push(`${sid} ${callback}`)
    const shown = status.length > 24 ? '…' + status.slice(-23) : status
    write(`${ms.padStart(6)} ms  ${channel.padEnd(13)}  ${sid.slice(0, 6)}…${sid.slice(-4)}  ${shown.padEnd(24)}  ${callback.padEnd(24)}  ${detail(event)}`.trimEnd())
  }

  return { begin, record, seen }
}

function buildApp (timeline: ReturnType<typeof createTimeline>) {
  const app = Fastify({ logger: false })
  const on = (channel: Channel) => (name: string) => (event: TwilioParams) => { timeline.record(channel, name, event) }
  const [sms, call, recording, transcription, amd, conference] = (['sms', 'call', 'recording', 'transcription', 'amd', 'conference'] as const).map(on)
  const cloud = (name: string) => (event: { id: string, type: string }) => { timeline.record('eventStreams', name, event) }
  app.register(twilioStatus, {
    authToken: AUTH_TOKEN,
    recording: { onInProgress: recording('onInProgress'), onCompleted: recording('onCompleted') },
    transcription: { onCompleted: transcription('onCompleted') },
    amd: { onHuman: amd('onHuman'), onMachineEndBeep: amd('onMachineEndBeep') },
    conference: {
      onConferenceStart: conference('onConferenceStart'),
      onParticipantJoin: conference('onParticipantJoin'),
      onParticipantLeave: conference('onParticipantLeave'),
      onConferenceEnd: conference('onConferenceEnd')
    },
    eventStreams: { onMessageDelivered: cloud('onMessageDelivered'), onCallCompleted: cloud('onCallCompleted') },
    // Decisions (docs/decisions.md): what these callbacks return is Twilio's answer.
    conversations: {
      onMessageAdd: (event) => {
        timeline.record('conversations', 'onMessageAdd', event)
        if (event.Body?.includes('password') === true) return { reject: true, reason: 'asked for a secret' }
      }
    },
    taskrouterAssignment: {
      onAssignment: (event) => {
        timeline.record('taskrouterAssignment', 'onAssignment', event)
        return { instruction: 'accept' }
      }
    },
    sms: {
      onFailed: () => { throw new Error('the CRM is down') },
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
  /** A status callback, or an Event Streams batch. */
  readonly request: SignedInjectOptions | { readonly batch: ReadonlyArray<Record<string, unknown>> }
  /** What must run: `sid callback` each; none for a request that is refused or a duplicate. */
  readonly ran: readonly string[]
  readonly status: number
  readonly body: string | RegExp
  /** The answer's media type, when it is 200 and not TwiML. */
  readonly contentType?: string
  /** What to print under the step. */
  readonly note?: (reply: Reply) => string
}

function describeRefusal (reply: Reply): string {
  let error: { code?: string, message?: string } = {}
  try {
    error = JSON.parse(reply.body)
  } catch {}
  return `HTTP ${reply.statusCode} ${error.code ?? ''} (${error.message ?? reply.body})`
}

function scenario (): Array<{ title: string, steps: Step[] }> {
  const step = (request: SignedInjectOptions, callback: string | null, extra: Partial<Step> = {}): Step => ({
    request: { method: 'POST', ...request },
    ran: callback === null ? [] : [`${request.sid as string} ${callback}`],
    status: 200,
    body: EMPTY_TWIML,
    ...extra
  })
  const event = (channel: SignedInjectOptions['channel'], sid: string, status: string, callback: string | null, extra: Partial<Step> & { params?: Record<string, string> } = {}): Step =>
    step({ authToken: AUTH_TOKEN, channel, status, sid, params: extra.params } as SignedInjectOptions, callback, extra)
  const refused = (reply: Reply): string => `${describeRefusal(reply)}; no callback ran`
  const [sms1, sms2, sms3, sms5, sms6] = [1, 2, 3, 5, 6].map((n) => sampleSid('SM', n))
  const [call1, call2, call3] = [1, 2, 3].map((n) => sampleSid('CA', n))
  const [recordingSid, transcriptionSid, conferenceSid] = [sampleSid('RE', 1), sampleSid('TR', 1), sampleSid('CF', 1)]
  const participant = (label: string, sequence: number) => ({ CallSid: sampleSid('CA', label), ParticipantLabel: label, SequenceNumber: String(sequence) })
  const [conversation, reservation] = [sampleSid('CH', 1), sampleSid('WR', 1)]
  const secret = { Body: 'What is your password?' }
  const batch = [sampleCloudEvent('com.twilio.messaging.message.delivered', 1), sampleCloudEvent('com.twilio.voice.status-callback.call.completed', 1)]
  return [
    { title: 'SMS: queued → sent → delivered', steps: [event('sms', sms1, 'queued', 'onQueued'), event('sms', sms1, 'sent', 'onSent'), event('sms', sms1, 'delivered', 'onDelivered')] },
    { title: 'SMS: sent → undelivered (carrier error)', steps: [event('sms', sms2, 'sent', 'onSent'), event('sms', sms2, 'undelivered', 'onUndelivered')] },
    { title: 'SMS: an inbound message, answered with TwiML', steps: [event('sms', sms3, 'received', 'onReceived', { body: TWIML_REPLY, note: (r) => `TwiML reply: ${r.body}` })] },
    {
      title: 'SMS: Twilio delivers the same status twice; the callback runs once',
      steps: [event('sms', sms5, 'delivered', 'onDelivered'), event('sms', sms5, 'delivered', null, { note: () => 'duplicate: answered 200, nothing ran' })]
    },
    {
      title: 'SMS: a callback that fails is answered 500 (Twilio may retry with rp=5xx)',
      steps: [event('sms', sms6, 'failed', null, { status: 500, body: /"code":"FST_TWILIO_CALLBACK_FAILED"/, note: describeRefusal })]
    },
    {
      title: 'Call: initiated → ringing → in-progress → completed, one by GET and one as JSON',
      steps: [event('call', call1, 'initiated', 'onInitiated'), step({ authToken: AUTH_TOKEN, channel: 'call', status: 'ringing', sid: call1, method: 'GET' }, 'onRinging'),
        step({ authToken: AUTH_TOKEN, channel: 'call', status: 'in-progress', sid: call1, json: true }, 'onInProgress'), event('call', call1, 'completed', 'onCompleted')]
    },
    { title: 'Call: initiated → ringing → busy', steps: [event('call', call2, 'initiated', 'onInitiated'), event('call', call2, 'ringing', 'onRinging'), event('call', call2, 'busy', 'onBusy')] },
    {
      title: 'A recorded call: its recording, then the transcription',
      steps: [event('recording', recordingSid, 'in-progress', 'onInProgress'), event('recording', recordingSid, 'completed', 'onCompleted'),
        event('transcription', transcriptionSid, 'completed', 'onCompleted')]
    },
    { title: 'Answering-machine detection: a voicemail beep, then a person', steps: [event('amd', call3, 'machine_end_beep', null, { ran: [`${call3} onMachineEndBeep`] }), event('amd', call1, 'human', 'onHuman')] },
    {
      title: 'A conference with two participants',
      steps: [
        event('conference', conferenceSid, 'participant-join', 'onParticipantJoin', { params: participant('alice', 1) }),
        event('conference', conferenceSid, 'participant-join', 'onParticipantJoin', { params: participant('bob', 2) }),
        event('conference', conferenceSid, 'conference-start', 'onConferenceStart', { params: { SequenceNumber: '3' } }),
        event('conference', conferenceSid, 'participant-leave', 'onParticipantLeave', { params: participant('bob', 4) }),
        event('conference', conferenceSid, 'participant-leave', 'onParticipantLeave', { params: participant('alice', 5) }),
        event('conference', conferenceSid, 'conference-end', 'onConferenceEnd', { params: { SequenceNumber: '6' } })
      ]
    },
    {
      title: 'An Event Streams batch of two CloudEvents',
      steps: [{ request: { batch }, ran: [`${batch[0].id as string} onMessageDelivered`, `${batch[1].id as string} onCallCompleted`], status: 204, body: '', note: () => 'answered 204, no body' }]
    },
    {
      title: 'Conversations: a pre-event rejected (403), and its redelivery gets the same decision without a second run',
      steps: [
        event('conversations', conversation, 'onMessageAdd', 'onMessageAdd', { status: 403, body: '{"rejected":true}', params: secret, note: (r) => `HTTP ${r.statusCode} ${r.body}: nothing is published` }),
        event('conversations', conversation, 'onMessageAdd', null, { status: 403, body: '{"rejected":true}', params: { ...secret, RetryCount: '1' }, note: () => 'redelivered: the same decision, nothing ran' })
      ]
    },
    {
      title: 'TaskRouter: the assignment callback answers an instruction',
      steps: [event('taskrouterAssignment', reservation, 'assignment', 'onAssignment', { body: '{"instruction":"accept"}', contentType: 'application/json', note: (r) => `instruction: ${r.body}` })]
    },
    {
      title: 'A forged callback (signed with another token)',
      steps: [event('sms', sampleSid('SM', 4), 'delivered', null, { status: 403, body: /"code":"FST_TWILIO_INVALID_SIGNATURE"/, note: refused })].map((s) => ({ ...s, request: { ...s.request, authToken: 'someone-elses-token' } }))
    }
  ]
}

/** What was wrong with a reply, or `null` when it is the expected one. */
function check (step: Step, reply: Reply, ran: readonly string[]): string | null {
  if (reply.statusCode !== step.status) return `expected HTTP ${step.status}, got ${reply.statusCode}: ${reply.body}`
  if (typeof step.body === 'string' ? reply.body !== step.body : !step.body.test(reply.body)) return `unexpected body ${reply.body}`
  const type = step.contentType ?? 'text/xml'
  if (step.status === 200 && !reply.contentType.startsWith(type)) return `expected ${type}, got ${reply.contentType}`
  if ([...ran].sort().join(', ') !== [...step.ran].sort().join(', ')) return `expected ${step.ran.join(', ') || '(no callback)'}, ran ${ran.join(', ') || '(none)'}`
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
      const host = `127.0.0.1:${actual}`
      const signed = 'batch' in step.request
        ? signedEventStreamsInject({ authToken: AUTH_TOKEN, events: step.request.batch, host })
        : signedInject({ ...step.request, host })
      const reply = await send(actual, signed)
      const problem = check(step, reply, timeline.seen.slice(before))
      if (step.note !== undefined) console.log(`${' '.repeat(11)}${step.note(reply)}`)
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
