// Proof under load: at least LOAD_N signed status callbacks per scenario over loopback,
// with duplicates and reordered deliveries mixed in, to
//   (a) one instance with the plugin's default memory store, and
//   (b) two instances sharing one Redis (an ioredis client and a RedisStore per instance),
// both with `ordering: true`. It checks, and exits 1 when any check fails:
//   - every unique event is dispatched exactly once across instances (onAny once, and either its
//     status callback or onStale once), and no unknown event is dispatched;
//   - zero 5xx (and zero 4xx, zero network errors) outside the optional concurrent
//     cross-instance sub-test, whose 503 answers are the correct "held by another instance" reply
//     and are counted apart;
//   - no stale status reaches its status callback: an event sent after a later status of the same
//     Sid was answered must go to onStale; one whose later statuses were all sent after it was
//     answered must reach its status callback; and per Sid the status callbacks never go back in
//     rank between deliveries that were not in flight together;
//   - the plugin's own counters agree (dispatched, stale; no store errors, no deadlines).
// It prints requests/s, total time, RSS of each server and of this generator before, during and
// after. Usage: `npm run load`; env LOAD_N (default 200000), LOAD_CONCURRENCY (64), LOAD_SEED (1),
// LOAD_SCENARIOS (a,b), REDIS_URL (else a redis-server is started on a free port and stopped),
// LOAD_CALLBACK_MS (0: callbacks yield once; >0: they take that long), LOAD_PLUGIN_OPTIONS (JSON
// merged into the plugin options: a negative control, e.g. '{"idempotency":false}' must FAIL).
// What a stored event costs in memory, whatever the body size (large unicode bodies, bytes per
// entry): proofs/memory-proof.mjs, `npm run load:memory`.
import { execFileSync, fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { loadKit } from './lib-kit.mjs'

function intEnv (name, fallback, min = 1) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`)
    process.exit(2)
  }
  return value
}

const N = intEnv('LOAD_N', 200_000)
const CONCURRENCY = intEnv('LOAD_CONCURRENCY', 64)
const SEED = intEnv('LOAD_SEED', 1, 0)
const CALLBACK_MS = intEnv('LOAD_CALLBACK_MS', 0, 0)
const SCENARIOS = (process.env.LOAD_SCENARIOS ?? 'a,b').split(',').map((s) => s.trim()).filter(Boolean)
const AUTH_TOKEN = randomBytes(16).toString('hex')
const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
const SERVER = fileURLToPath(new URL('./load-server.mjs', import.meta.url))
const MB = 1024 * 1024

const now = () => performance.timeOrigin + performance.now()
const mb = (bytes) => (bytes / MB).toFixed(0)
const pct = (part, whole) => whole === 0 ? '0.0' : (100 * part / whole).toFixed(1)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/** A sleep that does not keep the process alive (for races against an exit). */
const grace = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref())

for (const s of SCENARIOS) {
  if (s !== 'a' && s !== 'b') {
    console.error(`LOAD_SCENARIOS: unknown scenario ${JSON.stringify(s)} (expected a, b)`)
    process.exit(2)
  }
}

// ---------------------------------------------------------------------------------------------
// Signing: the package's testing kit, as a user's tests sign (`npm run load` builds it first).

const kit = await loadKit()

const sidOf = (prefix, seed) => kit.sampleSid(prefix, seed)

/** A signed POST for one event: { url, headers, payload }. */
function signedRequest (ev, port) {
  const params = ev.channel === 'call' ? { SequenceNumber: String(ev.seq) } : undefined
  const request = kit.signedInject({ authToken: AUTH_TOKEN, channel: ev.channel, status: ev.status, sid: ev.sid, params, host: `127.0.0.1:${port}` })
  const headers = { ...request.headers, 'content-length': String(Buffer.byteLength(request.payload)) }
  if (ev.token !== undefined) headers['i-twilio-idempotency-token'] = ev.token
  return { url: request.url, headers, payload: request.payload }
}

/**
 * The kit's signature must be the one the official `twilio` package expects (checked once, in a
 * child process so that loading `twilio` does not add to this generator's RSS figures).
 */
function crossCheckSigning () {
  const requests = [{ channel: 'sms', status: 'delivered', sid: sidOf('SM', 'x'), seq: 0 }, { channel: 'call', status: 'completed', sid: sidOf('CA', 'x'), seq: 3 }]
    .map((ev) => ({ ev: `${ev.channel} ${ev.status}`, ...signedRequest(ev, 1234) }))
  const check = `const twilio = require('twilio'); let input = ''
    process.stdin.on('data', (d) => { input += d }).on('end', () => {
      for (const r of JSON.parse(input)) {
        const expected = twilio.getExpectedTwilioSignature(process.env.LOAD_AUTH_TOKEN, 'http://127.0.0.1:1234' + r.url, Object.fromEntries(new URLSearchParams(r.payload)))
        if (expected !== r.headers['x-twilio-signature']) console.log(r.ev)
      }
    })`
  const differ = execFileSync(process.execPath, ['-e', check], { cwd: fileURLToPath(new URL('..', import.meta.url)), input: JSON.stringify(requests), env: { ...process.env, LOAD_AUTH_TOKEN: AUTH_TOKEN }, encoding: 'utf8' }).trim()
  if (differ !== '') {
    console.error(`testing kit signature differs from twilio.getExpectedTwilioSignature for ${differ.split('\n').join(', ')}`)
    process.exit(1)
  }
  return 'fastify-twilio-status/testing signedInject (agrees with twilio.getExpectedTwilioSignature)'
}

// ---------------------------------------------------------------------------------------------
// The mix: per Sid a lifecycle, sent in steps (the requests of a step go out together; the next
// step starts once all of them were answered), so the generator knows which deliveries were in
// flight together and which were answered before another was sent.

function mulberry32 (seed) {
  let a = seed >>> 0
  return function () {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Message ranks as the plugin documents them (lib/ordering.ts); calls rank by SequenceNumber. */
const SMS_RANK = { queued: 1, sent: 3, delivered: 4, undelivered: 4 }

class Ev {
  constructor (channel, sid, status, seq, token) {
    this.channel = channel
    this.sid = sid
    this.status = status
    this.seq = seq
    this.rank = channel === 'sms' ? SMS_RANK[status] : seq
    this.key = channel === 'sms' ? `${sid}:${status}` : `${sid}:${status}:${seq}`
    this.token = token
    this.xconc = false
    this.earliestSend = Infinity
    this.first2xx = Infinity
    this.answered = new Promise((resolve) => { this.onAnswered = resolve })
  }
}

const DUP_CONCURRENT = 0.05 // same step, same instance: waits for the first and shares its outcome
const DUP_NEXT = 0.05 // next step, other instance in (b): sent after the first was answered
const DUP_LATE = 0.05 // 100–1000 Sids later, other instance in (b)
const DUP_XCONC = 0.01 // (b) only, sub-test: same step, other instance (503 allowed)

function createMix (scenario, instanceCount) {
  const rnd = mulberry32(SEED * 7919 + (scenario === 'a' ? 1 : 2))
  const two = instanceCount === 2
  const mix = {
    events: new Map(),
    sids: new Map(),
    counts: { sms: 0, call: 0, swap: 0, pair: 0, terminalFirst: 0, tokens: 0 },
    planned: 0,
    late: []
  }
  let built = 0
  let pulled = 0

  function buildSid () {
    const i = built++
    const sms = rnd() < 0.55
    const sid = sidOf(sms ? 'SM' : 'CA', `${RUN_ID}-${scenario}-${i}`)
    let lifecycle
    if (sms) {
      lifecycle = ['queued', 'sent', rnd() < 0.85 ? 'delivered' : 'undelivered']
    } else {
      const r = rnd()
      const end = r < 0.8 ? ['in-progress', 'completed'] : r < 0.9 ? ['busy'] : ['no-answer']
      lifecycle = ['initiated', 'ringing', ...end]
    }
    const withToken = rnd() < 0.5
    if (withToken) mix.counts.tokens++
    const events = lifecycle.map((status, seq) => {
      const ev = new Ev(sms ? 'sms' : 'call', sid, status, seq, withToken ? `${RUN_ID}-${scenario}-${i}-${seq}` : undefined)
      mix.events.set(ev.key, ev)
      return ev
    })
    mix.counts[sms ? 'sms' : 'call']++
    mix.sids.set(sid, events)

    // Order: mostly as sent; some later status first (delivered before sent, SequenceNumber 3
    // before 2), some pairs at once, some with the final status first.
    let steps = events.map((ev) => [ev])
    const k = steps.length
    const r = rnd()
    if (r < 0.12) {
      const j = rnd() < 0.6 ? k - 2 : Math.floor(rnd() * (k - 1))
      ;[steps[j], steps[j + 1]] = [steps[j + 1], steps[j]]
      mix.counts.swap++
    } else if (r < 0.18) {
      const j = Math.floor(rnd() * (k - 1))
      steps[j] = [...steps[j], ...steps[j + 1]]
      steps.splice(j + 1, 1)
      mix.counts.pair++
    } else if (r < 0.21) {
      steps = [steps[k - 1], ...steps.slice(0, k - 1)]
      mix.counts.terminalFirst++
    }

    const pick = () => two ? Math.floor(rnd() * 2) : 0
    const other = (inst) => two ? 1 - inst : inst
    const requests = steps.map((evs) => evs.map((ev) => ({ ev, inst: pick(), group: 'orig' })))
    const late = []
    const originalSteps = requests.length
    for (let s = 0; s < originalSteps; s++) {
      for (const original of requests[s].filter((q) => q.group === 'orig')) {
        const d = rnd()
        const { ev, inst } = original
        if (d < DUP_CONCURRENT) {
          requests[s].push({ ev, inst, group: 'dupConc' })
        } else if (d < DUP_CONCURRENT + DUP_NEXT) {
          if (s + 1 === requests.length) requests.push([])
          requests[s + 1].push({ ev, inst: other(inst), group: 'dupNext' })
        } else if (d < DUP_CONCURRENT + DUP_NEXT + DUP_LATE) {
          late.push({ ev, inst: other(inst), group: 'dupLate' })
        } else if (two && d < DUP_CONCURRENT + DUP_NEXT + DUP_LATE + DUP_XCONC) {
          ev.xconc = true
          original.group = 'xconcOrig'
          requests[s].push({ ev, inst: other(inst), group: 'xconcDup' })
        }
      }
    }
    for (const step of requests) mix.planned += step.length
    mix.planned += late.length
    for (const q of late) {
      const due = pulled + 100 + Math.floor(rnd() * 900)
      let at = mix.late.length
      while (at > 0 && mix.late[at - 1].due > due) at--
      mix.late.splice(at, 0, { due, script: { waitFor: q.ev.answered, steps: [[q]] } })
    }
    return { steps: requests }
  }

  /** The next script to run: a due late duplicate, a new Sid, or (load planned) the rest. */
  mix.next = function () {
    pulled++
    if (mix.late.length > 0 && (mix.late[0].due <= pulled || mix.planned >= N)) return mix.late.shift().script
    if (mix.planned >= N) return null
    return buildSid()
  }
  return mix
}

// ---------------------------------------------------------------------------------------------
// Processes: redis-server (unless REDIS_URL), and the server instances (forked, IPC).

function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function startRedis () {
  if (process.env.REDIS_URL) {
    const client = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 2 })
    await client.ping()
    return { url: process.env.REDIS_URL, client, proc: null, label: `REDIS_URL ${process.env.REDIS_URL}` }
  }
  const port = await freePort()
  const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise((resolve) => proc.once('exit', resolve))
  proc.once('error', (err) => { console.error(`could not start redis-server: ${err.message}`) })
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
      client.removeAllListeners('error')
      return { url, client, proc, exited, label: `redis-server on 127.0.0.1:${port} (pid ${proc.pid}, started here)` }
    } catch {
      client.disconnect()
      if (proc.exitCode !== null) break
      await sleep(100)
    }
  }
  proc.kill('SIGTERM')
  throw new Error('redis-server did not answer PING')
}

async function stopRedis (redis) {
  await redis.client.quit().catch(() => redis.client.disconnect())
  if (redis.proc !== null && redis.proc.exitCode === null) {
    redis.proc.kill('SIGTERM')
    await Promise.race([redis.exited, grace(5000)])
    if (redis.proc.exitCode === null && redis.proc.signalCode === null) redis.proc.kill('SIGKILL')
  }
}

/** Keys under `prefix` (SCAN), and optionally delete them. */
async function redisKeys (client, prefix, remove) {
  let cursor = '0'
  let count = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10000)
    cursor = next
    count += keys.length
    if (remove && keys.length > 0) await client.unlink(...keys)
  } while (cursor !== '0')
  return count
}

async function startInstance (name, env, data) {
  const child = fork(SERVER, [], {
    env: { ...process.env, LOAD_INSTANCE: name, LOAD_AUTH_TOKEN: AUTH_TOKEN, LOAD_CALLBACK_MS: String(CALLBACK_MS), ...env },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced'
  })
  const inst = { name, child, port: 0, lastRss: 0, exit: null, waiters: new Map(), batches: 0 }
  inst.exited = new Promise((resolve) => child.once('exit', (code, signal) => { inst.exit = { code, signal }; resolve() }))
  child.on('message', (message) => {
    if (message.type === 'batch') {
      inst.lastRss = message.rss
      inst.batches++
      for (const key of message.any) data.any.set(key, (data.any.get(key) ?? 0) + 1)
      for (const key of message.stale) data.stale.set(key, (data.stale.get(key) ?? 0) + 1)
      for (const [key, t] of message.status) {
        data.status.set(key, (data.status.get(key) ?? 0) + 1)
        data.statusRecords.push([key, t, name])
      }
      data.byInstance[name] = (data.byInstance[name] ?? 0) + message.any.length
      return
    }
    const waiter = inst.waiters.get(message.type)
    if (waiter !== undefined) {
      inst.waiters.delete(message.type)
      waiter(message)
    }
  })
  inst.request = (type) => new Promise((resolve, reject) => {
    inst.waiters.set(type, resolve)
    if (type !== 'ready') child.send({ type })
    inst.exited.then(() => reject(new Error(`instance ${name} exited (${JSON.stringify(inst.exit)}) before answering ${type}`)))
  })
  const ready = await inst.request('ready')
  inst.port = ready.port
  inst.pid = ready.pid
  inst.before = ready
  inst.lastRss = ready.rss
  inst.agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  return inst
}

async function stopInstance (inst) {
  inst.agent.destroy()
  if (inst.exit === null) {
    inst.child.send({ type: 'close' })
    await Promise.race([inst.exited, grace(10_000)])
    if (inst.exit === null) inst.child.kill('SIGKILL')
  }
  await inst.exited
}

// ---------------------------------------------------------------------------------------------
// Load.

function semaphore (limit) {
  let free = limit
  const queue = []
  return {
    acquire: () => free > 0 ? (free--, Promise.resolve()) : new Promise((resolve) => queue.push(resolve)),
    release: () => { const next = queue.shift(); if (next !== undefined) next(); else free++ }
  }
}

function post (inst, request) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: inst.port, method: 'POST', path: request.url, headers: request.headers, agent: inst.agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
      res.on('error', (err) => resolve(err))
    })
    req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')))
    req.on('error', (err) => resolve(err))
    req.end(request.payload)
  })
}

const GROUPS = ['orig', 'dupConc', 'dupNext', 'dupLate', 'xconcOrig', 'xconcDup']

async function runLoad (mix, instances, memory) {
  const sem = semaphore(CONCURRENCY)
  const tally = Object.fromEntries(GROUPS.map((g) => [g, { sent: 0, ok: 0, c4: 0, c5: 0, c503: 0, other: 0, err: 0 }]))
  const errorSamples = []
  let done = 0
  let quarter = 1

  async function send (q) {
    const inst = instances[q.inst]
    await sem.acquire()
    const request = signedRequest(q.ev, inst.port)
    const sentAt = now()
    if (sentAt < q.ev.earliestSend) q.ev.earliestSend = sentAt
    const result = await post(inst, request)
    const at = now()
    sem.release()
    const t = tally[q.group]
    t.sent++
    if (typeof result !== 'number') {
      t.err++
      if (errorSamples.length < 5) errorSamples.push(`${inst.name} ${q.ev.key}: ${result.message}`)
    } else if (result >= 200 && result < 300) {
      t.ok++
      if (at < q.ev.first2xx) q.ev.first2xx = at
    } else if (result >= 500) {
      t.c5++
      if (result === 503) t.c503++
      if (errorSamples.length < 5 && !q.group.startsWith('xconc')) errorSamples.push(`${inst.name} ${q.ev.key} (${q.group}): HTTP ${result}`)
    } else if (result >= 400) {
      t.c4++
      if (errorSamples.length < 5) errorSamples.push(`${inst.name} ${q.ev.key} (${q.group}): HTTP ${result}`)
    } else {
      t.other++
    }
    if (q.group === 'orig' || q.group === 'xconcOrig') q.ev.onAnswered()
    if (++done >= quarter * N / 4 && quarter < 4) {
      memory.push({ at: `${quarter * 25}%`, gen: process.memoryUsage().rss, servers: instances.map((i) => i.lastRss) })
      quarter++
    }
  }

  async function runner () {
    for (let script = mix.next(); script !== null; script = mix.next()) {
      if (script.waitFor !== undefined) await script.waitFor
      for (const step of script.steps) await Promise.all(step.map(send))
    }
  }

  const start = now()
  await Promise.all(Array.from({ length: CONCURRENCY }, runner))
  const seconds = (now() - start) / 1000
  return { tally, seconds, done, errorSamples }
}

// ---------------------------------------------------------------------------------------------
// Checks.

function analyse (mix, data) {
  const a = {
    unique: mix.events.size,
    once: 0,
    missing: 0,
    twice: 0,
    routeMismatch: 0,
    unexpected: 0,
    definiteStale: 0,
    definiteStaleToStatus: 0,
    definiteStaleToStale: 0,
    definiteFresh: 0,
    definiteFreshToStale: 0,
    ambiguous: 0,
    ambiguousToStale: 0,
    staleTotal: 0,
    inversions: 0,
    hardInversions: 0,
    samples: []
  }
  const sample = (text) => { if (a.samples.length < 8) a.samples.push(text) }
  for (const key of new Set([...data.any.keys(), ...data.stale.keys(), ...data.status.keys()])) {
    if (!mix.events.has(key)) { a.unexpected++; sample(`dispatched unknown event ${key}`) }
  }
  for (const [, events] of mix.sids) {
    for (const ev of events) {
      const any = data.any.get(ev.key) ?? 0
      const stale = data.stale.get(ev.key) ?? 0
      const status = data.status.get(ev.key) ?? 0
      a.staleTotal += stale
      if (any === 1) a.once++
      else if (any === 0) { a.missing++; sample(`${ev.key}: never dispatched`) } else { a.twice++; sample(`${ev.key}: onAny ran ${any} times (status cb ${status}, onStale ${stale})`) }
      if (stale + status !== 1) { a.routeMismatch++; sample(`${ev.key}: status callback ${status} + onStale ${stale} times`) }
      let definitelyStale = false
      let definitelyFresh = true
      for (const later of events) {
        if (later.rank <= ev.rank) continue
        if (later.first2xx < ev.earliestSend) definitelyStale = true
        if (!(later.earliestSend > ev.first2xx)) definitelyFresh = false
      }
      if (definitelyStale) {
        a.definiteStale++
        if (status > 0) { a.definiteStaleToStatus++; sample(`${ev.key}: stale (a later status was answered before it was sent) but its status callback ran`) }
        if (stale > 0) a.definiteStaleToStale++
      } else if (definitelyFresh) {
        a.definiteFresh++
        if (stale > 0) { a.definiteFreshToStale++; sample(`${ev.key}: no later status was sent before it was answered, yet onStale ran`) }
      } else {
        a.ambiguous++
        if (stale > 0) a.ambiguousToStale++
      }
    }
  }
  // Status callbacks per Sid in the order they ran (server clocks): never back in rank, except
  // between two deliveries that were in flight together (a race the plugin may resolve either way).
  const bySid = new Map()
  for (const record of data.statusRecords) {
    const ev = mix.events.get(record[0])
    if (ev === undefined) continue
    let list = bySid.get(ev.sid)
    if (list === undefined) bySid.set(ev.sid, list = [])
    list.push({ ev, t: record[1] })
  }
  for (const list of bySid.values()) {
    if (list.length < 2) continue
    list.sort((x, y) => x.t - y.t)
    let top = list[0].ev
    for (const { ev } of list.slice(1)) {
      if (ev.rank < top.rank) {
        a.inversions++
        const apart = top.first2xx < ev.earliestSend || ev.first2xx < top.earliestSend
        if (apart) { a.hardInversions++; sample(`${ev.sid}: status callback for ${ev.status} (rank ${ev.rank}) ran after ${top.status} (rank ${top.rank})`) }
      } else {
        top = ev
      }
    }
  }
  return a
}

// ---------------------------------------------------------------------------------------------
// One scenario.

async function scenario (name, redis) {
  const two = name === 'b'
  const title = two ? '(b) two instances, one Redis (RedisStore, ioredis client each), ordering on' : '(a) one instance, default memory store, ordering on'
  console.log(`\n== ${title} ==`)
  const data = { any: new Map(), stale: new Map(), status: new Map(), statusRecords: [], byInstance: {} }
  const prefix = `load-proof:${RUN_ID}:`
  const env = two ? { LOAD_REDIS_URL: redis.url, LOAD_REDIS_PREFIX: prefix } : {}
  const started = now()
  const instances = []
  try {
    for (const instName of two ? ['A', 'B'] : ['A']) instances.push(await startInstance(instName, env, data))
    const mix = createMix(name, instances.length)
    const genBefore = process.memoryUsage().rss
    const memory = []
    const load = await runLoad(mix, instances, memory)
    memory.push({ at: 'end', gen: process.memoryUsage().rss, servers: instances.map((i) => i.lastRss) })
    const reports = []
    for (const inst of instances) reports.push(await inst.request('report'))
    const redisInfo = two ? { keys: await redisKeys(redis.client, prefix, redis.proc === null) } : null
    if (two) {
      const info = await redis.client.info('memory')
      redisInfo.usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
    }
    const crashed = instances.filter((i) => i.exit !== null)
    for (const inst of instances) await stopInstance(inst)
    const unclean = instances.filter((i) => i.exit.code !== 0)
    const a = analyse(mix, data)
    return print({ name, two, mix, load, reports, memory, genBefore, a, instances, crashed, unclean, redisInfo, data, total: (now() - started) / 1000 })
  } finally {
    for (const inst of instances) if (inst.exit === null) inst.child.kill('SIGKILL')
  }
}

function print ({ name, two, mix, load, reports, memory, genBefore, a, instances, crashed, unclean, redisInfo, data, total }) {
  const { tally } = load
  const sum = (field, groups = GROUPS) => groups.reduce((s, g) => s + tally[g][field], 0)
  const main = ['orig', 'dupConc', 'dupNext', 'dupLate']
  const sent = sum('sent')
  const dups = sum('sent', ['dupConc', 'dupNext', 'dupLate', 'xconcDup'])
  const xPairs = tally.xconcDup.sent
  const x503 = tally.xconcOrig.c503 + tally.xconcDup.c503
  const xOther5 = tally.xconcOrig.c5 + tally.xconcDup.c5 - x503
  let xNo2xx = 0
  for (const ev of mix.events.values()) if (ev.xconc && ev.first2xx === Infinity) xNo2xx++
  const stats = reports.reduce((s, r) => { for (const k of Object.keys(r.stats)) s[k] = (s[k] ?? 0) + r.stats[k]; return s }, {})
  const row = (label, text) => console.log(`${label.padEnd(14)}${text}`)

  row('load', `${sent} requests in ${load.seconds.toFixed(1)} s = ${(sent / load.seconds).toFixed(0)} req/s (${CONCURRENCY} in flight, keep-alive, loopback); scenario total ${total.toFixed(1)} s`)
  row('mix', `${mix.sids.size} Sids (sms ${mix.counts.sms}, call ${mix.counts.call}; ${mix.counts.tokens} with I-Twilio-Idempotency-Token), ${a.unique} unique events`)
  row('duplicates', `${dups} re-sent (${pct(dups, a.unique)}% of events): ${tally.dupConc.sent} concurrent same instance, ${tally.dupNext.sent} next step${two ? ' other instance' : ''}, ${tally.dupLate.sent} 100-1000 Sids later${two ? ' other instance' : ''}${two ? `, ${xPairs} concurrent other instance (sub-test)` : ''}`)
  row('reordered', `Sids: ${mix.counts.swap} later status sent first, ${mix.counts.pair} two statuses at once, ${mix.counts.terminalFirst} final status first`)
  row('responses', `2xx ${sum('ok', main)}  4xx ${sum('c4', main)}  5xx ${sum('c5', main)}  other ${sum('other', main)}  network errors ${sum('err', main)}` +
    (two ? `  | sub-test: ${xPairs} concurrent cross-instance pairs, ${x503} answered 503 (in progress elsewhere), other 5xx ${xOther5}, pairs without any 2xx ${xNo2xx}` : ''))
  row('', `as the servers saw them: ${reports.map((r, i) => `${instances[i].name} ${Object.entries(r.codes).map(([k, v]) => `${k} ×${v}`).join(', ')}`).join(' | ')}`)
  row('dispatch', `onAny exactly once ${a.once}/${a.unique}; never ${a.missing}; more than once ${a.twice}; status cb + onStale != 1: ${a.routeMismatch}; unknown keys ${a.unexpected}` +
    (two ? `; by instance ${Object.entries(data.byInstance).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''))
  row('ordering', `certainly stale ${a.definiteStale}: onStale ${a.definiteStaleToStale}, status cb ${a.definiteStaleToStatus} | certainly fresh ${a.definiteFresh}: onStale ${a.definiteFreshToStale} | in flight together ${a.ambiguous}: onStale ${a.ambiguousToStale}`)
  row('', `per-Sid status-callback rank inversions: ${a.inversions} (between deliveries not in flight together: ${a.hardInversions})`)
  row('plugin stats', Object.entries(stats).map(([k, v]) => `${k} ${v}`).join('  '))
  for (const [i, inst] of instances.entries()) {
    const r = reports[i]
    row(i === 0 ? 'RSS MB' : '', `instance ${inst.name} (pid ${inst.pid}): idle ${mb(inst.before.rss)} | ${memory.map((m) => `${m.at} ${mb(m.servers[i])}`).join(' | ')} | after GC ${mb(r.rssGc)} (heap ${mb(r.heapGc)}; idle heap ${mb(inst.before.heapGc)})`)
  }
  row('', `generator (this process): before ${mb(genBefore)} | ${memory.map((m) => `${m.at} ${mb(m.gen)}`).join(' | ')}`)
  if (redisInfo !== null) row('redis', `${redisInfo.keys} keys under the run's prefix; used_memory ${mb(redisInfo.usedMemory)} MB`)
  for (const [i, r] of reports.entries()) {
    const errors = Object.entries(r.errors)
    if (errors.length > 0) row(i === 0 ? 'server errors' : '', `instance ${instances[i].name}: ${errors.map(([k, v]) => `${k} ×${v}`).join(', ')}`)
  }
  for (const s of load.errorSamples) row('sample', s)
  for (const s of a.samples) row('sample', s)

  const checks = [
    ['exactly once', a.once === a.unique && a.routeMismatch === 0 && a.unexpected === 0],
    ['zero 5xx', sum('c5', main) === 0],
    ['zero 4xx/errors', sum('c4', main) + sum('err', main) + sum('other', main) === 0 && sum('err', ['xconcOrig', 'xconcDup']) === 0],
    ['no stale to status cb', a.definiteStaleToStatus === 0 && a.hardInversions === 0],
    ['fresh not stale', a.definiteFreshToStale === 0],
    ['plugin counters', stats.dispatched === a.unique && stats.stale === a.staleTotal && stats.storeErrors === 0 && stats.deadlines === 0],
    ['servers healthy', crashed.length === 0 && unclean.length === 0]
  ]
  if (two) checks.push(['sub-test only 503', xOther5 === 0 && xNo2xx === 0])
  row('checks', checks.map(([label, ok]) => `${ok ? 'PASS' : 'FAIL'} ${label}`).join(', '))
  return {
    name,
    label: two ? '(b) 2 inst, Redis' : '(a) 1 inst, memory',
    sent,
    seconds: load.seconds,
    ok: sum('ok', main),
    c5: sum('c5', main),
    once: `${a.once}/${a.unique}`,
    staleToStatus: `${a.definiteStaleToStatus}/${a.definiteStale}`,
    rss: instances.map((inst, i) => `${inst.name} ${mb(inst.before.rss)}→${mb(memory.at(-1).servers[i])}`).join(' '),
    x: two ? `${xPairs}/${x503}` : '-',
    pass: checks.every(([, ok]) => ok)
  }
}

