// `npm run bench`: the plugin against its floor (bare Fastify + form parsing + one HMAC-SHA1),
// bare node:http, bare Fastify, a hand-written twilio.validateRequest preHandler and Express +
// twilio.webhook(), side by side over loopback; prints the goal table with PASS/MISS per goal.
//
// Every variant's server (bench/servers/) runs at once, each a child process pinned to core 0;
// one load generator (bench/lib-load.mjs, plain sockets, 50 connections) pinned to core 1 stays
// up for the whole run. After each server's warm-up, the generator loads one server at a time
// for a slice of `--duration` seconds (default 1), going round all of them `--rounds` times
// (default 20), every other round in reverse order. This machine's speed drifts by up to 2×
// over seconds to minutes: measured five seconds apart, two variants were not compared on the
// same machine; in slices next to each other, round after round, they are. A goal's ratio is the median of its per-round ratios.
// Every variant answers the same signed SMS status callback, each request with a fresh
// MessageSid, so the plugin's idempotency store sees a new event every time.
//
//   node bench/run.mjs [--rounds 20] [--duration 1] [--warmup 2] [--connections 50]
//                      [--only 1,1b,2] [--all] [--quick] [--no-write]
//                      [--baseline <git rev or dir> | --with-options <json or module>] [--goal 0.97]
//                      [--min-cpu 0.9] [--clean 24]
//
// Every plugin server loads the package through bench/lib-plugin.mjs from a directory of its own
// holding a build (a copy of this clone's dist/, taken at the start, so a rebuild during the run
// changes nothing), the same way whichever code it measures.
//
// A comparison (--baseline or --with-options) runs the plugin's variants only (or what --only
// names), each in three slots measured next to each other in every round: (X) this build, (bX) the
// build of an earlier commit (a git revision checked out in a temporary worktree with this
// repository's node_modules linked in and built with tsc, or a directory holding a built package)
// or (oX) this build with the given plugin options merged over the server's own, and (aX) this
// build again: an A/A control, showing how far two identical servers differ in the same run. The
// three slots' order goes through all six permutations, every six rounds (default 24 rounds).
// Each goal is the median of the per-round ratios, with their spread and a bootstrap interval,
// over the uncontended rounds: those in which each of the group's servers had at least --min-cpu
// of its core (other work on a shared machine takes it now and then). --clean n goes on round
// after round until every group has n of them (--rounds at most).
//
// Server CPU per request is the server's CPU time (/proc) over its slices divided by its
// responses. (2r) and (2q) need Redis: REDIS_URL, or a redis-server on PATH started here (pinned
// to the load generator's core); skipped otherwise.
//
// The cost of forged requests as the body grows: (6d) a forged callback with exactly maxParams
// (256) form parameters, which the plugin must sort and hash before it can answer 403, and (6e)
// one of 64 KiB with as many distinct names as fit (about 13,000), which it answers 400
// FST_TWILIO_TOO_MANY_PARAMS at the 257th, before any sorting or hashing. Both are printed as a
// ratio to (6a), the small forged callback: `node bench/run.mjs --only 6a,6d,6e --no-write`.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createCallbacks, createForgedBody, TARGET, TWIML } from './lib-callback.mjs'
import { median, PERMUTATIONS, spread } from './lib-stats.mjs'

const here = dirname(fileURLToPath(import.meta.url))

/** The plugin's default `maxParams`. */
const MAX_PARAMS = 256

const FILLED = createForgedBody('fill').params

