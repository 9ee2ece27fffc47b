#!/usr/bin/env node
// `npm test`: provides the Redis and the Chromium the tests need, then runs lint, build, type
// check, tap and tsd, and exits with the status of the first of them (in that order) that failed.
//
// The build comes first for tap and tsd, which load dist/. `tap build` runs beside it: tap
// compiles its test class for the plugins .taprc names once per install, and left to tap's own
// run in a new checkout that made the first npm test about a minute slower. Lint and the type check read only the
// sources: they run beside the build and tap, and tsd beside tap, at a lower CPU priority, so
// that they take the CPU tap leaves idle (its files waiting on sockets, timers and child
// processes) rather than slow it down. Their output is printed when they end (after tap's, if tap
// is running); a failed build starts neither tap nor tsd. Each step's wall time is logged.
//
// Redis, in this order:
//   1. REDIS_URL, when set: used as is.
//   2. else a `redis-server` on PATH,
//   3. else Debian's `redis-server` package, installed with `apt-get update` then
//      `apt-get install -y redis-server`, as root or through `sudo -n` (never prompts),
//   4. else one line saying how to get Redis, and exit status 1.
// A server started here listens on 127.0.0.1 on a free port with no persistence; the steps get
// its address as REDIS_URL, and it is stopped by its PID at the end, on failure, and on
// SIGINT/SIGTERM (passed on to each running step's whole process group, which is waited for).
//
// curl and openssl (the CLI's capture tests read what the real curl prints), the same way when
// they are not on PATH.
//
// Chromium (the queue inspector's browser test), the same way: CHROME_PATH when set, else
// `chromium` (or `chromium-browser`) on PATH, else Debian's `chromium` package; the steps get
// its path as CHROME_PATH. Each test that drives it starts and stops its own browser.
//
// A Redis Cluster of three masters (the cluster tests), the same way: REDIS_CLUSTER_NODES
// (host:port,host:port,…) when set, else three `redis-server`s in cluster mode on free loopback
// ports with no persistence, joined with `redis-cli --cluster create`; the steps get their
// addresses as REDIS_CLUSTER_NODES, and they are stopped by PID with the Redis above.
//
// Finding or installing the programs is ./provide.mjs's (TEST_REDIS_NO_INSTALL=1 skips installs).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { constants, setPriority, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installPackage, onPath } from './provide.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The steps in the order their failures rank; `after`, the steps each waits for; `beside`, run niced with output held. */
const STEPS = [
  { name: 'lint', command: 'npm', args: ['run', 'lint'], beside: true },
  { name: 'build', command: 'npm', args: ['run', 'build'] },
  { name: 'typecheck', command: 'npm', args: ['run', 'typecheck'], beside: true },
  { name: 'tap build', command: 'tap', args: ['build'] },
  { name: 'tap', command: 'tap', args: [], after: ['build', 'tap build'] },
  { name: 'tsd', command: 'tsd', args: [], after: ['build'], beside: true }
]
/** The niceness of the steps run beside the others (19 is the lowest priority). */
const BESIDE_PRIORITY = 10

const HOW_TO_CHROMIUM = 'no Chromium for the browser tests: set CHROME_PATH=/path/to/chromium, or install it (Debian/Ubuntu: apt-get install chromium; npm test installs it itself when run as root or with passwordless sudo)'
const HOW_TO_CLUSTER = 'no Redis Cluster for the cluster tests: set REDIS_CLUSTER_NODES=HOST:PORT,HOST:PORT,HOST:PORT (three masters), or install redis-server (Debian/Ubuntu: apt-get install redis-server)'
const HOW_TO = 'no Redis for the tests: set REDIS_URL=redis://HOST:PORT, put redis-server on PATH, or install it (Debian/Ubuntu: apt-get install redis-server; npm test installs it itself when run as root or with passwordless sudo)'

