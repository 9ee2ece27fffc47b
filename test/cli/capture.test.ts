/**
 * Captured requests for explain: raw HTTP as inspectors show it, what the real curl binary
 * prints (-v, --trace-ascii -, --trace -) against servers on 127.0.0.1, and JSON from logs.
 */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseCapture } from '../../lib/cli/capture'
import { curl, httpSink, tlsSink } from '../helpers/curl'

t.test('raw HTTP: request line, headers, the body', async (t) => {
  const c = parseCapture('\n\nPOST /twilio/sms/status HTTP/1.1\r\nHost: hooks.example.com\r\nX-Twilio-Signature: abc=\r\nVia: a\r\nvia: b\r\n\r\nA=1&B=2\r\n')
  t.same(c, { method: 'POST', url: undefined, target: '/twilio/sms/status', headers: { host: 'hooks.example.com', 'x-twilio-signature': 'abc=', via: 'a, b' }, body: 'A=1&B=2', namesToken: false })
  const curl = parseCapture('> POST /x HTTP/2\n> Host: h\n> content-type: application/json\n>\n\n{"a":1}')
  t.match(curl, { method: 'POST', target: '/x', headers: { host: 'h', 'content-type': 'application/json' } })
  t.equal(curl.body, '{"a":1}')
  t.match(parseCapture('post https://h.example.com/x?y=1'), { method: 'POST', url: 'https://h.example.com/x?y=1', target: undefined, body: undefined })
})

t.test('raw HTTP: Content-Length bounds the body (in bytes); without it a final newline is the editor\'s', async (t) => {
  t.equal(parseCapture('POST / HTTP/1.1\nContent-Length: 6\n\nBody=€xyz').body, 'Body=€'.slice(0, 5) + '\ufffd', 'bytes, not characters')
  t.equal(parseCapture('POST / HTTP/1.1\nContent-Length: 4\n\n{}\n\nrest').body, '{}\n\n')
  t.equal(parseCapture('POST / HTTP/1.1\nContent-Length: x\n\nA=1\n').body, 'A=1', 'an unusable Content-Length is ignored')
  t.equal(parseCapture('POST / HTTP/1.1\n\nA=1\n\n').body, 'A=1\n')
})

t.test('raw HTTP: what is not a request', async (t) => {
  t.throws(() => parseCapture('hello there'), { exitCode: 2, message: /not a request: expected a raw HTTP request/ })
  t.throws(() => parseCapture('POST / HTTP/1.1\nno colon here\n\n'), /not a header line in the request: "no colon here"/)
})

t.test('JSON: a request copied from a log', async (t) => {
  t.same(parseCapture(JSON.stringify({
    method: 'POST',
    url: 'https://hooks.example.com/x',
    headers: { 'X-Twilio-Signature': 'sig=', Accept: ['a', 'b'] },
    body: 'A=1',
    params: { A: '1', R: ['1', 2], N: 3, O: { x: 1 } },
    tokens: ['t1', '', 5],
    token: 't2',
    publicUrl: 'https://hooks.example.com'
  })), {
    method: 'POST',
    url: 'https://hooks.example.com/x',
    target: undefined,
    headers: { 'x-twilio-signature': 'sig=', accept: 'a, b' },
    body: 'A=1',
    params: { A: '1', R: ['1', '2'], N: '3', O: '{"x":1}' },
    namesToken: true,
    publicUrl: 'https://hooks.example.com'
  })
})

t.test('JSON: a token in the capture is noticed, never read', async (t) => {
  for (const field of ['token', 'tokens', 'authToken']) {
    const c = parseCapture(JSON.stringify({ url: 'https://h/x', [field]: 'secret' }))
    t.equal(c.namesToken, true, field)
    t.notOk(JSON.stringify(c).includes('secret'), `${field}: its value is not kept`)
  }
})

t.test('JSON: the plugin\'s warn line, Fastify\'s req log, a parsed body, a signature field', async (t) => {
  const warn = parseCapture('{"level":40,"reason":"mismatch","urls":["https://h/x","https://h:443/x",7],"msg":"…"}')
  t.match(warn, { url: 'https://h/x', method: undefined, headers: {}, namesToken: false })
  const req = parseCapture(JSON.stringify({ req: { method: 'POST', url: '/x?y=1', hostname: 'h.example.com', headers: { host: 'from-headers' } }, signature: 's=', body: { A: '1' }, authToken: 'tok' }))
  t.match(req, { method: 'POST', target: '/x?y=1', url: undefined, headers: { host: 'from-headers', 'x-twilio-signature': 's=' }, params: { A: '1' }, namesToken: true })
  t.equal(parseCapture('{"req":{"host":"h"}, "rawBody": "A=1"}').body, 'A=1')
  t.match(parseCapture('{"req":{"host":"h"}}').headers, { host: 'h' })
  t.match(parseCapture('{"headers": "not an object"}').headers, {})
  t.throws(() => parseCapture('{"url": '), { exitCode: 2, message: /not valid JSON/ })
})

