/**
 * explain's diagnosis, as a pure function: each way a signature breaks in practice
 * (docs/twilio-facts.md §6) is signed by the twilio package (the oracle) over what Twilio
 * requested, then explained from what the app saw. Then `explain` as a command, in-process.
 */
import t from 'tap'
import { createHmac } from 'node:crypto'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { damageOf, diagnose, type ExplainInput, partsOf, render, TRIM_GUESSES } from '../../lib/cli/explain'
import { styleOf } from '../../lib/cli/io'
import { OLD_TOKEN, OTHER_TOKEN, sha256, TOKEN } from '../helpers/sign'
import { curl, tlsSink } from '../helpers/curl'
import { cli } from './helpers'

const PATH = '/twilio/sms/status'
const PARAMS = { MessageSid: 'SM' + '1'.repeat(32), MessageStatus: 'delivered', AccountSid: 'AC' + '2'.repeat(32), Body: 'Hi there' }
const sign = (url: string, params: Record<string, string | string[]> | null = PARAMS, token = TOKEN): string =>
  getExpectedTwilioSignature(token, url, params ?? {})
const form = (params: Record<string, string | string[]>): string => {
  const f = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x)
  return f.toString()
}

/** A form POST the app saw at `seen`, signed by Twilio over `signedUrl`. */
function post (seen: string, signedUrl: string, extra: Partial<ExplainInput> = {}): ExplainInput {
  return { url: seen, method: 'POST', signature: sign(signedUrl), params: PARAMS, ...extra }
}

const parts = (d: ReturnType<typeof diagnose>): string[] => d.findings.map((f) => f.part)

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

