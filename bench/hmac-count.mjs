// `npm run bench:hmacs`: how many HMACs the plugin's verifier computes per request, valid and
// forged, with 1, 2 and 5 Auth Tokens and with a SharedKey (HMAC-SHA256); then for URLs whose
// spelling is ambiguous (docs/twilio-facts.md §1.10: `'`, `%27`, `%3A`, `%40` in the query, an
// upper-case host), which are also tried respelled. The built verifier (dist/) calls node:crypto's
// createHmac through the module object, so wrapping it counts every call. Fails (exit 1) if an
// ordinary request costs more than two HMACs per candidate secret, or an ambiguous one more than six.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const crypto = require('node:crypto')
const { createVerifier, computeSignature, signingKey } = require('../dist/lib/verify/signature.js')

let hmacs = 0
const original = crypto.createHmac
crypto.createHmac = (...args) => { hmacs++; return original(...args) }

const url = 'https://hooks.example.com/twilio/sms/status'
const params = { AccountSid: 'AC' + '0'.repeat(32), MessageSid: 'SM' + '1'.repeat(32), MessageStatus: 'delivered', From: '+15017250604', To: '+15558675310' }
const forged = 'A'.repeat(27) + '='

function count (verify, request, keys) {
  hmacs = 0
  const verdict = verify(request, keys)
  return { hmacs, valid: verdict.valid }
}

/** Ordinary URLs: at most two HMACs per secret (the URL with and without its port). */
const ordinary = []
for (const n of [1, 2, 5]) {
  const tokens = Array.from({ length: n }, (_, i) => `token-${i}`)
  const verify = createVerifier(tokens)
  const last = computeSignature(tokens[n - 1], url, params)
  ordinary.push({ case: `${n} token(s), valid (signed by the last)`, secrets: n, ...count(verify, { signature: last, url, params }) })
  ordinary.push({ case: `${n} token(s), forged`, secrets: n, ...count(verify, { signature: forged, url, params }) })
}
const verify = createVerifier([])
const shared = [signingKey('sk_test_secret', 'HMAC_SHA256')]
const sha256 = computeSignature('sk_test_secret', url, params, 'HMAC_SHA256')
ordinary.push({ case: 'SharedKey HMAC-SHA256, valid', secrets: 1, ...count(verify, { signature: sha256, url, params }, shared) })
ordinary.push({ case: 'SharedKey HMAC-SHA256, forged', secrets: 1, ...count(verify, { signature: 'A'.repeat(43) + '=', url, params }, shared) })
const get = `${url}?MessageSid=SM1&MessageStatus=delivered&Body=Hello+World%21&From=%2B15017250604`
ordinary.push({ case: 'GET with an ordinary query, forged', secrets: 1, ...count(createVerifier(['token-0']), { signature: forged, url: get, params: null }) })

/** Ambiguous spellings (§1.10): each respelling is tried with and without its port. */
const ambiguous = []
const one = createVerifier(['token-0'])
const five = createVerifier(Array.from({ length: 5 }, (_, i) => `token-${i}`))
const targets = [
  ['query with \'', `${url}?Body=It's+here`, `${url}?Body=It%27s+here`],
  ['query with %27 (signed with \')', `${url}?Body=It%27s+here`, `${url}?Body=It's+here`],
  ['query with %3A and %40 (a SIP caller)', `${url}?Caller=sip%3A1234%40203.0.113.7`, `${url}?Caller=sip:1234@203.0.113.7`],
  ['upper-case host', url.replace('hooks.example.com', 'Hooks.Example.com'), url],
  ['query with both \' and %27', `${url}?a=It's&b=It%27s`, `${url}?a=It's&b=It's`]
]
for (const [name, received, signedUrl] of targets) {
  ambiguous.push({ case: `${name}, valid`, secrets: 1, ...count(one, { signature: computeSignature('token-0', signedUrl, null), url: received, params: null }) })
  ambiguous.push({ case: `${name}, forged`, secrets: 1, ...count(one, { signature: forged, url: received, params: null }) })
}
ambiguous.push({ case: 'query with both \' and %27, 5 tokens, forged', secrets: 5, ...count(five, { signature: forged, url: targets[4][1], params: null }) })

let failed = false
function print (title, rows, perSecret, exact) {
  console.log(`${title}\n`)
  for (const row of rows) {
    const bound = perSecret * row.secrets
    // A forged ordinary request is tried against every candidate: exactly the bound.
    const ok = row.hmacs <= bound && (!exact || row.valid || row.hmacs === bound)
    failed ||= !ok
    console.log(`${row.case.padEnd(50)} ${String(row.hmacs).padStart(2)} HMACs  ${row.valid ? 'accepted' : 'rejected'}  ${ok ? 'PASS' : 'MISS'} (${exact && !row.valid ? '=' : '≤'} ${bound})`)
  }
  console.log('')
}
print('HMACs per request, ordinary URL (the URL with and without its port is tried for each candidate secret)', ordinary, 2, true)
print('HMACs per request, ambiguous spelling (each respelling is tried too, with and without its port)', ambiguous, 6, false)
process.exitCode = failed ? 1 : 0