const PATH = '/twilio/sms/status'
const SIG = 'A'.repeat(27) + '='
const FORM = ['--data-urlencode', 'MessageStatus=delivered', '--data-urlencode', `Body=${'Hi there, '.repeat(8)}€5`]
const missing = (length: number, why: string): string => `the capture has no body, but the request had one (Content-Length: ${length}): ${why}`

t.test('curl -v over HTTP/1.1 as curl prints it: the `> ` lines are the request, the rest is passed over, and the body it leaves out is said to be missing', async (t) => {
  const sink = await httpSink(t)
  const { stderr } = await curl(['-v', '-s', '-o', '/dev/null', '-X', 'POST', `${sink.origin}${PATH}`, '-H', `X-Twilio-Signature: ${SIG}`, ...FORM])
  t.match(stderr, /^\* {3}Trying [\s\S]*\n> POST \/twilio\/sms\/status HTTP\/1\.1\r\n[\s\S]*\n> \r\n\} \[\d+ bytes data\]\n< HTTP\/1\.1 403 Forbidden\r\n/, 'notes, the request, byte counts, the answer')
  const sent = sink.bodies[0].length
  const expected = {
    method: 'POST',
    target: PATH,
    headers: { host: `127.0.0.1:${sink.port}`, 'x-twilio-signature': SIG, 'content-length': String(sent), 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
    namesToken: false,
    bodyMissing: missing(sent, 'curl -v does not print the body it sends')
  }
  for (const [label, output] of [['CRLF', stderr], ['LF', stderr.replace(/\r\n/g, '\n')]]) {
    const c = parseCapture(output)
    t.match(c, expected, label)
    t.equal(c.body, undefined, `${label}: no body`)
    t.equal(c.url, undefined, `${label}: http, so the target alone`)
    t.notOk('content-type' in c.headers && c.headers['content-type'].includes('\r'), `${label}: no CR kept`)
  }
  const timed = await curl(['-v', '--trace-time', '-s', '-o', '/dev/null', `${sink.origin}${PATH}`, '-H', `X-Twilio-Signature: ${SIG}`, ...FORM])
  t.match(timed.stderr, /^\d{2}:\d{2}:\d{2}\.\d{6} > POST /m)
  t.match(parseCapture(timed.stderr), expected, '--trace-time: timestamps taken off')
  // Merged with standard output (2>&1): the progress meter and the answer's body are in it too.
  const file = join(t.testdir(), 'body')
  writeFileSync(file, 'A=1&B=2')
  const merged = await curl(['-v', '--stderr', '-', '--data', `@${file}`, `${sink.origin}${PATH}`])
  t.match(merged.stdout, /% Total[\s\S]*\nForbidden/)
  t.match(parseCapture(merged.stdout), { method: 'POST', target: PATH, bodyMissing: missing(7, 'curl -v does not print the body it sends') })
})

t.test('curl -v over TLS: HTTP/2 (`> POST /x HTTP/2`, lower-case names) and HTTP/1.1 make an https URL; HTTP/2 without TLS stays http', async (t) => {
  const tls = await tlsSink(t)
  for (const version of ['--http2', '--http1.1']) {
    const { stderr } = await curl(['-v', '-k', '-s', '-o', '/dev/null', version, `${tls.origin}${PATH}?a=1`, '-H', `X-Twilio-Signature: ${SIG}`, '-d', 'A=1'])
    t.match(stderr, /\n\* SSL connection using TLS/)
    t.match(stderr, version === '--http2' ? /\n> POST \/twilio\/sms\/status\?a=1 HTTP\/2\r\n> Host: localhost:\d+\r\n> user-agent: curl/ : /\n> POST \/twilio\/sms\/status\?a=1 HTTP\/1\.1\r\n/)
    const c = parseCapture(stderr)
    t.equal(c.url, `${tls.origin}${PATH}?a=1`, version)
    t.equal(c.target, undefined)
    t.match(c, { method: 'POST', headers: { 'x-twilio-signature': SIG, 'content-length': '3' }, bodyMissing: missing(3, 'curl -v does not print the body it sends') })
  }
  const plain = await httpSink(t)
  // An HTTP/1.1 server refuses HTTP/2's preface, after curl printed the request.
  const h2c = await curl(['-v', '-s', '-o', '/dev/null', '--http2-prior-knowledge', `${plain.origin}${PATH}`, '-H', `X-Twilio-Signature: ${SIG}`, '-d', 'A=1'])
  t.match(h2c.stderr, /\n> POST \/twilio\/sms\/status HTTP\/2\r\n/)
  t.match(parseCapture(h2c.stderr), { method: 'POST', url: undefined, target: PATH, headers: { host: `127.0.0.1:${plain.port}` } })
})

