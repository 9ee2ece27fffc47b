// `npm run bench:profile`: where each microsecond of a request goes, for the floor (1b), the
// plugin's whole path (2), its duplicate path (2d) and a forged request (6a). Each server runs
// under `--cpu-prof` pinned to core 0 while bench/lib-load.mjs loads it from core 1; every
// sample's own time (not its callees') is put in one bucket by the function and file it belongs
// to, and the buckets are scaled to the server's CPU µs per request over the same run. The
// profiler itself costs a few percent, so compare the columns, not these totals with
// bench/RESULTS.md.
//
//   node bench/profile.mjs [--duration 6] [--only 1b,2] [--markdown]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({
  options: { duration: { type: 'string', default: '6' }, only: { type: 'string' }, markdown: { type: 'boolean', default: false } }
})
const duration = Number(args.duration)
if (!Number.isInteger(duration) || duration < 1) throw new Error('--duration takes a positive integer')

const VARIANTS = [
  { id: '1b', name: 'floor', server: 'fastify-hmac' },
  { id: '2', name: 'full path', server: 'plugin' },
  { id: '2d', name: 'duplicate', server: 'plugin', load: { duplicate: true } },
  { id: '6a', name: 'forged', server: 'plugin', load: { forged: true } }
].filter((v) => args.only === undefined || args.only.split(',').includes(v.id))

// Buckets, first match wins: [label, test on `function url`].
const BUCKETS = [
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['HMAC (node:crypto)', (fn, url) => url.includes('internal/crypto') || url === 'node:crypto'],
  ['form parsing', (fn, url) => /verify\/(form|body)\.js/.test(url) || /fast-querystring|formbody/.test(url)],
  ['candidate URLs, signed string', (fn, url) => /verify\/(public-url|signature)\.js/.test(url) && fn !== 'verifySignature'],
  ['signature check (ours, or the floor\'s handler)', (fn, url) => /verify\/check\.js|tracing\.js/.test(url) || fn === 'verifySignature' || url.includes('bench/servers/')],
  ['idempotency key, store', (fn, url) => /stores\/|families\//.test(url)],
  ['dispatch, delivery, callback', (fn, url) => /delivery\/|dispatch\/|lib\/index\.js|lib\/plugin\.js/.test(url) || url.includes('lib-callback')],
  ['Fastify: routing, hooks, reply', (fn, url) => /fastify\/lib|find-my-way|fastify\/fastify\.js|light-my-request|avvio|@fastify\//.test(url)],
  ['writing to the socket (writev)', (fn) => fn === 'writev' || fn === 'writeUtf8String' || fn === 'writeBuffer'],
  ['Node HTTP, streams, event loop', (fn, url) => url.startsWith('node:') || fn === '(program)' || fn === 'runMicrotasks' || fn === '(root)'],
  ['other', () => true]
]

const pinned = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100
function start (core, argv, options) {
  return pinned ? spawn('taskset', ['-c', String(core), process.execPath, ...argv], options) : spawn(process.execPath, argv, options)
}
function cpuSeconds (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

async function profile (variant) {
  const dir = mkdtempSync(join(tmpdir(), 'fts-profile-'))
  const server = start(0, ['--cpu-prof', '--cpu-prof-dir', dir, join(here, 'servers', `${variant.server}.mjs`)], {
    env: { ...process.env, PORT: '0', NODE_ENV: 'production' }, stdio: ['pipe', 'pipe', 'inherit']
  })
  const exited = new Promise((resolve) => server.once('exit', resolve))
  const port = await new Promise((resolve, reject) => {
    server.stdout.setEncoding('utf8')
    server.stdout.on('data', (chunk) => { const ready = /ready (\d+)/.exec(chunk); if (ready) resolve(Number(ready[1])) })
    server.once('exit', (code) => reject(new Error(`${variant.server} exited with ${code}`)))
  })
  const before = cpuSeconds(server.pid)
  const load = start(1, [join(here, 'lib-load.mjs'), '50'], { stdio: ['pipe', 'pipe', 'inherit'] })
  let output = ''
  load.stdout.setEncoding('utf8')
  load.stdout.on('data', (chunk) => { output += chunk })
  load.stdin.end(JSON.stringify({ slice: variant.id, port, ms: duration * 1000, load: { forged: false, params: 9, duplicate: false, ...variant.load } }) + '\n')
  await new Promise((resolve) => load.once('exit', resolve))
  const used = cpuSeconds(server.pid) - before
  const result = JSON.parse(output.trim().split('\n').pop())
  server.kill('SIGTERM')
  await exited
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  rmSync(dir, { recursive: true, force: true })

  const nodes = new Map(prof.nodes.map((node) => [node.id, node]))
  const bucketOf = new Map()
  const time = new Map(BUCKETS.map(([label]) => [label, 0]))
  let busy = 0
  prof.samples.forEach((id, i) => {
    const node = nodes.get(id)
    if (node.callFrame.functionName === '(idle)') return
    const dt = prof.timeDeltas[i + 1] ?? 0
    let label = bucketOf.get(id)
    if (label === undefined) {
      const { functionName, url } = node.callFrame
      label = BUCKETS.find(([, test]) => test(functionName, url))[0]
      bucketOf.set(id, label)
    }
    time.set(label, time.get(label) + dt)
    busy += dt
  })
  const usPerRequest = (used * 1e6) / result.responses
  return { variant, usPerRequest, codes: result.codes, buckets: new Map([...time].map(([label, t]) => [label, (t / busy) * usPerRequest])) }
}

const results = []
for (const variant of VARIANTS) {
  process.stderr.write(`profiling (${variant.id}) ${variant.name}…\n`)
  results.push(await profile(variant))
}

const header = ['where the CPU goes (µs per request)', ...results.map((r) => `(${r.variant.id}) ${r.variant.name}`)]
const rows = BUCKETS.map(([label]) => [label, ...results.map((r) => r.buckets.get(label).toFixed(1))])
rows.push(['total (server CPU µs per request, profiled)', ...results.map((r) => r.usPerRequest.toFixed(1))])
if (args.markdown) {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|---|${results.map(() => '--:').join('|')}|`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
} else {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)))
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join('  '))
}
console.log(`\nstatus codes: ${results.map((r) => `(${r.variant.id}) ${JSON.stringify(r.codes)}`).join(', ')}`)