/** The children running now (steps, or apt-get), each the leader of its own process group. */
const running = new Set()
/** The redis-server started here, if any. */
let redis
/** The Redis Cluster's masters started here, if any, and the directory of their cluster config files. */
let clusterNodes = []
let clusterDir
/** The SIGINT or SIGTERM received, if any: stop what runs, start nothing more. */
let stopping

function log (line) {
  process.stderr.write(`[npm test] ${line}\n`)
}

/** Signals a child's whole process group: npm and sh do not pass a signal on to their children. */
function signalGroup (child, signal) {
  try { process.kill(-child.pid, signal) } catch {}
}

/**
 * Runs a command in its own process group, stdout and stderr inherited (stdin is not: a
 * background group must not read the terminal); resolves with its exit status (128 + n for
 * signal n). `onSpawn(child)` is called as soon as it has started.
 */
function run (command, args, options = {}, onSpawn = () => {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true, ...options })
    running.add(child)
    child.once('error', (err) => {
      running.delete(child)
      log(`cannot run ${command}: ${err.message}`)
      resolve(127)
    })
    child.once('exit', (code, signal) => {
      running.delete(child)
      resolve(code ?? 128 + (constants.signals[signal] ?? 0))
    })
    if (child.pid !== undefined) onSpawn(child)
  })
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`

/**
 * Runs the steps: each once the steps it comes `after` have passed, the others at once; resolves
 * with the status of the first step (in STEPS order) that failed or could not start, else 0.
 */
async function runSteps (env) {
  const ended = new Map()
  /** Output held back from the steps run beside, printed when no step streams its own. */
  const held = []
  let streaming = 0
  const flush = () => {
    if (streaming > 0) return
    for (const output of held.splice(0)) process.stderr.write(output)
  }
  const start = async (step) => {
    for (const before of step.after ?? []) {
      if (await ended.get(before) === 0) continue
      held.push(`[npm test] ${step.name} not run: ${before} did not pass\n`)
      flush()
      return undefined
    }
    if (stopping !== undefined) return undefined
    const began = Date.now()
    let output = ''
    const options = { cwd: root, env }
    if (step.beside) options.stdio = ['ignore', 'pipe', 'pipe']
    else streaming++
    const status = await run(step.command, step.args, options, (child) => {
      if (!step.beside) return
      for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (chunk) => { output += chunk })
      // Its children inherit the priority: npm starts the tool after this has run.
      try { setPriority(child.pid, BESIDE_PRIORITY) } catch {}
    })
    if (!step.beside) streaming--
    const result = status === 0 ? `passed in ${seconds(Date.now() - began)}` : `failed with status ${status} after ${seconds(Date.now() - began)}`
    held.push(`${output}[npm test] ${step.name} (${[step.command, ...step.args].join(' ')}) ${result}\n`)
    flush()
    return status
  }
  for (const step of STEPS) ended.set(step.name, start(step))
  let first = 0
  for (const step of STEPS) {
    const status = await ended.get(step.name)
    if (first === 0 && status !== undefined && status !== 0) first = status
  }
  flush()
  return first
}

/** `installPackage` with this script's runner, so that a signal stops apt-get too. */
async function install (pkg, binary) {
  return await installPackage(pkg, binary, { run, log, stopped: () => stopping })
}

async function freePort () {
  return await new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1')
    server.once('error', reject)
    server.once('listening', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Whether a Redis on 127.0.0.1:port answers `command` with a reply that contains `expected`. */
async function answers (port, command = 'PING', expected = '+PONG') {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write(`${command}\r\n`))
    socket.on('data', (chunk) => {
      reply += chunk
      if (reply.includes(expected)) done(true)
      else if (reply.endsWith('\r\n')) done(false)
    })
  })
}

async function pings (port) {
  return await answers(port)
}

/** Starts redis-server on a free loopback port; resolves with its URL, or throws why not. */
async function startRedis (binary) {
  let lastOutput = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    redis = child
    let output = ''
    const keep = (chunk) => { output = (output + chunk).slice(-4000) }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let failed
    child.once('error', (err) => { failed = err.message })
    child.once('exit', (code, signal) => { failed ??= `exited (${signal ?? code})` })
    for (let i = 0; i < 200; i++) {
      if (failed !== undefined || stopping !== undefined) break // set by listeners while we wait
      if (await pings(port)) {
        // Its output is no longer needed: drop it so the pipes never fill.
        child.stdout.removeListener('data', keep).resume()
        child.stderr.removeListener('data', keep).resume()
        log(`redis-server ${child.pid} on 127.0.0.1:${port}`)
        return `redis://127.0.0.1:${port}`
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await stopRedis()
    if (stopping !== undefined) throw new Error(`stopped by ${stopping}`)
    lastOutput = `${binary} on port ${port}: ${failed ?? 'no answer to PING within 10 s'}\n${output}`
    // Another process may have taken the port between freePort() and the bind: try another.
  }
  throw new Error(lastOutput.trimEnd())
}