t.test('curl --trace-ascii -: the body as sent, long lines joined and CRLFs put back from the offsets, over HTTP/1.1 and over TLS with HTTP/2', async (t) => {
  const sink = await httpSink(t)
  const tls = await tlsSink(t)
  for (const origin of [sink.origin, tls.origin]) {
    const { stdout } = await curl(['-s', '-k', '-o', '/dev/null', '--trace-ascii', '-', `${origin}${PATH}`, '-H', `X-Twilio-Signature: ${SIG}`, ...FORM])
    t.match(stdout, /^=> Send header, \d+ bytes/m)
    t.match(stdout, /^=> Send data, \d+ bytes \(0x[0-9a-f]+\)\n0000: MessageStatus=delivered&Body=Hi\+there%2C\+Hi\+there%2C\+Hi\+there%2C\n0040: \+Hi/m, 'the body, 64 characters a line')
    const sent = (origin === tls.origin ? tls : sink).bodies.at(-1)?.toString('utf8')
    const c = parseCapture(stdout)
    t.equal(c.body, sent, origin)
    t.equal(c.url, origin === tls.origin ? `${origin}${PATH}` : undefined)
    t.match(c.headers, { 'x-twilio-signature': SIG, 'content-length': String(sent?.length) })
    t.notOk('bodyMissing' in c || 'bodyCaveat' in c, 'a form body is read exactly')
    t.same(parseCapture(stdout.replace(/ +$/gm, '')), c, 'a copy that trimmed the space after the offset of an empty line')
  }
})

