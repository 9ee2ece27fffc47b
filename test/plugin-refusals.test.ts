/**
 * What a refused request costs and causes, over real HTTP: an unsigned or malformed request is
 * refused before the host's token lookup is asked, the Host (or a trusted X-Forwarded-Host) must
 * be `host[:port]` so that it cannot move a path into the signed URL, and what a refusal logs is
 * bounded in size and in number. Signatures come from the twilio package.
 */
import t from 'tap'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import formbody from '@fastify/formbody'
import twilioStatus from '../lib/index'
import type { FastifyTwilioStatusOptions, TwilioSignatureOptions } from '../types/index'
import {
  captureLogs, encodeForm, formPost, HOST, type LogLine, send, sign, type SignedRequest, smsParams, SMS_PATH, TOKEN
} from './helpers/sign'

const { twilioSignature } = twilioStatus

interface Server {
  readonly port: number
  readonly lines: LogLine[]
  /** Every byte the app logged. */
  readonly logged: () => string
  /** Handlers and callbacks run, by name. */
  readonly ran: string[]
}

/**
 * The plugin's status routes and two host routes behind `twilioSignature()` (`/voice/menu` and
 * `/menu`), on a loopback port, logging at warn into memory.
 */
async function listen (t: tap.Test, verify: TwilioSignatureOptions & Partial<FastifyTwilioStatusOptions>, server: FastifyServerOptions = {}): Promise<Server> {
  const logs = captureLogs()
  const ran: string[] = []
  const app: FastifyInstance = Fastify({ logger: { level: 'warn', stream: logs.stream }, ...server })
  t.teardown(() => app.close())
  await app.register(formbody)
  await app.register(twilioStatus, { ...verify, sms: { onAny: () => { ran.push('sms') } } } as FastifyTwilioStatusOptions)
  const hook = twilioSignature(verify)
  for (const path of ['/voice/menu', '/menu']) {
    app.post(path, { preHandler: hook }, async () => {
      ran.push(path)
      return 'ok'
    })
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: (app.server.address() as { port: number }).port, lines: logs.lines, logged: logs.text, ran }
}

const MENU = { CallSid: 'CA' + '1'.repeat(32), AccountSid: 'AC' + '2'.repeat(32), Digits: '1' }

/** A form POST to a host route, signed over `signedUrl`, sent with `host`. */
function menuPost (target: string, signedUrl: string, host = HOST): SignedRequest {
  return {
    method: 'POST',
    url: target,
    headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(signedUrl, MENU) },
    payload: encodeForm(MENU)
  }
}

function codeOf (body: string): unknown {
  return (JSON.parse(body) as { code?: unknown }).code
}

function warnings (lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level === 40 && /signature rejected/.test(line.msg))
}

t.test('an unsigned or malformed request is refused 403 without asking the token lookup, and logs no error', async (t) => {
  let asked = 0
  const lookup = (): never => {
    asked++
    throw new Error('token store down')
  }
  const server = await listen(t, { authToken: lookup })
  const base = `http://127.0.0.1:${server.port}`
  const body = encodeForm(smsParams('delivered'))
  const signatures: ReadonlyArray<[string, string | undefined, string]> = [
    ['no X-Twilio-Signature', undefined, 'FST_TWILIO_MISSING_SIGNATURE'],
    ['an empty one', '', 'FST_TWILIO_MALFORMED_SIGNATURE'],
    ['text that is not base64', 'not a signature!', 'FST_TWILIO_MALFORMED_SIGNATURE'],
    ['a SHA-256 length with no settings header', 'A'.repeat(43) + '=', 'FST_TWILIO_MALFORMED_SIGNATURE'],
    ['two signatures in one header', `${'A'.repeat(27)}=, ${'A'.repeat(27)}=`, 'FST_TWILIO_MALFORMED_SIGNATURE']
  ]
  for (const path of [SMS_PATH, '/voice/menu']) {
    for (const [name, signature, code] of signatures) {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
      if (signature !== undefined) headers['x-twilio-signature'] = signature
      const res = await fetch(base + path, { method: 'POST', headers, body })
      t.equal(res.status, 403, `${path}, ${name}`)
      t.equal(codeOf(await res.text()), code)
    }
  }
  t.equal(asked, 0, 'the lookup was never asked')
  t.same(server.lines.filter((line) => line.level >= 50), [], 'no error-level line')
  t.same(server.ran, [])

  // A well-formed signature does reach the lookup: the refusals above were not for want of one.
  const res = await fetch(base + SMS_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'A'.repeat(27) + '=' },
    body
  })
  t.equal(codeOf(await res.text()), 'FST_TWILIO_UNKNOWN_ACCOUNT')
  t.equal(asked, 1)
})

