/**
 * The plugin's routes verify in a named preHandler hook; TwiML webhook routes declared through
 * the plugin; what host hooks see as `request.body`.
 */
import t from 'tap'
import type { RouteOptions } from 'fastify'
import { build, codeOf, EMPTY_TWIML } from './helpers/app'
import { callParams, captureLogs, formPost, getRequest, jsonPost, OLD_TOKEN, ORIGIN, sign, SMS_PATH, smsParams, TOKEN } from './helpers/sign'

const GATHER = '/voice/gather'

t.test('every plugin route checks the signature in its preHandler hook, verifyTwilioSignature', async (t) => {
  const routes: RouteOptions[] = []
  await build(t, { authToken: TOKEN, sms: {}, call: {}, webhooks: [{ url: GATHER, handler: () => {} }] }, {}, (host) => {
    host.addHook('onRoute', (route) => { routes.push(route) })
  })
  t.same(routes.map((r) => r.url), ['/twilio/sms/status', '/twilio/call/status', GATHER])
  for (const route of routes) {
    const hooks = ([] as unknown[]).concat(route.preHandler ?? [])
    t.same(hooks.map((h) => (h as { name: string }).name), ['verifyTwilioSignature'], route.url)
  }
})

t.test('with validate: false no route has the hook', async (t) => {
  const routes: RouteOptions[] = []
  await build(t, { authToken: TOKEN, validate: false, sms: {} }, { logger: false }, (host) => { host.addHook('onRoute', (route) => { routes.push(route) }) })
  t.equal(routes[0].preHandler, undefined)
})

t.test('host hooks see request.body as Twilio\'s parameters, prototype-free, never a wrapper', async (t) => {
  const seen: unknown[] = []
  const app = await build(t, { authToken: TOKEN, sms: { onDelivered: () => {} }, call: { onCompleted: () => {} } }, {}, (host) => {
    host.addHook('preValidation', async (request) => { seen.push(request.body) })
  })
  const params = smsParams('delivered')
  const call = callParams('completed')
  t.equal((await app.inject(formPost(params))).statusCode, 200)
  t.equal((await app.inject(jsonPost(JSON.stringify(call)))).statusCode, 200)
  t.equal((await app.inject(getRequest(smsParams('delivered')))).statusCode, 200)
  t.same({ ...seen[0] as object }, params)
  t.same({ ...seen[1] as object }, call)
  t.equal(seen[2], undefined, 'a GET has no body until the plugin\'s own hook reads its query')
  t.equal(Object.getPrototypeOf(Object.getPrototypeOf(seen[0])), null, 'no Object.prototype in the chain')
})

t.test('a declared webhook: a signed Gather answer gets its own TwiML each time, a forged one reaches no handler', async (t) => {
  const answers: string[] = []
  const app = await build(t, {
    authToken: TOKEN,
    webhooks: [{
      url: GATHER,
      handler: (request) => {
        answers.push(request.body.Digits as string)
        return `<Response><Say>You pressed ${request.body.Digits as string}</Say></Response>`
      }
    }]
  })
  const gather = (digits: string) => formPost(callParams('in-progress', { Digits: digits }), { target: GATHER })
  const one = await app.inject(gather('1'))
  t.equal(one.statusCode, 200)
  t.match(one.headers['content-type'], /^text\/xml/)
  t.equal(one.body, '<Response><Say>You pressed 1</Say></Response>')
  t.equal((await app.inject(gather('2'))).body, '<Response><Say>You pressed 2</Say></Response>')
  t.equal((await app.inject(gather('2'))).body, '<Response><Say>You pressed 2</Say></Response>', 'no idempotency: answered again')
  const forged = gather('3')
  forged.headers['x-twilio-signature'] = sign(ORIGIN + GATHER, callParams('in-progress', { Digits: '4' }))
  const res = await app.inject(forged)
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(answers, ['1', '2', '2'])
})

t.test('a declared webhook by GET; a handler that returns nothing, or sends its own reply', async (t) => {
  const app = await build(t, {
    authToken: TOKEN,
    webhooks: [
      { url: '/voice/incoming', method: 'GET', handler: (request) => `<Response><Say>${request.body.From as string}</Say></Response>` },
      { url: '/voice/nothing', method: ['POST'], handler: () => ({ not: 'twiml' }) },
      { url: '/voice/own', handler: async (_request, reply) => { await reply.code(204).send() } }
    ]
  })
  const get = await app.inject(getRequest(callParams('ringing'), { path: '/voice/incoming' }))
  t.equal(get.statusCode, 200)
  t.equal(get.body, `<Response><Say>${callParams('ringing').From as string}</Say></Response>`)
  t.equal((await app.inject(formPost(callParams('ringing'), { target: '/voice/incoming' }))).statusCode, 404, 'GET only')
  const nothing = await app.inject(formPost(callParams('ringing'), { target: '/voice/nothing' }))
  t.match(nothing.body, EMPTY_TWIML)
  t.equal((await app.inject(formPost(callParams('ringing'), { target: '/voice/own' }))).statusCode, 204)
})

