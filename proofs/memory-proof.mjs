// Proof that the memory store stays flat whatever the body size: a stored event costs a fixed
// record in arrays the store allocates when it is made (and its reply, if not empty), never its
// request body. V8 makes a slice of a long string point into it and a
// concatenation point to its parts, so a key built from a Sid cut out of a 10 kB form body kept
// that whole body alive for as long as the store held the key (100,000 inbound SMS with a long
// emoji Body took the heap from 8 MB to 985 MB).
//
// Each scenario starts a real server (the built plugin from dist/, as a forked child run with
// --expose-gc) and sends it SMS webhooks over loopback HTTP, signed with the package's testing
// kit, each with a fresh MessageSid: a warm-up, a full garbage collection and a heap reading, then the measured requests, another
// full collection and reading. Bytes per entry = heap growth / keys the store gained.
//
//   small  the testing kit's sample payload (a short Body; about 0.6 kB of form body)
//   large  a 1,600-character emoji Body (800 emoji; about 10 kB of form body)
//
//   A/B    inbound messages (`received`), idempotency on (the default store)
//   C/D    the same, and each callback replies with TwiML quoting the start of the Body (so the
//          store also keeps a reply per event)
//   E/F    `delivered` status callbacks carrying the same Body, idempotency and ordering on: an
//          event key and an ordering subject per event (inbound messages are not ordered)
//   G      inbound, large Body, `idempotency: false`: the baseline, where nothing is stored
//
// The store is the one the plugin makes by default (`new MemoryStore()`, 100,000 keys), passed in
// explicitly so the server can report its size. Checks, exit status 1 when one fails:
//   - every request answered 200 and handled exactly once;
//   - large bodies cost within 1.5× (or 32 bytes) of small ones per entry, and (from 50,000 new entries up,
//     where fixed costs no longer weigh) every entry under LIMIT_BYTES;
//   - with idempotency off, the heap grows less than 2 MB in all.
//
// Usage: `npm run load:memory` (builds first), or `node proofs/memory-proof.mjs [--n 100000]
// [--warmup 5000] [--concurrency 32] [--only A,B,G]`.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { setImmediate as yieldOnce } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadKit } from './lib-kit.mjs'

const SELF = fileURLToPath(import.meta.url)
const AUTH_TOKEN = process.env.MEMORY_PROOF_TOKEN ?? randomBytes(16).toString('hex')
/**
 * Most a stored entry may cost in heap growth, bookkeeping included (measured: about 2 bytes, the
 * store's arrays being allocated up front; about 180 with a short TwiML reply kept beside it).
 */
const LIMIT_BYTES = 400
/**
 * The absolute limit counts from this many new entries: below it, fixed costs (compiled code,
 * caches) dominate the figure. The flatness ratio is checked at any size.
 */
const LIMIT_FROM = 50_000
/** Large bodies may cost at most this many times what small ones do… */
const FLAT_RATIO = 1.5
/**
 * …or at most this many bytes more per entry: a few bytes either way is the heap reading's noise
 * (a kept 10 kB body would add thousands).
 */
const NOISE_BYTES = 32
/** With nothing stored, the heap may grow at most this much in all (code and caches warming up). */
const BASELINE_BYTES = 2 * 1024 * 1024

if (process.argv[2] === '--server') await server()
else await driver()

// ---------------------------------------------------------------------------------------------
// The server: one plugin instance, forked by the driver (IPC).

async function server () {
  const { default: Fastify } = await import('fastify')
  const { default: twilioStatus } = await import('fastify-twilio-status')
  const config = JSON.parse(process.env.MEMORY_PROOF_CONFIG)
  const store = new twilioStatus.MemoryStore()
  let handled = 0
  const reply = config.reply
    ? (event) => { handled++; return `<Response><Message>Got it: ${event.Body.slice(0, 12)}…</Message></Response>` }
    : () => { handled++ }
  const app = Fastify({ logger: false })
  await app.register(twilioStatus, {
    authToken: AUTH_TOKEN,
    store,
    idempotency: config.idempotency,
    ordering: config.ordering,
    sms: { onReceived: reply, onDelivered: reply }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })

  async function settled () {
    for (let i = 0; i < 4; i++) {
      globalThis.gc()
      await yieldOnce()
    }
    const { heapUsed, rss } = process.memoryUsage()
    return { heapUsed, rss, size: store.size, handled }
  }

  process.on('message', async (message) => {
    if (message.type === 'measure') {
      process.send({ type: 'measure', ...await settled() })
    } else if (message.type === 'close') {
      await app.close()
      process.disconnect()
    }
  })
  process.send({ type: 'ready', port: app.server.address().port, ...await settled() })
}

