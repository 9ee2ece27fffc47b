// Proof under faults for queue mode (`npm run chaos`): signed callbacks over loopback to two
// receiving instances (queue mode), three worker processes, one real Redis with `appendonly yes`
// (appendfsync always) in a temporary directory. 15% duplicates, reordered statuses; callbacks
// fail 10% at random and 100% during a 5 s outage window; one worker is SIGKILLed mid-run and
// restarted; Redis is restarted once. Afterwards the failed set is replayed. It prints and checks:
//   - zero non-2xx answers outside the Redis restart window (a non-2xx is retried by the sender,
//     as Twilio does with `#rp=5xx,ct`);
//   - every unique event's callback succeeded at least once (none lost);
//   - repeated runs (a callback that succeeded more than once), counted, and only from the kill
//     or the Redis restart;
//   - no stale status reached its status callback with ordering on;
//   - the failed set is empty at the end (after replay);
//   - reply latency p50/p99 during the run, and queue mode against an inline instance side by
//     side (alternating rounds) afterwards.
// Flags: --n 200000 --concurrency 64 --workers 3 --worker-concurrency 20 --fail-rate 0.1
//        --outage-ms 5000 --inline-n 20000 --timeout-s 600. Exit 1 when a check fails.
import { fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { installPackage, onPath } from '../scripts/provide.mjs'

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '64' },
    workers: { type: 'string', default: '3' },
    'worker-concurrency': { type: 'string', default: '20' },
    'fail-rate': { type: 'string', default: '0.1' },
    'outage-ms': { type: 'string', default: '5000' },
    'inline-n': { type: 'string', default: '20000' },
    'timeout-s': { type: 'string', default: '900' }
  }
})
const N = Number(flags.n)
const CONCURRENCY = Number(flags.concurrency)
const WORKERS = Number(flags.workers)
const AUTH_TOKEN = randomBytes(16).toString('hex')
const NODE = fileURLToPath(new URL('./chaos-node.mjs', import.meta.url))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const { sampleSid, signTwilioRequest } = await import('fastify-twilio-status/testing')

// ---- Redis, durable: appendonly yes, fsync on every write, in a temporary directory.
// redis-server from PATH, else Debian's package, installed as `npm test` installs it.
const REDIS_SERVER = onPath('redis-server') ?? await (async () => {
  const run = (command, args, options) => new Promise((resolve) => spawn(command, args, options).once('exit', (code) => resolve(code ?? 1)).once('error', () => resolve(127)))
  const { found, reason } = await installPackage('redis-server', 'redis-server', { run, log: (line) => console.log(`  ${line}`) })
  if (found === undefined) throw new Error(`chaos needs redis-server: ${reason}`)
  return found
})()
const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-redis-'))
const port = await new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) }) })
const REDIS_URL = `redis://127.0.0.1:${port}`
let redisProc
async function startRedis () {
  redisProc = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try { await probe.connect(); await probe.ping(); probe.disconnect(); return } catch { probe.disconnect(); await sleep(50) }
  }
  throw new Error('redis-server did not start')
}
async function stopRedis () {
  const exited = new Promise((resolve) => redisProc.once('exit', resolve))
  redisProc.kill('SIGTERM') // writes and closes the AOF
  await exited
}
await startRedis()
const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
admin.on('error', () => {})

