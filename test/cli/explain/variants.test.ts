/** The URLs explain tries: another port, host or path; each signed by the twilio package over what Twilio requested. */
import t from 'tap'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { TOKEN } from '../../helpers/sign'
import { parts, PATH, post } from './helpers'

t.test('port: Twilio keeps an explicit port the proxy drops', async (t) => {
  const d = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com:8443${PATH}`), [TOKEN])
  t.same(parts(d), ['port'])
  t.match(d.findings[0], { seen: 'no port', signed: '8443', why: /tries the URL with the port/ })
  t.equal(d.publicUrl, 'https://hooks.example.com:8443')

  const moved = diagnose(post(`http://hooks.example.com:3000${PATH}`, `http://hooks.example.com:8080${PATH}`), [TOKEN])
  t.match(moved.findings, [{ part: 'port', seen: '3000', signed: '8080' }])

  const forwarded = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com:9443${PATH}`, { hints: { port: '9443' } }), [TOKEN])
  t.same(parts(forwarded), ['port'])
})

t.test('host: from X-Forwarded-Host or --public-url', async (t) => {
  const d = diagnose(post(`http://app.internal${PATH}`, `http://hooks.example.com${PATH}`, { hints: { host: 'hooks.example.com, proxy.internal' } }), [TOKEN])
  t.same(parts(d), ['host'])
  t.match(d.findings[0], { seen: 'app.internal', signed: 'hooks.example.com', why: /X-Forwarded-Host/ })
  const withProto = diagnose(post(`http://app.internal${PATH}`, `wss://hooks.example.com${PATH}`, { hints: { host: 'hooks.example.com:8443', proto: 'WSS' } }), [TOKEN])
  t.equal(withProto.signedUrl, `wss://hooks.example.com${PATH}`, 'X-Forwarded-Proto names the scheme')
})

t.test('path: a trailing slash, a prefix the app sees that Twilio did not call', async (t) => {
  const slash = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}/`), [TOKEN])
  t.match(slash.findings, [{ part: 'path', why: /trailing slash/ }])
  t.equal(slash.publicUrl, null)
  const unslash = diagnose(post(`https://hooks.example.com${PATH}/`, `https://hooks.example.com${PATH}`), [TOKEN])
  t.same(parts(unslash), ['path'])
  const added = diagnose(post(`https://hooks.example.com/internal${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN])
  t.match(added.findings, [{ part: 'path', seen: `/internal${PATH}`, signed: PATH, why: /sees \/internal before the path/ }])
})
