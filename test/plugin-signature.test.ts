/**
 * The signature check through the plugin's routes (docs/twilio-facts.md §1), with `fastify.inject`.
 * Every positive case is signed by the twilio package; every negative case starts from one
 * valid request and breaks one thing, and must run no callback.
 */
import t from 'tap'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { build, codeOf, recorder } from './helpers/app'
import {
  CALL_PATH, callParams, captureLogs, encodeForm, formPost, getRequest, HOST, jsonPost, OLD_TOKEN, ORIGIN,
  OTHER_TOKEN, type Params, sha256, sign, SMS_PATH, smsParams, TOKEN
} from './helpers/sign'

type Options = Omit<FastifyTwilioStatusOptions, 'sms' | 'call'>

/** The plugin on both channels, every callback recorded (status callbacks and onAny). */
async function setup (t: Parameters<typeof build>[0], options: Options = { authToken: TOKEN }, server = {}) {
  const rec = recorder()
  const instance = await build(t, {
    ...options,
    sms: { onDelivered: rec.record('onDelivered'), onFailed: rec.record('onFailed'), onAny: rec.record('sms.onAny') },
    call: { onCompleted: rec.record('onCompleted'), onAny: rec.record('call.onAny') }
  } as FastifyTwilioStatusOptions, server)
  return { app: instance, ...rec }
}

t.test('form POST: URL plus body parameters sorted by name', async (t) => {
  const { app, calls, names } = await setup(t)
  // Twilio's order is not the sorted one, and `Reason` sorts before `ReasonConferenceEnded`.
  const params = smsParams('delivered', { ReasonConferenceEnded: 'x', Reason: 'y', a: 'lower', Z: 'upper' })
  t.not(Object.keys(params).join(), Object.keys(params).sort().join(), 'the body is not already sorted')

  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)
  t.same(names(), ['onDelivered', 'sms.onAny'])
  t.same({ ...calls[0].event }, params, 'the event holds every parameter under its own name')
})

t.test('form POST: repeated keys, signed once per distinct sorted value (§1.2)', async (t) => {
  const { app, calls } = await setup(t)
  const params = smsParams('delivered', {
    'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'],
    Digits: ['5678', '1234', '1234']
  })
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)
  t.same(calls[0].event['MessagingBinding.Address'], ['+1415xxxxxxx', '+1325xxxxxxx'], 'every value, in order')
  t.same(calls[0].event.Digits, ['5678', '1234', '1234'])

  const dropped = formPost(params)
  dropped.payload = encodeForm({ ...params, Digits: ['5678', '1234'] })
  t.equal((await app.inject(dropped)).statusCode, 200, 'a repeated identical value is signed once (twilio-node and -python agree)')

  const changed = formPost(params)
  changed.payload = encodeForm({ ...params, 'MessagingBinding.Address': ['+1415xxxxxxx'] })
  const bad = await app.inject(changed)
  t.equal(bad.statusCode, 403, 'a value removed breaks the signature')
  t.equal(codeOf(bad.body), 'FST_TWILIO_INVALID_SIGNATURE')
})

