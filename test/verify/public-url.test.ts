import t from 'tap'
import { signedUrl } from '../../lib/verify/public-url'

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
