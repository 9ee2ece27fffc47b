/** What explain reports as differing: an origin the plugin refuses, a JSON body's hash, a body parser's damage. */
import t from 'tap'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { damageOf } from '../../../lib/cli/explain/findings'
import { render } from '../../../lib/cli/explain/render'
import type { ExplainInput } from '../../../lib/cli/explain/types'
import { styleOf } from '../../../lib/cli/io'
import { sha256, TOKEN } from '../../helpers/sign'
import { form, PARAMS, parts, PATH, post, sign } from './helpers'

t.test('a Host, trusted X-Forwarded-Host or X-Forwarded-Proto the plugin cannot build a URL from: refused as it refuses them, with the fix', async (t) => {
  // Signed over the URL such a Host forms: the signature alone would verify.
  const seen = `http://hooks.example.com/voice${PATH}`
  const host = diagnose(post(seen, seen, { origin: { host: 'hooks.example.com/voice' } }), [TOKEN])
  t.equal(host.verifies, false)
  t.equal(host.reason, 'invalid-host')
  t.match(host.findings, [{ part: 'host', seen: 'Host: "hooks.example.com/voice"', why: /FST_TWILIO_INVALID_HOST/, fix: /^send Host as host\[:port\] alone/ }])
  t.match(render(host, styleOf(false)), /^✗ Does not verify as the app received it: no signed URL can be built from its Host or X-Forwarded-\* headers\.\n[\s\S]*\nFix: send Host as/)
  t.equal(host.tried, 0, 'no variant is tried: none would pass the plugin\'s check')

  const forwarded = diagnose(post(seen, seen, { origin: { host: 'internal:3000', forwardedHost: 'proxy.internal, hooks.example.com/voice', forwardedProto: 'http, ftp' } }), [TOKEN])
  t.match(forwarded.findings, [
    { part: 'host', seen: /^X-Forwarded-Host: /, why: /when trustProxy trusts the sender/, fix: /^the proxy must send X-Forwarded-Host/ },
    { part: 'scheme', seen: 'X-Forwarded-Proto: "http, ftp"', signed: 'http or https', fix: /^the proxy must send X-Forwarded-Proto/ }
  ], 'the last entry of each list is the one Fastify reads')

  const url = `https://hooks.example.com${PATH}`
  const plain = { host: 'hooks.example.com:443', forwardedHost: 'hooks.example.com/voice, hooks.example.com', forwardedProto: 'HTTPS' }
  t.equal(diagnose(post(url, url, { origin: plain }), [TOKEN]).verifies, true, 'host[:port] and http(s) in any case, the last entries read')
  t.equal(diagnose(post(seen, seen, { origin: { host: 'hooks.example.com/voice' }, hints: { publicUrl: 'http://hooks.example.com/voice' } }), [TOKEN]).verifies, true,
    'with publicUrl the plugin reads none of them')
})

t.test('JSON: bodySHA256 dropped from the URL, or the body changed', async (t) => {
  const body = '{"CallSid":"CA1","Caller":"+12349013030"}\n'
  const signedUrl = `https://hooks.example.com/studio?bodySHA256=${sha256(body)}`
  const signature = sign(signedUrl, null)
  const json = (url: string, raw?: string, extra: Partial<ExplainInput> = {}): ExplainInput => ({ url, method: 'POST', json: true, signature, body: raw, ...extra })

  t.equal(diagnose(json(signedUrl, body), [TOKEN]).verifies, true)
  const dropped = diagnose(json('https://hooks.example.com/studio', body), [TOKEN])
  t.match(dropped.findings, [{ part: 'json', seen: 'no bodySHA256 in the URL', signed: `bodySHA256=${sha256(body)}`, fix: /with its query string \(\?bodySHA256=…\)/ }])
  t.match(render(dropped, styleOf(false)), /\n\nFix: pass the request target to the app unchanged, with its query string \(\?bodySHA256=…\)\.\n$/, 'a JSON URL that lost its bodySHA256 gets its fix in one line')

  const changes: Array<[string, RegExp]> = [
    [body + '  \n', /added at its end/],
    [body.trimEnd(), /removed from its end/],
    [JSON.stringify(JSON.parse(body), null, 2) + '\n', /spaced differently/]
  ]
  for (const [seen, why] of changes) {
    const d = diagnose(json(signedUrl, seen), [TOKEN])
    t.equal(d.reason, 'body-hash')
    t.equal(d.signedUrl, signedUrl, 'the URL as received is the one signed')
    t.match(d.findings, [{ part: 'body', why }])
  }
  const other = diagnose(json(signedUrl, '{"CallSid":"CA2"}'), [TOKEN])
  t.match(other.findings, [{ part: 'body', why: /changed on the way/ }])
  const notJson = diagnose(json(signedUrl, 'not json'), [TOKEN])
  t.match(notJson.findings, [{ part: 'body', why: /changed on the way/ }], 'a body that is not JSON cannot be re-serialised')

  // The body hash is wrong and the URL is also not what Twilio signed.
  const both = diagnose(json(`http://hooks.example.com/studio?bodySHA256=${sha256(body)}`, '{}'), [TOKEN])
  t.same(parts(both), ['scheme', 'body'])

  // No raw body: the parameters written as compact JSON stand in for it.
  const params = { CallSid: 'CA1' }
  const compactUrl = `https://hooks.example.com/studio?bodySHA256=${sha256(JSON.stringify(params))}`
  const fromParams = diagnose({ url: compactUrl, method: 'POST', json: true, signature: sign(compactUrl, null), params }, [TOKEN])
  t.equal(fromParams.verifies, true)
  t.match(fromParams.notes[0], /No raw body/)
  const empty = diagnose({ url: 'https://hooks.example.com/studio', method: 'POST', json: true, signature: sign(`https://hooks.example.com/studio?bodySHA256=${sha256('{}')}`, null) }, [TOKEN])
  t.same(parts(empty), ['json'])

  // Signed as the URL alone, with no bodySHA256: not a JSON signature at all.
  const unsigned = diagnose(json('https://hooks.example.com/studio', body, { signature: sign('https://hooks.example.com/studio', null) }), [TOKEN])
  t.equal(unsigned.reason, 'body-hash')
  t.match(unsigned.findings, [{ part: 'body', signed: 'no bodySHA256 in the URL', why: /did not sign this body/, fix: /sign --method JSON/ }])
  t.notOk('fix' in other.findings[0], 'a body changed on the way has its fix in its why')
})