// ---- Processes.
let outageStart = null
const env = {
  ...process.env,
  CHAOS_REDIS_URL: REDIS_URL,
  CHAOS_AUTH_TOKEN: AUTH_TOKEN,
  CHAOS_FAIL_RATE: flags['fail-rate'],
  CHAOS_OUTAGE_MS: flags['outage-ms'],
  CHAOS_WORKER_CONCURRENCY: flags['worker-concurrency']
}
const stats = new Map()
function start (role, name) {
  const child = fork(NODE, [role], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const node = { name, role, child, port: 0 }
  child.on('message', (m) => { if (m.type === 'stats') stats.set(name, m) })
  node.ready = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.type !== 'ready') return
      node.port = m.port
      if (outageStart !== null) child.send({ type: 'outage', at: outageStart })
      resolve(node)
    })
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before ready`)))
  })
  return node
}
const receivers = [start('receiver', 'receiver A'), start('receiver', 'receiver B')]
const inline = start('inline', 'inline')
const workers = Array.from({ length: WORKERS }, (_, i) => start('worker', `worker ${i + 1}`))
await Promise.all([...receivers, inline, ...workers].map((n) => n.ready))
const agents = new Map()

// ---- The mix: lifecycles, 15% duplicates, 12% reordered.
let seed = 1
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
const unique = new Set()
function * requests (limit, tag) {
  let sent = 0
  for (let i = 0; sent < limit; i++) {
    const sms = rnd() < 0.55
    const sid = sampleSid(sms ? 'SM' : 'CA', `${tag}-${i}`)
    const statuses = sms ? ['queued', 'sent', rnd() < 0.85 ? 'delivered' : 'undelivered'] : ['initiated', 'ringing', 'in-progress', 'completed']
    const events = statuses.map((status, seq) => ({ sms, sid, status, seq }))
    if (rnd() < 0.12) { const j = Math.floor(rnd() * (events.length - 1)); [events[j], events[j + 1]] = [events[j + 1], events[j]] }
    const out = []
    for (const ev of events) { out.push(ev); if (rnd() < 0.15) out.push(ev) }
    for (const ev of out) {
      if (sent++ >= limit) return
      if (tag === 'main') unique.add(ev.sms ? `${ev.sid}:${ev.status}` : `${ev.sid}:${ev.status}:${ev.seq}`)
      yield ev
    }
  }
}

function signed (ev, target) {
  const route = ev.sms ? '/twilio/sms/status' : '/twilio/call/status'
  const params = ev.sms
    ? { AccountSid: 'AC' + '0'.repeat(32), MessageSid: ev.sid, MessageStatus: ev.status, SmsSid: ev.sid, SmsStatus: ev.status, From: '+15017250604', To: '+15558675310' }
    : { AccountSid: 'AC' + '0'.repeat(32), CallSid: ev.sid, CallStatus: ev.status, SequenceNumber: String(ev.seq), From: '+15017250604', To: '+15558675310' }
  const payload = new URLSearchParams(params).toString()
  const url = `http://127.0.0.1:${target.port}${route}`
  const signature = signTwilioRequest({ authToken: AUTH_TOKEN, url, params })
  return { route, payload, headers: { host: `127.0.0.1:${target.port}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload), 'x-twilio-signature': signature } }
}

function post (target, ev) {
  let agent = agents.get(target.port)
  if (agent === undefined) agents.set(target.port, agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }))
  const req = signed(ev, target)
  const t0 = performance.now()
  return new Promise((resolve) => {
    const r = http.request({ host: '127.0.0.1', port: target.port, method: 'POST', path: req.route, headers: req.headers, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ code: res.statusCode, ms: performance.now() - t0 }))
    })
    r.setTimeout(20_000, () => r.destroy(new Error('timeout')))
    r.on('error', () => resolve({ code: 0, ms: performance.now() - t0 }))
    r.end(req.payload)
  })
}

const window = { redisDown: null, redisUp: null }
const answers = { total: 0, ok: 0, nonOkInWindow: 0, nonOkOutside: 0, retries: 0, givenUp: 0, codes: {} }
const latency = { queue: [] }
async function send (targets, iterator, bucket, onProgress, tally = answers) {
  let i = 0
  const next = () => { const r = iterator.next(); return r.done ? null : r.value }
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let ev = next(); ev !== null; ev = next()) {
      const n = i++
      onProgress?.(n)
      // Twilio with `#rc=3&rp=5xx,ct`: a 5xx or a connection failure is retried.
      for (let attempt = 0; ; attempt++) {
        const { code, ms } = await post(targets[(n + attempt) % targets.length], ev)
        const at = Date.now()
        tally.total++
        if (code >= 200 && code < 300) { tally.ok++; bucket.push(ms); break }
        const inWindow = window.redisDown !== null && at >= window.redisDown && (window.redisUp === null || at <= window.redisUp + 2000)
        if (inWindow) tally.nonOkInWindow++
        else { tally.nonOkOutside++; tally.codes[code] = (tally.codes[code] ?? 0) + 1 }
        if (attempt >= 5) { tally.givenUp++; break }
        tally.retries++
        await sleep(100 * (attempt + 1))
      }
    }
  }))
}