t.test("a query whose ', : or @ Twilio's signer and HTTP client escape differently verifies, and the note names the case", async (t) => {
  const cases: Array<[string, string]> = [
    // Signed with ', sent as %27 (twilio-ruby#528), and the reverse (twilio-node's spec vectors).
    ["?name=O'hara", '?name=O%27hara'],
    ['?name=O%27hara+Jr', "?name=O'hara+Jr"],
    // A SIP caller: signed with : and @, sent as %3A and %40 (twilio-node PR #621).
    ['?Caller=sip:1234@203.0.113.7', '?Caller=sip%3A1234%40203.0.113.7']
  ]
  for (const [signedQuery, seenQuery] of cases) {
    const d = diagnose(post(`https://hooks.example.com${PATH}${seenQuery}`, `https://hooks.example.com${PATH}${signedQuery}`), [TOKEN])
    t.equal(d.verifies, true, `${seenQuery} seen, ${signedQuery} signed`)
    t.equal(d.signedUrl, `https://hooks.example.com${PATH}${signedQuery}`)
    t.same(d.findings, [])
    t.equal(d.notes.length, 1)
    t.match(d.notes[0], /arrived as .* but Twilio signed .*signer and its HTTP client do not escape ', : and @ alike.*tries both spellings, so nothing needs fixing/)
  }
  // Behind a TLS proxy too: the scheme is the finding, the escapes a note.
  const proxied = diagnose(post(`http://hooks.example.com${PATH}?name=O%27hara`, `https://hooks.example.com${PATH}?name=O'hara`), [TOKEN])
  t.same(parts(proxied), ['scheme'])
  t.match(proxied.notes, [/arrived as \?name=O%27hara but Twilio signed \?name=O'hara/])
  // A host written in upper case, signed in lower case, as twilio-node accepts it.
  const host = diagnose(post(`https://Hooks.Example.com:8443${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN])
  t.equal(host.verifies, true)
  t.match(host.notes, [/the port differs/, /signed with the host in lower case \(hooks\.example\.com\)/])
  t.match(render(host, styleOf(false)), /✓ Verifies with --token #1, as https:\/\/hooks\.example\.com\/twilio/)
})

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

t.test('host: from X-Forwarded-Host or --public-url', async (t) => {
  const d = diagnose(post(`http://app.internal${PATH}`, `http://hooks.example.com${PATH}`, { hints: { host: 'hooks.example.com, proxy.internal' } }), [TOKEN])
  t.same(parts(d), ['host'])
  t.match(d.findings[0], { seen: 'app.internal', signed: 'hooks.example.com', why: /X-Forwarded-Host/ })
  const withProto = diagnose(post(`http://app.internal${PATH}`, `wss://hooks.example.com${PATH}`, { hints: { host: 'hooks.example.com:8443', proto: 'WSS' } }), [TOKEN])
  t.equal(withProto.signedUrl, `wss://hooks.example.com${PATH}`, 'X-Forwarded-Proto names the scheme')
})

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

t.test('the AccountSid a note names is the one the plugin\'s token lookup would be asked about: a JSON body\'s, else the query\'s', async (t) => {
  const body = '{"AccountSid":"AC' + '7'.repeat(32) + '"}'
  const url = `https://hooks.example.com/studio?AccountSid=AC${'8'.repeat(32)}&bodySHA256=${sha256(body)}`
  const named = diagnose({ url, method: 'POST', json: true, signature: sign(url, null, OTHER_TOKEN), body }, [TOKEN])
  t.match(named.notes[0], /this one names AccountSid AC7{32}/)
  const batch = diagnose({ url, method: 'POST', json: true, signature: sign(url, null, OTHER_TOKEN), body: '[]' }, [TOKEN])
  t.match(batch.notes.join(' '), /this one names AccountSid AC8{32}/, 'a batch names none: its sink URL\'s')
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

t.test('method: a GET\'s parameters sent as a body, or counted twice', async (t) => {
  const getUrl = `https://hooks.example.com${PATH}?${form(PARAMS)}`
  const asBody = diagnose(post(`https://hooks.example.com${PATH}`, getUrl, { signature: sign(getUrl, null) }), [TOKEN])
  t.match(asBody.findings, [{ part: 'method', signed: 'GET, the parameters in the query string' }])
  t.equal(asBody.signedUrl, getUrl)

  const twice = diagnose({ url: getUrl, method: 'POST', signature: sign(getUrl, null), params: PARAMS }, [TOKEN])
  t.match(twice.findings, [{ part: 'method', why: /Counting them again/ }])

  const bare = diagnose({ url: `https://hooks.example.com${PATH}`, method: 'GET', signature: sign(getUrl, null), params: PARAMS }, [TOKEN])
  t.match(bare.findings, [{ part: 'method', seen: 'a GET URL without its parameters' }])

  const get = diagnose({ url: getUrl, method: 'GET', signature: sign(getUrl, null) }, [TOKEN])
  t.equal(get.verifies, true, 'a GET as received')
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

t.test('without the raw body, a trimmed value is guessed back', async (t) => {
  const sent = { ...PARAMS, Body: 'Hi there ' }
  const url = `https://hooks.example.com${PATH}`
  const d = diagnose({ url, method: 'POST', signature: sign(url, sent), params: { ...PARAMS, Body: 'Hi there' } }, [TOKEN])
  t.match(d.findings, [{ part: 'body', seen: 'Body="Hi there"', signed: 'Body="Hi there "', why: /trimmed/ }])
  const repeated = diagnose({ url, method: 'POST', signature: sign(url, PARAMS), params: { ...PARAMS, Tag: ['a', 'b'] } }, [TOKEN])
  t.equal(repeated.signedUrl, null, 'a repeated value is not guessed')
})

t.test('trimmed values are guessed back for up to TRIM_GUESSES parameters only: each guess costs an HMAC over all of them', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`P${i}`, `v${i}`]))
  const at = many(TRIM_GUESSES)
  const guessed = diagnose({ url, method: 'POST', signature: sign(url, { ...at, P7: 'v7 ' }), params: at }, [TOKEN])
  t.match(guessed.findings, [{ part: 'body', seen: 'P7="v7"', signed: 'P7="v7 "' }], `${TRIM_GUESSES} parameters: guessed`)
  const over = many(TRIM_GUESSES + 1)
  const skipped = diagnose({ url, method: 'POST', signature: sign(url, { ...over, P7: 'v7 ' }), params: over }, [TOKEN])
  t.equal(skipped.signedUrl, null, `${TRIM_GUESSES + 1} parameters: not guessed`)
  const wrong = (params: Record<string, string>): number => diagnose({ url, method: 'POST', signature: sign(url, params, OTHER_TOKEN), params }, [TOKEN]).tried
  t.ok(wrong(at) >= wrong(over) + 3 * TRIM_GUESSES, 'three guesses a parameter, and none past the bound')
  t.match(skipped.notes.at(-1), new RegExp(`Give the raw body .*with more than ${TRIM_GUESSES} parameters values a parser may have trimmed are not guessed back\\.$`))
  const few = diagnose({ url, method: 'POST', signature: sign(url, { ...PARAMS, Body: 'x' }), params: PARAMS }, [TOKEN])
  t.match(few.notes.at(-1), /cannot be undone from parsed parameters\.$/, 'no word about guesses that were made')
})

t.test('more parameters than maxParams: refused before any signature check, as the plugin does', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const pairs = (n: number): string => Array.from({ length: n }, (_, i) => `P${i}=v`).join('&')
  const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`P${i}`, 'v']))
  const object = (n: number): string => JSON.stringify(many(n))
  const cases: Array<[string, (n: number) => ExplainInput]> = [
    ['a form body', (n) => ({ url, method: 'POST', signature: sign(url), body: pairs(n) + '&&' })],
    ['form parameters, repeated values counted one by one', (n) => ({ url, method: 'POST', signature: sign(url), params: { ...many(n - 2), R: ['1', '2'] } })],
    ['a GET query', (n) => ({ url: `${url}?${pairs(n)}`, method: 'GET', signature: sign(url, null) })],
    ['a GET query and parameters beside it', (n) => ({ url: `${url}?${pairs(1)}`, method: 'GET', signature: sign(url, null), params: many(n - 1) })],
    ['a JSON body', (n) => ({ url, method: 'POST', json: true, signature: sign(url, null), body: object(n) })],
    ['JSON parameters', (n) => ({ url, method: 'POST', json: true, signature: sign(url, null), params: many(n) })]
  ]
  for (const [what, input] of cases) {
    const refused = diagnose(input(257), [TOKEN])
    t.equal(refused.reason, 'too-many-params', `${what}: 257 is more than the default 256`)
    t.equal(refused.tried, 0, 'no HMAC')
    t.match(refused.notes, [/^The request has 257 parameters, more than maxParams \(256\): the plugin answers it 400 FST_TWILIO_TOO_MANY_PARAMS before any signature check\. If the app sets maxParams higher, give that value with --max-params\.$/])
    t.not(diagnose(input(256), [TOKEN]).reason, 'too-many-params', `${what}: 256 is read`)
    t.not(diagnose({ ...input(257), maxParams: 257 }, [TOKEN]).reason, 'too-many-params', `${what}: the app's own maxParams`)
  }
  for (const body of ['[1,2]', 'null', 'not json']) {
    t.not(diagnose({ url, method: 'POST', json: true, signature: sign(url, null), body, maxParams: 1 }, [TOKEN]).reason, 'too-many-params', `${body}: no parameters`)
  }
  t.match(render(diagnose(cases[0][1](300), [TOKEN]), styleOf(false)), /^✗ Does not verify as the app received it: it has more parameters than the app's maxParams\.\n/)
})

t.test('render: no control character from the request reaches the terminal', async (t) => {
  const fake = '\u001b[2J\u001b[H✓ Verifies\r\n\u009b31m\u007f\u0007'
  const url = `https://hooks.example.com${PATH}?x=${fake}`
  const params = { ...PARAMS, AccountSid: fake, [fake]: ' spaced ' }
  for (const d of [
    diagnose({ url, method: 'POST', signature: sign('https://elsewhere.example.com/'), params }, [TOKEN, OTHER_TOKEN]),
    diagnose({ url, method: 'POST', signature: sign(url, params), params }, [OTHER_TOKEN, TOKEN]),
    diagnose({ url, method: 'POST', signature: sign(url.replace('https', 'http'), params), params, hints: { publicUrl: `http://h${fake}/` } }, [TOKEN])
  ]) {
    for (const color of [false, true]) {
      const text = render(d, styleOf(color))
      const data = color ? text.replace(new RegExp(`${'\u001b'}\\[\\d+m`, 'g'), '') : text
      t.notMatch(data, /(?!\n)\p{Cc}/u, 'nothing but line breaks, and colour of its own')
      t.ok(data.includes('x=\\x1b[2J\\x1b[H✓ Verifies\\r\\n\\x9b31m\\x7f\\x07'), 'the data shown, escaped')
    }
  }
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
  const userinfo = partsOf('https://user:pass@[::1]:8443/x?y')
  t.same(userinfo, { scheme: 'https', host: '[::1]', port: '8443', path: '/x', query: 'y' })
  const getSid = diagnose({ url: `https://hooks.example.com${PATH}?AccountSid=AC9`, method: 'GET', signature: sign(`https://hooks.example.com${PATH}?AccountSid=AC9`, null, OLD_TOKEN) }, [TOKEN, OLD_TOKEN])
  t.match(getSid.notes[0], /AccountSid AC9/, 'a GET\'s AccountSid is read from its query')
})

t.test('render: plain, and coloured on a terminal', async (t) => {
  const d = diagnose(post(`http://hooks.example.com${PATH}`, `https://hooks.example.com/api${PATH}`), [TOKEN, OLD_TOKEN])
  const text = render(d, styleOf(false))
  t.match(text, /^✗ Does not verify as the app received it: no token given signs this URL and these parameters\.\n {2}URL checked: http:\/\/hooks\.example\.com\/twilio\/sms\/status\n✓ Twilio signed https:\/\/hooks\.example\.com\/api\/twilio\/sms\/status, with --token #1 of 2\.\n\nWhat differs:\n {2}scheme/)
  t.match(text, /Fix: register the plugin with publicUrl: 'https:\/\/hooks\.example\.com\/api'/)
  t.notOk(text.includes('\u001b['), 'no escape codes')
  t.ok(render(d, styleOf(true)).includes('\u001b[31m✗ Does not verify\u001b[39m'), 'red on a terminal')
  const plain = render(diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN]), styleOf(false))
  t.equal(plain, `✓ Verifies with --token #1, as https://hooks.example.com${PATH}\n`)
})

t.test('explain, the command', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const signature = sign(url)
  const body = form(PARAMS)
  const raw = (host: string, extra = ''): string =>
    `POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: ${signature}\r\n${extra}\r\n${body}\n`

  t.test('a raw capture from a tunnel: X-Forwarded-Proto says https', async (t) => {
    const ran = await cli(['explain', '--file', 'req.txt'], { files: { 'req.txt': raw('hooks.example.com', 'X-Forwarded-Proto: https\r\n') } })
    t.equal(ran.code, 1)
    t.match(ran.stdout, /What differs:\n {2}scheme {2}the app had http; Twilio signed https/)
    t.notOk(ran.stdout.includes(TOKEN))
  })

  t.test('the warn log\'s URL beside a capture of what Twilio sent: the capture\'s host and path are hints', async (t) => {
    const prefixed = `POST /api${PATH} HTTP/1.1\nHost: hooks.example.com:8443\nX-Twilio-Signature: ${sign(`https://hooks.example.com:8443/api${PATH}`)}\n\n${body}`
    const ran = await cli(['explain', '-f', 'req.txt', '--url', `http://127.0.0.1:3000${PATH}`, '--header', 'X-Forwarded-Proto: https'], { files: { 'req.txt': prefixed } })
    t.equal(ran.code, 1)
    t.match(ran.stdout, /scheme[\s\S]*host {4}the app had 127\.0\.0\.1; Twilio signed hooks\.example\.com[\s\S]*prefix/)
    t.match(ran.stdout, /publicUrl: 'https:\/\/hooks\.example\.com:8443\/api'/)
  })

  t.test('the capture\'s host without a port, the same host, a header that already names the host', async (t) => {
    const capture = `POST ${PATH} HTTP/1.1\nHost: hooks.example.com\nX-Twilio-Signature: ${signature}\n\n${body}`
    const other = await cli(['explain', '-f', 'r.txt', '--url', `https://10.0.0.7${PATH}`], { files: { 'r.txt': capture } })
    t.match(other.stdout, /host {2}the app had 10\.0\.0\.7; Twilio signed hooks\.example\.com/)
    const same = await cli(['explain', '-f', 'r.txt', '--url', `https://hooks.example.com${PATH}`], { files: { 'r.txt': capture } })
    t.equal(same.code, 0, 'the capture\'s own URL, but https')
    const named = await cli(['explain', '-f', 'r.txt', '--url', `https://10.0.0.7${PATH}`, '--header', 'X-Forwarded-Host: proxy.example.com'], { files: { 'r.txt': capture } })
    t.equal(named.code, 1, 'X-Forwarded-Host wins over the capture\'s Host, and is not what Twilio signed')
  })

  t.test('the plugin\'s warn line as the file, with the request from flags', async (t) => {
    const line = JSON.stringify({ level: 40, reason: 'mismatch', urls: [url, `https://hooks.example.com:443${PATH}`], msg: 'fastify-twilio-status: signature rejected' })
    const ran = await cli(['explain', '-f', 'log.json', '--signature', signature, ...Object.entries(PARAMS).flatMap(([k, v]) => ['--param', `${k}=${v}`])], { files: { 'log.json': line } })
    t.equal(ran.code, 0)
    t.match(ran.stdout, /^✓ Verifies/)
  })

  t.test('a JSON capture with its own publicUrl; Fastify\'s req log', async (t) => {
    const capture = JSON.stringify({ req: { method: 'POST', url: PATH, host: 'app.internal' }, headers: { 'X-Twilio-Signature': signature }, body, publicUrl: 'https://hooks.example.com' })
    const ran = await cli(['explain', '-f', '-'], { files: { '-': capture } })
    t.equal(ran.code, 1)
    t.match(ran.stdout, /host {4}the app had app\.internal; Twilio signed hooks\.example\.com/)
    t.equal(ran.stderr, '')
  })

  t.test('a token written in the capture is never used: the user\'s own token decides', async (t) => {
    // Forged: signed with a token of the forger's choosing, which the capture names.
    const forged = { url, headers: { 'X-Twilio-Signature': sign(url, PARAMS, OTHER_TOKEN) }, body }
    for (const field of ['token', 'tokens', 'authToken']) {
      const capture = JSON.stringify({ ...forged, [field]: field === 'tokens' ? [OTHER_TOKEN] : OTHER_TOKEN })
      const ran = await cli(['explain', '-f', 'c.json'], { files: { 'c.json': capture } })
      t.equal(ran.code, 1, `${field}: TWILIO_AUTH_TOKEN wins`)
      t.match(ran.stdout, /^✗ Does not verify/)
      t.equal(ran.stderr, 'fastify-twilio-status: the capture\'s token is ignored: explain verifies with --token or TWILIO_AUTH_TOKEN only\n')
      const flag = await cli(['explain', '-f', 'c.json', '--token', TOKEN], { env: {}, files: { 'c.json': capture } })
      t.equal(flag.code, 1, `${field}: --token wins`)
      const none = await cli(['explain', '-f', 'c.json'], { env: {}, files: { 'c.json': capture } })
      t.equal(none.code, 2, `${field}: no token of the user's, none used`)
      t.match(none.stderr, /needs the token\(s\) to try: --token \(repeatable\) or TWILIO_AUTH_TOKEN; they are never printed \(a token written in the capture is never used: whoever wrote the capture chose it\)/)
      t.notOk(ran.stdout.includes(OTHER_TOKEN) || none.stderr.includes(OTHER_TOKEN), 'never printed either')
    }
    const genuine = await cli(['explain', '-f', 'c.json'], { files: { 'c.json': JSON.stringify({ url, headers: { 'X-Twilio-Signature': signature }, body, token: OTHER_TOKEN }) } })
    t.equal(genuine.code, 0, 'a genuine capture verifies with the user\'s token, whatever token it names')
  })

  t.test('--max-params: the app\'s maxParams', async (t) => {
    const many = Array.from({ length: 300 }, (_, i) => `P${i}=v`).join('&')
    const capture = `POST ${PATH} HTTP/1.1\nHost: hooks.example.com\nX-Twilio-Signature: ${signature}\n\n${many}`
    const refused = await cli(['explain', '-f', 'r.txt'], { files: { 'r.txt': capture } })
    t.equal(refused.code, 1)
    t.match(refused.stdout, /it has more parameters than the app's maxParams[\s\S]*300 parameters, more than maxParams \(256\)/)
    const read = await cli(['explain', '-f', 'r.txt', '--max-params', '300'], { files: { 'r.txt': capture } })
    t.equal(read.code, 1)
    t.match(read.stdout, /no token given signs this URL and these parameters/)
    for (const bad of ['0', '100001', 'many']) {
      const ran = await cli(['explain', '-f', 'r.txt', '--max-params', bad], { files: { 'r.txt': capture } })
      t.match(ran, { code: 2, stderr: /--max-params takes a whole number from 1 to 100000/ }, bad)
    }
  })

  t.test('--body-file, GET and JSON methods, content types', async (t) => {
    const fromFile = await cli(['explain', '--url', url, '--signature', signature, '--body-file', 'body.txt'], { files: { 'body.txt': body } })
    t.equal(fromFile.code, 0)
    const getUrl = `${url}?${body}`
    const get = await cli(['explain', '--url', getUrl, '--signature', sign(getUrl, null), '--method', 'get', '--body', 'ignored'])
    t.equal(get.code, 0, 'a GET\'s body is not signed')
    const json = '{"a":1}'
    const jsonUrl = `${url}?bodySHA256=${sha256(json)}`
    for (const extra of [['--method', 'JSON'], ['--header', 'Content-Type: application/json'], []]) {
      const ran = await cli(['explain', '--url', jsonUrl, '--signature', sign(jsonUrl, null), '--body', json, ...extra])
      t.equal(ran.code, 0, `JSON with ${extra.join(' ') || 'a body that looks like JSON'}`)
    }
    const captured = await cli(['explain', '-f', 'get.txt', '--token', TOKEN], { env: {}, files: { 'get.txt': `GET ${getUrl} HTTP/1.1\nX-Twilio-Signature: ${sign(getUrl, null)}\n` } })
    t.equal(captured.code, 0, 'an absolute request target, a GET')
  })

  t.test('usage errors', async (t) => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['explain'], /needs the URL the app checked/],
      [['explain', 'x'], /unexpected "x"/],
      [['explain', '--url', url, '--header', 'nocolon'], /--header takes 'Name: value'/],
      [['explain', '-f', 'put.txt'], /method is PUT/, { 'put.txt': `PUT ${PATH} HTTP/1.1\nHost: h\n\n` }],
      [['explain', '-f', 'nohost.txt'], /needs the URL/, { 'nohost.txt': `POST ${PATH} HTTP/1.1\n\n` }],
      [['explain', '--url', url, '--method', 'PUT'], /--method is POST, GET or JSON/]
    ]
    for (const [argv, message, files] of cases) {
      const ran = await cli(argv, { files })
      t.equal(ran.code, 2, argv.join(' '))
      t.match(ran.stderr, message)
    }
    const noToken = await cli(['explain', '--url', url], { env: {} })
    t.equal(noToken.code, 2)
    t.match(noToken.stderr, /needs the token\(s\).*never printed/)
  })

  t.test('--help, colour and --no-color', async (t) => {
    const help = await cli(['explain', '--help'])
    t.equal(help.code, 0)
    t.match(help.stdout, /^Usage: fastify-twilio-status explain/)
    const coloured = await cli(['explain', '--url', url, '--signature', signature, '--body', body], { color: true })
    t.ok(coloured.stdout.startsWith('\u001b[32m✓ Verifies'), 'green on a terminal')
    const plain = await cli(['explain', '--url', url, '--signature', signature, '--body', body, '--no-color'], { color: true })
    t.notOk(plain.stdout.includes('\u001b['))
  })
})