t.test('a body parser\'s damage: trimmed values, dropped repeats, from the raw body and the app\'s parameters', async (t) => {
  const sent = { ...PARAMS, Body: ' Hi there ', MediaUrl0: 'https://m.example/1', Tag: ['a', 'b'] }
  const url = `https://hooks.example.com${PATH}`
  const raw = form(sent)
  const appSaw = { ...PARAMS, Body: 'Hi there', MediaUrl0: 'https://m.example/1', Tag: 'b' }
  const d = diagnose({ url, method: 'POST', signature: sign(url, sent), body: raw, params: appSaw }, [TOKEN])
  t.equal(d.verifies, false, 'the app, with its parser, refuses it')
  t.equal(d.reason, 'body-parser')
  t.equal(d.signedUrl, url)
  t.match(d.findings, [
    { part: 'body', seen: 'Body="Hi there"', signed: 'Body=" Hi there "', why: /trimmed/ },
    { part: 'body', seen: 'Tag="b"', signed: 'Tag × 2: "a", "b"', why: /fewer values/ }
  ])
  t.match(render(d, styleOf(false)), /Twilio's signature is right for the body as sent, but not for the parameters the app parsed/)

  const fragile = diagnose({ url, method: 'POST', signature: sign(url, sent), body: raw }, [TOKEN])
  t.equal(fragile.verifies, true, 'the raw body alone verifies')
  t.match(fragile.notes, [/Body has leading or trailing spaces/, /Tag is repeated/])
  const twoOfEach = { ...sent, From: ' +1 ', Other: ['x', 'y'] }
  const many = diagnose({ url, method: 'POST', signature: sign(url, twoOfEach), body: form(twoOfEach) }, [TOKEN])
  t.match(many.notes, [/Body, From have/, /Tag, Other are repeated/])

  // The same damage with the URL also wrong: both are reported.
  const alsoUrl = diagnose({ url: `http://hooks.example.com${PATH}`, method: 'POST', signature: sign(url, sent), body: raw, params: appSaw }, [TOKEN])
  t.same(parts(alsoUrl), ['scheme', 'body', 'body'])
})

t.test('damageOf: every way parsed parameters differ from the raw body\'s', async (t) => {
  t.same(damageOf({ A: '1' }, { A: '1' }), [])
  t.match(damageOf({ A: '1', B: '' }, { A: '1' }), [{ seen: 'no B', signed: 'B=""', why: /dropped/ }])
  t.match(damageOf({ A: ['1', '2'] }, { A: ['1'] }), [{ why: /fewer values/ }])
  t.match(damageOf({ A: 'x+y' }, { A: 'x y' }), [{ why: /changed the value/ }])
  t.match(damageOf({ 'a[b]': 'x' }, { a: '{"b":"x"}' }), [{ seen: 'no a[b]' }, { seen: 'a (not in the body)', why: /added a parameter/ }])
  t.match(damageOf({ A: 'x'.repeat(80) }, { A: 'y' }), [{ signed: /…"$/ }], 'long values are clipped')
})