const startedAt = Date.now()
let killedAt = null
let chaosTasks = Promise.resolve()
console.log(`chaos: ${N} callbacks, ${receivers.length} receivers, ${WORKERS} workers × ${flags['worker-concurrency']}, Redis ${REDIS_URL} (appendonly yes, appendfsync always)`)
await send(receivers, requests(N, 'main'), latency.queue, (n) => {
  if (n === Math.floor(N * 0.2) && outageStart === null) {
    outageStart = Date.now()
    console.log(`  t+${((outageStart - startedAt) / 1000).toFixed(1)}s callbacks fail 100% for ${flags['outage-ms']} ms`)
    for (const node of [...receivers, ...workers]) node.child.send({ type: 'outage', at: outageStart })
  }
  if (n === Math.floor(N * 0.4) && killedAt === null) {
    killedAt = Date.now()
    chaosTasks = chaosTasks.then(async () => {
      const victim = workers[0]
      console.log(`  t+${((Date.now() - startedAt) / 1000).toFixed(1)}s SIGKILL ${victim.name} (pid ${victim.child.pid}), restarting it`)
      victim.child.kill('SIGKILL')
      workers[0] = start('worker', victim.name)
      await workers[0].ready
    })
  }
  if (n === Math.floor(N * 0.65) && window.redisDown === null) {
    window.redisDown = Date.now()
    chaosTasks = chaosTasks.then(async () => {
      console.log(`  t+${((Date.now() - startedAt) / 1000).toFixed(1)}s restarting Redis`)
      await stopRedis()
      await startRedis()
      window.redisUp = Date.now()
      console.log(`  Redis back after ${window.redisUp - window.redisDown} ms`)
    })
  }
})
await chaosTasks
const sentIn = (Date.now() - startedAt) / 1000
console.log(`  sent in ${sentIn.toFixed(1)} s`)

