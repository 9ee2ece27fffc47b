/** Captured requests for explain: raw HTTP as inspectors and curl -v show it, and JSON from logs. */
import t from 'tap'
import { parseCapture } from '../../lib/cli/capture'

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
