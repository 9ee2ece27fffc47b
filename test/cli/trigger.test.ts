/**
 * trigger: what it sends (signed as the twilio package, the oracle, signs it), and sending it to
 * the plugin on 127.0.0.1 in-process: single events, lifecycles with duplicates and out of
 * order, every method, and the answers printed.
 */
import t from 'tap'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { parseForm } from '../../lib/verify/form'
import { deliver, LIFECYCLES, lifecycleOf, planTrigger, splitTarget, type TriggerOptions } from '../../lib/cli/trigger'
import { OTHER_TOKEN, sha256, TOKEN } from '../helpers/sign'
import { cli, listen } from './helpers'

const base: TriggerOptions = { channel: 'sms', steps: [['delivered', 0]], url: 'http://127.0.0.1:3000', method: 'POST', token: TOKEN, params: {}, seed: 's1' }

async function serve (t: { teardown (fn: () => unknown): void }, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

async function closedPort (): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('lifecycleOf: in order, every event twice, shuffled but never in order', async (t) => {
  t.same(lifecycleOf('sms', { seed: 'x' }), [['queued', 0], ['sent', 1], ['delivered', 2]])
  t.same(lifecycleOf('call', { seed: 'x', duplicates: true }).map(([s]) => s), ['initiated', 'initiated', 'ringing', 'ringing', 'in-progress', 'in-progress', 'completed', 'completed'])
  for (let seed = 0; seed < 40; seed++) {
    for (const duplicates of [false, true]) {
      const steps = lifecycleOf('sms', { seed: String(seed), duplicates, outOfOrder: true })
      const places = steps.map(([, place]) => place)
      t.not(places.join(), [...places].sort().join(), `seed ${seed}${duplicates ? ', duplicates' : ''}: out of order`)
      t.same([...places].sort(), duplicates ? [0, 0, 1, 1, 2, 2] : [0, 1, 2], 'every event sent')
    }
  }
  t.same(lifecycleOf('call', { seed: 'a', outOfOrder: true }), lifecycleOf('call', { seed: 'a', outOfOrder: true }), 'the same seed, the same order')
  t.same(lifecycleOf('amd', { seed: 'a', outOfOrder: true }), [['human', 0]], 'one event stays as it is')
  t.same(LIFECYCLES.sms, ['queued', 'sent', 'delivered'])
  t.same(LIFECYCLES.call, ['initiated', 'ringing', 'in-progress', 'completed'])
})

t.test('splitTarget: the origin, and the route when the URL names one', async (t) => {
  t.same(splitTarget('http://127.0.0.1:3000'), { scheme: 'http', authority: '127.0.0.1:3000', route: undefined })
  t.same(splitTarget('HTTPS://h.example.com/'), { scheme: 'https', authority: 'h.example.com', route: undefined })
  t.same(splitTarget('http://h/api/sms?tenant=a#rc=3'), { scheme: 'http', authority: 'h', route: '/api/sms?tenant=a' })
  t.throws(() => splitTarget('127.0.0.1:3000'), { exitCode: 2, message: /--url is http\(s\):\/\/host\[:port\]\[\/path\], got "127\.0\.0\.1:3000"/ })
  t.throws(() => splitTarget('ftp://h/'), /--url is http/)
})

t.test('planTrigger: signed as twilio signs it', async (t) => {
  const [post] = planTrigger(base).requests
  const params = parseForm(post.payload as string)
  t.equal(post.url, '/twilio/sms/status')
  t.equal(post.headers.host, '127.0.0.1:3000')
  t.equal(post.headers['x-twilio-signature'], getExpectedTwilioSignature(TOKEN, 'http://127.0.0.1:3000/twilio/sms/status', params))
  t.equal(params.MessageStatus, 'delivered')
  t.equal(post.subject, `MessageSid=${params.MessageSid as string}`)
  t.equal(post.label, 'sms delivered')
  t.equal(planTrigger(base).requests[0].subject, post.subject, 'the same seed, the same Sid')
  t.not(planTrigger({ ...base, seed: 's2' }).requests[0].subject, post.subject)

  const publicUrl = planTrigger({ ...base, publicUrl: 'https://hooks.example.com/api/', url: 'https://10.0.0.1:8443' })
  const [behind] = publicUrl.requests
  t.equal(publicUrl.origin, 'https://10.0.0.1:8443')
  t.equal(behind.headers['x-twilio-signature'], getExpectedTwilioSignature(TOKEN, 'https://hooks.example.com/api/twilio/sms/status', parseForm(behind.payload as string)))
  t.notOk('x-forwarded-proto' in behind.headers, 'no X-Forwarded-Proto: Twilio sends none')

  const [get] = planTrigger({ ...base, method: 'GET', url: 'http://h/custom?tenant=a' }).requests
  t.match(get.url, /^\/custom\?tenant=a&AccountSid=/)
  t.equal(get.payload, undefined)
  t.equal(get.headers['x-twilio-signature'], getExpectedTwilioSignature(TOKEN, `http://h${get.url}`, {}))

  const [json] = planTrigger({ ...base, method: 'JSON' }).requests
  t.equal(json.url, `/twilio/sms/status?bodySHA256=${sha256(json.payload as string)}`)
  t.equal(json.headers['content-type'], 'application/json')

  const [sid, omitted] = planTrigger({ ...base, steps: [['delivered', 0], ['failed', 0]], params: { MessageSid: 'SM' + 'e'.repeat(32), ErrorCode: undefined, Extra: ['1', '2'] } }).requests
  t.equal(sid.subject, `MessageSid=SM${'e'.repeat(32)}`, '--param MessageSid wins')
  t.notOk('ErrorCode' in parseForm(omitted.payload as string), '--omit removes a parameter')
  t.same(parseForm(sid.payload as string).Extra, ['1', '2'], 'a repeated --param is sent repeated')
  t.equal(planTrigger({ ...base, sid: 'SMgiven' }).requests[0].subject, 'MessageSid=SMgiven')

  const conference = planTrigger({ ...base, channel: 'conference', steps: [['conference-start', 0], ['participant-join', 1]] }).requests
  t.same(conference.map((r) => parseForm(r.payload as string).SequenceNumber), ['1', '2'], 'each event numbered by its place')
  const fixed = planTrigger({ ...base, channel: 'conference', steps: [['conference-start', 0]], params: { SequenceNumber: '9' } }).requests
  t.equal(parseForm(fixed[0].payload as string).SequenceNumber, '9')

  t.equal(post.signedUrl, 'http://127.0.0.1:3000/twilio/sms/status', 'the URL the signature covers')
  t.equal(behind.signedUrl, 'https://hooks.example.com/api/twilio/sms/status', 'publicUrl, then the target')
  t.equal(get.signedUrl, `http://h${get.url}`)
  t.equal(json.signedUrl, `http://127.0.0.1:3000${json.url}`, 'with bodySHA256')

  const [batch] = planTrigger({ ...base, channel: 'eventStreams', steps: [['com.twilio.messaging.message.delivered', 0]], params: { source: '/mine', dataschema: undefined }, sid: 'EZgiven' }).requests
  const events = JSON.parse(batch.payload as string) as Array<Record<string, unknown>>
  t.match(events, [{ type: 'com.twilio.messaging.message.delivered', id: 'EZgiven', source: '/mine' }])
  t.notOk('dataschema' in events[0])
  t.equal(batch.url, `/twilio/event-streams?bodySHA256=${sha256(batch.payload as string)}`)
  t.equal(batch.subject, 'id=EZgiven')
  t.match(planTrigger({ ...base, channel: 'eventStreams', steps: [['com.twilio.voice.status-callback.call.ringing', 0]] }).requests[0].subject, /^id=EZ[0-9a-f]{32}$/)
})

t.test('trigger: TaskRouter events, Verify webhooks and the Debugger, each answered 204 and run once', async (t) => {
  const [verify, again] = planTrigger({ ...base, channel: 'verify', steps: [['factor.created', 0], ['factor.verified', 1]] }).requests
  t.match(verify.subject, /^uuid=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/, 'a Verify webhook is named by a uuid')
  t.not(again.subject, verify.subject, 'one uuid per webhook')
  t.equal(planTrigger({ ...base, channel: 'verify', steps: [['factor.created', 0]] }).requests[0].subject, verify.subject, 'the same seed, the same uuid')
  t.match(planTrigger({ ...base, channel: 'debugger', steps: [['error', 0]] }).requests[0].subject, /^Sid=NO[0-9a-f]{32}$/)

  const ran: string[] = []
  const { url } = await listen(t, {
    taskrouter: { onAny: (event) => { ran.push(event.EventType) } },
    verify: { onAny: (event) => { ran.push(event.type) } },
    debugger: { onError: (event) => { ran.push(`${event.Level} ${String(event.parsed.Payload?.error_code)}`) } }
  })
  const lifecycle = await cli(['trigger', 'taskrouter', '--lifecycle', '--duplicates', '--url', url, '--seed', 'tr'])
  t.equal(lifecycle.code, 0)
  t.match(lifecycle.stdout, /← 204 No Content {2}application\/json {2}\d+ ms/)
  t.match(lifecycle.stdout, /\n10 sent: 10 answered 2xx\n$/)
  t.equal((await cli(['trigger', 'verify', 'challenge.approved', '--url', url])).code, 0)
  t.equal((await cli(['trigger', 'debugger', 'error', '--url', url])).code, 0)
  t.same(ran, [...LIFECYCLES.taskrouter, 'challenge.approved', 'error 11200'])
})

t.test('deliver: the answer, or exit 3 when the app cannot be reached in time', async (t) => {
  const url = await serve(t, (req, res) => {
    if (req.url === '/big') res.end('x'.repeat(100 * 1024))
    else if (req.url === '/slow') setTimeout(() => res.end(), 2000)
    else res.end('plain\n')
  })
  const request = { method: 'POST' as const, url: '/', headers: {}, payload: 'A=€' }
  const plain = await deliver(url, request, 1000)
  t.match(plain, { status: 200, statusText: 'OK', contentType: undefined, body: 'plain\n' })
  t.equal((await deliver(url, { ...request, url: '/big' }, 1000)).body.length, 64 * 1024, 'at most 64 KiB of an answer')
  await t.rejects(deliver(url, { ...request, url: '/slow' }, 50), { exitCode: 3, message: new RegExp(`${url} did not answer within 50 ms`) })
  const port = await closedPort()
  await t.rejects(deliver(`http://127.0.0.1:${port}`, request, 1000), { exitCode: 3, message: /cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/ })
  await t.rejects(deliver(`https://127.0.0.1:${port}`, request, 1000), { exitCode: 3, message: /ECONNREFUSED/ }, 'https too')
  await t.rejects(deliver(`http://[::1]:${port}`, request, 1000), { exitCode: 3, message: /cannot reach http:\/\/\[::1\]/ }, 'an IPv6 literal')
})

t.test('trigger, the command, against the plugin on 127.0.0.1', async (t) => {
  const { url, calls, logs } = await listen(t)

  t.test('one event: the request, the answer and its body', async (t) => {
    const ran = await cli(['trigger', 'sms', 'delivered', '--url', url, '--seed', 'one'])
    t.equal(ran.code, 0)
    t.match(ran.stdout, new RegExp(`^→ POST ${url}/twilio/sms/status {2}sms delivered {2}MessageSid=SM[0-9a-f]{32}\\n← 200 OK {2}text/xml {2}\\d+ ms\\n<\\?xml version="1\\.0" encoding="UTF-8"\\?><Response/>\\n$`))
    t.equal(ran.stderr, '')
    t.same(calls.splice(0), ['sms delivered'])
  })

  t.test('a lifecycle with duplicates, out of order: each event runs once', async (t) => {
    const ran = await cli(['trigger', 'call', '--lifecycle', '--duplicates', '--out-of-order', '--url', url, '--seed', 'life', '--delay', '1'])
    t.equal(ran.code, 0)
    t.match(ran.stdout, /^→ 1\/8 POST /)
    t.match(ran.stdout, /\n8 sent: 8 answered 2xx\n$/)
    t.same(calls.splice(0).sort(), ['call completed', 'call in-progress', 'call initiated', 'call ringing'])
  })

  t.test('GET, JSON, Event Streams, a conference', async (t) => {
    t.equal((await cli(['trigger', 'sms', 'sent', '--method', 'GET', '--url', url])).code, 0)
    t.equal((await cli(['trigger', 'sms', 'sent', '--method', 'JSON', '--url', url, '--param', 'Body=hi', '--omit', 'ApiVersion'])).code, 0)
    const batch = await cli(['trigger', 'event-streams', 'message.delivered', '--url', url])
    t.equal(batch.code, 0)
    t.match(batch.stdout, /← 20\d /)
    t.notMatch(batch.stdout, /sent:/, 'one event without --lifecycle: no summary')
    t.equal((await cli(['trigger', 'conference', '--lifecycle', '--url', url])).code, 0)
    t.same(calls.splice(0), [
      'sms sent', 'sms sent', 'eventStreams com.twilio.messaging.message.delivered',
      'conference conference-start', 'conference participant-join', 'conference participant-leave', 'conference conference-end'
    ])
  })

  t.test('a wrong token: 403, exit 1, a hint, and the plugin\'s warn log points to explain', async (t) => {
    const ran = await cli(['trigger', 'sms', '--lifecycle', '--url', url, '--token', 'wrong'])
    t.equal(ran.code, 1)
    t.match(ran.stdout, /← 403 Forbidden .*"code":"FST_TWILIO_INVALID_SIGNATURE"/)
    t.match(ran.stdout, /\n3 sent: 0 answered 2xx, 3 not \(403\)\n$/)
    t.match(ran.stderr, /^403: the app refused the signature\. Is --token its authToken[\s\S]*fastify-twilio-status explain/)
    t.notOk(ran.stdout.includes('wrong') || ran.stderr.includes('wrong'), 'the token is not printed')
    const warn = logs.lines.find((line) => line.level === 40)
    t.match(warn?.msg, /signature rejected \(run `npx fastify-twilio-status explain` with the request to see why\)/)
    t.same(calls, [])
  })

  t.test('--verbose shows what is sent; colour on a terminal only', async (t) => {
    const verbose = await cli(['trigger', 'sms', 'read', '--url', url, '-v', '--param', 'Body=x'])
    t.match(verbose.stdout, /\n {2}target: \/twilio\/sms\/status\n {2}host: 127\.0\.0\.1:\d+\n {2}content-type: application\/x-www-form-urlencoded\n {2}x-twilio-signature: .{27}=\n {2}body: AccountSid=/)
    t.match(verbose.stdout, new RegExp(`\\n {2}signed URL: ${url}/twilio/sms/status\\n {2}target: `), 'the URL the signature covers')
    const get = await cli(['trigger', 'sms', 'read', '--url', url, '-v', '--method', 'GET', '--seed', 'get'])
    t.notMatch(get.stdout, /body:/, 'a GET has no body')
    t.match(get.stdout, new RegExp(`\\n {2}signed URL: ${url}/twilio/sms/status\\?AccountSid=[^\\n…]+&To=[^\\n…]+\\n`), 'a GET\'s whole URL, query included')
    const behind = await cli(['trigger', 'sms', 'read', '--url', url, '-v', '--public-url', 'https://hooks.example.com/api/', '--seed', 'pub'])
    t.match(behind.stdout, /\n {2}signed URL: https:\/\/hooks\.example\.com\/api\/twilio\/sms\/status\n/, 'publicUrl, as the app rebuilds it')
    t.equal(behind.code, 1, 'the app sets no publicUrl: refused')
    t.match(get.stdout, /\/twilio\/sms\/status\?… {2}sms read/, 'a long query is shortened')
    const coloured = await cli(['trigger', 'sms', 'sent', '--url', url, '--seed', 'c'], { color: true })
    t.ok(coloured.stdout.includes('\u001b[32m200 OK\u001b[39m'), 'a 2xx in green')
    const refused = await cli(['trigger', 'sms', 'sent', '--url', url, '--token', 'x'], { color: true })
    t.ok(refused.stdout.includes('\u001b[31m403 Forbidden\u001b[39m'), 'another in red')
    const plain = await cli(['trigger', 'sms', 'sent', '--url', url, '--no-color', '--seed', 'd'], { color: true })
    t.notOk(plain.stdout.includes('\u001b['))
    calls.splice(0)
  })

  t.test('a lifecycle of one event (amd, transcription) is summed up as the others are', async (t) => {
    const one = await listen(t, { amd: { onAny: () => {} }, transcription: { onAny: () => {} } })
    for (const channel of ['amd', 'transcription']) {
      const ran = await cli(['trigger', channel, '--lifecycle', '--url', one.url])
      t.equal(ran.code, 0, ran.stderr)
      t.match(ran.stdout, new RegExp(`^→ 1/1 POST ${one.url}/twilio/${channel}/status {2}${channel} \\S+ .*\\n← 200 OK .*\\n1 sent: 1 answered 2xx\\n$`), channel)
    }
    const refused = await cli(['trigger', 'amd', '--lifecycle', '--url', one.url, '--token', OTHER_TOKEN])
    t.match(refused, { code: 1, stdout: /\n1 sent: 0 answered 2xx, 1 not \(403\)\n$/ })
  })

  t.test('an answer cannot drive the terminal: control characters are escaped, lines kept', async (t) => {
    const fake = '\u001b[2J\u001b[H✓ Verifies\r\u009b1m\u0007'
    const other = await serve(t, (_req, res) => {
      // Written as UTF-8 (C2 9B), read back as latin1: a C1 control (CSI) in the header's value.
      res.setHeader('content-type', 'text/plain; a=\u009b')
      res.end(`line one\n\tline two ${fake}`)
    })
    for (const args of [[], ['--lifecycle']]) {
      const ran = await cli(['trigger', 'sms', ...(args.length === 0 ? ['sent'] : args), '--url', `${other}/x`, '--seed', '\u001b[31m', '--sid', 'SM\u001b[2J', '-v'])
      t.notMatch(ran.stdout, /(?![\t\n])\p{Cc}/u, `${args.join(' ') || 'one event'}: no control character but line breaks and tabs`)
      t.ok(ran.stdout.includes('\\x1b[2J\\x1b[H✓ Verifies\\r\\x9b1m\\x07'), 'the answer shown, escaped')
      t.ok(ran.stdout.includes('MessageSid=SM\\x1b[2J'), 'the Sid too')
      t.ok(ran.stdout.includes('text/plain; a=Â\\x9b'), 'a header of the answer too')
    }
    const one = await cli(['trigger', 'sms', 'sent', '--url', `${other}/x`])
    t.match(one.stdout, /\nline one\n\tline two \\x1b\[2J/, 'a single answer\'s body keeps its lines')
  })

  t.test('answers other than the plugin\'s', async (t) => {
    const other = await serve(t, (req, res) => {
      if (req.url === '/fail') {
        res.statusCode = 500
        res.end()
      } else {
        res.end('ok\n')
      }
    })
    const ok = await cli(['trigger', 'sms', 'sent', '--url', `${other}/ok`])
    t.match(ok.stdout, /← 200 OK {2}\d+ ms\nok\n$/, 'no content type, a body ending in a newline')
    const failed = await cli(['trigger', 'sms', 'sent', '--url', `${other}/fail`])
    t.equal(failed.code, 1)
    t.match(failed.stdout, /← 500 Internal Server Error {2}\d+ ms\n$/)
    t.equal(failed.stderr, '', 'no 403 hint')
    const unreachable = await cli(['trigger', 'sms', 'sent', '--url', `http://127.0.0.1:${await closedPort()}`])
    t.equal(unreachable.code, 3)
    t.match(unreachable.stderr, /^fastify-twilio-status: cannot reach .*ECONNREFUSED 127\.0\.0\.1:\d+\n$/)
  })

  t.test('usage errors and --help', async (t) => {
    const cases: Array<[string[], RegExp]> = [
      [['trigger'], /a channel is needed/],
      [['trigger', 'sms'], /a status is needed/],
      [['trigger', 'sms', 'sent', 'extra'], /unexpected "extra"/],
      [['trigger', 'sms', 'sent', '--lifecycle'], /unexpected "sent": --lifecycle sends every status/],
      [['trigger', 'sms', 'sent', '--duplicates'], /go with --lifecycle/],
      [['trigger', 'sms', 'sent', '--out-of-order'], /go with --lifecycle/],
      [['trigger', 'eventStreams', 'message.sent', '--method', 'GET'], /Event Streams sends JSON batches/],
      [['trigger', 'eventStreams', '--lifecycle', '--sid', 'EZ1'], /use --seed with --lifecycle/],
      [['trigger', 'sms', 'sent', '--delay', 'soon'], /--delay takes a whole number/],
      [['trigger', 'sms', 'sent', '--timeout', '0'], /--timeout takes a whole number from 1/],
      [['trigger', 'sms', 'sent', '--public-url', 'hooks.example.com'], /--public-url must be an absolute http\(s\) URL such as "https:\/\/hooks\.example\.com", as the app's publicUrl option/],
      [['trigger', 'sms', 'sent', '--public-url', 'https://hooks.example.com/?a=1'], /--public-url must be an http\(s\) origin or base URL without credentials, query or fragment/]
    ]
    for (const [argv, message] of cases) {
      const ran = await cli(argv)
      t.equal(ran.code, 2, argv.join(' '))
      t.match(ran.stderr, message)
    }
    const noToken = await cli(['trigger', 'sms', 'sent'], { env: {} })
    t.match(noToken, { code: 2, stderr: /no Auth Token/ })
    const help = await cli(['trigger', '--help'])
    t.equal(help.code, 0)
    t.match(help.stdout, /^Usage: fastify-twilio-status trigger <channel> <status>[\s\S]*\n {2}sms {20}accepted, scheduled,[\s\S]*sms queued → sent → delivered,\n\s+call initiated → ringing → in-progress → completed/)
    t.ok(help.stdout.split('\n').every((line) => line.length <= 100), 'help fits a terminal')
  })
})

t.test('trigger: Conversations events and the assignment callback, each answered with its decision', async (t) => {
  const [add, added] = planTrigger({ ...base, channel: 'conversations', steps: [['onConversationAdd', 0], ['onMessageAdded', 1]] }).requests
  t.notOk('ConversationSid' in parseForm(add.payload as string), 'a conversation being added has no Sid yet')
  t.match(parseForm(added.payload as string).ConversationSid, /^CH[0-9a-f]{32}$/)
  t.same(LIFECYCLES.conversations, ['onConversationAdd', 'onConversationAdded', 'onMessageAdd', 'onMessageAdded'])

  const decided: string[] = []
  const { url } = await listen(t, {
    conversations: {
      onMessageAdd: (event) => { decided.push(event.EventType); return { body: 'edited' } },
      onAny: (event) => { decided.push(`any ${event.EventType}`) }
    },
    taskrouterAssignment: { onAssignment: () => ({ instruction: 'accept' }) }
  })
  const lifecycle = await cli(['trigger', 'conversations', '--lifecycle', '--url', url])
  t.equal(lifecycle.code, 0)
  t.match(lifecycle.stdout, /onConversationAdd {2}no ConversationSid\n← 200 OK {2}application\/json; charset=utf-8 {2}\d+ ms {2}\{\}\n/)
  t.match(lifecycle.stdout, /onMessageAdd {2}ConversationSid=CH[0-9a-f]{32}\n← 200 OK {2}application\/json; charset=utf-8 {2}\d+ ms {2}\{"body":"edited"\}\n/)
  t.match(lifecycle.stdout, /\n4 sent: 4 answered 2xx\n$/)
  t.same(decided, ['any onConversationAdd', 'any onConversationAdded', 'onMessageAdd', 'any onMessageAdd', 'any onMessageAdded'])
  const assigned = await cli(['trigger', 'taskrouter-assignment', 'assignment', '--url', url])
  t.equal(assigned.code, 0)
  t.match(assigned.stdout, /ReservationSid=WR[0-9a-f]{32}\n← 200 OK {2}application\/json[^\n]*\n\{"instruction":"accept"\}/)
})

t.test('trigger --header: an app that also asks for Twilio HTTP authentication is answered 2xx, the credential never printed', async (t) => {
  const ran: string[] = []
  const { url } = await listen(t, { auth: { basic: [{ username: 'twilio', password: 's3cret-pass' }] }, sms: { onDelivered: (event) => { ran.push(event.MessageStatus) } } })
  const basic = `Basic ${Buffer.from('twilio:s3cret-pass').toString('base64')}`
  const without = await cli(['trigger', 'sms', 'delivered', '--url', url])
  t.equal(without.code, 1, 'without the credentials: 401')
  t.match(without.stdout, /← 401/)
  const sent = await cli(['trigger', 'sms', 'delivered', '--url', url, '--header', `Authorization: ${basic}`, '-v'])
  t.equal(sent.code, 0)
  t.match(sent.stdout, /authorization: Basic \(hidden\)/)
  t.notMatch(sent.stdout, /s3cret|dHdpbGlv/, 'neither the password nor its base64 is printed')
  t.same(ran, ['delivered'])
  t.same(planTrigger({ ...base, headers: { 'x-extra': '1' } }).requests[0].headers['x-extra'], '1')
  t.same(planTrigger({ ...base, headers: { 'x-forwarded-proto': 'https' } }).requests[0].headers['x-forwarded-proto'], 'https', 'an X-Forwarded-Proto given is sent')
})

t.test('trigger --header refuses a malformed header, one trigger signs or frames, and a name given twice (exit 2)', async (t) => {
  for (const [header, message] of [
    ['Authorization', /--header is 'Name: value'/],
    ['Bad Name: x', /--header is 'Name: value'/],
    ['X-A: one\rtwo', /--header is 'Name: value'/],
    ['Host: evil.example.com', /--header Host: trigger sets it from the request it signs/],
    ['X-Twilio-Signature: abc', /trigger sets it/],
    ['Content-Type: text/plain', /trigger sets it/]
  ] as const) {
    const run = await cli(['trigger', 'sms', 'delivered', '--header', header])
    t.equal(run.code, 2, header)
    t.match(run.stderr, message)
  }
  const twice = await cli(['trigger', 'sms', 'delivered', '--header', 'Constructor: 1', '--header', 'constructor: 2'])
  t.equal(twice.code, 2)
  t.match(twice.stderr, /--header constructor is given twice/)
  t.equal((await cli(['trigger', 'sms', 'delivered', '--url', 'http://127.0.0.1:1', '--header', 'Constructor: 1'])).code, 3, 'a name like a prototype property is a header like any other')
})