t.test('explain on what the real curl printed: -v leaves the body out and explain says so, not that the token is wrong; a trace verifies', async (t) => {
  const tls = await tlsSink(t)
  const url = `https://hooks.example.com${PATH}`
  const body = form(PARAMS)
  // curl calls the test server and writes the Host Twilio called: the capture reads https://hooks.example.com/….
  const to = (path: string, signature: string): string[] => ['-s', '-k', '-o', '/dev/null', `https://localhost:${tls.port}${path}`, '-H', 'Host: hooks.example.com', '-H', `X-Twilio-Signature: ${signature}`]
  const verbose = (await curl(['-v', ...to(PATH, sign(url)), '--data-binary', body])).stderr
  const files = { 'v.txt': verbose, 'body.txt': body, 'unsigned.txt': verbose.replace(/^> X-Twilio-Signature: .*\r\n/im, '') }

  const bare = await cli(['explain', '-f', 'v.txt'], { files })
  t.equal(bare.code, 2)
  t.equal(bare.stdout, '')
  t.equal(bare.stderr, `fastify-twilio-status: the capture has no body, but the request had one (Content-Length: ${body.length}): curl -v does not print the body it sends. ` +
    'Give the body with --body-file FILE or --body TEXT, or capture the request with curl --trace-ascii -, which prints the body as sent\nRun "fastify-twilio-status --help" for usage.\n')
  t.notMatch(bare.stderr, /token/)
  for (const given of [['--body-file', 'body.txt'], ['--body', body], Object.entries(PARAMS).flatMap(([k, v]) => ['--param', `${k}=${v}`])]) {
    const ran = await cli(['explain', '-f', 'v.txt', ...given], { files })
    t.equal(ran.code, 0, given[0])
    t.equal(ran.stdout, `✓ Verifies with --token #1, as ${url}\n`)
  }
  const unsigned = await cli(['explain', '-f', 'unsigned.txt'], { files })
  t.equal(unsigned.code, 1, 'no signature: that is the cause, whatever the body')
  t.match(unsigned.stdout, /no signature[\s\S]*There is no X-Twilio-Signature header/)
  const get = await cli(['explain', '-f', 'v.txt', '--method', 'GET'], { files })
  t.equal(get.code, 1, 'a GET has no body to miss')
  t.notMatch(get.stderr, /no body/)

  // A JSON body, in --trace-ascii: a line break is shown as ".", so it no longer hashes as sent.
  const plain = '{"MessageStatus":"delivered","Url":"https://a.example.com/x.png"}'
  const broken = '{\n"MessageStatus":"delivered"}'
  for (const [json, verifies] of [[plain, true], [broken, false]] as const) {
    const path = `${PATH}?bodySHA256=${sha256(json)}`
    const trace = (await curl(['--trace-ascii', '-', ...to(path, sign(`https://hooks.example.com${path}`, null)), '-H', 'Content-Type: application/json', '--data-binary', json])).stdout
    const ran = await cli(['explain', '-f', 't.txt'], { files: { 't.txt': trace } })
    t.equal(ran.code, verifies ? 0 : 1, json)
    t.equal(ran.stderr, verifies
      ? ''
      : 'fastify-twilio-status: curl --trace-ascii writes a line break or a byte outside ASCII as ".", and the body is read as written: if it held one, give the body with --body-file, or capture with curl --trace - (hex), which is read byte for byte\n',
    verifies ? 'dots that are dots: nothing to say' : 'said when it does not verify')
    if (!verifies) t.equal((await cli(['explain', '-f', 't.txt', '--body', broken], { files: { 't.txt': trace } })).code, 0, 'the body given verifies')
  }
})
