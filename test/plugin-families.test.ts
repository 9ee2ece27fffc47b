/**
 * Every callback family beside message and call status (and, of messages, the inbound message
 * without a status), through the plugin over real HTTP: requests signed by the twilio package
 * reach the right typed callback once, with duplicates and out-of-order deliveries mixed in.
 */
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import twilioStatus from '../lib/index'
import { sampleEvent } from '../lib/testing/index'
import type { FormChannel } from '../lib/families/index'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { encodeForm, type Params, send, TOKEN } from './helpers/sign'

const HOST = 'hooks.example.com'

interface Server { port: number, app: FastifyInstance, calls: string[] }

async function listen (t: tap.Test, options: Omit<FastifyTwilioStatusOptions, 'authToken'>): Promise<Server> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, { authToken: TOKEN, ...options } as FastifyTwilioStatusOptions)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: (app.server.address() as { port: number }).port, app, calls: [] }
}

/** POST `params` to `path`, signed by twilio over the public URL. */
async function post (server: Server, path: string, params: Params): Promise<number> {
  const res = await send(server.port, {
    method: 'POST',
    url: path,
    headers: {
      host: HOST,
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `http://${HOST}${path}`, params)
    },
    payload: encodeForm(params)
  })
  return res.statusCode
}

const sample = (channel: FormChannel, status: string, overrides: Record<string, string> = {}): Params => sampleEvent(channel, status, overrides) as Params

t.test('recordings: each status reaches its callback once; a late in-progress is stale', async (t) => {
  const calls: string[] = []
  const server = await listen(t, {
    ordering: true,
    recording: {
      onInProgress: (event) => { calls.push(`in-progress:${event.RecordingSid}`) },
      onCompleted: (event) => { calls.push(`completed:${event.RecordingDuration as string}`) },
      onAbsent: (event) => { calls.push(`absent:${event.ErrorCode as string}`) },
      onStale: (event) => { calls.push(`stale:${event.RecordingStatus}`) }
    }
  })
  const path = '/twilio/recording/status'
  t.equal(await post(server, path, sample('recording', 'completed')), 200)
  t.equal(await post(server, path, sample('recording', 'completed')), 200, 'a duplicate')
  t.equal(await post(server, path, sample('recording', 'in-progress')), 200, 'out of order')
  t.equal(await post(server, path, sample('recording', 'absent', { RecordingSid: 'RE' + '9'.repeat(32) })), 200)
  t.same(calls, ['completed:42', 'stale:in-progress', 'absent:13617'])
})

t.test('transcriptions: the transcribeCallback by TranscriptionStatus, once', async (t) => {
  const calls: string[] = []
  const server = await listen(t, {
    transcription: {
      onCompleted: (event) => { calls.push(event.TranscriptionText as string) },
      onFailed: (event) => { calls.push(`failed:${event.TranscriptionSid}`) }
    }
  })
  const path = '/twilio/transcription/status'
  t.equal(await post(server, path, sample('transcription', 'completed')), 200)
  t.equal(await post(server, path, sample('transcription', 'completed')), 200)
  t.same(calls, ['Hi, this is a message for the support team.'])
})

t.test('real-time transcription: every content event runs, duplicates do not, a late one is stale', async (t) => {
  const calls: string[] = []
  const server = await listen(t, {
    ordering: true,
    realtimeTranscription: {
      onTranscriptionStarted: () => { calls.push('started') },
      onTranscriptionContent: (event) => { calls.push(`content:${event.SequenceId as string}:${JSON.parse(event.TranscriptionData as string).transcript as string}`) },
      onTranscriptionStopped: () => { calls.push('stopped') },
      onStale: (event) => { calls.push(`stale:${event.SequenceId as string}`) }
    }
  })
  const path = '/twilio/transcription/realtime'
  const content = (sequence: number, text: string): Params =>
    sample('realtimeTranscription', 'transcription-content', { SequenceId: String(sequence), TranscriptionData: JSON.stringify({ transcript: text, confidence: 0.9 }) })
  t.equal(await post(server, path, sample('realtimeTranscription', 'transcription-started')), 200)
  t.equal(await post(server, path, content(1, 'hello')), 200)
  t.equal(await post(server, path, content(2, 'world')), 200)
  t.equal(await post(server, path, content(2, 'world')), 200, 'a duplicate')
  t.equal(await post(server, path, sample('realtimeTranscription', 'transcription-stopped', { SequenceId: '4' })), 200)
  t.equal(await post(server, path, content(3, 'late')), 200, 'after the stop')
  t.same(calls, ['started', 'content:1:hello', 'content:2:world', 'stopped', 'stale:3'])
})

t.test('answering-machine detection: each verdict reaches its callback once', async (t) => {
  const calls: string[] = []
  const server = await listen(t, {
    amd: {
      onHuman: (event) => { calls.push(`human:${event.MachineDetectionDuration as string}`) },
      onMachineEndBeep: (event) => { calls.push(`beep:${event.CallSid}`) },
      onAny: (event) => { calls.push(`any:${event.AnsweredBy}`) }
    }
  })
  const path = '/twilio/amd/status'
  t.equal(await post(server, path, sample('amd', 'machine_end_beep', { CallSid: 'CA' + '1'.repeat(32) })), 200)
  t.equal(await post(server, path, sample('amd', 'machine_end_beep', { CallSid: 'CA' + '1'.repeat(32) })), 200)
  t.equal(await post(server, path, sample('amd', 'human', { CallSid: 'CA' + '2'.repeat(32) })), 200)
  t.equal(await post(server, path, sample('amd', 'fax', { CallSid: 'CA' + '3'.repeat(32) })), 200)
  t.same(calls, [`beep:CA${'1'.repeat(32)}`, 'any:machine_end_beep', 'human:1840', 'any:human', 'any:fax'])
})

