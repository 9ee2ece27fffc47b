/**
 * `npm run demo` does what the README says: the built demo (dist/example/demo.js, made by
 * `npm run build`) serves the plugin over real HTTP, prints its timeline and exits 0.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'tap'
import { childEnv } from './helpers/child-env'

const demo = join(__dirname, '..', 'dist', 'example', 'demo.js')

function runDemo (port: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [demo], { env: childEnv({ PORT: port }), timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr })
    })
  })
}

test('the demo is built', async (t) => {
  t.ok(existsSync(demo), `${demo} exists (npm run build compiles example/demo.ts)`)
})

test('the demo drives every family over real HTTP and exits 0', async (t) => {
  const { code, stdout, stderr } = await runDemo('0')
  t.equal(code, 0, stderr)
  t.match(stdout, /host app on http:\/\/127\.0\.0\.1:\d+/)
  const lines = stdout.split('\n')
  const timeline = (channel: string, status: string, callback: string, detail = '') =>
    lines.filter((line) => new RegExp(`^ +\\d+ ms  ${channel} +[A-Z]{2}[0-9a-f]{4}…[0-9a-f]{4}  ${status} +${callback}\\b.*${detail}`).test(line))
  for (const [channel, status, callback, detail] of [
    ['sms', 'queued', 'onQueued'],
    ['sms', 'delivered', 'onDelivered'],
    ['sms', 'undelivered', 'onUndelivered', 'ErrorCode=30003'],
    ['sms', 'received', 'onReceived', 'Body='],
    ['call', 'initiated', 'onInitiated'],
    ['call', 'ringing', 'onRinging'],
    ['call', 'in-progress', 'onInProgress'],
    ['call', 'completed', 'onCompleted', 'CallDuration=42s'],
    ['call', 'busy', 'onBusy', 'SipResponseCode=486'],
    ['recording', 'completed', 'onCompleted', 'RecordingDuration=42s'],
    ['transcription', 'completed', 'onCompleted', 'TranscriptionText='],
    ['amd', 'machine_end_beep', 'onMachineEndBeep', 'MachineDetectionDuration=4270ms'],
    ['amd', 'human', 'onHuman'],
    ['conference', 'conference-start', 'onConferenceStart'],
    ['conference', 'conference-end', 'onConferenceEnd'],
    ['eventStreams', '…aging\\.message\\.delivered', 'onMessageDelivered'],
    ['eventStreams', '…callback\\.call\\.completed', 'onCallCompleted'],
    ['conversations', 'onMessageAdd', 'onMessageAdd', 'Body='],
    ['taskrouterAssignment', 'onAssignment', 'onAssignment']
  ]) {
    t.ok(timeline(channel, status, callback, detail).length > 0, `timeline: ${channel} ${status} ${detail ?? ''}`)
  }
  t.equal(timeline('sms', 'sent', 'onSent').length, 2, 'two messages were sent')
  t.equal(timeline('call', 'ringing', 'onRinging').length, 2, 'two calls rang (one of them by GET)')
  t.equal(timeline('sms', 'delivered', 'onDelivered').length, 2, 'a duplicate delivery ran once')
  t.equal(timeline('conference', 'participant-join', 'onParticipantJoin').length, 2, 'two participants joined')
  t.equal(timeline('conference', 'participant-leave', 'onParticipantLeave').length, 2, 'and left')
  t.match(stdout, /duplicate: answered 200, nothing ran/)
  t.match(stdout, /HTTP 500 FST_TWILIO_CALLBACK_FAILED/)
  t.match(stdout, /An Event Streams batch of two CloudEvents\n.*\n.*\n +answered 204, no body/)
  t.match(stdout, /TwiML reply: <\?xml version="1\.0" encoding="UTF-8"\?><Response><Message>[^<]+<\/Message><\/Response>/)
  t.match(stdout, /HTTP 403 FST_TWILIO_INVALID_SIGNATURE .*no callback ran/)
  t.equal(timeline('conversations', 'onMessageAdd', 'onMessageAdd').length, 1, 'a redelivered pre-event ran once')
  t.match(stdout, /HTTP 403 \{"rejected":true\}: nothing is published\n +redelivered: the same decision, nothing ran/)
  t.match(stdout, /instruction: \{"instruction":"accept"\}/)
  t.match(stdout, /All 32 requests answered as expected\./)
  t.notMatch(stdout, /UNEXPECTED/)
})

test('the demo says so and exits 1 when its port is taken', async (t) => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = String((server.address() as AddressInfo).port)
  const { code, stdout, stderr } = await runDemo(port)
  t.equal(code, 1)
  t.match(stderr, `Port ${port} on 127.0.0.1 is already in use`)
  t.equal(stdout, '')
})

test('the demo refuses a PORT that is not a port number', async (t) => {
  const { code, stderr } = await runDemo('eighty')
  t.equal(code, 1)
  t.match(stderr, 'PORT must be a port number')
})