t.test('a Host that carries a path is refused 403 FST_TWILIO_INVALID_HOST: a signature captured for /voice/menu does not verify on /menu', async (t) => {
  const server = await listen(t, { authToken: TOKEN })
  const captured = `http://${HOST}/voice/menu`
  t.equal((await send(server.port, menuPost('/voice/menu', captured))).statusCode, 200, 'the genuine request')
  const replayed = await send(server.port, menuPost('/menu', captured, `${HOST}/voice`))
  t.equal(replayed.statusCode, 403)
  t.equal(codeOf(replayed.body), 'FST_TWILIO_INVALID_HOST')
  t.same(server.ran, ['/voice/menu'], 'the replay reached no handler')
  t.match(warnings(server.lines), [{ reason: 'invalid-host', host: `${HOST}/voice` }])
})

t.test('on the plugin\'s status routes a Host with a path, a query or userinfo is refused, even when the signature matches the URL it forms', async (t) => {
  const server = await listen(t, { authToken: TOKEN })
  for (const host of [`${HOST}/api`, `${HOST}?a=`, `${HOST}#`, `user@${HOST}`, `${HOST}:80/api`, `${HOST}%2Fapi`, `${HOST}:http`]) {
    const params = smsParams('delivered')
    const res = await send(server.port, formPost(params, { host, signedUrl: `http://${host}${SMS_PATH}` }))
    t.equal(res.statusCode, 403, host)
    t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_HOST')
  }
  t.same(server.ran, [])
})

t.test('with trustProxy, an X-Forwarded-Host that carries a path is refused the same way, and a plain one still counts', async (t) => {
  const server = await listen(t, { authToken: TOKEN }, { trustProxy: true })
  const captured = `http://${HOST}/voice/menu`
  const replay = menuPost('/menu', captured, 'internal:3000')
  replay.headers['x-forwarded-host'] = `${HOST}/voice`
  const res = await send(server.port, replay)
  t.equal(res.statusCode, 403)
  t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_HOST')
  const genuine = menuPost('/voice/menu', captured, 'internal:3000')
  genuine.headers['x-forwarded-host'] = HOST
  t.equal((await send(server.port, genuine)).statusCode, 200)
  t.same(server.ran, ['/voice/menu'])
})

