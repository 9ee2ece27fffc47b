// The load generator, run by bench/run.mjs as its own process (pinned to its own core): autocannon
// against one server, a warm-up then the measured run, each request a fresh signed callback.
// Prints `measuring` when the warm-up is over, then one JSON line: requests/s, exact p50/p99
// (autocannon's own histogram has 1 ms steps),
// the status codes seen and the CPU this process used (a generator near 100% would cap the
// server, so run.mjs reports it).
//
//   node bench/lib-cannon.mjs '{"port":3000,"connections":50,"warmup":3,"duration":10,"forged":false}'
import { createRequire } from 'node:module'
import autocannon from 'autocannon'
import { createRawRequests, TARGET } from './lib-callback.mjs'

// autocannon rebuilds a request with `setupRequest` through a generic builder that copies all its
// options per request: at ~30k requests/s that alone took a quarter of the generator's core and
// capped the fastest servers. A request that carries `raw` gets its bytes from our template
// instead (the same bytes the builder would produce). Checked against autocannon 9's internals.
const RequestIterator = createRequire(import.meta.url)('autocannon/lib/requestIterator.js')
const rebuild = RequestIterator.prototype.rebuildRequest
if (typeof rebuild !== 'function') throw new Error('lib-cannon: autocannon internals changed (RequestIterator.rebuildRequest)')
RequestIterator.prototype.rebuildRequest = function rebuildRaw () {
  const raw = this.currentRequest?.raw
  if (raw === undefined) return rebuild.call(this)
  this.resetted = false
  this.currentRequest.requestBuffer = raw()
  return this.currentRequest.requestBuffer
}

const config = JSON.parse(process.argv[2] ?? '{}')
// `fill`: the warm-up goes on until at least this many requests were answered (a store at its
// size bound, as in any receiver that has run for a while).
// `params`: form parameters per request; `duplicate`: one event sent over and over.
const { port, connections = 50, warmup = 3, duration = 10, forged = false, fill = 0, params = 9, duplicate = false } = config
if (!Number.isInteger(port)) throw new Error('lib-cannon: port is required')

const nextRequest = createRawRequests({ forged, params, duplicate })

// Latency histogram in 10 µs buckets up to 2 s; slower responses fall in the last bucket.
const BUCKET_MS = 0.01
const BUCKETS = 200_000

function load (seconds, amount) {
  return new Promise((resolve, reject) => {
    const histogram = new Uint32Array(BUCKETS + 1)
    const codes = {}
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      ...(amount === undefined ? { duration: seconds } : { amount }),
      requests: [{
        method: 'POST',
        path: TARGET,
        raw: nextRequest,
        // Only marks the request as dynamic, so it is rebuilt (by `raw`) for every send.
        setupRequest: (request) => request
      }]
    }, (err, result) => err ? reject(err) : resolve({ result, histogram, codes }))
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      codes[statusCode] = (codes[statusCode] ?? 0) + 1
      histogram[Math.min(BUCKETS, Math.floor(ms / BUCKET_MS))]++
    })
  })
}

function percentile (histogram, total, p) {
  const rank = Math.ceil(total * p)
  let seen = 0
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]
    if (seen >= rank) return (i + 0.5) * BUCKET_MS
  }
  return NaN
}

const warm = warmup > 0 ? await load(warmup) : { codes: {} }
const warmed = () => Object.values(warm.codes).reduce((a, b) => a + b, 0)
if (fill > warmed()) {
  const more = await load(0, fill - warmed())
  for (const [code, n] of Object.entries(more.codes)) warm.codes[code] = (warm.codes[code] ?? 0) + n
}
// Tells run.mjs the measured part starts now (it reads the server's CPU time at this point).
process.stdout.write('measuring\n')
const cpu = process.cpuUsage()
const started = process.hrtime.bigint()
const { result, histogram, codes } = await load(duration)
const wall = Number(process.hrtime.bigint() - started) / 1e6
const used = process.cpuUsage(cpu)
const responses = Object.values(codes).reduce((a, b) => a + b, 0)
process.stdout.write(JSON.stringify({
  rps: responses / result.duration,
  p50: percentile(histogram, responses, 0.5),
  p99: percentile(histogram, responses, 0.99),
  responses,
  codes,
  warmupCodes: warm.codes,
  errors: result.errors,
  timeouts: result.timeouts,
  loadCpu: (used.user + used.system) / 1000 / wall
}) + '\n')
