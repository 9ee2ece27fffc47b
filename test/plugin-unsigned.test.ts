/**
 * No request without a valid signature gets a 5xx or writes an error-level log line, on any route
 * the plugin or its hook guards, whatever its method, content type or body: every route the app
 * has (the plugin's status, Event Streams and `webhooks` routes, and host routes behind
 * `twilioSignature()`, with and without its preParsing hook and behind a body schema; again with
 * a token lookup that throws or rejects, and SharedKeys) gets every method it accepts and one it
 * does not, with each body below, over real HTTP.
 */
import { Agent, request as httpRequest } from 'node:http'
import t from 'tap'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import twilioStatus from '../lib/index'
import { CHANNELS } from '../lib/families/index'
import { captureLogs, HOST, TOKEN } from './helpers/sign'

const { twilioSignature } = twilioStatus

/** The methods Fastify routes (`app.all`). */
const METHODS = ['GET', 'HEAD', 'TRACE', 'DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST']

const MULTIPART = '--X\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\nCA1\r\n--X--\r\n'

/** [content type (`undefined`: none), body (`undefined`: none)] */
const BODIES: ReadonlyArray<readonly [string | undefined, string | undefined]> = [
  [undefined, undefined],
  [undefined, 'CallSid=CA1'],
  ['application/x-www-form-urlencoded', ''],
  ['application/x-www-form-urlencoded', 'CallSid=CA1&CallStatus=completed&MessageSid=SM1&MessageStatus=delivered&SequenceNumber=3'],
  ['application/x-www-form-urlencoded', 'CallSid=%E0%A4&a&&=&=='],
  ['application/x-www-form-urlencoded; charset=ISO-8859-1', 'From=Sull%E9'],
  ['application/json', '{}'],
  ['application/json', '[]'],
  ['application/json', 'null'],
  ['application/json', '3'],
  ['application/json', '{"CallSid":"CA1","SequenceNumber":3,"nested":{"a":[1,{}]}}'],
  ['application/json', '{"__proto__":{"polluted":1}}'],
  ['application/json', 'not json'],
  ['application/json', ''],
  ['application/cloudevents-batch+json', '[{"id":"1","type":"com.twilio.messaging.message.delivered","data":{}}]'],
  ['application/cloudevents+json', '{"id":"1","type":"x","data":{"a":1}}'],
  ['text/plain', 'hello'],
  ['multipart/form-data; boundary=X', MULTIPART],
  ['garbage', 'garbage'],
  ['application/', '{}'],
  [';;', 'x'],
  ['text/html; charset="', '<p>'],
  ['x/y\u00e9', '\u00e9']
]

/**
 * No header; no signature an HMAC can have; one of the right shape no token made (which reaches
 * a token lookup); an algorithm Twilio does not use; a SharedKey the app has, and one it has not.
 */
const SIGNATURES: ReadonlyArray<Record<string, string>> = [
  {},
  { 'x-twilio-signature': 'not a signature' },
  { 'x-twilio-signature': 'A'.repeat(27) + '=' },
  { 'x-twilio-signature': 'A'.repeat(43) + '=', 'x-twilio-webhooks-signature-settings': 'algorithm=HMAC_SHA512' },
  { 'x-twilio-signature': 'A'.repeat(43) + '=', 'x-twilio-webhooks-signature-settings': 'key=k1,algorithm=HMAC_SHA256' },
  { 'x-twilio-signature': 'A'.repeat(27) + '=', 'x-twilio-webhooks-signature-settings': 'key=gone,algorithm=HMAC_SHA1' }
]

interface Answer { status: number, body: string }