t.test('with trustProxy, an X-Forwarded-Proto that is not http or https is refused 403 FST_TWILIO_INVALID_HOST: it cannot carry a host and path into the signed URL', async (t) => {
  const server = await listen(t, { authToken: TOKEN }, { trustProxy: true })
  // A signature captured for another URL of the same app, whose text ends in `://h2` + a route.
  const captured = `https://${HOST}/other?next=x://h2`
  const smuggled = (target: string, proto: string, host = 'h2'): SignedRequest => {
    const request = target === SMS_PATH ? formPost(smsParams('delivered'), { signedUrl: captured + target }) : menuPost(target, captured + target)
    request.headers['x-forwarded-proto'] = proto
    request.headers['x-forwarded-host'] = host
    return request
  }
  for (const target of [SMS_PATH, '/menu']) {
    for (const proto of [`https://${HOST}/other?next=x`, `http, https://${HOST}/other?next=x`]) {
      const res = await send(server.port, smuggled(target, proto))
      t.equal(res.statusCode, 403, `${target}, X-Forwarded-Proto: ${proto}`)
      t.equal(codeOf(res.body), 'FST_TWILIO_INVALID_HOST')
    }
  }
  for (const proto of ['ftp', 'wss', 'https:', 'https:/', 'javascript', 'https x']) {
    t.equal(codeOf((await send(server.port, smuggled(SMS_PATH, proto, HOST))).body), 'FST_TWILIO_INVALID_HOST', proto)
  }
  t.same(server.ran, [], 'no callback or handler ran')
  t.match(warnings(server.lines)[0], { reason: 'invalid-host', protocol: `https://${HOST}/other?next=x`, host: 'h2' }, 'the log names the protocol')

  // A proxy's own values still count, in any case, and the last of a list is the one read.
  for (const proto of ['https', 'HTTPS', 'Https', 'http, https']) {
    const genuine = formPost(smsParams('delivered'), { signedUrl: `https://${HOST}${SMS_PATH}`, host: 'internal:3000' })
    genuine.headers['x-forwarded-proto'] = proto
    genuine.headers['x-forwarded-host'] = HOST
    t.equal((await send(server.port, genuine)).statusCode, 200, proto)
  }
  t.equal(server.ran.length, 4)
})

t.test('host[:port], an IPv4 address and a bracketed IPv6 literal (with or without a port) still verify', async (t) => {
  const server = await listen(t, { authToken: TOKEN })
  for (const host of [HOST, `${HOST}:8443`, 'hooks_1.example.com', '203.0.113.7', '203.0.113.7:3000', '[2001:db8::1]', '[2001:db8::1]:8080', '[::ffff:203.0.113.7]']) {
    const res = await send(server.port, formPost(smsParams('delivered'), { host, signedUrl: `http://${host}${SMS_PATH}` }))
    t.equal(res.statusCode, 200, host)
  }
})

t.test('a huge forged request logs a bounded number of bytes', async (t) => {
  const server = await listen(t, { authToken: TOKEN })
  // As long a request target as Node's 16 KiB header limit lets through.
  const target = `${SMS_PATH}?pad=${'a'.repeat(15_000)}`
  const forged = formPost(smsParams('delivered'), { target, signedUrl: `http://elsewhere${target}` })
  t.equal((await send(server.port, forged)).statusCode, 403)
  const [line] = warnings(server.lines)
  t.equal(line.reason, 'mismatch')
  const logged = Buffer.byteLength(server.logged())
  t.ok(logged < 5_000, `${logged} bytes logged for ${target.length} bytes of target`)
  const urls = line.urls as string[]
  t.ok(urls.length >= 2, 'the candidate URLs are still named')
  for (const url of urls) {
    t.ok(url.length <= 1025 && url.endsWith('…'), 'each clipped, and marked so')
    t.match(url, /^http:\/\/hooks\.example\.com(:80)?\/twilio\/sms\/status\?pad=a{900}/, 'from its start')
  }
})

t.test('many refusals log a bounded number of lines: a few per reason', async (t) => {
  const server = await listen(t, { authToken: TOKEN })
  const valid = formPost(smsParams('delivered'))
  const unsigned = { ...valid, headers: { ...valid.headers } }
  delete unsigned.headers['x-twilio-signature']
  const forged = { ...valid, payload: valid.payload?.replace('delivered', 'read') }
  for (let i = 0; i < 100; i++) {
    t.equal((await send(server.port, forged)).statusCode, 403)
    t.equal((await send(server.port, unsigned)).statusCode, 403)
  }
  const lines = warnings(server.lines)
  t.equal(lines.filter((line) => line.reason === 'mismatch').length, 5, 'five mismatch lines')
  t.equal(lines.filter((line) => line.reason === 'missing').length, 5, 'five missing lines')
  t.equal(server.lines.length, 10, 'nothing else')
  t.equal((await send(server.port, valid)).statusCode, 200, 'the server still answers a valid request')
})
