import t from 'tap'
import { checkPublicUrl, isAuthority, requestUrl, schemeOf, signedUrl } from '../../lib/verify/public-url'

t.test('without publicUrl, joins the request protocol, host and target', async (t) => {
  t.equal(signedUrl(null, { protocol: 'https', host: 'hooks.example.com' }, '/twilio/sms/status'),
    'https://hooks.example.com/twilio/sms/status')
})

t.test('keeps the port and an IPv6 host as the host gives them', async (t) => {
  t.equal(signedUrl(null, { protocol: 'http', host: 'localhost:3000' }, '/x'), 'http://localhost:3000/x')
  t.equal(signedUrl(null, { protocol: 'http', host: '[::1]:8080' }, '/x?y=1'), 'http://[::1]:8080/x?y=1')
})

t.test('with publicUrl, ignores the request protocol and host', async (t) => {
  t.equal(signedUrl('https://public.example.com', { protocol: 'http', host: '10.0.0.5:3000' }, '/twilio/sms/status'),
    'https://public.example.com/twilio/sms/status')
})

t.test('appends the target to a publicUrl with a base path', async (t) => {
  t.equal(signedUrl('https://public.example.com/hooks', { protocol: 'http', host: 'internal' }, '/twilio/call/status?tenant=a'),
    'https://public.example.com/hooks/twilio/call/status?tenant=a')
})

t.test('keeps the request target byte for byte: no re-encoding of \' + @ : %20 or unicode', async (t) => {
  const target = "/twilio/sms/status?name=William+O'hara&sip=user@host:5060&x=%20&y=a%2Bb&z=é&empty=&flag"
  const url = signedUrl(null, { protocol: 'https', host: 'h.example' }, target)
  t.equal(url, 'https://h.example' + target)
  t.not(new URL(url).toString(), url, 'new URL() would have changed it')
})

t.test('keeps the case of publicUrl as configured', async (t) => {
  t.equal(signedUrl('HTTPS://Hooks.Example.com', { protocol: 'http', host: 'x' }, '/A'), 'HTTPS://Hooks.Example.com/A')
})

t.test('with publicUrl, never reads the request protocol or host (no work for trustProxy getters)', async (t) => {
  const request = {
    get protocol (): string { throw new Error('protocol read') },
    get host (): string { throw new Error('host read') }
  }
  t.equal(signedUrl('https://public.example.com', request, '/x'), 'https://public.example.com/x')
})

t.test('requestUrl: without publicUrl, the request protocol, host[:port] and target', async (t) => {
  for (const host of ['hooks.example.com', 'hooks.example.com:8443', 'HOOKS.example.com', 'my_host.local', 'a-b.c~d', '10.0.0.5:3000', '[::1]', '[2001:db8::1]:8080', '[::ffff:10.0.0.5]']) {
    t.equal(requestUrl(null, { protocol: 'https', host }, '/x?y=1'), `https://${host}/x?y=1`, host)
  }
})

t.test('requestUrl: without publicUrl, a host that is not host[:port] gives no URL', async (t) => {
  const bad = ['hooks.example.com/voice', 'hooks.example.com?a', 'hooks.example.com#', 'user@hooks.example.com', 'user:pass@h',
    'h%2Fvoice', 'h ', ' h', 'h\tx', 'h:', 'h:80:80', 'h:http', 'h:123456', '', '[::1', '::1', '[::1]x', '[::1]:', '[g::1]', '[fe80::1%25eth0]',
    'a,b', 'h;x', "h'", 'h\u0000', 'h\n']
  for (const host of bad) t.equal(requestUrl(null, { protocol: 'http', host }, '/menu'), null, JSON.stringify(host))
})

t.test('requestUrl: without publicUrl, a protocol that is not http or https gives no URL; HTTP(S) in any case is written lower-case', async (t) => {
  // Fastify's `request.protocol` under trustProxy: the last X-Forwarded-Proto entry as sent.
  for (const protocol of ['https://hooks.example.com/other?next=x', 'ftp', 'wss', 'https:', 'http:', 'https ', 'htt', 'httpss', '', 'https\n']) {
    t.equal(requestUrl(null, { protocol, host: 'h2' }, '/twilio/sms/status'), null, JSON.stringify(protocol))
    t.equal(schemeOf(protocol), null)
  }
  for (const [protocol, scheme] of [['http', 'http'], ['https', 'https'], ['HTTPS', 'https'], ['Http', 'http']]) {
    t.equal(requestUrl(null, { protocol, host: 'h.example' }, '/x'), `${scheme}://h.example/x`, protocol)
    t.equal(schemeOf(protocol), scheme)
  }
})

t.test('isAuthority: host[:port] only, as requestUrl checks it', async (t) => {
  for (const host of ['h.example', 'h.example:8443', '[::1]:80']) t.ok(isAuthority(host), host)
  for (const host of ['h.example/voice', 'h.example?', 'u@h', '', 'h:']) t.notOk(isAuthority(host), host)
})

t.test('requestUrl: with publicUrl, never reads the request protocol or host, whatever the Host', async (t) => {
  const request = {
    get protocol (): string { throw new Error('protocol read') },
    get host (): string { throw new Error('host read') }
  }
  t.equal(requestUrl('https://public.example.com/base', request, '/x'), 'https://public.example.com/base/x')
})

t.test('requestUrl reads the protocol and host getters once each (trustProxy weighs X-Forwarded-Proto and -Host in them)', async (t) => {
  const reads = { protocol: 0, host: 0 }
  const request = {
    get protocol (): string { reads.protocol++; return 'http' },
    get host (): string { reads.host++; return 'h.example' }
  }
  t.equal(requestUrl(null, request, '/x'), 'http://h.example/x')
  t.same(reads, { protocol: 1, host: 1 })
})

t.test('checkPublicUrl keeps an origin or base URL as written, less one trailing slash, and says what else it must be', async (t) => {
  for (const [value, base] of [['https://hooks.example.com', 'https://hooks.example.com'], ['https://hooks.example.com/', 'https://hooks.example.com'],
    ['http://hooks.example.com:8080/base/', 'http://hooks.example.com:8080/base'], ['HTTPS://Hooks.Example.com/A%20B', 'HTTPS://Hooks.Example.com/A%20B']]) {
    t.same(checkPublicUrl(value), { base }, value)
  }
  t.same(checkPublicUrl('hooks.example.com'), { expected: 'an absolute http(s) URL such as "https://hooks.example.com"' })
  for (const value of ['ftp://hooks.example.com', 'https://u:p@hooks.example.com', 'https://hooks.example.com/?', 'https://hooks.example.com/?a=1', 'https://hooks.example.com/#']) {
    t.same(checkPublicUrl(value), { expected: 'an http(s) origin or base URL without credentials, query or fragment' }, value)
  }
})
