/**
 * explain's diagnosis, as a pure function: each way a signature breaks in practice (docs/twilio-facts.md §6)
 * is signed by the twilio package (the oracle) over what Twilio requested, then explained from what the app saw.
 */
import t from 'tap'
import { createHmac } from 'node:crypto'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { render } from '../../../lib/cli/explain/render'
import { styleOf } from '../../../lib/cli/io'
import { OLD_TOKEN, OTHER_TOKEN, TOKEN } from '../../helpers/sign'
import { PARAMS, parts, PATH, post, sign } from './helpers'

t.test('the four required diagnoses', async (t) => {
  t.test('http vs https: a TLS-terminating proxy', async (t) => {
    const d = diagnose(post(`http://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN])
    t.equal(d.verifies, false)
    t.equal(d.reason, 'mismatch', 'as the plugin would log it')
    t.same(parts(d), ['scheme'])
    t.match(d.findings[0], { seen: 'http', signed: 'https', why: /terminates TLS.*publicUrl.*trustProxy/s })
    t.equal(d.signedUrl, `https://hooks.example.com${PATH}`)
    t.equal(d.publicUrl, 'https://hooks.example.com')
    t.equal(d.tokenIndex, 0)
  })

  t.test('a stripped prefix: the proxy serves /api/… as /…', async (t) => {
    const d = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com/api${PATH}`), [TOKEN])
    t.same(parts(d), ['prefix'])
    t.match(d.findings[0], { seen: PATH, signed: `/api${PATH}`, why: /strips \/api/ })
    t.equal(d.publicUrl, 'https://hooks.example.com/api')
  })

  t.test('a prefix no guess names is found from --public-url or X-Forwarded-Prefix', async (t) => {
    const signedUrl = `https://hooks.example.com/tenant-7/in${PATH}`
    t.equal(diagnose(post(`https://hooks.example.com${PATH}`, signedUrl), [TOKEN]).verifies, false)
    const fromPublic = diagnose(post(`http://10.0.0.5:3000${PATH}`, signedUrl, { hints: { publicUrl: 'https://hooks.example.com/tenant-7/in/' } }), [TOKEN])
    t.equal(fromPublic.signedUrl, signedUrl)
    t.same(parts(fromPublic), ['scheme', 'host', 'prefix'])
    t.equal(fromPublic.publicUrl, 'https://hooks.example.com/tenant-7/in')
    const fromHeader = diagnose(post(`https://hooks.example.com${PATH}`, signedUrl, { hints: { prefix: 'tenant-7/in/' } }), [TOKEN])
    t.same(parts(fromHeader), ['prefix'])
  })

  t.test('a re-encoded query', async (t) => {
    const cases: Array<[string, string]> = [
      // A proxy normalised the query beyond the respellings the plugin tries itself (§1.10).
      ['?name=a~b', '?name=a%7Eb'],
      ['?a=1+2', '?a=1%202'],
      ['?a=1%202', '?a=1+2'],
      ['?a=%2b', '?a=%2B'],
      ['?a=%2B', '?a=%2b'],
      ['?c=3&a=1&b=2', '?a=1&b=2&c=3']
    ]
    for (const [signedQuery, seenQuery] of cases) {
      const d = diagnose(post(`https://hooks.example.com${PATH}${seenQuery}`, `https://hooks.example.com${PATH}${signedQuery}`), [TOKEN])
      t.same(parts(d), ['query'], `${seenQuery} seen, ${signedQuery} signed`)
      t.match(d.findings[0], { seen: seenQuery, signed: signedQuery, why: /re-encoded/ })
      t.equal(d.publicUrl, null, 'publicUrl does not fix a query')
    }
  })

  t.test('a wrong token: nothing tried signs it, and the likely causes are named', async (t) => {
    const d = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`), [OTHER_TOKEN])
    t.equal(d.verifies, false)
    t.equal(d.signedUrl, null)
    t.same(d.findings, [])
    t.ok(d.tried > 100, `${d.tried} variants tried`)
    t.match(d.notes[0], /token is wrong.*primary Auth Token.*subaccount.*AccountSid AC2{32}/s)
    t.match(d.notes[1], /--public-url/)
    t.match(d.notes[2], /raw body/)
  })

  t.test('another token of the list signs it: its place is named, never the token', async (t) => {
    const d = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`, { signature: sign(`https://hooks.example.com${PATH}`, PARAMS, OLD_TOKEN) }), [TOKEN, OLD_TOKEN])
    t.equal(d.verifies, true, 'a token given signs it')
    t.equal(d.tokenIndex, 1)
    t.match(d.notes[0], /--token #2 of 2, not the first.*rotation.*AccountSid AC2{32}.*lookup by AccountSid/s)
    const text = render(d, styleOf(false))
    t.match(text, /✓ Verifies with --token #2 of 2/)
    t.notOk(text.includes(TOKEN) || text.includes(OLD_TOKEN), 'no token in the output')
  })
})

t.test('the port quirk itself is handled: the URL without its port, or with the default one, verifies', async (t) => {
  const d = diagnose(post(`http://hooks.example.com:3000${PATH}`, `http://hooks.example.com${PATH}`), [TOKEN])
  t.equal(d.verifies, true)
  t.match(d.notes[0], /the port differs, which the plugin allows for/)
  // Behind a TLS proxy that forwards to :3000: the scheme, and the default port written out.
  const proxied = diagnose(post(`http://hooks.example.com:3000${PATH}`, `https://hooks.example.com:443${PATH}`), [TOKEN])
  t.same(parts(proxied), ['scheme', 'port'])
  t.equal(proxied.publicUrl, 'https://hooks.example.com', 'the default port need not be in publicUrl')
  const dropped = diagnose(post(`http://hooks.example.com:3000${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN])
  t.same(parts(dropped), ['scheme'], 'the port the app sees is tried without, so only the scheme differs')
})

t.test('the signature header: missing, sent twice, mangled, of another shape', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const missing = diagnose({ url, method: 'POST', signature: undefined, params: PARAMS }, [TOKEN])
  t.equal(missing.reason, 'missing')
  t.match(missing.notes, [/no X-Twilio-Signature header/])

  const twice = diagnose({ url, method: 'POST', signature: [sign(url), sign(url)], params: PARAMS }, [TOKEN])
  t.equal(twice.reason, 'malformed')
  t.match(twice.notes, [/more than once/])

  // Find a signature with a `+` in it, then mangle it the ways a copy does.
  let params: Record<string, string> = PARAMS
  for (let i = 0; !sign(url, params).includes('+'); i++) params = { ...PARAMS, Seed: String(i) }
  const good = sign(url, params)
  for (const mangled of [good.replace(/\+/g, ' '), `"${good}"`, encodeURIComponent(good)]) {
    const d = diagnose({ url, method: 'POST', signature: mangled, params }, [TOKEN])
    t.equal(d.reason, 'malformed', `${mangled}: the plugin refuses it`)
    t.match(d.findings, [{ part: 'signature', why: /mangled when copied/ }])
    t.equal(d.signedUrl, url, 'and the repaired one is checked')
  }
  const badEscape = diagnose({ url, method: 'POST', signature: '%E0%A4%A', params }, [TOKEN])
  t.match(badEscape.notes, [/not a base64 HMAC-SHA1/])

  const sha256Shaped = diagnose({ url, method: 'POST', signature: createHmac('sha256', TOKEN).update(url).digest('base64'), params }, [TOKEN])
  t.match(sha256Shaped.notes, [/44 characters long.*SharedKey/s])
  const cut = diagnose({ url, method: 'POST', signature: good.slice(0, 20), params }, [TOKEN])
  t.match(cut.notes, [/cut or changed/])
})

t.test('SharedKey signatures: the settings header names the algorithm', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const secret = 'shared-key-secret'
  const payload = url + Object.keys(PARAMS).sort().map((k) => k + PARAMS[k as keyof typeof PARAMS]).join('')
  const signature = createHmac('sha256', secret).update(payload).digest('base64')
  const d = diagnose({ url, method: 'POST', signature, params: PARAMS, settings: 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256' }, [secret])
  t.equal(d.verifies, true)
  t.match(d.notes[0], /SharedKey signature \(HMAC_SHA256, key "webhooks_sharedkey_1"\)/)
  const noKey = diagnose({ url: `http://hooks.example.com${PATH}`, method: 'POST', signature, params: PARAMS, settings: 'algorithm=HMAC_SHA256' }, [secret])
  t.same(parts(noKey), ['scheme'])
  t.match(noKey.notes[0], /SharedKey signature \(HMAC_SHA256\)/)
  const wrong = diagnose({ url, method: 'POST', signature, params: PARAMS, settings: 'algorithm=HMAC_SHA256' }, ['not-hex'])
  t.notOk(wrong.notes.some((n) => /shaped like an Auth Token/.test(n)), 'a SharedKey secret is not an Auth Token')
  const sha256Wanted = diagnose({ url, method: 'POST', signature: sign(url), params: PARAMS, settings: 'algorithm=HMAC_SHA256' }, [TOKEN])
  t.match(sha256Wanted.notes, [/SharedKey/, /not a base64 HMAC-SHA256 \(44 characters/])
  const unknown = diagnose({ url, method: 'POST', signature, params: PARAMS, settings: 'algorithm=HMAC_MD5' }, [secret])
  t.equal(unknown.reason, 'malformed')
  t.match(unknown.notes, [/names the algorithm "HMAC_MD5"/])
})

t.test('odd inputs', async (t) => {
  t.throws(() => diagnose({ url: '/twilio/sms/status', method: 'POST', signature: 'x' }, [TOKEN]), /not a full URL/)
  const broken = diagnose({ url: `https://hooks.example.com${PATH}`, method: 'POST', signature: sign(`https://hooks.example.com${PATH}`), body: 'Body=%E0%A4%A' }, [TOKEN])
  t.equal(broken.reason, 'malformed-body')
  t.match(broken.notes, [/broken percent-encoding \(.*invalid percent-encoding in parameter 1\).*400 FST_TWILIO_MALFORMED_BODY/])
  const odd = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`), ['not-a-token', OTHER_TOKEN, 'NOPE'])
  t.match(odd.notes.at(-1), /--token #1, #3 are not shaped like an Auth Token/)
  const one = diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`, { hints: { publicUrl: 'https://h.example.com' } }), ['not-a-token'])
  t.match(one.notes.at(-1), /--token #1 is not shaped/)
  t.notOk(one.notes.some((n) => /--public-url/.test(n)), 'no --public-url hint when one was given')
  const noParams = diagnose({ url: `https://hooks.example.com${PATH}`, method: 'POST', signature: sign(`https://hooks.example.com${PATH}`, {}) }, [TOKEN])
  t.equal(noParams.verifies, true, 'a POST without parameters signs the URL alone')
  const rotated = diagnose({ url: `https://hooks.example.com${PATH}`, method: 'POST', signature: sign(`https://hooks.example.com${PATH}`, {}, OLD_TOKEN) }, [TOKEN, OLD_TOKEN])
  t.match(rotated.notes[0], /for a subaccount, whose webhooks/, 'no AccountSid to name')
  const noSid = diagnose({ url: `https://hooks.example.com${PATH}`, method: 'POST', signature: sign(`https://hooks.example.com${PATH}`, { A: '1' }), params: { A: '2' } }, [TOKEN])
  t.match(noSid.notes[0], /subaccount's token, and/, 'no AccountSid to name')
  const getSid = diagnose({ url: `https://hooks.example.com${PATH}?AccountSid=AC9`, method: 'GET', signature: sign(`https://hooks.example.com${PATH}?AccountSid=AC9`, null, OLD_TOKEN) }, [TOKEN, OLD_TOKEN])
  t.match(getSid.notes[0], /AccountSid AC9/, 'a GET\'s AccountSid is read from its query')
})