function send (agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  // Node's client frames a DELETE's or an OPTIONS' body only with an explicit length.
  const length: Record<string, string> = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, host: '127.0.0.1', port, method, path, headers: { host: HOST, ...length, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode as number, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test('no request without a valid signature gets a 5xx or an error-level log, on any guarded route, with any method, content type or body', async (t) => {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'trace', stream: logs.stream } })
  t.teardown(() => app.close())
  const routes: Array<{ url: string, methods: string[] }> = []
  app.addHook('onRoute', (route) => {
    routes.push({ url: route.url, methods: ([] as string[]).concat(route.method) })
  })
  const ran: string[] = []
  const record = (name: string) => () => { ran.push(name) }

  // The host: the README's voice app (preHandler only), a schema'd form, JSON, GET and any method.
  await app.register(formbody)
  const verify = twilioSignature({ authToken: TOKEN })
  const both = { preParsing: verify.preParsing, preHandler: verify }
  app.post('/voice/incoming', { preHandler: verify }, async () => { ran.push('/voice/incoming'); return 'ran' })
  app.post('/voice/menu', { ...both, schema: { body: { type: 'object', properties: { SequenceNumber: { type: 'integer' }, Digits: { type: 'string', default: '0' } } } } }, async () => { ran.push('/voice/menu'); return 'ran' })
  app.post('/studio/json', both, async () => { ran.push('/studio/json'); return 'ran' })
  app.get('/voice/status', { preHandler: verify }, async () => { ran.push('/voice/status'); return 'ran' })
  app.all('/any', both, async () => { ran.push('/any'); return 'ran' })

  // The plugin: every family's status route, Event Streams, and TwiML webhooks.
  const families = Object.fromEntries(CHANNELS.map((channel) => [channel, { onAny: record(channel) }]))
  await app.register(twilioStatus, {
    authToken: TOKEN,
    ...families,
    webhooks: [
      { url: '/twilio/gather', method: ['GET', 'POST'], handler: record('/twilio/gather') },
      { url: '/twilio/menu', handler: record('/twilio/menu') }
    ]
  })
  // The same again behind a token lookup that throws, or rejects, and SharedKeys: a request with a
  // well-formed signature reaches the lookup, whose failure must not be logged at error either.
  let asked = 0
  const failing = (): never => { asked++; throw new Error('token store down') }
  const rejecting = async (): Promise<never> => { asked++; throw new Error('token store timeout') }
  const sharedKeys = { k1: 'a SharedKey secret of the host' }
  const viaLookup = twilioSignature({ authToken: rejecting, sharedKeys })
  app.post('/lookup/voice', { preParsing: viaLookup.preParsing, preHandler: viaLookup }, async () => { ran.push('/lookup/voice'); return 'ran' })
  app.get('/lookup/status', { preHandler: viaLookup }, async () => { ran.push('/lookup/status'); return 'ran' })
  await app.register(twilioStatus, {
    prefix: '/lookup',
    authToken: failing,
    sharedKeys,
    sms: { onAny: record('lookup sms') },
    eventStreams: { onAny: record('lookup eventStreams') },
    webhooks: [{ url: '/twilio/gather', method: ['GET', 'POST'], handler: record('/lookup/twilio/gather') }]
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const agent = new Agent({ keepAlive: true, maxSockets: 8 })
  t.teardown(() => agent.destroy())

  // Each URL with every method a route of it accepts, and one it does not (a 404 must not be a 5xx either).
  const accepted = new Map<string, Set<string>>()
  for (const { url, methods } of routes) accepted.set(url, new Set([...accepted.get(url) ?? [], ...methods]))
  const urls = [...accepted.keys()]
  t.ok(urls.length >= CHANNELS.length + 12, `every route is tried (${urls.length})`)
  const statuses = new Map<number, number>()
  let sent = 0
  const failures: string[] = []
  for (const url of urls) {
    const methods = accepted.get(url) as Set<string>
    for (const method of [...methods, METHODS.find((other) => !methods.has(other)) as string]) {
      const tries: Array<Promise<void>> = []
      for (const [type, body] of BODIES) {
        for (const signature of SIGNATURES) {
          const headers: Record<string, string> = { ...signature }
          if (type !== undefined) headers['content-type'] = type
          tries.push(send(agent, port, method, url, headers, body).then(({ status, body: answer }) => {
            sent++
            statuses.set(status, (statuses.get(status) ?? 0) + 1)
            if (status < 400 || status >= 500) failures.push(`${method} ${url} ${String(type)} ${JSON.stringify(body)} ${JSON.stringify(signature)}: ${status} ${answer}`)
          }, (err: Error) => { failures.push(`${method} ${url} ${String(type)} ${JSON.stringify(body)} ${JSON.stringify(signature)}: ${err.message}`) }))
        }
      }
      await Promise.all(tries)
    }
    // A body over the limit, unsigned.
    const big = await send(agent, port, 'POST', url, { 'content-type': 'application/x-www-form-urlencoded' }, 'a=' + 'x'.repeat(2 * 1024 * 1024))
    if (big.status < 400 || big.status >= 500) failures.push(`POST ${url} oversize: ${big.status}`)
  }
  t.same(failures, [], `${sent} requests, each answered 4xx (by status: ${JSON.stringify(Object.fromEntries(statuses))})`)
  t.same(ran, [], 'no handler or callback ran')
  t.ok(asked > 0, `the failing token lookups were asked (${asked} times)`)
  t.ok(logs.lines.some((line) => line.reason === 'lookup-failed' && line.level === 40), 'their failure is logged, at warn')
  const errors = logs.lines.filter((line) => line.level >= 50)
  t.same(errors, [], 'nothing logged at error or above')
  t.notMatch(logs.text(), TOKEN, 'no token in any log line')
  t.notMatch(logs.text(), sharedKeys.k1, 'no SharedKey secret either')
})
