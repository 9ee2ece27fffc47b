// The load generator, run by bench/run.mjs as its own process (pinned to its own core): autocannon
// against one server, a warm-up then the measured run, each request a fresh signed callback.
// Prints `measuring` when the warm-up is over, then one JSON line: requests/s, exact p50/p99 (autocannon's own histogram has 1 ms steps),
// the status codes seen and the CPU this process used (a generator near 100% would cap the
// server, so run.mjs reports it).
//
//   node bench/lib-cannon.mjs '{"port":3000,"connections":50,"warmup":3,"duration":10,"forged":false}'
import autocannon from 'autocannon'
import { createCallbacks, TARGET } from './lib-callback.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
const { port, connections = 50, warmup = 3, duration = 10, forged = false } = config
if (!Number.isInteger(port)) throw new Error('lib-cannon: port is required')

const nextCallback = createCallbacks({ forged })

// Latency histogram in 10 µs buckets up to 2 s; slower responses fall in the last bucket.
const BUCKET_MS = 0.01
const BUCKETS = 200_000

function load (seconds) {
  return new Promise((resolve, reject) => {
    const histogram = new Uint32Array(BUCKETS + 1)
    const codes = {}
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
      requests: [{
        method: 'POST',
        path: TARGET,
        setupRequest (request) {
          const callback = nextCallback()
          request.headers = callback.headers
          request.body = callback.body
          return request
        }
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