t.test('conferences: two participants join and leave; each event once, ordered per conference', async (t) => {
  const calls: string[] = []
  const server = await listen(t, {
    ordering: true,
    conference: {
      onConferenceStart: () => { calls.push('start') },
      onParticipantJoin: (event) => { calls.push(`join:${event.ParticipantLabel as string}`) },
      onParticipantLeave: (event) => { calls.push(`leave:${event.ParticipantLabel as string}:${event.ReasonParticipantLeft as string}`) },
      onConferenceEnd: (event) => { calls.push(`end:${event.ReasonConferenceEnded as string}`) },
      onStale: (event) => { calls.push(`stale:${event.StatusCallbackEvent}`) }
    }
  })
  const path = '/twilio/conference/status'
  const alice = { CallSid: 'CA' + 'a'.repeat(32), ParticipantLabel: 'alice' }
  const bob = { CallSid: 'CA' + 'b'.repeat(32), ParticipantLabel: 'bob' }
  t.equal(await post(server, path, sample('conference', 'participant-join', { ...alice, SequenceNumber: '1' })), 200)
  t.equal(await post(server, path, sample('conference', 'participant-join', { ...bob, SequenceNumber: '2' })), 200, 'a second join: another participant, not a duplicate')
  t.equal(await post(server, path, sample('conference', 'participant-join', { ...bob, SequenceNumber: '2' })), 200, 'a duplicate')
  t.equal(await post(server, path, sample('conference', 'conference-start', { SequenceNumber: '3' })), 200)
  t.equal(await post(server, path, sample('conference', 'participant-leave', { ...alice, SequenceNumber: '5' })), 200)
  t.equal(await post(server, path, sample('conference', 'participant-leave', { ...bob, SequenceNumber: '4' })), 200, 'arrived after a later event')
  t.equal(await post(server, path, sample('conference', 'conference-end', { SequenceNumber: '6' })), 200)
  t.same(calls, ['join:alice', 'join:bob', 'start', 'leave:alice:participant_hung_up', 'stale:participant-leave', 'end:last-participant-left'])
})

t.test('an unknown status of a new family is acknowledged and reaches onAny only; a repeated documented field is refused', async (t) => {
  const calls: string[] = []
  const server = await listen(t, { conference: { onAny: (event) => { calls.push(event.StatusCallbackEvent) } } })
  const path = '/twilio/conference/status'
  t.equal(await post(server, path, sample('conference', 'participant-whisper')), 200)
  const repeated = { ...sample('conference', 'participant-join'), Muted: ['true', 'false'] }
  t.equal(await post(server, path, repeated), 400)
  t.equal(await post(server, path, sample('conference', 'participant-join', { ConferenceSid: '' })), 400, 'no Sid')
  t.same(calls, ['participant-whisper'])
})

t.test('regression: an inbound message without SmsStatus is received: onReceived answers it; a status callback without its status is still 400', async (t) => {
  const calls: string[] = []
  const server = await listen(t, {
    sms: {
      onReceived: (event) => { calls.push(`received:${event.MessageStatus}:${event.Body as string}`); return '<Response><Message>On its way</Message></Response>' },
      onAny: (event) => { calls.push(`any:${event.MessageSid}`) }
    }
  })
  const path = '/twilio/sms/status'
  // Twilio's inbound table (docs/twilio-facts.md §2.4) has no status field.
  const inbound = sample('sms', 'received')
  delete inbound.SmsStatus
  t.equal(inbound.MessageStatus, undefined)
  const signed = (params: Params) => send(server.port, {
    method: 'POST',
    url: path,
    headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, `http://${HOST}${path}`, params) },
    payload: encodeForm(params)
  })
  const res = await signed(inbound)
  t.equal(res.statusCode, 200)
  t.equal(res.body, '<Response><Message>On its way</Message></Response>', 'the TwiML of onReceived')
  t.equal(await post(server, path, inbound), 200, 'a redelivery')
  const mediaOnly = sample('sms', 'received', { MessageSid: 'MM' + '5'.repeat(32), Body: '', NumMedia: '1', MediaUrl0: 'https://api.twilio.com/media/ME1' })
  delete mediaOnly.SmsStatus
  t.equal(await post(server, path, mediaOnly), 200, 'a picture with an empty Body')
  t.same(calls, [`received:received:${inbound.Body as string}`, `any:${inbound.MessageSid as string}`, 'received:received:', 'any:MM' + '5'.repeat(32)],
    'once each, duplicates dropped')

  const outbound = sample('sms', 'delivered')
  delete outbound.MessageStatus
  delete outbound.SmsStatus
  const noneAtAll = { ...inbound }
  delete noneAtAll.Body
  delete noneAtAll.NumMedia
  for (const [params, what] of [[outbound, 'a status callback carries no Body or NumMedia: its status is required'], [noneAtAll, 'neither a status nor an inbound message']] as const) {
    const refused = await signed(params)
    t.equal(refused.statusCode, 400, what)
    t.match(JSON.parse(refused.body), { code: 'FST_TWILIO_MISSING_STATUS', message: 'No MessageStatus parameter in the request' }, what)
  }
  t.equal(calls.length, 4, 'nothing more ran')
})
