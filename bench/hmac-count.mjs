// `npm run bench:hmacs`: how many HMACs the plugin's verifier computes per request, valid and
// forged, with 1, 2 and 5 Auth Tokens and with a SharedKey (HMAC-SHA256). The built verifier
// (dist/) calls node:crypto's createHmac through the module object, so wrapping it counts every
// call. Fails (exit 1) if any case costs more than two HMACs per candidate secret.
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

const rows = []
for (const n of [1, 2, 5]) {
  const tokens = Array.from({ length: n }, (_, i) => `token-${i}`)
  const verify = createVerifier(tokens)
  const last = computeSignature(tokens[n - 1], url, params)
  rows.push({ case: `${n} token(s), valid (signed by the last)`, secrets: n, ...count(verify, { signature: last, url, params }) })
  rows.push({ case: `${n} token(s), forged`, secrets: n, ...count(verify, { signature: forged, url, params }) })
}
const verify = createVerifier([])
const shared = [signingKey('sk_test_secret', 'HMAC_SHA256')]
const sha256 = computeSignature('sk_test_secret', url, params, 'HMAC_SHA256')
rows.push({ case: 'SharedKey HMAC-SHA256, valid', secrets: 1, ...count(verify, { signature: sha256, url, params }, shared) })
rows.push({ case: 'SharedKey HMAC-SHA256, forged', secrets: 1, ...count(verify, { signature: 'A'.repeat(43) + '=', url, params }, shared) })

let failed = false
console.log('HMACs per request (the URL with and without its port is tried for each candidate secret)\n')
for (const row of rows) {
  const ok = row.hmacs <= 2 * row.secrets
  failed ||= !ok
  console.log(`${row.case.padEnd(42)} ${String(row.hmacs).padStart(2)} HMACs  ${row.valid ? 'accepted' : 'rejected'}  ${ok ? 'PASS' : 'MISS'} (≤ ${2 * row.secrets})`)
}
process.exitCode = failed ? 1 : 0