/** Stops the redis-server started here, by its PID. */
async function stopRedis () {
  const child = redis
  redis = undefined
  if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try { process.kill(child.pid, 'SIGTERM') } catch { return }
  const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL') } catch {} }, 5000)
  await exited
  clearTimeout(timer)
}

/** Polls every port with `command` for up to 10 s; throws naming the first that never gives `expected`. */
async function waitAll (ports, command, expected, failed = () => undefined) {
  for (const port of ports) {
    for (let i = 0; ; i++) {
      if (failed() !== undefined) throw new Error(failed())
      if (stopping !== undefined) throw new Error(`stopped by ${stopping}`)
      if (await answers(port, command, expected)) break
      if (i === 200) throw new Error(`redis-server on port ${port} did not answer ${command} with ${expected} within 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Starts three masters in cluster mode and joins them; resolves with their host:port list, or throws why not. */
async function startCluster (binary) {
  clusterDir = mkdtempSync(join(tmpdir(), 'twilio-cluster-'))
  const servers = await Promise.all([0, 1, 2].map(() => freePort()))
  let failed
  for (const port of servers) {
    const child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--dir', clusterDir, '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no'], { stdio: 'ignore' })
    clusterNodes.push(child)
    child.once('error', (err) => { failed ??= `${binary}: ${err.message}` })
    child.once('exit', (code, signal) => { failed ??= `${binary} on port ${port} exited (${signal ?? code})` })
  }
  await waitAll(servers, 'PING', '+PONG', () => failed)
  const cli = onPath('redis-cli') ?? join(dirname(binary), 'redis-cli')
  const status = await run(cli, ['--cluster', 'create', ...servers.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (status !== 0) throw new Error(`redis-cli --cluster create failed with status ${status}`)
  await waitAll(servers, 'CLUSTER INFO', 'cluster_state:ok', () => failed)
  log(`Redis Cluster ${clusterNodes.map((c) => c.pid).join(', ')} on 127.0.0.1:${servers.join(', ')}`)
  return servers.map((port) => `127.0.0.1:${port}`).join(',')
}

/** Stops the cluster's masters started here, by their PIDs, and removes their config files. */
async function stopCluster () {
  const children = clusterNodes
  clusterNodes = []
  await Promise.all(children.map(async (child) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try { process.kill(child.pid, 'SIGTERM') } catch { return }
    const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL') } catch {} }, 5000)
    await exited
    clearTimeout(timer)
  }))
  if (clusterDir !== undefined) rmSync(clusterDir, { recursive: true, force: true })
  clusterDir = undefined
}

async function provideCluster () {
  if (process.env.REDIS_CLUSTER_NODES !== undefined && process.env.REDIS_CLUSTER_NODES !== '') {
    log('Redis Cluster: REDIS_CLUSTER_NODES from the environment')
    return { nodes: process.env.REDIS_CLUSTER_NODES }
  }
  const binary = onPath('redis-server') ?? (await install('redis-server', 'redis-server')).found
  if (binary === undefined) return { reason: 'no redis-server to start a cluster with' }
  try {
    return { nodes: await startCluster(binary) }
  } catch (err) {
    process.stderr.write(`${err.message}\n`)
    return { reason: `${binary} did not start as a cluster` }
  }
}

async function provideRedis () {
  if (process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '') {
    log('Redis: REDIS_URL from the environment')
    return { url: process.env.REDIS_URL }
  }
  let binary = onPath('redis-server')
  let extraPath
  if (binary === undefined) {
    const installed = await install('redis-server', 'redis-server')
    if (installed.found === undefined) return { reason: installed.reason }
    binary = installed.found
    if (onPath('redis-server') === undefined) extraPath = dirname(binary)
  }
  try {
    return { url: await startRedis(binary), extraPath }
  } catch (err) {
    process.stderr.write(`${err.message}\n`)
    return { reason: `${binary} did not start` }
  }
}

async function provideChromium () {
  if (process.env.CHROME_PATH !== undefined && process.env.CHROME_PATH !== '') {
    log('Chromium: CHROME_PATH from the environment')
    return { path: process.env.CHROME_PATH }
  }
  const found = onPath('chromium') ?? onPath('chromium-browser')
  if (found !== undefined) return { path: found }
  const installed = await install('chromium', 'chromium')
  return installed.found === undefined ? { reason: installed.reason } : { path: installed.found }
}

/** The tools the CLI's capture tests run (real `curl -v` output; a TLS test server's certificate). */
const TOOLS = [['curl', 'curl'], ['openssl', 'openssl']]

async function provideTools () {
  for (const [binary, pkg] of TOOLS) {
    if (onPath(binary) !== undefined) continue
    const installed = await install(pkg, binary)
    if (installed.found === undefined) return `no ${binary} for the CLI's capture tests: install it (Debian/Ubuntu: apt-get install ${pkg}) (${installed.reason})`
  }
  return undefined
}

async function main () {
  const missing = await provideTools()
  if (stopping !== undefined) return 128 + constants.signals[stopping]
  if (missing !== undefined) {
    log(missing)
    return 1
  }
  const redisFor = await provideRedis()
  if (stopping !== undefined) return 128 + constants.signals[stopping]
  if (redisFor.url === undefined) {
    log(`${HOW_TO} (${redisFor.reason})`)
    return 1
  }
  const cluster = await provideCluster()
  if (stopping !== undefined) return 128 + constants.signals[stopping]
  if (cluster.nodes === undefined) {
    log(`${HOW_TO_CLUSTER} (${cluster.reason})`)
    return 1
  }
  const chromium = await provideChromium()
  if (stopping !== undefined) return 128 + constants.signals[stopping]
  if (chromium.path === undefined) {
    log(`${HOW_TO_CHROMIUM} (${chromium.reason})`)
    return 1
  }
  // The tests' own redis-server (test/helpers/redis.ts) needs it on PATH, and the steps need the
  // project's tools when this runs outside npm.
  const PATH = [join(root, 'node_modules', '.bin'), process.env.PATH ?? '', redisFor.extraPath]
    .filter((p) => p !== undefined && p !== '').join(delimiter)
  const env = { ...process.env, PATH, REDIS_URL: redisFor.url, REDIS_CLUSTER_NODES: cluster.nodes, CHROME_PATH: chromium.path }
  const began = Date.now()
  const status = await runSteps(env)
  if (stopping !== undefined) return 128 + constants.signals[stopping]
  log(`${status === 0 ? 'passed' : `failed with status ${status}`} in ${seconds(Date.now() - began)}`)
  return status
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping !== undefined) return
    stopping = signal
    log(`${signal}: stopping`)
    // A terminal's Ctrl-C reaches only this process's group: pass it on, and wait for the steps
    // (main() then stops Redis); one that does not stop within 10 s is killed.
    for (const child of running) {
      signalGroup(child, signal)
      setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000).unref()
    }
  })
}

let status = 1
try {
  status = await main()
} catch (err) {
  log(`failed: ${err.stack ?? err}`)
} finally {
  await Promise.all([stopRedis(), stopCluster()])
}
process.exit(status)
