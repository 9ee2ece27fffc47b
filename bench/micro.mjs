// `npm run bench:micro`: signature verification alone, ns per call, valid and forged, the plugin's
// verifier (createVerifier, dist/lib/signature.js) against twilio.validateRequest, in one process.
// Batches of each case interleave round after round; medians are reported. One bare
// createHmac('sha1') over the same string is the floor.
//
//   node bench/micro.mjs [--rounds 21] [--batch 20000]
import { createRequire } from 'node:module'
import { createHmac } from 'node:crypto'
import { parseArgs } from 'node:util'
import twilio from 'twilio'
import { AUTH_TOKEN, createCallbacks, SIGNED_URL } from './lib-callback.mjs'

const require = createRequire(import.meta.url)
const { createVerifier } = require('../dist/lib/verify/signature.js')
const { parseForm } = require('../dist/lib/verify/form.js')

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '21' }, batch: { type: 'string', default: '20000' } }
})
const rounds = Number(args.rounds)
const batch = Number(args.batch)

// The benchmark's callback, parsed as each side would see it.
const valid = createCallbacks()()
const forged = createCallbacks({ forged: true })()
const params = parseForm(valid.body)
const forgedParams = parseForm(forged.body)
const signature = valid.headers['X-Twilio-Signature']
const badSignature = forged.headers['X-Twilio-Signature']

const verify = createVerifier([AUTH_TOKEN])
let payload = SIGNED_URL
for (const name of Object.keys(params).sort()) payload += name + params[name]

const cases = [
  { name: 'plugin createVerifier, valid', expect: true, run: () => verify({ signature, url: SIGNED_URL, params }).valid },
  { name: 'plugin createVerifier, forged', expect: false, run: () => verify({ signature: badSignature, url: SIGNED_URL, params: forgedParams }).valid },
  { name: 'twilio.validateRequest, valid', expect: true, run: () => twilio.validateRequest(AUTH_TOKEN, signature, SIGNED_URL, params) },
  { name: 'twilio.validateRequest, forged', expect: false, run: () => twilio.validateRequest(AUTH_TOKEN, badSignature, SIGNED_URL, forgedParams) },
  { name: 'floor: one createHmac(sha1) + base64', expect: true, run: () => createHmac('sha1', AUTH_TOKEN).update(payload, 'utf8').digest('base64') === signature }
]

for (const c of cases) {
  if (c.run() !== c.expect) throw new Error(`${c.name}: expected ${c.expect}`)
  for (let i = 0; i < batch; i++) c.run() // warm-up
  c.samples = []
}

let sink = 0
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(k + r) % cases.length]
    const start = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) if (c.run()) sink++
    c.samples.push(Number(process.hrtime.bigint() - start) / batch)
  }
}
if (sink < 0) console.log(sink)

