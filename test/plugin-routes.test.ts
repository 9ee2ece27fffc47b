import t from 'tap'
import Fastify from 'fastify'
import twilioStatus from '../lib/index'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { build, codeOf, EMPTY_TWIML, recorder } from './helpers/app'
import {
  CALL_PATH, callParams, captureLogs, encodeForm, formPost, getRequest, HOST, ORIGIN, SMS_PATH, smsParams, TOKEN
} from './helpers/sign'

t.test('each channel answers POST and GET at its default path', async (t) => {
  const { record, names } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('sms') }, call: { onCompleted: record('call') } })

  const requests = [
    formPost(smsParams('delivered')),
    getRequest(smsParams('delivered')),
    formPost(callParams('completed'), { target: CALL_PATH }),
    getRequest(callParams('completed'), { path: CALL_PATH })
  ]
  for (const request of requests) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 200, `${request.method} ${request.url}`)
    t.match(res.headers['content-type'], /^text\/xml/)
    t.match(res.body, EMPTY_TWIML)
  }
  t.same(names(), ['sms', 'sms', 'call', 'call'])
})

t.test('only POST and GET are routed', async (t) => {
  const { calls, record } = recorder()
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: record('sms') } })
  for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
    const res = await app.inject({ ...formPost(smsParams('delivered')), method })
    t.equal(res.statusCode, 404, method)
  }
  t.equal(calls.length, 0)
})

t.test('a custom path replaces the default one', async (t) => {
  const { record, names } = recorder()
  const app = await build(t, {
    authToken: TOKEN,
    sms: { path: '/hooks/messages', onSent: record('sms') },
    call: { path: '/hooks/calls', onBusy: record('call') }
  })

  t.equal((await app.inject(formPost(smsParams('sent'), { target: '/hooks/messages' }))).statusCode, 200)
  t.equal((await app.inject(getRequest(callParams('busy'), { path: '/hooks/calls' }))).statusCode, 200)
  t.equal((await app.inject(formPost(smsParams('sent')))).statusCode, 404)
  t.equal((await app.inject(formPost(callParams('busy'), { target: CALL_PATH }))).statusCode, 404)
  t.same(names(), ['sms', 'call'])
})

t.test('Fastify\'s register prefix is honoured, and is part of the signed URL', async (t) => {
  const { record, names } = recorder()
  const app = await build(t, { prefix: '/v1', authToken: TOKEN, sms: { onDelivered: record('sms') } })

  const target = `/v1${SMS_PATH}`
  t.equal((await app.inject(formPost(smsParams('delivered'), { target }))).statusCode, 200)
  t.equal((await app.inject(getRequest(smsParams('delivered'), { path: target }))).statusCode, 200)
  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 404)

  // Signed as if Twilio had called the URL without the prefix: not what was requested.
  const params = smsParams('delivered')
  const res = await app.inject(formPost(params, { target, signedUrl: ORIGIN + SMS_PATH }))
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(names(), ['sms', 'sms'])
})

t.test('a channel left out has no route', async (t) => {
  t.test('sms only', async (t) => {
    const app = await build(t, { authToken: TOKEN, sms: {} })
    t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
    t.equal((await app.inject(formPost(callParams('completed'), { target: CALL_PATH }))).statusCode, 404)
  })
  t.test('call only', async (t) => {
    const app = await build(t, { authToken: TOKEN, call: {} })
    t.equal((await app.inject(formPost(callParams('completed'), { target: CALL_PATH }))).statusCode, 200)
    t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 404)
  })
})

t.test('register rejects bad options with a coded error naming the option', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing authToken', { sms: {} }, /option authToken must be a non-empty string or a non-empty array of them, got undefined/],
    ['authToken of the wrong type', { authToken: 12345, sms: {} }, /option authToken .*got number 12345/],
    ['empty authToken list', { authToken: [], sms: {} }, /option authToken .*got an array of 0/],
    ['empty token in the list', { authToken: [TOKEN, ''], sms: {} }, /option authToken\[1\] must be a non-empty string/],
    ['misspelt callback', { authToken: TOKEN, sms: { onDelivred: () => {} } }, /unknown option sms\.onDelivred; did you mean onDelivered\?/],
    ['unknown top-level option', { authToken: TOKEN, sms: {}, publicURL: 'https://x.example' }, /unknown option publicURL; did you mean publicUrl\?/],
    ['callback not a function', { authToken: TOKEN, call: { onRinging: 'yes' } }, /option call\.onRinging must be a function, got the string "yes"/],
    ['path without leading slash', { authToken: TOKEN, sms: { path: 'twilio' } }, /option sms\.path must be a path starting with "\/".*got the string "twilio"/],
    ['same path for both channels', { authToken: TOKEN, sms: { path: '/t' }, call: { path: '/t' } }, /option call\.path must be different from sms\.path/],
    ['publicUrl not a URL', { authToken: TOKEN, sms: {}, publicUrl: 'hooks.example.com' }, /option publicUrl must be an absolute http\(s\) URL/],
    ['publicUrl with a query', { authToken: TOKEN, sms: {}, publicUrl: 'https://hooks.example.com/?a=1' }, /option publicUrl must be .*without credentials, query or fragment/],
    ['validate not a boolean', { authToken: TOKEN, sms: {}, validate: 'false' }, /option validate must be a boolean, got the string "false"/],
    ['bodyLimit not a positive integer', { authToken: TOKEN, sms: {}, bodyLimit: -1 }, /option bodyLimit must be .*got number -1/],
    ['no channel', { authToken: TOKEN }, /option sms\/call must be given: at least one channel/]
  ]
  for (const [name, options, message] of cases) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(twilioStatus, options as FastifyTwilioStatusOptions)
    await t.rejects(async () => { await app.ready() }, { code: 'FST_TWILIO_INVALID_OPTION', message }, name)
  }
})

t.test('validate: false accepts unsigned requests, and says so at register time', async (t) => {
  const logs = captureLogs()
  const { record, names } = recorder()
  // The types ask for a token; at run time none is needed with validation off.
  const options = { validate: false, sms: { onDelivered: record('sms') } } as unknown as FastifyTwilioStatusOptions
  const app = await build(t, options, { logger: { level: 'info', stream: logs.stream } })

  const warning = logs.lines.find((line) => line.level === 40 && /validate is false/.test(line.msg))
  t.ok(warning, 'a warning is logged at register time')

  const res = await app.inject({
    method: 'POST',
    url: SMS_PATH,
    headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' },
    payload: encodeForm(smsParams('delivered'))
  })
  t.equal(res.statusCode, 200)
  t.same(names(), ['sms'])
})

t.test('validate: false still checks a token that is given', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(twilioStatus, { validate: false, authToken: [''], sms: {} })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_TWILIO_INVALID_OPTION' })
})

t.test('with validation on (the default) nothing is logged at register time', async (t) => {
  const logs = captureLogs()
  await build(t, { authToken: TOKEN, sms: {} }, { logger: { level: 'info', stream: logs.stream } })
  t.same(logs.lines.filter((line) => line.level >= 40), [])
})