t.test('a JSON value that is not text is refused with 400 FST_TWILIO_INVALID_PARAM on status and webhook routes, after the signature (403 when forged)', async (t) => {
  const ran: string[] = []
  const app = await build(t, {
    authToken: TOKEN,
    call: { onAny: () => { ran.push('status') } },
    webhooks: [{ url: GATHER, handler: () => { ran.push('webhook') } }]
  })
  for (const digits of [{ pressed: '1' }, ['1', { pressed: '2' }]]) {
    const nested = JSON.stringify({ ...callParams('in-progress'), Digits: digits })
    for (const path of [GATHER, '/twilio/call/status']) {
      const res = await app.inject(jsonPost(nested, { path }))
      t.equal(res.statusCode, 400, path)
      t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_PARAM', path)
      t.match(JSON.parse(res.body), { message: 'Parameter Digits must be given once, as text' }, path)
      const forged = await app.inject(jsonPost(nested, { path, token: OLD_TOKEN }))
      t.equal(codeOf(forged.body), 'FST_TWILIO_INVALID_SIGNATURE', `${path}: forged, refused before its parameters are read`)
    }
  }
  t.same(ran, [])
  t.equal((await app.inject(jsonPost(JSON.stringify(callParams('in-progress', { Digits: '1' })), { path: GATHER }))).statusCode, 200, 'the same request with text')
  t.same(ran, ['webhook'])
})

t.test('webhooks options are checked at register', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['x', /option webhooks must be an array/],
    [[null], /option webhooks\[0\] must be an object/],
    [[{ url: 'voice', handler: () => {} }], /option webhooks\[0\]\.url must be a path starting with "\/"/],
    [[{ url: '/v', method: 'PUT', handler: () => {} }], /option webhooks\[0\]\.method must be "GET", "POST" or an array of them/],
    [[{ url: '/v', method: [], handler: () => {} }], /option webhooks\[0\]\.method/],
    [[{ url: '/v' }], /option webhooks\[0\]\.handler must be a function/],
    [[{ url: '/v', handler: () => {}, path: '/x' }], /unknown option webhooks\[0\]\.path/]
  ]
  for (const [webhooks, message] of cases) {
    await t.rejects(build(t, { authToken: TOKEN, webhooks } as never), { code: 'FST_TWILIO_INVALID_OPTION', message })
  }
})

t.test('status routes accept SharedKey signatures and tokens looked up by AccountSid', async (t) => {
  const keyId = 'webhooks_sharedkey_01jz0000000000000000000000'
  const secret = 'sk_test_secret_0123456789abcdef'
  const ran: string[] = []
  const app = await build(t, { authToken: TOKEN, sharedKeys: { [keyId]: secret }, sms: { onDelivered: () => { ran.push('shared') } } })
  const request = formPost(smsParams('delivered'), { token: secret })
  request.headers['x-twilio-webhooks-signature-settings'] = `key=${keyId},algorithm=HMAC_SHA1`
  t.equal((await app.inject(request)).statusCode, 200)

  const lookups: Array<string | undefined> = []
  const multi = await build(t, {
    authToken: (accountSid) => { lookups.push(accountSid); return accountSid === smsParams('sent').AccountSid ? [OLD_TOKEN] : undefined },
    sms: { onSent: () => { ran.push('looked up') } }
  })
  t.equal((await multi.inject(formPost(smsParams('sent'), { token: OLD_TOKEN }))).statusCode, 200)
  const other = await multi.inject(formPost(smsParams('sent', { AccountSid: 'AC' + '7'.repeat(32) }), { token: OLD_TOKEN }))
  t.equal(codeOf(other.body), 'FST_TWILIO_UNKNOWN_ACCOUNT')
  t.same(ran, ['shared', 'looked up'])
  t.equal(lookups.length, 2)
})

t.test('an async token lookup on a status route: a late answer still gates the callbacks', async (t) => {
  const ran: string[] = []
  const app = await build(t, {
    authToken: async () => { await new Promise((resolve) => setTimeout(resolve, 5)); return OLD_TOKEN },
    sms: { onDelivered: () => { ran.push('delivered') } }
  })
  t.equal((await app.inject(formPost(smsParams('delivered'), { token: OLD_TOKEN }))).statusCode, 200)
  const forged = await app.inject(formPost(smsParams('delivered'), { token: TOKEN }))
  t.equal(codeOf(forged.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(ran, ['delivered'])
})

t.test('an old token of the rotation list that validates is logged at info, once in a while', async (t) => {
  const logs = captureLogs()
  const app = await build(t, { authToken: [TOKEN, OLD_TOKEN], sms: {} }, { logger: { level: 'info', stream: logs.stream } })
  for (let i = 0; i < 3; i++) t.equal((await app.inject(formPost(smsParams('delivered'), { token: OLD_TOKEN }))).statusCode, 200)
  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  const rotation = logs.lines.filter((line) => /rotation is not finished/.test(line.msg))
  t.equal(rotation.length, 1, 'three requests, one log line')
  t.match(rotation[0], { level: 30, tokenIndex: 1 })
  t.notMatch(logs.text(), OLD_TOKEN)
})

t.test('status path and a webhook url must differ from nothing else the plugin declares', async (t) => {
  await t.rejects(build(t, { authToken: TOKEN, sms: {}, webhooks: [{ url: SMS_PATH, handler: () => {} }] }), /already declared|duplicated/i)
})
