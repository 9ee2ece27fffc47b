/** Argument parsing: strict flags, `--param` pairs, channels and statuses as the plugin knows them, the token. */
import t from 'tap'
import {
  channelOf, CliError, EXIT, listOf, methodOf, numberOf, paramsOf, parseCommand, statusOf, stringOf, tokenOf, tokensOf
} from '../../lib/cli/args'
import { CHANNELS, FAMILIES } from '../../lib/families/index'

t.test('parseCommand: strict, with --help and --no-color for every command', async (t) => {
  const { values, positionals } = parseCommand(['sms', '--url', 'http://x', '-h', '--no-color', 'delivered', '--param', 'A=1', '--param', 'B=2'], {
    url: { type: 'string' }, param: { type: 'string', multiple: true }
  })
  t.same(positionals, ['sms', 'delivered'])
  t.equal(stringOf(values, 'url'), 'http://x')
  t.equal(values.help, true)
  t.equal(values['no-color'], true)
  t.same(listOf(values, 'param'), ['A=1', 'B=2'])
  t.same(listOf(values, 'url'), [], 'a single flag is no list')
  t.equal(stringOf(values, 'help'), undefined, 'a boolean is no string')
  const unknown = t.throws(() => parseCommand(['--nope'], {})) as CliError
  t.ok(unknown instanceof CliError)
  t.equal(unknown.exitCode, EXIT.usage)
  t.match(unknown.message, /Unknown option '--nope'/)
  t.throws(() => parseCommand(['--url'], { url: { type: 'string' } }), /argument missing/)
})

t.test('numberOf: a whole number within range', async (t) => {
  const { values } = parseCommand(['--delay', '250', '--bad', '1.5', '--big', '99'], { delay: { type: 'string' }, bad: { type: 'string' }, big: { type: 'string' } })
  t.equal(numberOf(values, 'delay', 0, 0, 1000), 250)
  t.equal(numberOf(values, 'none', 7, 0, 1000), 7)
  t.throws(() => numberOf(values, 'bad', 0, 0, 10), /--bad takes a whole number from 0 to 10, got "1\.5"/)
  t.throws(() => numberOf(values, 'big', 0, 0, 10), /--big takes a whole number/)
})

t.test('paramsOf: Key=Value at the first =, repeats kept in order, odd names kept plain', async (t) => {
  t.same(paramsOf(['A=1', 'Body=a=b', 'Empty=', 'R=1', 'R=2', 'R=3']), { A: '1', Body: 'a=b', Empty: '', R: ['1', '2', '3'] })
  const proto = paramsOf(['__proto__=x'])
  t.equal(Object.getPrototypeOf(proto), Object.prototype)
  t.same(Object.keys(proto), ['__proto__'], '__proto__ is a parameter, not the prototype')
  t.throws(() => paramsOf(['novalue']), /--param takes Key=Value, got "novalue"/)
  t.throws(() => paramsOf(['=x']), /Key=Value/)
})

t.test('channelOf: every family, case and - or _ aside', async (t) => {
  for (const channel of CHANNELS) t.equal(channelOf(channel), channel)
  t.equal(channelOf('SMS'), 'sms')
  t.equal(channelOf('event-streams'), 'eventStreams')
  t.equal(channelOf('realtime_transcription'), 'realtimeTranscription')
  t.throws(() => channelOf('fax'), /unknown channel "fax": one of sms, call,/)
  t.throws(() => channelOf(undefined), /a channel is needed/)
})

t.test('statusOf: the family\'s statuses; Event Streams types by a unique tail', async (t) => {
  for (const channel of CHANNELS) for (const status of FAMILIES[channel].statuses) t.equal(statusOf(channel, status), status)
  t.equal(statusOf('eventStreams', 'message.delivered'), 'com.twilio.messaging.message.delivered')
  t.equal(statusOf('eventStreams', 'call.ringing'), 'com.twilio.voice.status-callback.call.ringing')
  t.equal(statusOf('eventStreams', 'delivered'), 'com.twilio.messaging.message.delivered', 'a tail at a dot')
  t.throws(() => statusOf('eventStreams', 'ivered'), /not a eventStreams status/, 'not a tail at a dot')
  t.throws(() => statusOf('call', 'answered'), /"answered" is not a call status the plugin knows: one of queued, .*--param CallStatus=…/)
  t.throws(() => statusOf('sms', undefined), /a status is needed: one of accepted/)
})

t.test('methodOf: POST by default, GET, JSON, any case', async (t) => {
  const of = (...argv: string[]) => methodOf(parseCommand(argv, { method: { type: 'string' } }).values)
  t.equal(of(), 'POST')
  t.equal(of('--method', 'get'), 'GET')
  t.equal(of('--method', 'Json'), 'JSON')
  t.throws(() => of('--method', 'PUT'), /--method is POST, GET or JSON, got "PUT"/)
})

t.test('tokens: every --token, else TWILIO_AUTH_TOKEN; one to sign', async (t) => {
  const values = (...argv: string[]) => parseCommand(argv, { token: { type: 'string', multiple: true } }).values
  t.same(tokensOf(values('--token', 'a', '--token', 'b'), { TWILIO_AUTH_TOKEN: 'env' }), ['a', 'b'])
  t.same(tokensOf(values(), { TWILIO_AUTH_TOKEN: 'env' }), ['env'])
  t.same(tokensOf(values(), { TWILIO_AUTH_TOKEN: '' }), [])
  t.same(tokensOf(values(), {}), [])
  t.throws(() => tokensOf(values('--token', ''), {}), /--token is empty/)
  t.equal(tokenOf(values(), { TWILIO_AUTH_TOKEN: 'env' }), 'env')
  t.throws(() => tokenOf(values(), {}), /no Auth Token: pass --token or set TWILIO_AUTH_TOKEN/)
  t.throws(() => tokenOf(values('--token', 'a', '--token', 'b'), {}), /one --token signs/)
})

t.test('CliError: usage by default, or the status given', async (t) => {
  t.equal(new CliError('x').exitCode, 2)
  t.equal(new CliError('x', EXIT.unreachable).exitCode, 3)
  t.same(EXIT, { ok: 0, failed: 1, usage: 2, unreachable: 3, software: 70 })
})