t.test('GET: the URL alone is signed (§1.3)', async (t) => {
  const { app, calls, names } = await setup(t)
  const params = smsParams('delivered', { Body: 'Hello World', Note: 'a+b=c&d' })
  const res = await app.inject(getRequest(params))
  t.equal(res.statusCode, 200)
  t.same(names(), ['onDelivered', 'sms.onAny'])
  t.same({ ...calls[0].event }, params, 'the event comes from the query string, decoded')

  // The mistake of twilio-node#1068: the query parameters passed again as body parameters.
  const doubled = getRequest(params)
  doubled.headers['x-twilio-signature'] = sign(ORIGIN + doubled.url, params)
  const bad = await app.inject(doubled)
  t.equal(bad.statusCode, 403)
  t.equal(codeOf(bad.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.equal(calls.length, 2, 'no callback ran for the rejected request')
})

t.test('GET on the call channel, and a changed query breaks the signature', async (t) => {
  const { app, names } = await setup(t)
  const valid = getRequest(callParams('completed'), { path: CALL_PATH })
  t.equal((await app.inject(valid)).statusCode, 200)
  const tampered = { ...valid, url: valid.url.replace('CallStatus=completed', 'CallStatus=failed') }
  const res = await app.inject(tampered)
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.same(names(), ['onCompleted', 'call.onAny'])
})

t.test('JSON: the URL with bodySHA256 is signed, and the raw body must match it (§1.4)', async (t) => {
  const { app, calls, names } = await setup(t)
  const body = JSON.stringify(callParams('completed'))
  const valid = jsonPost(body)
  const res = await app.inject(valid)
  t.equal(res.statusCode, 200)
  t.same(names(), ['onCompleted', 'call.onAny'])
  t.same(calls[0].event, JSON.parse(body))

  t.test('tampered body (one space added)', async (t) => {
    const before = calls.length
    const res = await app.inject({ ...valid, payload: body.replace(':', ': ') })
    t.equal(res.statusCode, 403)
    t.equal(codeOf(res.body), 'FST_TWILIO_BODY_HASH_MISMATCH')
    t.equal(calls.length, before, 'no callback ran')
  })

  t.test('signed URL without bodySHA256', async (t) => {
    const before = calls.length
    const request = jsonPost(body)
    request.url = CALL_PATH
    request.headers['x-twilio-signature'] = sign(ORIGIN + CALL_PATH)
    const res = await app.inject(request)
    t.equal(res.statusCode, 403)
    t.equal(codeOf(res.body), 'FST_TWILIO_BODY_HASH_MISMATCH')
    t.equal(calls.length, before, 'no callback ran')
  })

  t.test('bodySHA256 changed in the URL', async (t) => {
    const before = calls.length
    const res = await app.inject({ ...valid, url: `${CALL_PATH}?bodySHA256=${sha256(body + ' ')}` })
    t.equal(res.statusCode, 403)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
    t.equal(calls.length, before, 'no callback ran')
  })

  t.test('the parsed JSON is never signed as parameters', async (t) => {
    const before = calls.length
    const request = jsonPost(body)
    request.headers['x-twilio-signature'] = sign(ORIGIN + request.url, JSON.parse(body) as Params)
    const res = await app.inject(request)
    t.equal(res.statusCode, 403)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
    t.equal(calls.length, before, 'no callback ran')
  })
})

t.test('JSON with UTF-8 text is hashed over its UTF-8 bytes', async (t) => {
  const { app, calls } = await setup(t)
  const body = JSON.stringify(smsParams('delivered', { Body: 'héllo 👋 мир' }))
  const res = await app.inject(jsonPost(body, { path: SMS_PATH }))
  t.equal(res.statusCode, 200)
  t.equal(calls[0].event.Body, 'héllo 👋 мир')
})

t.test('port quirk: the URL as received with its port stripped, or with the default port added (§1.5)', async (t) => {
  t.test('no port received, signed with :80', async (t) => {
    const { app } = await setup(t)
    const res = await app.inject(formPost(smsParams('delivered'), { signedUrl: `http://${HOST}:80${SMS_PATH}` }))
    t.equal(res.statusCode, 200)
  })
  t.test('port received, signed with it', async (t) => {
    const { app } = await setup(t)
    const res = await app.inject(formPost(smsParams('delivered'), { host: `${HOST}:8080`, signedUrl: `http://${HOST}:8080${SMS_PATH}` }))
    t.equal(res.statusCode, 200)
  })
  t.test('port received, signed without it', async (t) => {
    const { app } = await setup(t)
    const res = await app.inject(formPost(smsParams('delivered'), { host: `${HOST}:8080` }))
    t.equal(res.statusCode, 200)
  })
  t.test('https publicUrl, signed with :443', async (t) => {
    const { app } = await setup(t, { authToken: TOKEN, publicUrl: `https://${HOST}` })
    const res = await app.inject(formPost(smsParams('delivered'), { signedUrl: `https://${HOST}:443${SMS_PATH}` }))
    t.equal(res.statusCode, 200)
  })
  t.test('https publicUrl, signed without a port', async (t) => {
    const { app } = await setup(t, { authToken: TOKEN, publicUrl: `https://${HOST}` })
    const res = await app.inject(formPost(smsParams('delivered'), { signedUrl: `https://${HOST}${SMS_PATH}` }))
    t.equal(res.statusCode, 200)
  })
  t.test('https publicUrl, signed with a port that is not the default one', async (t) => {
    const { app, calls } = await setup(t, { authToken: TOKEN, publicUrl: `https://${HOST}` })
    const res = await app.inject(formPost(smsParams('delivered'), { signedUrl: `https://${HOST}:8443${SMS_PATH}` }))
    t.equal(res.statusCode, 403)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
    t.equal(calls.length, 0)
  })
  t.test('signed with :443 on http', async (t) => {
    const { app, calls } = await setup(t)
    const res = await app.inject(formPost(smsParams('delivered'), { signedUrl: `http://${HOST}:443${SMS_PATH}` }))
    t.equal(res.statusCode, 403)
    t.equal(calls.length, 0)
  })
})

t.test('UTF-8 form values are signed over their UTF-8 bytes (§6 #9)', async (t) => {
  const { app, calls } = await setup(t)
  const params = smsParams('delivered', { Body: 'héllo 👋 мир', Ünïcode名: 'ключ' })
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)
  t.equal(calls[0].event.Body, 'héllo 👋 мир')
  t.equal(calls[0].event['Ünïcode名'], 'ключ')
})

t.test('form values are neither trimmed nor re-encoded', async (t) => {
  const { app, calls } = await setup(t)
  const params = smsParams('delivered', { Body: '  padded  ', Plus: '+1 (555) 010-0000', Empty: '' })
  const res = await app.inject(formPost(params))
  t.equal(res.statusCode, 200)
  t.equal(calls[0].event.Body, '  padded  ')
  t.equal(calls[0].event.Plus, '+1 (555) 010-0000')
  t.equal(calls[0].event.Empty, '')
})

t.test('rotation: any token of the list validates', async (t) => {
  const { app, names } = await setup(t, { authToken: [TOKEN, OLD_TOKEN] })
  t.equal((await app.inject(formPost(smsParams('delivered'), { token: TOKEN }))).statusCode, 200, 'current token')
  t.equal((await app.inject(formPost(smsParams('delivered'), { token: OLD_TOKEN }))).statusCode, 200, 'second token')
  t.equal((await app.inject(getRequest(smsParams('delivered'), { token: OLD_TOKEN }))).statusCode, 200, 'second token, GET')
  const res = await app.inject(formPost(smsParams('delivered'), { token: OTHER_TOKEN }))
  t.equal(res.statusCode, 403, 'a token not in the list')
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
  t.equal(names().filter((n) => n === 'onDelivered').length, 3)
})

t.test('a single token: the previous one no longer validates', async (t) => {
  const { app, calls } = await setup(t, { authToken: TOKEN })
  const res = await app.inject(formPost(smsParams('delivered'), { token: OLD_TOKEN }))
  t.equal(res.statusCode, 403)
  t.equal(calls.length, 0)
})

t.test('publicUrl: the origin Twilio calls replaces the request\'s own', async (t) => {
  const { app, calls } = await setup(t, { authToken: TOKEN, publicUrl: 'https://public.example.com' })
  const internal = { host: 'app.internal:3000' }
  const ok = await app.inject(formPost(smsParams('delivered'), { ...internal, signedUrl: `https://public.example.com${SMS_PATH}` }))
  t.equal(ok.statusCode, 200)
  const own = await app.inject(formPost(smsParams('delivered'), { ...internal, signedUrl: `http://app.internal:3000${SMS_PATH}` }))
  t.equal(own.statusCode, 403, 'the URL the app sees is not the one Twilio signed')
  t.equal(codeOf(own.body), 'FST_TWILIO_INVALID_SIGNATURE')
  const get = await app.inject(getRequest(smsParams('delivered'), { ...internal, signedUrl: undefined }))
  t.equal(get.statusCode, 403, 'GET signed over the request\'s own origin')
  t.equal(calls.length, 2, 'onDelivered and onAny for the one accepted request')
})

t.test('rewriteUrl: the target as received is verified, never the rewritten one', async (t) => {
  const { app, names } = await setup(t, { authToken: TOKEN }, {
    rewriteUrl: (req: { url?: string }) => (req.url as string).replace(/^\/api/, '')
  })
  const asRequested = `/api${SMS_PATH}`
  const ok = await app.inject({ ...formPost(smsParams('delivered'), { signedUrl: ORIGIN + asRequested }), url: asRequested })
  t.equal(ok.statusCode, 200, 'signed for /api/… as Twilio requested it')
  const rewritten = await app.inject({ ...formPost(smsParams('delivered'), { signedUrl: ORIGIN + SMS_PATH }), url: asRequested })
  t.equal(rewritten.statusCode, 403, 'a signature over the rewritten URL is not Twilio\'s')
  t.equal(codeOf(rewritten.body), 'FST_TWILIO_INVALID_SIGNATURE')
  const query = `/api${SMS_PATH}?a=1`
  const get = await app.inject({ ...getRequest(smsParams('delivered'), { path: `/api${SMS_PATH}` }) })
  t.equal(get.statusCode, 200, 'GET: the query of the target as received is read and signed')
  t.equal((await app.inject({ ...formPost(smsParams('failed'), { signedUrl: ORIGIN + query }), url: query })).statusCode, 200)
  t.same(names(), ['onDelivered', 'sms.onAny', 'onDelivered', 'sms.onAny', 'onFailed', 'sms.onAny'])
})

t.test('publicUrl: a base URL with a path (a proxy strips the prefix)', async (t) => {
  const { app, calls } = await setup(t, { authToken: TOKEN, publicUrl: 'https://example.com/base' })
  const ok = await app.inject(formPost(smsParams('delivered'), { signedUrl: `https://example.com/base${SMS_PATH}` }))
  t.equal(ok.statusCode, 200)
  const params = smsParams('delivered')
  const target = `${SMS_PATH}?${encodeForm(params)}`
  const get = await app.inject({ method: 'GET', url: target, headers: { host: HOST, 'x-twilio-signature': sign(`https://example.com/base${target}`) } })
  t.equal(get.statusCode, 200, 'GET: base URL then the query as received')
  const bad = await app.inject(formPost(smsParams('delivered'), { signedUrl: `https://example.com${SMS_PATH}` }))
  t.equal(bad.statusCode, 403, 'signed without the base path')
  t.equal(calls.length, 4)
})

t.test('publicUrl with a trailing slash adds no second slash', async (t) => {
  const { app } = await setup(t, { authToken: TOKEN, publicUrl: 'https://public.example.com/' })
  const ok = await app.inject(formPost(smsParams('delivered'), { signedUrl: `https://public.example.com${SMS_PATH}` }))
  t.equal(ok.statusCode, 200)
})

t.test('trustProxy: X-Forwarded-Proto/Host are honoured only when Fastify trusts the proxy', async (t) => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.com' }
  const publicSigned = `https://public.example.com${SMS_PATH}`

  t.test('trustProxy: true', async (t) => {
    const { app, calls } = await setup(t, { authToken: TOKEN }, { trustProxy: true })
    const request = formPost(smsParams('delivered'), { host: 'app.internal:3000', signedUrl: publicSigned })
    Object.assign(request.headers, forwarded)
    t.equal((await app.inject(request)).statusCode, 200)
    const internal = formPost(smsParams('delivered'), { host: 'app.internal:3000', signedUrl: `http://app.internal:3000${SMS_PATH}` })
    Object.assign(internal.headers, forwarded)
    t.equal((await app.inject(internal)).statusCode, 403, 'the internal URL is not what Twilio signed')
    t.equal(calls.length, 2)
  })

  t.test('trustProxy off (the default)', async (t) => {
    const { app, calls } = await setup(t)
    const request = formPost(smsParams('delivered'), { host: 'app.internal:3000', signedUrl: publicSigned })
    Object.assign(request.headers, forwarded)
    const res = await app.inject(request)
    t.equal(res.statusCode, 403, 'a client cannot choose the URL by sending X-Forwarded-*')
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_SIGNATURE')
    const internal = formPost(smsParams('delivered'), { host: 'app.internal:3000', signedUrl: `http://app.internal:3000${SMS_PATH}` })
    Object.assign(internal.headers, forwarded)
    t.equal((await app.inject(internal)).statusCode, 200, 'the forwarded headers are ignored')
    t.equal(calls.length, 2)
  })
})