// `optional` variants run only with --all or --only. The order keeps each goal's two variants
// close, so that they are measured within seconds of each other in every round (this machine's
// speed drifts over minutes): (2d) (1b) (2) (6a) (6d) (4) (5), and each floor before its plugin variant.
const VARIANTS = [
  { id: '0', name: 'node:http + querystring + one HMAC-SHA1', server: 'node-http-hmac' },
  { id: '1', name: 'Fastify + formbody, bare route, no HMAC', server: 'fastify-bare', verifies: false },
  { id: '2d', name: 'plugin, duplicates (one event resent)', server: 'plugin', duplicate: true },
  { id: '1b', name: 'floor: Fastify + formbody + one HMAC-SHA1', server: 'fastify-hmac' },
  // The default MemoryStore holds 100 000 events: (2) is measured with it full, as in any receiver
  // that has run for a while (its warm-up lasts until 110 000 events were answered).
  { id: '2', name: 'plugin, default options, fresh Sids, store full', server: 'plugin', fill: 110_000 },
  { id: '6a', name: 'forged, small body → plugin', server: 'plugin', forged: true },
  { id: '6d', name: `forged, ${MAX_PARAMS} params (= maxParams) → plugin`, server: 'plugin', forged: true, big: MAX_PARAMS, expect: '403' },
  { id: '4', name: 'Fastify + twilio.validateRequest preHandler', server: 'fastify-twilio' },
  { id: '5', name: 'Express 5 + twilio.webhook()', server: 'express-twilio' },
  { id: '2a', name: 'plugin as (2), async onDelivered', server: 'plugin-async', fill: 110_000 },
  { id: '2r', name: 'plugin as (2), RedisStore', server: 'plugin-redis', fill: 110_000, redis: true },
  { id: '2q', name: 'queue mode receive path (BullMQ add)', server: 'plugin-queue', redis: true },
  { id: '3', name: 'plugin, idempotency: false', server: 'plugin-no-idempotency', optional: true },
  { id: '1b50', name: 'floor (1b), 50 params', server: 'fastify-hmac', params: 50 },
  { id: '2p50', name: 'plugin (2), 50 params', server: 'plugin', params: 50 },
  { id: '1b200', name: 'floor (1b), 200 params', server: 'fastify-hmac', params: 200 },
  { id: '2p200', name: 'plugin (2), 200 params', server: 'plugin', params: 200 },
  { id: '6b', name: 'forged → Express (5)', server: 'express-twilio', forged: true, optional: true },
  { id: '6c', name: 'forged → validateRequest (4)', server: 'fastify-twilio', forged: true, optional: true },
  { id: '6e', name: `forged, 64 KiB of ${FILLED.toLocaleString('en-US')} params → plugin`, server: 'plugin', forged: true, big: 'fill', expect: '400', optional: true }
]

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    all: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    'with-options': { type: 'string' },
    goal: { type: 'string' },
    'min-cpu': { type: 'string', default: '0.9' },
    clean: { type: 'string' }
  }
})
if (args.baseline !== undefined && args['with-options'] !== undefined) throw new Error('--baseline and --with-options: one comparison per run')
const comparing = args.baseline !== undefined || args['with-options'] !== undefined
// --clean n: a comparison goes on until each group has n uncontended rounds, --rounds at most (10 n by default).
const clean = Number(args.clean ?? 0)
if (!Number.isInteger(clean) || clean < 0 || (clean > 0 && !comparing)) throw new Error('--clean takes a positive integer, in a comparison')
let rounds = Number(args.rounds ?? (clean > 0 ? 10 * clean : args.quick ? (comparing ? 6 : 3) : (comparing ? 24 : 20)))
const duration = Number(args.duration ?? 1)
const warmup = Number(args.warmup ?? (args.quick ? 1 : 2))
const connections = Number(args.connections)
const only = args.only?.split(',')
const isPlugin = (v) => v.server.startsWith('plugin')
let variants = only !== undefined
  ? VARIANTS.filter((v) => only.includes(v.id))
  : VARIANTS.filter((v) => (args.all || !v.optional) && (!comparing || isPlugin(v)))
for (const n of [rounds, duration, connections]) {
  if (!Number.isInteger(n) || n < 1) throw new Error('--rounds, --duration and --connections take positive integers')
}
if (!Number.isInteger(warmup) || warmup < 0) throw new Error('--warmup takes an integer ≥ 0')
const compareGoal = Number(args.goal ?? (args.baseline !== undefined ? 0.97 : 0.95))
if (!(compareGoal > 0)) throw new Error('--goal takes a positive ratio')
const minCpu = Number(args['min-cpu'])
if (!(minCpu >= 0 && minCpu <= 1)) throw new Error('--min-cpu takes a share of a core, from 0 to 1')

const root = join(here, '..')
const temps = []
/** A temporary directory, removed at the end of the run. */
function tempDir (prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}

/**
 * The build a plugin server loads: a directory holding package.json, dist/ and a link to this
 * repository's node_modules. This clone's build is copied (a rebuild during the run, or another
 * checkout's, changes nothing); for --baseline, a directory holding a built package is used as
 * is, anything else is a git revision checked out in a temporary worktree and built with tsc.
 */
function currentBuild () {
  if (!existsSync(join(root, 'dist', 'lib', 'index.js'))) throw new Error('no dist/: run npm run build first (npm run bench does)')
  const dir = join(tempDir('bench-current-'), 'build')
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(dir, 'package.json'))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { dir, label: `this build (${revision()})` }
}

/** The commit this clone's build comes from, and whether the code has changes not committed. */
function revision () {
  const git = (...argv) => spawnSync('git', argv, { cwd: root, encoding: 'utf8' })
  const head = git('rev-parse', '--short', 'HEAD')
  if (head.status !== 0) return 'not a git checkout'
  const changed = git('status', '--porcelain', '--', 'lib', 'types', 'package.json', 'tsconfig.build.json').stdout.trim() !== ''
  return `${head.stdout.trim()}${changed ? ' with changes not committed' : ''}`
}

function baselineBuild (target) {
  if (existsSync(join(target, 'package.json')) && existsSync(join(target, 'dist'))) {
    return { dir: resolvePath(target), label: target }
  }
  const git = (...argv) => {
    const run = spawnSync('git', argv, { cwd: root, encoding: 'utf8' })
    if (run.status !== 0) throw new Error(`git ${argv.join(' ')}: ${run.stderr.trim()}`)
    return run.stdout.trim()
  }
  const commit = git('rev-parse', '--short', '--verify', `${target}^{commit}`)
  const dir = join(tempDir('bench-baseline-'), 'tree')
  git('worktree', 'add', '--detach', dir, commit)
  worktrees.push(dir)
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  console.log(`baseline: building ${target} (${commit}) in ${dir}`)
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' })
  if (build.status !== 0) {
    cleanUp()
    throw new Error(`baseline ${target}: tsc -p tsconfig.build.json exited with ${build.status}`)
  }
  return { dir, label: commit.startsWith(target) ? commit : `${target} (${commit})` }
}

const worktrees = []
function cleanUp () {
  for (const dir of worktrees) {
    rmSync(join(dir, 'node_modules'), { force: true })
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root })
  }
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
}