function median (values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

const floor = median(cases[4].samples)
console.log(`signature verification, ns per call (median of ${rounds} interleaved batches of ${batch}), Node ${process.version}\n`)
for (const c of cases) {
  const m = median(c.samples)
  console.log(`${c.name.padEnd(38)} ${m.toFixed(0).padStart(7)} ns  ${(m / floor).toFixed(2).padStart(5)} × floor  ` +
    `(min ${Math.min(...c.samples).toFixed(0)}, max ${Math.max(...c.samples).toFixed(0)})`)
}
const ours = median(cases[0].samples)
const oursForged = median(cases[1].samples)
const theirs = median(cases[2].samples)
const theirsForged = median(cases[3].samples)
console.log(`\nvalid: plugin ${(theirs / ours).toFixed(2)} × faster than twilio.validateRequest; ` +
  `forged: ${(theirsForged / oursForged).toFixed(2)} ×. Forged/valid cost: plugin ${(oursForged / ours).toFixed(2)}, twilio ${(theirsForged / theirs).toFixed(2)}`)

// Cost as work grows: parse + verify (what a request costs before any callback) at 10, 50 and
// 200 parameters, with 1, 2 and 5 Auth Tokens (rotation), valid (signed by the last token, the
// worst case) and forged. It must grow linearly with parameters and at most linearly with tokens.
const WRONG = '0000000000000000000000000000dead'
const tokenLists = { 1: [AUTH_TOKEN], 2: [WRONG.replace('0', '1'), AUTH_TOKEN], 5: ['1', '2', '3', '4'].map((d) => WRONG.replace('0', d)).concat(AUTH_TOKEN) }
const grid = []
for (const count of [10, 50, 200]) {
  const signedCallback = createCallbacks({ params: count })()
  const forgedCallback = createCallbacks({ params: count, forged: true })()
  for (const tokens of [1, 2, 5]) {
    const verifyWith = createVerifier(tokenLists[tokens])
    const run = (callback) => () => verifyWith({ signature: callback.headers['X-Twilio-Signature'], url: SIGNED_URL, params: parseForm(callback.body) }).valid
    grid.push({ count, tokens, valid: run(signedCallback), forged: run(forgedCallback), samples: { valid: [], forged: [] } })
  }
}
const gridBatch = Math.max(1, Math.floor(batch / 10))
for (const cell of grid) {
  if (cell.valid() !== true || cell.forged() !== false) throw new Error(`grid ${cell.count}/${cell.tokens}: wrong verdict`)
}
for (let r = 0; r < rounds; r++) {
  for (const cell of grid) {
    for (const kind of ['valid', 'forged']) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < gridBatch; i++) if (cell[kind]()) sink++
      cell.samples[kind].push(Number(process.hrtime.bigint() - start) / gridBatch / 1000)
    }
  }
}
console.log(`\nparse + verify, µs per request (median of ${rounds} rounds of ${gridBatch}): parameters × Auth Tokens`)
console.log('params  tokens   valid  forged   valid µs/param  forged/valid')
for (const cell of grid) {
  const valid = median(cell.samples.valid)
  const forgedCost = median(cell.samples.forged)
  console.log(`${String(cell.count).padStart(6)}  ${String(cell.tokens).padStart(6)}  ${valid.toFixed(1).padStart(6)}  ${forgedCost.toFixed(1).padStart(6)}  ${(valid / cell.count).toFixed(3).padStart(15)}  ${(forgedCost / valid).toFixed(2).padStart(12)}`)
}

// The memory store's cost per event as it grows: a claim and a completion of a new event (its
// usual work) in a store already full at 1 000, 100 000 and 1 000 000 entries, so each new event
// also evicts the oldest. It must not grow with the size.
const { MemoryStore } = require('../dist/lib/stores/memory.js')
const sizes = [1_000, 100_000, 1_000_000]
const stores = sizes.map((size) => {
  const store = new MemoryStore({ maxEntries: size })
  for (let i = 0; i < size; i++) store.claim(`sms:SMfill${i}:delivered`, 86_400_000)
  return { size, store, next: 0, samples: [] }
})
const storeBatch = batch * 5
for (let r = 0; r < rounds; r++) {
  for (const entry of stores) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < storeBatch; i++) {
      const key = `sms:SM${(entry.next++).toString(16).padStart(32, '0')}:delivered`
      if (entry.store.claim(key, 60_000).state !== 'claimed') throw new Error('a new event was not claimed')
      entry.store.complete(key, '', 86_400_000)
    }
    entry.samples.push(Number(process.hrtime.bigint() - start) / storeBatch)
  }
}
console.log(`\nMemoryStore, a new event's claim + complete in a full store, ns (median of ${rounds} rounds of ${storeBatch}):`)
for (const { size, store, samples } of stores) console.log(`${size.toLocaleString('en-US').padStart(10)} entries  ${median(samples).toFixed(0).padStart(5)} ns  (size ${store.size.toLocaleString('en-US')})`)