// ---------------------------------------------------------------------------------------------

const overall = now()
console.log(`fastify-twilio-status load proof: LOAD_N=${N} per scenario, ${CONCURRENCY} in flight, seed ${SEED}, ` +
  `callbacks ${CALLBACK_MS > 0 ? `take ${CALLBACK_MS} ms` : 'yield once'}` +
  `${process.env.LOAD_PLUGIN_OPTIONS ? `, plugin options + ${process.env.LOAD_PLUGIN_OPTIONS}` : ''}; node ${process.version}, ${os.cpus().length} CPUs`)
console.log(`signing: ${crossCheckSigning()}`)
let redis = null
const results = []
let failed = false
try {
  if (SCENARIOS.includes('b')) {
    redis = await startRedis()
    console.log(`redis: ${redis.label}`)
  }
  for (const s of SCENARIOS) results.push(await scenario(s, redis))
} catch (err) {
  console.error(err)
  failed = true
} finally {
  if (redis !== null) await stopRedis(redis)
}

if (results.length > 0) {
  const cols = [['scenario', 20], ['requests', 9], ['time s', 7], ['req/s', 6], ['2xx', 8], ['5xx', 4], ['exactly once', 14], ['stale→cb', 11], ['RSS MB idle→end', 22], ['x-inst 503', 11], ['result', 6]]
  console.log('\n' + cols.map(([h, w]) => h.padEnd(w)).join(' '))
  for (const r of results) {
    const cells = [r.label, r.sent, r.seconds.toFixed(1), (r.sent / r.seconds).toFixed(0), r.ok, r.c5, r.once, r.staleToStatus, r.rss, r.x, r.pass ? 'PASS' : 'FAIL']
    console.log(cells.map((c, i) => String(c).padEnd(cols[i][1])).join(' '))
  }
  console.log('(stale→cb: certainly-stale events that reached their status callback / certainly-stale events; x-inst 503: deliberately concurrent\n cross-instance duplicate pairs / their 503 answers, a sub-test not counted in 5xx)')
}
console.log(`total ${((now() - overall) / 1000).toFixed(1)} s`)
if (failed || results.length < SCENARIOS.length || results.some((r) => !r.pass)) process.exit(1)