const current = variants.some(isPlugin) ? currentBuild() : null
for (const v of variants) if (isPlugin(v)) v.build = current
// --with-options: JSON, or the path of a module exporting the options (resolved here, loaded by each server).
const withOptions = args['with-options'] === undefined
  ? undefined
  : args['with-options'].trimStart().startsWith('{') ? JSON.stringify(JSON.parse(args['with-options'])) : resolvePath(args['with-options'])
const other = args.baseline !== undefined
  ? { prefix: 'b', build: baselineBuild(args.baseline), options: undefined }
  : { prefix: 'o', build: current, options: withOptions }
const otherLabel = args.baseline !== undefined ? `at baseline ${other.build.label}` : `with ${args['with-options']}`

/**
 * The order of the variants in a round: groups, each measured in consecutive slices; a compared
 * variant's group is its three slots (this build, the other, this build again), the rest one each.
 */
const groups = variants.map((v) => !comparing || !isPlugin(v)
  ? [v]
  : [v,
      { ...v, id: `${other.prefix}${v.id}`, name: `(${v.id}) ${otherLabel}`, build: other.build, options: other.options, compared: v.id },
      { ...v, id: `a${v.id}`, name: `(${v.id}) this build again (A/A)`, control: v.id }])
variants = groups.flat()
if (comparing && !variants.some((v) => v.compared)) throw new Error('a comparison needs at least one plugin variant (--only 2,2d, …)')

// The six orders of a group of three: over six rounds each slot takes each place twice and
// precedes each other slot three times.
/** The slices of round `round`: groups in order (reversed every other round), a group's slots permuted. */
function roundOrder (round) {
  const ordered = round % 2 === 0 ? groups : [...groups].reverse()
  return ordered.flatMap((group) => group.length === 3 ? PERMUTATIONS[round % 6].map((i) => group[i]) : round % 2 === 0 ? group : [...group].reverse())
}

// Pin the server and the load generator to separate cores when taskset exists and there are two.
const pinned = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100

function start (core, args, options) {
  return pinned ? spawn('taskset', ['-c', String(core), process.execPath, ...args], options) : spawn(process.execPath, args, options)
}

/** CPU seconds used so far by a process (Linux), or NaN. */
function cpuSeconds (pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return NaN
  }
}

/**
 * Redis for (2r): REDIS_URL, else a redis-server on PATH started here on a free port, pinned to
 * the load generator's core (so it takes none of the server's), no persistence; else `null`.
 */
async function startRedis () {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop () {} }
  if (spawnSync('redis-server', ['--version']).status !== 0) return null
  const { createServer } = await import('node:net')
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const p = probe.address().port; probe.close(() => resolve(p)) })
  })
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = pinned ? spawn('taskset', ['-c', '1', 'redis-server', ...argv], { stdio: 'ignore' }) : spawn('redis-server', argv, { stdio: 'ignore' })
  const { connect } = await import('node:net')
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true) })
      socket.on('error', () => resolve(false))
    })
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { url: `redis://127.0.0.1:${port}`, stop () { child.kill('SIGTERM') } }
}

function lines (stream, onLine) {
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk) => {
    buffer += chunk
    let nl
    while ((nl = buffer.indexOf('\n')) !== -1) {
      onLine(buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
    }
  })
}

async function startServer (variant) {
  const child = start(0, [join(here, 'servers', `${variant.server}.mjs`)], {
    env: {
      ...process.env,
      PORT: '0',
      NODE_ENV: 'production',
      ...(redis === null ? {} : { REDIS_URL: redis.url }),
      ...(variant.build === undefined ? {} : { BENCH_PLUGIN_DIR: variant.build.dir }),
      ...(variant.options === undefined ? {} : { BENCH_PLUGIN_OPTIONS: variant.options })
    },
    stdio: ['pipe', 'pipe', 'inherit']
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let report = null
  const port = await new Promise((resolve, reject) => {
    lines(child.stdout, (line) => {
      if (line.startsWith('ready ')) resolve(Number(line.slice(6)))
      else if (line.startsWith('{')) report = JSON.parse(line)
    })
    child.once('exit', (code) => reject(new Error(`server ${variant.server} exited with ${code} before it was ready`)))
  })
  return {
    port,
    pid: child.pid,
    async stop () {
      child.kill('SIGTERM')
      await exited
      return report
    }
  }
}

function send (port, callback) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: TARGET, headers: callback.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', reject)
    req.end(callback.body)
  })
}

/**
 * Before any load: a valid callback gets 200 and the TwiML, a forged one 403 (200 for (1)); the
 * variant's own big forged request (6d, 6e) gets what the variant expects.
 */
async function sanityCheck (variant, port) {
  const valid = await send(port, createCallbacks()())
  const forged = await send(port, createCallbacks({ forged: true })())
  if (valid.status !== 200 || valid.body !== TWIML || forged.status !== (variant.verifies === false ? 200 : 403)) {
    throw new Error(`${variant.server}: valid → ${valid.status} ${valid.body.slice(0, 80)}, forged → ${forged.status}`)
  }
  if (variant.params !== undefined) {
    const wide = await send(port, createCallbacks({ params: variant.params })())
    if (wide.status !== 200) throw new Error(`${variant.server}: valid with ${variant.params} params → ${wide.status} ${wide.body.slice(0, 120)}`)
  }
  if (variant.big !== undefined) {
    const big = createForgedBody(variant.big)
    const answer = await send(port, big)
    const code = answer.status === 400 ? JSON.parse(answer.body).code : undefined
    if (String(answer.status) !== variant.expect || (answer.status === 400 && code !== 'FST_TWILIO_TOO_MANY_PARAMS')) {
      throw new Error(`${variant.server}: forged with ${big.params} params (${big.body.length} bytes) → ${answer.status} ${answer.body.slice(0, 120)}, expected ${variant.expect}`)
    }
  }
}