// ---------------------------------------------------------------------------------------------
// The driver.

async function driver () {
  const { values: args } = parseArgs({
    options: {
      n: { type: 'string', default: '100000' },
      warmup: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '32' },
      only: { type: 'string' }
    }
  })
  const N = Number(args.n)
  const WARMUP = Number(args.warmup)
  const CONCURRENCY = Number(args.concurrency)
  for (const [name, value, min] of [['--n', N, 1], ['--warmup', WARMUP, 0], ['--concurrency', CONCURRENCY, 1]]) {
    if (!Number.isInteger(value) || value < min) {
      console.error(`${name} takes an integer >= ${min}`)
      process.exit(2)
    }
  }

  const kit = await loadKit()

  const EMOJI = ['😀', '🚀', '📦', '🎉', '🙏', '🔥', '💬', '🌍']
  const LARGE_BODY = Array.from({ length: 800 }, (_, i) => EMOJI[i % EMOJI.length]).join('')
  if (LARGE_BODY.length !== 1600) throw new Error('the large Body must be 1,600 characters')

  const SCENARIOS = [
    { id: 'A', label: 'inbound, idempotency on', body: 'small', status: 'received', idempotency: true, ordering: false, reply: false, pair: 'AB' },
    { id: 'B', label: 'inbound, idempotency on', body: 'large', status: 'received', idempotency: true, ordering: false, reply: false, pair: 'AB' },
    { id: 'C', label: 'inbound, idempotency on, TwiML reply', body: 'small', status: 'received', idempotency: true, ordering: false, reply: true, pair: 'CD' },
    { id: 'D', label: 'inbound, idempotency on, TwiML reply', body: 'large', status: 'received', idempotency: true, ordering: false, reply: true, pair: 'CD' },
    { id: 'E', label: 'delivered, idempotency + ordering on', body: 'small', status: 'delivered', idempotency: true, ordering: true, reply: false, pair: 'EF' },
    { id: 'F', label: 'delivered, idempotency + ordering on', body: 'large', status: 'delivered', idempotency: true, ordering: true, reply: false, pair: 'EF' },
    { id: 'G', label: 'inbound, idempotency: false (baseline)', body: 'large', status: 'received', idempotency: false, ordering: false, reply: false }
  ]
  const only = args.only?.split(',').map((s) => s.trim().toUpperCase())
  const chosen = only === undefined ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.id))
  if (chosen.length === 0) {
    console.error(`--only: no scenario among ${SCENARIOS.map((s) => s.id).join(', ')}`)
    process.exit(2)
  }

  const runId = randomBytes(4).toString('hex')
  const MB = 1024 * 1024
  const mb = (bytes) => (bytes / MB).toFixed(1)

  function start (scenario) {
    const child = fork(SELF, ['--server'], {
      env: { ...process.env, MEMORY_PROOF_TOKEN: AUTH_TOKEN, MEMORY_PROOF_CONFIG: JSON.stringify(scenario), NODE_ENV: 'production' },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const waiters = []
    child.on('message', (message) => waiters.shift()?.(message))
    const next = () => new Promise((resolve, reject) => {
      waiters.push(resolve)
      exited.then((code) => reject(new Error(`server exited (${code}) while ${scenario.id} was waiting for it`)))
    })
    return {
      ready: next(),
      measure () { const answer = next(); child.send({ type: 'measure' }); return answer },
      async close () { child.send({ type: 'close' }); await exited },
      kill () { if (child.exitCode === null) child.kill('SIGKILL') }
    }
  }

  function post (agent, port, request) {
    return new Promise((resolve) => {
      const headers = { ...request.headers, 'content-length': String(Buffer.byteLength(request.payload)) }
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: request.url, headers, agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      })
      req.on('error', (err) => resolve(err.message))
      req.end(request.payload)
    })
  }

  /**
   * Signed requests for a scenario, one per Sid: the testing kit's request with a placeholder Sid
   * as a template (the kit's payload, split at the Sid), each signed by the kit's
   * `signTwilioRequest` over its own parameters. The first ones are checked against the kit's
   * `signedInject` byte for byte.
   */
  function requests (scenario, port) {
    const body = scenario.body === 'large' ? LARGE_BODY : scenario.status === 'received' ? undefined : 'Hi! Is my order on its way?'
    const options = { authToken: AUTH_TOKEN, channel: 'sms', status: scenario.status, params: body === undefined ? undefined : { Body: body }, host: `127.0.0.1:${port}` }
    const placeholder = kit.sampleSid('SM', `placeholder-${runId}`)
    const template = kit.signedInject({ ...options, sid: placeholder })
    const parts = template.payload.split(placeholder)
    const event = kit.sampleMessageEvent(scenario.status, { MessageSid: placeholder, ...options.params })
    const sidNames = Object.keys(event).filter((name) => event[name] === placeholder)
    const url = `http://${options.host}${template.url}`
    let checked = 0
    return function signed (i) {
      const sid = kit.sampleSid('SM', `${runId}-${scenario.id}-${i}`)
      const params = { ...event }
      for (const name of sidNames) params[name] = sid
      const request = {
        url: template.url,
        headers: { ...template.headers, 'x-twilio-signature': kit.signTwilioRequest({ authToken: AUTH_TOKEN, url, params }) },
        payload: parts.join(sid)
      }
      if (checked < 20) {
        checked++
        const reference = kit.signedInject({ ...options, sid })
        if (reference.payload !== request.payload || reference.headers['x-twilio-signature'] !== request.headers['x-twilio-signature']) {
          throw new Error(`${scenario.id}: the request built from the template differs from the testing kit's signedInject`)
        }
      }
      return request
    }
  }

  /** Sends requests `from` to `to` (exclusive), `CONCURRENCY` at a time; answers the form body bytes per request. */
  async function drive (signed, agent, port, from, to, codes) {
    let next = from
    let bodyBytes = 0
    async function worker () {
      while (next < to) {
        const request = signed(next++)
        bodyBytes += request.payload.length
        const code = await post(agent, port, request)
        codes[code] = (codes[code] ?? 0) + 1
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    return bodyBytes / (to - from)
  }

  async function run (scenario) {
    const srv = start(scenario)
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    try {
      const { port } = await srv.ready
      const codes = {}
      const signed = requests(scenario, port)
      await drive(signed, agent, port, 0, WARMUP, codes)
      const before = await srv.measure()
      const started = performance.now()
      const bodyBytes = await drive(signed, agent, port, WARMUP, WARMUP + N, codes)
      const seconds = (performance.now() - started) / 1000
      const after = await srv.measure()
      agent.destroy()
      await srv.close()
      const grown = after.heapUsed - before.heapUsed
      const gained = after.size - before.size
      return { scenario, codes, before, after, seconds, bodyBytes, grown, gained, perEntry: gained > 0 ? grown / gained : NaN }
    } finally {
      agent.destroy()
      srv.kill()
    }
  }

  console.log(`fastify-twilio-status memory proof: ${N} signed SMS webhooks per scenario after ${WARMUP} warm-up, ${CONCURRENCY} in flight, ` +
    `loopback HTTP, keep-alive; node ${process.version}, ${os.cpus().length} CPUs`)
  console.log(`large Body: ${LARGE_BODY.length} characters (${EMOJI.length} emoji cycled), ${Buffer.byteLength(LARGE_BODY)} bytes UTF-8\n`)
  const cols = [['', 2], ['scenario', 39], ['body', 6], ['form B', 7], ['req/s', 6], ['store keys', 15], ['heap MB', 13], ['grown MB', 9], ['bytes/entry', 11]]
  console.log(cols.map(([h, w]) => h.padEnd(w)).join(' '))
  const results = []
  const overall = performance.now()
  for (const scenario of chosen) {
    const r = await run(scenario)
    results.push(r)
    const cells = [scenario.id, scenario.label, scenario.body, r.bodyBytes.toFixed(0), (N / r.seconds).toFixed(0), `${r.before.size} → ${r.after.size}`,
      `${mb(r.before.heapUsed)} → ${mb(r.after.heapUsed)}`, mb(r.grown), Number.isFinite(r.perEntry) ? r.perEntry.toFixed(0) : `(${(r.grown / N).toFixed(1)} B/req)`]
    console.log(cells.map((c, i) => String(c).padEnd(cols[i][1])).join(' '))
  }

  const failures = []
  const notes = new Set()
  for (const r of results) {
    const { scenario: s } = r
    const expected = WARMUP + N
    if ((r.codes[200] ?? 0) !== expected) failures.push(`${s.id}: responses ${JSON.stringify(r.codes)}, expected ${expected} × 200`)
    if (r.after.handled !== expected) failures.push(`${s.id}: handled ${r.after.handled} events for ${expected} requests`)
    if (!s.idempotency) {
      if (r.after.size !== 0) failures.push(`${s.id}: the store holds ${r.after.size} keys with idempotency off`)
      if (r.grown > BASELINE_BYTES) failures.push(`${s.id}: with nothing stored the heap grew ${mb(r.grown)} MB (limit ${mb(BASELINE_BYTES)} MB)`)
      continue
    }
    const keysPerEvent = s.ordering ? 2 : 1
    if (r.after.size !== Math.min(100_000, expected * keysPerEvent)) failures.push(`${s.id}: the store holds ${r.after.size} keys, expected ${Math.min(100_000, expected * keysPerEvent)}`)
    if (r.gained < LIMIT_FROM) notes.add(`the ${LIMIT_BYTES}-byte limit is checked from ${LIMIT_FROM} new entries up (use a larger --n); only the large/small ratio was checked`)
    else if (!(r.perEntry <= LIMIT_BYTES)) failures.push(`${s.id}: memory is not flat: a stored entry costs ${r.perEntry.toFixed(0)} bytes with ${s.body} bodies (limit ${LIMIT_BYTES})`)
  }
  const flat = []
  for (const pair of new Set(results.map((r) => r.scenario.pair).filter(Boolean))) {
    const small = results.find((r) => r.scenario.pair === pair && r.scenario.body === 'small')
    const large = results.find((r) => r.scenario.pair === pair && r.scenario.body === 'large')
    if (small === undefined || large === undefined) continue
    const ratio = large.perEntry / small.perEntry
    const line = `${pair[0]}/${pair[1]}: large bodies cost ${ratio.toFixed(2)}× small ones per stored entry (${large.perEntry.toFixed(0)} vs ${small.perEntry.toFixed(0)} bytes)`
    if (!(ratio <= FLAT_RATIO) && !(large.perEntry - small.perEntry <= NOISE_BYTES)) failures.push(`${line}, limit ${FLAT_RATIO}× or ${NOISE_BYTES} bytes more: memory grows with the body`)
    else flat.push(line)
  }
  if (flat.length > 0) console.log(`\n${flat.join('\n')}`)
  for (const note of notes) console.log(`\nnote: ${note}`)
  console.log(`\ntotal ${((performance.now() - overall) / 1000).toFixed(1)} s`)
  if (failures.length > 0) {
    for (const f of failures) console.log(`FAIL ${f}`)
    process.exit(1)
  }
  console.log(notes.size > 0
    ? `PASS a stored entry costs the same whatever the body size (within ${FLAT_RATIO}×); with idempotency off nothing grows`
    : `PASS every stored entry costs under ${LIMIT_BYTES} bytes whatever the body size; with idempotency off nothing grows`)
}
