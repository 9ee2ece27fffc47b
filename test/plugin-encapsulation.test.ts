/**
 * The plugin's routes, body parsers and hooks stay in its own context (STYLE habit 5): a host
 * app's formbody, JSON and text routes work as before, and the plugin's routes use its parsers.
 */
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import twilioStatus from '../lib/index'
import { codeOf, recorder } from './helpers/app'
import { encodeForm, formPost, HOST, ORIGIN, sign, type SignedRequest, SMS_PATH, smsParams, TOKEN } from './helpers/sign'

/** The host app's own routes: they echo what the host's parsers made of the body. */
function hostRoutes (app: FastifyInstance): void {
  app.post('/host/form', async (request) => ({ body: request.body }))
  app.post('/host/json', async (request) => ({ body: request.body }))
  app.post('/host/text', async (request) => ({ body: request.body }))
}

async function hostApp (t: { teardown (fn: () => unknown): void }, order: 'formbody-first' | 'plugin-first' | 'no-formbody') {
  const rec = recorder()
  const app = Fastify()
  t.teardown(() => app.close())
  const plugin = (): void => {
    app.register(twilioStatus, { authToken: TOKEN, sms: { onDelivered: rec.record('onDelivered') } })
  }
  if (order === 'formbody-first') app.register(formbody)
  plugin()
  if (order === 'plugin-first') app.register(formbody)
  hostRoutes(app)
  await app.ready()
  return { app, ...rec }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }

for (const order of ['formbody-first', 'plugin-first'] as const) {
  t.test(`a host with @fastify/formbody registered at the root (${order})`, async (t) => {
    const { app, calls } = await hostApp(t, order)

    t.test('the host\'s form route still gets formbody\'s parse', async (t) => {
      // formbody (fast-querystring) is lenient with a broken escape, and collects repeats.
      const res = await app.inject({ method: 'POST', url: '/host/form', headers: form, payload: 'a=1&b=2&b=3&c=100%' })
      t.equal(res.statusCode, 200)
      t.same(res.json(), { body: { a: '1', b: ['2', '3'], c: '100%' } })
    })

    t.test('the plugin\'s route uses the plugin\'s parser', async (t) => {
      const valid = formPost(smsParams('delivered'))
      t.equal((await app.inject(valid)).statusCode, 200)
      t.equal(calls.length, 1)
      t.equal(calls[0].event.MessageStatus, 'delivered')
      // The plugin's parser is strict where formbody's is lenient.
      const payload = `${valid.payload}&Body=100%`
      const res = await app.inject({ ...valid, payload, headers: { ...valid.headers, 'x-twilio-signature': sign(ORIGIN + SMS_PATH) } })
      t.equal(res.statusCode, 400)
      t.equal(codeOf(res.body), 'FST_TWILIO_MALFORMED_BODY')
      t.equal(calls.length, 1)
    })

    t.test('host JSON and text routes keep working', async (t) => {
      const json = await app.inject({ method: 'POST', url: '/host/json', payload: { a: 1 } })
      t.same(json.json(), { body: { a: 1 } })
      const text = await app.inject({ method: 'POST', url: '/host/text', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
      t.same(text.json(), { body: 'hello' })
    })
  })
}

t.test('a host without formbody: the plugin does not add a form parser, or remove the host\'s parsers', async (t) => {
  const { app, calls } = await hostApp(t, 'no-formbody')
  t.notOk(app.hasContentTypeParser('application/x-www-form-urlencoded'), 'no form parser at the root')
  t.ok(app.hasContentTypeParser('application/json'), 'the root JSON parser is still there')
  t.ok(app.hasContentTypeParser('text/plain'), 'the root text parser is still there')

  const res = await app.inject({ method: 'POST', url: '/host/form', headers: form, payload: 'a=1' })
  t.equal(res.statusCode, 415, 'the host gets no form parsing it did not ask for')
  const json = await app.inject({ method: 'POST', url: '/host/json', payload: { a: [1, 2] } })
  t.same(json.json(), { body: { a: [1, 2] } })
  const text = await app.inject({ method: 'POST', url: '/host/text', headers: { 'content-type': 'text/plain' }, payload: 'plain' })
  t.same(text.json(), { body: 'plain' })

  // While the plugin's route, in its own context, takes forms and refuses text.
  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  const plain = formPost(smsParams('delivered'))
  plain.headers['content-type'] = 'text/plain'
  t.equal((await app.inject(plain)).statusCode, 415)
  t.equal(calls.length, 1)
})

t.test('a host sibling route is untouched by the plugin\'s hooks: no signature asked for', async (t) => {
  const { app, calls } = await hostApp(t, 'formbody-first')
  const unsigned = await app.inject({ method: 'POST', url: '/host/form', headers: form, payload: encodeForm(smsParams('delivered')) })
  t.equal(unsigned.statusCode, 200)
  const forged = await app.inject({
    method: 'POST',
    url: '/host/form',
    headers: { ...form, host: HOST, 'x-twilio-signature': 'not a signature' },
    payload: 'MessageStatus=delivered'
  })
  t.equal(forged.statusCode, 200)
  const missing = await app.inject({ method: 'GET', url: '/nothing-here' })
  t.equal(missing.statusCode, 404)
  t.equal(calls.length, 0)
})

t.test('the host\'s error handler does not decide what Twilio hears', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  let hostHandled = 0
  // A host that turns every error into 200 (or hides it): its own routes keep that behaviour.
  app.setErrorHandler(async (_err, _request, reply) => { hostHandled++; return await reply.code(200).send({ ok: true }) })
  app.post('/host/fail', async () => { throw new Error('host failure') })
  await app.register(twilioStatus, {
    authToken: TOKEN,
    bodyLimit: 4096,
    sms: { onFailed: () => { throw new Error('db down') }, onDelivered: () => {} }
  })
  const forged = formPost(smsParams('delivered'))
  forged.headers['x-twilio-signature'] = sign(ORIGIN + SMS_PATH, smsParams('sent'))
  const cases: Array<[string, SignedRequest, number, string]> = [
    ['forged', forged, 403, 'FST_TWILIO_INVALID_SIGNATURE'],
    ['malformed', { ...formPost(smsParams('delivered')), payload: 'MessageStatus=%zz' }, 400, 'FST_TWILIO_MALFORMED_BODY'],
    ['failed', formPost(smsParams('failed')), 500, 'FST_TWILIO_CALLBACK_FAILED'],
    ['too large', { ...formPost(smsParams('delivered')), payload: 'a='.padEnd(5000, 'x') }, 413, 'FST_ERR_CTP_BODY_TOO_LARGE'],
    ['not a form', { ...formPost(smsParams('delivered')), headers: { ...formPost(smsParams('delivered')).headers, 'content-type': 'text/plain' } }, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE']
  ]
  for (const [name, request, status, code] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, status, name)
    t.equal(codeOf(res.body), code, name)
  }
  t.equal(hostHandled, 0, 'the host\'s handler saw none of the plugin\'s errors')
  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  const host = await app.inject({ method: 'POST', url: '/host/fail' })
  t.same([host.statusCode, host.json()], [200, { ok: true }], 'the host\'s own routes keep its handler')
  t.equal(hostHandled, 1)
})

t.test('a refused signature is answered by the plugin\'s hook with the error handler\'s body, not through the host\'s onError hooks', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  const seen: unknown[] = []
  app.addHook('onError', async (_request, _reply, error) => { seen.push(error) })
  await app.register(twilioStatus, { authToken: TOKEN, sms: { onDelivered: () => {} } })
  const forged = formPost(smsParams('delivered'))
  forged.headers['x-twilio-signature'] = sign(ORIGIN + SMS_PATH, smsParams('sent'))
  const missing = formPost(smsParams('delivered'))
  delete missing.headers['x-twilio-signature']
  for (const [request, code, message] of [
    [forged, 'FST_TWILIO_INVALID_SIGNATURE', 'X-Twilio-Signature does not match the request'],
    [missing, 'FST_TWILIO_MISSING_SIGNATURE', 'Missing X-Twilio-Signature header']
  ] as const) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 403, code)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.same(res.json(), { statusCode: 403, code, error: 'Forbidden', message }, 'the body the error handler sends for that error')
  }
  t.same(seen, [], 'a refusal is an answer, not an error: the host\'s onError hooks see none')
})