/** The load generator (bench/lib-load.mjs), on core 1 for the whole run. */
function startGenerator () {
  const child = start(1, [join(here, 'lib-load.mjs'), String(connections)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const waiting = []
  lines(child.stdout, (line) => waiting.shift()(JSON.parse(line)))
  const ask = (command) => new Promise((resolve) => {
    waiting.push(resolve)
    child.stdin.write(JSON.stringify(command) + '\n')
  })
  const loadOf = (v) => v.big !== undefined ? { big: v.big } : { forged: v.forged === true, params: v.params ?? 9, duplicate: v.duplicate === true }
  return {
    /** Load `variant` for `seconds`: responses, status codes, socket errors, p50/p99 and the generator's CPU share. */
    slice: (variant, port, seconds) => ask({ slice: variant.id, port, ms: seconds * 1000, load: loadOf(variant) }),
    stop () { child.stdin.end() }
  }
}

function addCodes (into, codes) {
  for (const [code, n] of Object.entries(codes)) into[code] = (into[code] ?? 0) + n
}

/**
 * What went wrong with a variant over the run: a status code other than the expected one, socket
 * errors, or an application that handled other than one event per valid request (the sanity
 * check's, the warm-up's and the measured ones; a duplicate run handles its one event once, a
 * forged request none). Every connection waits for its last answer, so nothing is left in flight.
 */
function problemsOf (variant, total, report) {
  const expected = variant.expect ?? (variant.forged ? '403' : '200')
  const problems = []
  if ((total.codes[expected] ?? 0) !== total.responses) problems.push(`status codes ${JSON.stringify(total.codes)}`)
  if (total.errors > 0) problems.push(`${total.errors} socket errors`)
  if (report === null) return problems
  if (variant.forged) {
    if (report.handled !== 1) problems.push(`a forged request reached the handler (${report.handled})`)
  } else if (variant.duplicate) {
    if (report.handled !== 2) problems.push(`handled ${report.handled} events, expected 2: duplicates ran again`)
  } else {
    const answered = (variant.verifies === false ? 2 : 1) + (variant.params !== undefined ? 1 : 0) + (total.warmCodes[expected] ?? 0) + total.responses
    if (report.handled !== answered) problems.push(`handled ${report.handled} events for ${answered} 200 responses`)
  }
  return problems
}

const fmt = {
  rps: (n) => Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–',
  ms: (n) => Number.isFinite(n) ? n.toFixed(2) : '–',
  ratio: (n) => Number.isFinite(n) ? n.toFixed(2) : '–',
  /** A goal's ratio: three places, so a value just under its goal does not print as the goal. */
  goal: (n) => Number.isFinite(n) ? n.toFixed(3) : '–',
  pct: (n) => Number.isFinite(n) ? `${Math.round(n * 100)}%` : '–',
  us: (n) => Number.isFinite(n) ? n.toFixed(1) : '–'
}

// ---------------------------------------------------------------------------------------------

function cpuModel () {
  try {
    const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)
    if (model !== null) return model[1]
  } catch {}
  return cpus()[0]?.model ?? 'unknown'
}

const machine = {
  cores: cpus().length,
  cpu: cpuModel(),
  node: process.version,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  load: loadavg().map((n) => n.toFixed(2)).join(' ')
}
const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`

const redis = variants.some((v) => v.redis) ? await startRedis() : null
const skipped = []
if (redis === null && variants.some((v) => v.redis)) {
  skipped.push('(2r) RedisStore and (2q) queue mode: no Redis (set REDIS_URL or put redis-server on PATH)')
  variants = variants.filter((v) => !v.redis)
}

console.log(`fastify-twilio-status benchmark: ${variants.length} variants, each warmed up ${warmup} s, then ${rounds} rounds of a ${duration} s slice each, ` +
  `-c ${connections}, ${pinned ? 'server on core 0, load on core 1' : 'not pinned (no taskset or one core)'}`)
console.log(`machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, load average ${machine.load}`)
if (comparing) console.log(`compared: ${current.label} and ${other.build === current ? `the same with ${args['with-options']}` : `the build of ${other.build.label}`}`)
console.log('')

const samples = new Map(variants.map((v) => [v.id, []]))
const totals = new Map(variants.map((v) => [v.id, { responses: 0, codes: {}, errors: 0, warm: 0, warmCodes: {} }]))
const servers = new Map()
const generator = startGenerator()
// Interrupted: stop the servers, the generator and Redis, and remove the builds' directories. A
// first Ctrl-C (SIGINT) during the rounds ends them after the current one and reports those run.
let stopping = false
const abort = () => {
  for (const server of servers.values()) process.kill(server.pid, 'SIGTERM')
  generator.stop()
  redis?.stop()
  cleanUp()
  process.exit(130)
}
process.once('SIGTERM', abort)
process.on('SIGINT', () => {
  if (stopping || samples.get(variants[0].id).length === 0) abort()
  stopping = true
  console.log('\nending after this round (Ctrl-C again to stop now)')
})
try {
  for (const variant of variants) {
    const server = await startServer(variant)
    servers.set(variant.id, server)
    await sanityCheck(variant, server.port)
    // `warmup` seconds, and for a store to be full, until `fill` events were answered.
    const total = totals.get(variant.id)
    for (let elapsed = 0; elapsed < warmup || total.warm < (variant.fill ?? 0);) {
      const warm = await generator.slice(variant, server.port, 1)
      total.warm += warm.responses
      addCodes(total.warmCodes, warm.codes)
      total.errors += warm.errors
      elapsed += warm.seconds
    }
    console.log(`warm   ${variant.id.padEnd(5)} ${variant.name.padEnd(48)} ${total.warm.toLocaleString('en-US')} requests`)
  }
  for (let round = 0; round < rounds; round++) {
    const parts = []
    // Every other round in reverse, so that neither of two neighbours always runs first.
    for (const variant of roundOrder(round)) {
      const server = servers.get(variant.id)
      const before = cpuSeconds(server.pid)
      const slice = await generator.slice(variant, server.port, duration)
      const cpu = cpuSeconds(server.pid) - before
      const total = totals.get(variant.id)
      total.responses += slice.responses
      addCodes(total.codes, slice.codes)
      total.errors += slice.errors
      const sample = {
        round,
        rps: slice.responses / slice.seconds,
        p50: slice.p50,
        p99: slice.p99,
        cpuPerRequest: (cpu * 1e6) / slice.responses,
        serverCpu: cpu / slice.seconds,
        loadCpu: slice.cpu,
        problems: []
      }
      samples.get(variant.id).push(sample)
      parts.push(`${variant.id} ${fmt.rps(sample.rps)} ${fmt.us(sample.cpuPerRequest)}µs`)
    }
    const compared = groups.filter((g) => g.length === 3).map((g) => uncontended(g.map((v) => v.id)).size)
    console.log(`round ${String(round + 1).padStart(2)}/${rounds}  ${parts.join('  ')}${compared.length > 0 ? `  uncontended ${Math.min(...compared)}` : ''}`)
    if ((clean > 0 && round % 6 === 5 && Math.min(...compared) >= clean) || stopping) {
      rounds = round + 1
      break
    }
  }
  for (const variant of variants) {
    const report = await servers.get(variant.id).stop()
    servers.delete(variant.id)
    const variantSamples = samples.get(variant.id)
    for (const sample of variantSamples) sample.rss = report?.rss
    variantSamples[0].problems = problemsOf(variant, totals.get(variant.id), report)
  }
} finally {
  generator.stop()
  for (const server of servers.values()) await server.stop()
  redis?.stop()
  cleanUp()
}

/** Median over rounds of a variant's requests/s (or `field`) divided by another's in the same round. */
function ratio (id, baseId, field = 'rps') {
  const a = samples.get(id)
  const b = samples.get(baseId)
  if (a === undefined || b === undefined) return NaN
  return median(a.map((s) => s[field] / (b.find((t) => t.round === s.round)?.[field] ?? NaN)))
}

/** The same from the server's CPU time per response: the base's µs/req over the variant's. */
function cpuRatio (id, baseId) {
  const a = samples.get(id)
  const b = samples.get(baseId)
  if (a === undefined || b === undefined) return NaN
  return median(a.map((s) => (b.find((t) => t.round === s.round)?.cpuPerRequest ?? NaN) / s.cpuPerRequest))
}

const BASE = samples.has('1b') ? '1b' : variants[0].id
const rows = variants.map((v) => {
  const s = samples.get(v.id)
  return {
    ...v,
    rps: median(s.map((x) => x.rps)),
    p50: median(s.map((x) => x.p50)),
    p99: median(s.map((x) => x.p99)),
    serverCpu: median(s.map((x) => x.serverCpu)),
    cpuPerRequest: median(s.map((x) => x.cpuPerRequest)),
    rss: median(s.map((x) => x.rss)),
    cpuRatio: cpuRatio(v.id, BASE),
    loadCpu: median(s.map((x) => x.loadCpu)),
    ratio: ratio(v.id, BASE),
    rounds: s.map((x) => x.rps),
    problems: s.flatMap((x) => x.problems)
  }
})
const row = (id) => rows.find((r) => r.id === id)
const mib = (n) => Number.isFinite(n) ? `${(n / 1048576).toFixed(1)} MiB` : '–'

// Each goal: a ratio of two variants measured in the same run. `rps` goals are the median of the
// per-round req/s ratios, shown with the same from server CPU µs per request.
const rpsGoal = (text, id, base, goal) => ({ text, ids: [id, base], goal, value: () => ratio(id, base), cpu: () => cpuRatio(id, base), compares: `(${id}) / (${base}) req/s` })
const goals = [
  rpsGoal('full path / floor', '2', '1b', 0.95),
  rpsGoal('duplicate path / floor', '2d', '1b', 1.0),
  { text: 'p99 full / p99 floor', ids: ['2', '1b'], goal: 1.2, below: true, value: () => ratio('2', '1b', 'p99'), compares: `(2) p99 ${fmt.ms(row('2')?.p99)} ms / (1b) p99 ${fmt.ms(row('1b')?.p99)} ms, per round` },
  rpsGoal('forged small / valid', '6a', '2', 0.95),
  rpsGoal(`forged at ${MAX_PARAMS} params / forged small`, '6d', '6a', 0.5),
  rpsGoal('RedisStore / MemoryStore', '2r', '2', 0.9),
  rpsGoal('queue mode receive path / floor', '2q', '1b', 0.7),
  rpsGoal('full path / validateRequest preHandler', '2', '4', 1.0),
  rpsGoal('full / floor, 50 params', '2p50', '1b50', 0.9),
  rpsGoal('full / floor, 200 params', '2p200', '1b200', 0.9),
  { text: 'RSS, store of 100k / floor RSS', ids: ['2', '1b'], goal: 1.5, below: true, value: () => row('2').rss / row('1b').rss, compares: `(2) ${mib(row('2')?.rss)} / (1b) ${mib(row('1b')?.rss)}` },
  rpsGoal('full path / Express + twilio.webhook()', '2', '5', 5)
].filter((t) => t.ids.every((id) => samples.has(id))).map((t) => {
  const value = t.value()
  const pass = t.below ? value <= t.goal : value >= t.goal
  return { ...t, value, cpuValue: t.cpu?.() ?? NaN, verdict: Number.isFinite(value) ? (pass ? 'PASS' : 'MISS') : '–' }
})

const header = ['', 'variant', 'req/s', 'p50 ms', 'p99 ms', `× (${BASE})`, 'req/s, rounds min–max', 'server cpu', 'µs cpu/req', `× (${BASE}) by cpu`, 'RSS', 'load cpu']
const table = rows.map((r) => [r.id, r.name, fmt.rps(r.rps), fmt.ms(r.p50), fmt.ms(r.p99), fmt.ratio(r.ratio),
  `${fmt.rps(Math.min(...r.rounds))}–${fmt.rps(Math.max(...r.rounds))}`, fmt.pct(r.serverCpu), fmt.us(r.cpuPerRequest), fmt.ratio(r.cpuRatio), mib(r.rss), fmt.pct(r.loadCpu)])
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)))
const line = (cells) => cells.map((c, i) => i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')
console.log('\n' + line(header))
for (const t of table) console.log(line(t))
const goalText = (t) => `${t.below ? '≤' : '≥'} ${t.goal}`
console.log('\ngoals (each a ratio of two variants of this run):')
for (const t of goals) {
  console.log(`${t.verdict.padEnd(4)}  ${(t.text + ' ' + goalText(t)).padEnd(50)} ${fmt.goal(t.value).padStart(5)}` +
    `${Number.isFinite(t.cpuValue) ? `  (by server CPU ${fmt.goal(t.cpuValue)})` : ''}  ${t.compares}`)
}
for (const s of skipped) console.log(`skip  ${s}`)
const problems = rows.filter((r) => r.problems.length > 0)
for (const r of problems) console.log(`!! (${r.id}) ${r.problems.join('; ')}`)
const capped = rows.filter((r) => r.loadCpu > 0.9)
for (const r of capped) console.log(`note: (${r.id}) the load generator used ${fmt.pct(r.loadCpu)} of its core; the server may be faster than measured`)

/** The rounds in which each of the servers of `ids` had at least --min-cpu of its core. */
function uncontended (ids) {
  return new Set(samples.get(ids[0]).map((s) => s.round).filter((round) =>
    ids.every((id) => samples.get(id).find((s) => s.round === round)?.serverCpu >= minCpu)))
}

/** Per round in `used`, `id`'s req/s (or CPU per request, inverted) over `baseId`'s in the same round. */
function perRound (id, baseId, used, byCpu = false) {
  return samples.get(id).filter((s) => used.has(s.round)).map((s) => {
    const t = samples.get(baseId).find((x) => x.round === s.round)
    return byCpu ? t.cpuPerRequest / s.cpuPerRequest : s.rps / t.rps
  })
}

// A comparison's ratio and its A/A control are the same computation on two pairs of slots of a group:
// --baseline: now / at baseline and now / now again; --with-options: with / without and now again / now.
// Only rounds in which each of the three servers had at least --min-cpu of its core count: in the
// others, other work on the machine took the server's core or the load generator's; with fewer
// than six such rounds (or than --clean asked for), all of them count.
const comparisons = variants.filter((v) => v.compared !== undefined).map((v) => {
  const [id, again] = [v.compared, `a${v.compared}`]
  const pairs = args.baseline !== undefined ? { ratio: [id, v.id], control: [id, again] } : { ratio: [v.id, id], control: [again, id] }
  const calm = uncontended([id, v.id, again])
  const enough = calm.size >= Math.max(6, clean)
  const used = enough ? calm : new Set(samples.get(id).map((s) => s.round))
  const of = ([a, b]) => ({ rps: spread(perRound(a, b, used)), cpu: spread(perRound(a, b, used, true)) })
  const ratio = of(pairs.ratio)
  return {
    id,
    ratio,
    control: of(pairs.control),
    pairs,
    rounds: enough ? `${calm.size}/${rounds}` : `all ${rounds} (${calm.size} uncontended)`,
    // UNCLEAR: the median misses the goal, but the interval of the median reaches it.
    verdict: !Number.isFinite(ratio.rps.median) ? '–' : ratio.rps.median >= compareGoal ? 'PASS' : ratio.rps.high < compareGoal ? 'MISS' : 'UNCLEAR'
  }
})
const compareText = args.baseline !== undefined ? `now / at baseline ${other.build.label}` : `with ${args['with-options']} / without`
const range = (s) => `${fmt.goal(s.min)}–${fmt.goal(s.max)}`
const interval = (s) => `${fmt.goal(s.low)}–${fmt.goal(s.high)}`
if (comparisons.length > 0) {
  console.log(`\n${compareText} (goal ≥ ${compareGoal}), req/s per round: median, 95% interval of the median, min–max; the same by server CPU; ` +
    `the A/A control; the rounds counted (each server ≥ ${fmt.pct(minCpu)} of its core)`)
  const head = ['', 'ratio', '95% interval', 'min–max', 'by CPU', 'A/A', '95% interval', 'min–max', 'A/A by CPU', 'rounds', '']
  const cells = comparisons.map((c) => [`(${c.id})`, fmt.goal(c.ratio.rps.median), interval(c.ratio.rps), range(c.ratio.rps), fmt.goal(c.ratio.cpu.median),
    fmt.goal(c.control.rps.median), interval(c.control.rps), range(c.control.rps), fmt.goal(c.control.cpu.median), c.rounds, c.verdict])
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((t) => t[i].length)))
  for (const cs of [head, ...cells]) console.log(cs.map((c, i) => i === 0 ? c.padEnd(w[i]) : c.padStart(w[i])).join('  '))
}

if (!args['no-write'] && !comparing) {
  const md = [
    '# Benchmark results',
    '',
    `Made by \`${command}\` on ${machine.date}, at ${revision()}.`,
    '',
    `Machine: ${machine.cores} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average ${machine.load} at the start. ` +
      `${pinned ? 'Every server pinned to core 0 and the load generator (bench/lib-load.mjs, plain sockets) to core 1 with `taskset`.' : 'Not pinned.'} ` +
      `All servers run at once; after each one's warm-up (${warmup} s, longer to fill a store), the generator loads one server at a time for ${duration} s, ` +
      `round all of them ${rounds} times, ${connections} connections, loopback. This machine's speed drifts by up to 2× over seconds to minutes: ` +
      'slices next to each other, round after round, compare variants on the same machine.',
    '',
    'Every request is the same realistic SMS status callback (a `delivered` message, nine form parameters, signed with ' +
      'HMAC-SHA1 as Twilio does), with a fresh `MessageSid` and `I-Twilio-Idempotency-Token`, so the plugin treats each one ' +
      'as a new event (verify, claim in the store, dispatch to `onDelivered`, complete, TwiML reply); (2d) resends one event, ' +
      'so all but the first are duplicates; the 50- and 200-parameter variants add filler parameters (`X000=v000`, …), signed. ' +
      'The default memory store keeps 100 000 events; (2), (2a) and (2r) are measured with it full (their warm-up lasts until 110 000 events ' +
      'were answered), the state of any receiver that has run for a while; the 50/200-parameter runs are not pre-filled. ' +
      'Medians over rounds; a ratio is the median of each round\'s ratio. p50/p99 are measured per response in 10 µs steps, per slice (each slice opens its 50 connections anew). ' +
      'Server CPU µs per request is the server\'s CPU time (/proc) over a slice divided by its responses (median over slices); ' +
      'RSS is the server\'s at the end of its run.',
    '',
    `| | variant | req/s | p50 ms | p99 ms | × (${BASE}) | server CPU µs/req | × (${BASE}) by CPU | RSS |`,
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map((r) => `| ${r.id} | ${r.name} | ${fmt.rps(r.rps)} | ${fmt.ms(r.p50)} | ${fmt.ms(r.p99)} | ${fmt.ratio(r.ratio)} | ${fmt.us(r.cpuPerRequest)} | ${fmt.ratio(r.cpuRatio)} | ${mib(r.rss)} |`),
    '',
    '## Goals',
    '',
    '| goal | compares | measured | by server CPU | |',
    '|---|---|--:|--:|---|',
    ...goals.map((t) => `| ${t.text} ${goalText(t)} | ${t.compares} | ${fmt.goal(t.value)} | ${fmt.goal(t.cpuValue)} | ${t.verdict} |`),
    ...skipped.map((s) => `| ${s} | | | | skipped |`),
    '',
    '![Requests per second relative to the floor](ratios.svg)',
    '',
    '## Per round',
    '',
    '| | req/s per round | server CPU | load generator CPU |',
    '|---|---|--:|--:|',
    ...rows.map((r) => `| ${r.id} | ${r.rounds.map(fmt.rps).join(' / ')} | ${fmt.pct(r.serverCpu)} | ${fmt.pct(r.loadCpu)} |`),
    '',
    'Server CPU is the share of core 0 the server got during the measured part; near 100% means the server, not the ' +
      'load generator, was the limit. "By CPU" is the base\'s CPU µs per request over the variant\'s: what the req/s ratio would be ' +
      'with the server always on CPU, and less disturbed by other work on a shared machine. Figures drift 10–25% between runs: ' +
      'compare ratios from one run.',
    ...(problems.length > 0 ? ['', '**Problems seen:** ' + problems.map((r) => `(${r.id}) ${r.problems.join('; ')}`).join('; ')] : []),
    ''
  ].join('\n')
  writeFileSync(join(here, 'RESULTS.md'), md)
  writeFileSync(join(here, 'ratios.svg'), chart(rows, machine))
  console.log('\nwrote bench/RESULTS.md and bench/ratios.svg')
}