// ---- Drain, replay the dead letters, drain again.
const queue = new Queue('twilio', { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } })
const deadline = Date.now() + Number(flags['timeout-s']) * 1000
async function drain () {
  for (;;) {
    const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized')
    if (c.wait + c.active + c.delayed + c.prioritized === 0) return
    if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(c)}`)
    await sleep(500)
  }
}
await drain()
const failedBefore = await queue.getJobCountByTypes('failed')
const { replayFailed } = await import('fastify-twilio-status').then((m) => m.default)
let replayed = 0
for (let r; (r = await replayFailed(queue, { limit: 10_000 })) > 0;) { replayed += r; await drain() }
const failedAfter = await queue.getJobCountByTypes('failed')

// ---- Reply latency, queue mode against inline mode, side by side on a quiet machine: rounds
// alternate between the receivers and the inline instance (workers still running), so both see
// the same load; the chaotic run's own figures are printed apart.
const latencyN = Number(flags['inline-n'])
const quiet = { queue: [], inline: [] }
const inlineAnswers = { total: 0, ok: 0, nonOkInWindow: 0, nonOkOutside: 0, retries: 0, givenUp: 0, codes: {} }
const ROUNDS = 4
for (let round = 0; round < ROUNDS; round++) {
  await send(receivers, requests(latencyN / ROUNDS, `quiet-queue-${round}`), quiet.queue, undefined, { ...inlineAnswers, codes: {} })
  await send([inline], requests(latencyN / ROUNDS, `quiet-inline-${round}`), quiet.inline, undefined, inlineAnswers)
}
await drain()

// ---- Results.
const ok = await admin.hgetall('chaos:ok')
const inRedisWindow = (at) => at >= window.redisDown && at <= window.redisUp + 2000
const done = new Map()
for (const [field, at] of Object.entries(await admin.hgetall('chaos:done'))) {
  const [sid, rank] = field.split(' ')
  let ranks = done.get(sid)
  if (ranks === undefined) done.set(sid, ranks = [])
  ranks.push([Number(rank), Number(at)])
}
const violationTimes = []
for (const entry of await admin.lrange('chaos:decisions', 0, -1)) {
  const [sid, rank, at] = entry.split(' ')
  // Stale: a higher-ranked event of this Sid had already succeeded when this one was let through.
  const later = (done.get(sid) ?? []).filter(([r, t]) => r > Number(rank) && t < Number(at))
  // One that involves the Redis restart (the later event handled while the store was down, so its
  // rank was never recorded, or this one started then) is counted apart.
  if (later.length > 0) violationTimes.push(inRedisWindow(Number(at)) || later.some(([, t]) => inRedisWindow(t)) ? -1 : Number(at))
}
const violations = violationTimes.filter((at) => at !== -1).length
const violationsInWindow = violationTimes.length - violations
let missing = 0
let repeated = 0
for (const key of unique) {
  const runs = Number(ok[key] ?? 0)
  if (runs === 0) missing++
  else if (runs > 1) repeated += runs - 1
}
for (const n of [...receivers, inline, ...workers]) n.child.send({ type: 'close' })
await Promise.all([...receivers, inline, ...workers].map((n) => new Promise((resolve) => { if (n.child.exitCode !== null) resolve(); else n.child.once('exit', resolve) })))
const pct = (list, p) => { const s = [...list].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))] }
const sum = (field) => [...stats.values()].reduce((acc, s) => acc + (s.queueStats?.[field] ?? 0), 0)
const sumDelivery = (field) => [...stats.values()].reduce((acc, s) => acc + (s.stats?.[field] ?? 0), 0)
const uniqueCount = unique.size
// Each repeated run, on Redis's clock: it must come after the worker kill (the Redis restart comes later still).
const repeats = (await admin.lrange('chaos:repeats', 0, -1)).map((entry) => Number(entry.split(' ')[1]))
const repeatsBeforeKill = repeats.filter((at) => at < killedAt).length

console.log(`\nrequests: ${answers.total} answered, ${answers.ok} 2xx; non-2xx ${answers.nonOkInWindow} in the Redis restart window, ${answers.nonOkOutside} outside ${JSON.stringify(answers.codes)} (${answers.retries} resent, ${answers.givenUp} given up)`)
console.log(`inline comparison: ${inlineAnswers.total} answered, ${inlineAnswers.ok} 2xx, non-2xx ${JSON.stringify(inlineAnswers.codes)} (its callbacks fail 10% too: each is a 500)`)
console.log(`receivers: ${sum('enqueued')} enqueued, ${sum('fallbacks')} fell back to inline`)
console.log(`workers (last reports; the killed worker's counts are lost with it): ${sum('processed')} processed, ${sum('retried')} retried, ${sum('failed')} failed, ${sum('replayed')} replayed; ${sumDelivery('stale')} stale to onStale, ${sumDelivery('duplicates')} duplicates, ${sumDelivery('storeErrors')} store errors (processed without the store)`)
console.log(`dead letters: ${failedBefore} after the run (attempts exhausted), ${replayed} replayed, ${failedAfter} left`)
console.log(`unique events: ${uniqueCount}; succeeded: ${uniqueCount - missing}; lost: ${missing}`)
console.log(`repeated runs: ${repeated}, ${repeatsBeforeKill} of them before the worker kill at t+${((killedAt - startedAt) / 1000).toFixed(1)}s (the kill and the Redis restart are the only causes expected)`)
console.log(`(stale: with ${WORKERS} workers × ${flags['worker-concurrency']} taking a lifecycle's statuses at once, and retries after failures, many arrive after a later status of their Sid; they go to onStale)`)
console.log(`stale statuses reaching their status callback: ${violations} (plus ${violationsInWindow} while Redis restarted: the store was down, so ordering could not be decided)`)
console.log(`reply latency ms, during the chaotic run (queue mode): p50 ${pct(latency.queue, 0.5).toFixed(2)} p99 ${pct(latency.queue, 0.99).toFixed(2)}`)
console.log(`reply latency ms, side by side (${ROUNDS} alternating rounds, ${latencyN} requests each mode): queue mode p50 ${pct(quiet.queue, 0.5).toFixed(2)} p99 ${pct(quiet.queue, 0.99).toFixed(2)}; inline p50 ${pct(quiet.inline, 0.5).toFixed(2)} p99 ${pct(quiet.inline, 0.99).toFixed(2)}`)

const checks = [
  ['zero non-2xx outside the Redis restart window', answers.nonOkOutside === 0],
  ['every unique event succeeded (none lost)', missing === 0],
  ['no stale status dispatched (outside the Redis restart)', violations === 0],
  ['repeated runs only after the worker kill', repeatsBeforeKill === 0],
  ['failed set empty after replay', failedAfter === 0],
  ['no request given up', answers.givenUp === 0]
]
for (const [name, pass] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} ${name}`)
await queue.close()
admin.disconnect()
for (const agent of agents.values()) agent.destroy()
await stopRedis()
rmSync(dir, { recursive: true, force: true })
process.exit(checks.every(([, pass]) => pass) ? 0 : 1)