t.test('an error without a code from a host hook on the plugin\'s route is a 500 that does not echo its message', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  app.addHook('onRequest', async (request) => {
    if (request.headers['x-break'] !== undefined) throw Object.assign(new Error('secret detail'), { statusCode: 700 })
  })
  await app.register(twilioStatus, { authToken: TOKEN, sms: { onDelivered: () => {} } })
  const request = formPost(smsParams('delivered'))
  request.headers['x-break'] = '1'
  const res = await app.inject(request)
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
})

t.test('the plugin adds no decorators to the root instance, its requests or its replies', async (t) => {
  function shape (app: FastifyInstance): Promise<string[]> {
    return new Promise((resolve, reject) => {
      app.get('/shape', async (request, reply) => {
        const requestKeys: string[] = []
        const replyKeys: string[] = []
        for (const key in request) requestKeys.push(key)
        for (const key in reply) replyKeys.push(key)
        return { requestKeys, replyKeys }
      })
      app.ready().then(async () => {
        const res = await app.inject({ method: 'GET', url: '/shape' })
        const { requestKeys, replyKeys } = res.json() as { requestKeys: string[], replyKeys: string[] }
        resolve([
          ...Object.keys(app).map((k) => `app.${k}`),
          ...Object.getOwnPropertySymbols(app).map((s) => `app.${String(s)}`),
          ...requestKeys.map((k) => `request.${k}`),
          ...replyKeys.map((k) => `reply.${k}`)
        ].sort())
      }, reject)
    })
  }
  const bare = Fastify()
  const withPlugin = Fastify()
  t.teardown(() => bare.close())
  t.teardown(() => withPlugin.close())
  withPlugin.register(twilioStatus, { authToken: TOKEN, sms: {}, call: {} })
  t.same(await shape(withPlugin), await shape(bare))
})

t.test('the plugin\'s routes are registered in its own context, next to the host\'s', async (t) => {
  const { app } = await hostApp(t, 'no-formbody')
  t.ok(app.hasRoute({ method: 'POST', url: SMS_PATH }))
  t.ok(app.hasRoute({ method: 'GET', url: SMS_PATH }))
  t.ok(app.hasRoute({ method: 'POST', url: '/host/json' }))
})