if (!args['no-write'] && comparing) {
  const pair = ([a, b]) => `(${a}) / (${b})`
  const md = [
    '# Comparison',
    '',
    `Made by \`${command}\` on ${machine.date}.`,
    '',
    `Machine: ${machine.cores} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average ${machine.load} at the start, ` +
      `${loadavg().map((n) => n.toFixed(2)).join(' ')} at the end. ` +
      `${pinned ? 'Every server pinned to core 0 and the load generator to core 1 with `taskset`.' : 'Not pinned.'} ` +
      'Each compared variant runs in three servers at once, each loading its build through bench/lib-plugin.mjs from a directory of its own: ' +
      `(X) ${current.label}, (${other.prefix}X) ${args.baseline !== undefined ? `the build of ${other.build.label}` : `this build with ${args['with-options']}`}, ` +
      `(aX) this build again, the A/A control. After each server's warm-up (${warmup} s, longer to fill a store), ` +
      `the three are measured in consecutive ${duration} s slices, ${rounds} rounds, their order going through all six permutations every six rounds; ` +
      `${connections} connections, loopback. A ratio is the median of the per-round ratios; the interval is a 95% bootstrap interval of that median ` +
      '(rounds resampled); "by CPU" compares the servers\' CPU µs per request instead of req/s. The A/A control is the same computation on ' +
      'two servers running the same code: how far apart identical servers measure in this run. ' +
      `Only rounds in which each of a group's three servers had at least ${fmt.pct(minCpu)} of its core count (if fewer than ${Math.max(6, clean)}: all), ` +
      'since in the others other work on this shared machine took the server\'s core or the load generator\'s.',
    '',
    `| variant | ${compareText} | 95% interval | min – max | by CPU | A/A control | 95% interval | min – max | A/A by CPU | rounds | goal ≥ ${compareGoal} |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...comparisons.map((c) => `| (${c.id}) ${row(c.id).name} | ${fmt.goal(c.ratio.rps.median)} | ${interval(c.ratio.rps)} | ${range(c.ratio.rps)} | ` +
      `${fmt.goal(c.ratio.cpu.median)} | ${fmt.goal(c.control.rps.median)} | ${interval(c.control.rps)} | ${range(c.control.rps)} | ${fmt.goal(c.control.cpu.median)} | ${c.rounds} | ${c.verdict} |`),
    '',
    `Ratios: ${pair(comparisons[0].pairs.ratio)}, control ${pair(comparisons[0].pairs.control)}, and so for each variant.`,
    '',
    '| | variant | req/s | p50 ms | p99 ms | server CPU µs/req | RSS | req/s per round |',
    '|---|---|--:|--:|--:|--:|--:|---|',
    ...rows.map((r) => `| ${r.id} | ${r.name} | ${fmt.rps(r.rps)} | ${fmt.ms(r.p50)} | ${fmt.ms(r.p99)} | ${fmt.us(r.cpuPerRequest)} | ${mib(r.rss)} | ${r.rounds.map(fmt.rps).join(' / ')} |`),
    ...(problems.length > 0 ? ['', '**Problems seen:** ' + problems.map((r) => `(${r.id}) ${r.problems.join('; ')}`).join('; ')] : []),
    ''
  ].join('\n')
  writeFileSync(join(here, 'COMPARISON.md'), md)
  console.log('\nwrote bench/COMPARISON.md')
}

/** A horizontal bar chart of each variant's ratio to (1), hand-written SVG. */
function chart (rows, machine) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const barX = 330
  const barW = 360
  const rowH = 30
  const top = 54
  const max = Math.max(1, ...rows.map((r) => Number.isFinite(r.ratio) ? r.ratio : 0))
  const height = top + rows.length * rowH + 44
  const color = (r) => r.forged ? '#9aa5b1' : r.server.startsWith('plugin') ? '#2f7d32' : ['0', '1', 'fastify-hmac'].includes(r.id) || r.server === 'fastify-hmac' ? '#4a6fa5' : '#c0792b'
  const bars = rows.map((r, i) => {
    const y = top + i * rowH
    const w = Number.isFinite(r.ratio) ? Math.max(1, (r.ratio / max) * barW) : 0
    return `  <text x="${barX - 10}" y="${y + 19}" text-anchor="end">(${esc(r.id)}) ${esc(r.name)}</text>\n` +
      `  <rect x="${barX}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowH - 10}" fill="${color(r)}"/>\n` +
      `  <text x="${(barX + w + 6).toFixed(1)}" y="${y + 19}">${fmt.ratio(r.ratio)} (${fmt.rps(r.rps)}/s)</text>`
  })
  const one = barX + barW / max
  return `<svg xmlns="http://www.w3.org/2000/svg" width="820" height="${height}" viewBox="0 0 820 ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="13">
  <rect width="820" height="${height}" fill="#ffffff"/>
  <text x="20" y="26" font-size="16" font-weight="600">Requests/s relative to the floor (${esc(BASE)}): Fastify + formbody + one HMAC-SHA1</text>
  <text x="20" y="44" fill="#555">${esc(`median of ${rounds} round(s), -c ${connections}; ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${machine.date.slice(0, 10)}`)}</text>
${bars.join('\n')}
  <line x1="${one.toFixed(1)}" y1="${top}" x2="${one.toFixed(1)}" y2="${top + rows.length * rowH}" stroke="#333" stroke-dasharray="4 3"/>
  <text x="${one.toFixed(1)}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#333">1.0</text>
  <text x="20" y="${height - 10}" fill="#555">green: this plugin · blue: floors (node:http, Fastify, Fastify + HMAC) · orange: twilio's validator · grey: forged signatures. Made by npm run bench.</text>
</svg>
`
}