t.test('a missing, malformed or wrong signature gets 403 with its code, runs no callback and is logged', async (t) => {
  const valid = formPost(smsParams('delivered'))
  const signature = valid.headers['x-twilio-signature']
  const withHeader = (value: string | undefined) => {
    const headers = { ...valid.headers }
    if (value === undefined) delete headers['x-twilio-signature']
    else headers['x-twilio-signature'] = value
    return { ...valid, headers }
  }
  const cases: Array<[string, typeof valid, string, string]> = [
    ['no header', withHeader(undefined), 'FST_TWILIO_MISSING_SIGNATURE', 'missing'],
    ['empty header', withHeader(''), 'FST_TWILIO_MALFORMED_SIGNATURE', 'malformed'],
    ['not base64', withHeader('not a signature, just text!!'), 'FST_TWILIO_MALFORMED_SIGNATURE', 'malformed'],
    ['padding removed', withHeader(signature.replace(/=+$/, '')), 'FST_TWILIO_MALFORMED_SIGNATURE', 'malformed'],
    ['too long', withHeader(signature + signature), 'FST_TWILIO_MALFORMED_SIGNATURE', 'malformed'],
    ['hex instead of base64', withHeader(Buffer.from(signature, 'base64').toString('hex')), 'FST_TWILIO_MALFORMED_SIGNATURE', 'malformed'],
    ['another token', withHeader(sign(ORIGIN + SMS_PATH, smsParams('delivered'), OTHER_TOKEN)), 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch'],
    ['signature of another request', withHeader(formPost(smsParams('delivered')).headers['x-twilio-signature']), 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch'],
    ['a body value changed', { ...valid, payload: valid.payload?.replace('MessageStatus=delivered', 'MessageStatus=failed') }, 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch'],
    ['a body parameter added', { ...valid, payload: `${valid.payload}&Extra=1` }, 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch'],
    ['a query added to the URL', { ...valid, url: `${SMS_PATH}?a=1` }, 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch'],
    ['a trailing slash the signer did not send', { ...valid, url: `${SMS_PATH}/` }, 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch'],
    ['another host', withHeader(sign(`http://evil.example.com${SMS_PATH}`, smsParams('delivered'))), 'FST_TWILIO_INVALID_SIGNATURE', 'mismatch']
  ]

  for (const [name, request, code, reason] of cases) {
    t.test(name, async (t) => {
      const logs = captureLogs()
      const { app, calls } = await setup(t, { authToken: TOKEN }, { logger: { level: 'info', stream: logs.stream }, ignoreTrailingSlash: true })
      const res = await app.inject(request)
      t.equal(res.statusCode, 403)
      t.equal(codeOf(res.body), code)
      t.equal(calls.length, 0, 'no callback ran, not even onAny')

      const warned = logs.lines.filter((line) => line.level === 40 && /signature rejected/.test(line.msg))
      t.equal(warned.length, 1, 'one warning')
      t.equal(warned[0]?.reason, reason)
      const path = request.url
      // A missing or malformed signature is refused before any URL is built.
      t.same(warned[0]?.urls, reason === 'mismatch' ? [`http://${HOST}${path}`, `http://${HOST}:80${path}`] : undefined, 'the URLs tried')
      for (const token of [TOKEN, OTHER_TOKEN]) {
        t.notOk(logs.text().includes(token), 'no token in the logs')
        t.notOk(res.body.includes(token), 'no token in the reply')
      }
    })
  }
})

t.test('a rejected JSON body is logged with its reason', async (t) => {
  const logs = captureLogs()
  const { app, calls } = await setup(t, { authToken: TOKEN }, { logger: { level: 'info', stream: logs.stream } })
  const body = JSON.stringify(callParams('completed'))
  const request = jsonPost(body)
  const res = await app.inject({ ...request, payload: body + '\n' })
  t.equal(res.statusCode, 403)
  t.equal(calls.length, 0)
  const warned = logs.lines.find((line) => line.level === 40 && /signature rejected/.test(line.msg))
  t.equal(warned?.reason, 'body-hash')
  t.notOk(logs.text().includes(TOKEN), 'no token in the logs')
})

t.test('an accepted request logs no warning', async (t) => {
  const logs = captureLogs()
  const { app } = await setup(t, { authToken: TOKEN }, { logger: { level: 'info', stream: logs.stream } })
  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  t.same(logs.lines.filter((line) => line.level >= 40), [])
})