t.test('curl --trace - (hex) reads a JSON body byte for byte; --trace-ascii shows line breaks and UTF-8 as dots, and the capture says so', async (t) => {
  const sink = await httpSink(t)
  const json = '{\r\n  "Body": "Hi €5",\n  "MediaUrl": "https://api.example.com/a.png"\n}\n'
  const file = join(t.testdir(), 'body.json')
  writeFileSync(file, json)
  const args = ['-s', '-o', '/dev/null', `${sink.origin}${PATH}`, '-H', 'Content-Type: application/json', '--data-binary', `@${file}`]
  const hex = await curl(['--trace', '-', ...args])
  t.match(hex.stdout, /\n0000: 7b 0d 0a 20 20 22 42 6f 64 79 22 3a 20 22 48 69 \{\.\. {2}"Body": "Hi\n/)
  t.match(parseCapture(hex.stdout), { method: 'POST', target: PATH, headers: { 'content-type': 'application/json' } })
  t.equal(parseCapture(hex.stdout).body, json)
  t.equal(sink.bodies[0].toString('utf8'), json)
  const ascii = parseCapture((await curl(['--trace-ascii', '-', ...args])).stdout)
  t.equal(ascii.body, '{\r\n  "Body": "Hi ...5",.  "MediaUrl": "https://api.example.com/a.png".}.')
  t.match(ascii.bodyCaveat, /writes a line break or a byte outside ASCII as "\."[\s\S]*curl --trace - \(hex\)/)
  // Without a Content-Type the body is not a form either.
  const bare = await curl(['--trace-ascii', '-', '-s', '-o', '/dev/null', `${sink.origin}${PATH}`, '-H', 'Content-Type:', '--data-binary', 'a.b'])
  t.match(parseCapture(bare.stdout), { body: 'a.b', bodyCaveat: /as "\."/ })
})

t.test('a redirect followed: the first request is read; a proxy\'s CONNECT is passed over', async (t) => {
  const sink = await httpSink(t)
  const tls = await tlsSink(t)
  const redirect = ['-s', '-o', '/dev/null', '-L', `${sink.origin}/redirect/x`, '-d', 'A=1']
  const verbose = await curl(['-v', ...redirect])
  t.match(verbose.stderr, /> POST \/redirect\/x HTTP\/1\.1[\s\S]*> POST \/moved HTTP\/1\.1/)
  t.match(parseCapture(verbose.stderr), { target: '/redirect/x' })
  const trace = await curl(['--trace-ascii', '-', ...redirect])
  t.match(parseCapture(trace.stdout), { target: '/redirect/x', body: 'A=1' })
  const proxied = ['-s', '-k', '-o', '/dev/null', '-p', '-x', sink.origin, `${tls.origin}${PATH}`, '-d', 'A=1']
  const viaProxy = await curl(['-v', ...proxied])
  t.match(viaProxy.stderr, /\n> CONNECT localhost:\d+ HTTP\/1\.1\r\n[\s\S]*\n> POST \/twilio\/sms\/status HTTP\/2\r\n/)
  t.match(parseCapture(viaProxy.stderr), { method: 'POST', url: `${tls.origin}${PATH}` })
  const traced = (await curl(['--trace-ascii', '-', ...proxied])).stdout
  t.match(parseCapture(traced), { method: 'POST', url: `${tls.origin}${PATH}`, body: 'A=1' })
  // Cut after the CONNECT: no request to read.
  const connectOnly = traced.slice(0, traced.indexOf('=> Send header', traced.indexOf('=> Send header') + 1))
  t.throws(() => parseCapture(connectOnly), { exitCode: 2, message: /not a request: .*what curl -v or curl --trace-ascii - printed/ })
})

t.test('a trace that is not whole is refused, naming where; curl -v\'s head cut short, and a body pasted after it', async (t) => {
  const sink = await httpSink(t)
  const args = ['-s', '-o', '/dev/null', `${sink.origin}${PATH}`, '-H', `X-Twilio-Signature: ${SIG}`, '-d', 'A=1']
  const ascii = (await curl(['--trace-ascii', '-', ...args])).stdout
  t.throws(() => parseCapture(ascii.replace(/^[0-9a-f]{4}: User-Agent: .*\n/m, '')), { exitCode: 2, message: /the trace is not whole: the \d+ bytes curl counted on line 3 are not all there \(at 0022\); give all of curl's output/ })
  const hex = (await curl(['--trace', '-', ...args])).stdout
  t.throws(() => parseCapture(hex.replace(/^0010: .*\n/m, '')), /the trace is not whole.*\(at 0000\)/, 'a line left out')
  t.throws(() => parseCapture(hex.replace(/^(0010: .*\n)/m, '$1$1')), /the trace is not whole.*\(at 0010\)/, 'a line twice')
  t.throws(() => parseCapture(hex.replace(/^0010: ../m, '0010: zz')), /the trace is not whole.*\(at 0010\)/, 'not hex')
  t.throws(() => parseCapture('== Info: Connected\n<= Recv header, 5 bytes (0x5)\n0000: HTTP/\n'), /not a request/, 'nothing sent')

  const verbose = (await curl(['-v', ...args])).stderr
  const head = verbose.slice(0, verbose.indexOf('> \r\n'))
  t.match(parseCapture(head), { target: PATH, headers: { 'x-twilio-signature': SIG }, bodyMissing: /Content-Length: 3/ }, 'no `>` line to end it')
  t.match(parseCapture(verbose.replace('> \r\n', '> \r\n\r\nA=1\n')), { body: 'A=1', bodyMissing: undefined }, 'a body pasted after a blank line')
})

t.test('a raw or JSON capture without the body its headers announce says the body is missing', async (t) => {
  const head = `POST ${PATH} HTTP/1.1\r\nHost: h\r\nX-Twilio-Signature: ${SIG}\r\n`
  t.equal(parseCapture(`${head}Content-Length: 47\r\n\r\n`).bodyMissing, missing(47, 'it ends after the headers'))
  t.match(parseCapture(`${head}Transfer-Encoding: chunked\r\n`).bodyMissing, /\(Transfer-Encoding: chunked\): it ends after the headers$/)
  t.match(parseCapture(`${head}Content-Type: application/x-www-form-urlencoded\r\n`).bodyMissing, /\(Content-Type: application\/x-www-form-urlencoded\)/)
  for (const none of [`${head}Content-Length: 0\r\n\r\n`, head, `GET ${PATH} HTTP/1.1\r\nContent-Length: 3\r\n`, `HEAD ${PATH} HTTP/1.1\r\nContent-Length: 3\r\n`, `${head}Content-Length: 3\r\n\r\nA=1`]) {
    t.notOk('bodyMissing' in parseCapture(none), JSON.stringify(none))
  }
  t.equal(parseCapture(JSON.stringify({ url: 'https://h/x', headers: { 'Content-Length': '47' } })).bodyMissing, missing(47, 'it has neither body nor params'))
  t.notOk('bodyMissing' in parseCapture(JSON.stringify({ url: 'https://h/x', headers: { 'Content-Length': '47' }, params: { A: '1' } })), 'parameters stand for the body')
})
