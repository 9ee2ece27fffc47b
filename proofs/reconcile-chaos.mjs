// Proof of reconciliation under faults (`npm run chaos:reconcile`, issue 22's "Done when"): a few
// thousand tracked outbound messages and calls across two instances (two processes, see
// proofs/reconcile-chaos-node.mjs) with `reconcile` on and a RedisStore, first on one shared Redis,
// then on a Redis Cluster of three masters with one master restarted mid-run. A fake Twilio
//   - sends each Sid's status callbacks (signed with the package's testing kit) to the instance its
//     StatusCallback names, in random order: 20% dropped outright, 30% delayed past `after`;
//   - serves Fetch Message and Fetch Call (proofs/fake-twilio-api.mjs), answering 429 with
//     Retry-After, 500/503 and slow answers at random, and only 429 during a short storm.
// Each Sid is tracked on one instance and waited for (`waitFor`, its channel's final statuses) on
// the instance that does NOT receive its callbacks for half of them, on that one for the others.
// It prints and checks, per topology:
//   - every tracked Sid's final status callback ran exactly once over both instances, and it is the
//     status Twilio's REST API ends with; no status of any Sid ran twice;
//   - every `waitFor` resolved with that final status;
//   - REST requests made per tracked Sid (at most --max-rest-ratio), none outside the API description,
//     no Sid given up (unresolved) or unknown (404).
// Flags: --n 2000 --topology both|redis|cluster --after 4000 --interval 500 --rate 100 (Sids/s)
//        --drop 0.2 --delay 0.3 --throttle 0.05 --fail 0.05 --slow 0.02 --wait-timeout 30000 (waitFor's default)
//        --max-rest-ratio 2 --seed 1 --timeout-s 120.
// REDIS_URL / REDIS_CLUSTER_NODES are used when set (a cluster given that way is not restarted:
// its masters were not started here); else redis-server is started here. Exit 1 when a check fails.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadKit } from './lib-kit.mjs'
import { startFakeTwilioApi } from './fake-twilio-api.mjs'
import { parseNodes, startCluster, startRedis } from './lib-redis.mjs'

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    topology: { type: 'string', default: 'both' },
    after: { type: 'string', default: '4000' },
    interval: { type: 'string', default: '500' },
    rate: { type: 'string', default: '100' },
    drop: { type: 'string', default: '0.2' },
    delay: { type: 'string', default: '0.3' },
    throttle: { type: 'string', default: '0.05' },
    fail: { type: 'string', default: '0.05' },
    slow: { type: 'string', default: '0.02' },
    'wait-timeout': { type: 'string', default: '30000' },
    'max-rest-ratio': { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    'timeout-s': { type: 'string', default: '120' }
  }
})
const N = Number(flags.n)
const AFTER = Number(flags.after)
const INTERVAL = Number(flags.interval)
const RATE = Number(flags.rate)
const DROP = Number(flags.drop)
const DELAY = Number(flags.delay)
const WAIT_TIMEOUT = Number(flags['wait-timeout'])
const REQUEST_TIMEOUT = 1000
const TOPOLOGIES = flags.topology === 'both' ? ['redis', 'cluster'] : [flags.topology]
if (!TOPOLOGIES.every((t) => t === 'redis' || t === 'cluster')) throw new Error(`--topology is both, redis or cluster, got ${flags.topology}`)
const NODE = fileURLToPath(new URL('./reconcile-chaos-node.mjs', import.meta.url))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const { sampleSid, signTwilioRequest } = await loadKit()

// Deterministic chaos for a given --seed; Sids and store keys unique to this run (a shared Redis keeps keys a day).
let seed = Number(flags.seed)
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
const between = (lo, hi) => lo + rnd() * (hi - lo)
const RUN = randomBytes(4).toString('hex')
const AUTH_TOKEN = randomBytes(16).toString('hex')
const ACCOUNT_SID = sampleSid('AC', `reconcile-chaos-${RUN}`)
const API_KEY = sampleSid('SK', `reconcile-chaos-${RUN}`)
const API_SECRET = randomBytes(16).toString('hex')
const FINAL = { sms: ['delivered', 'undelivered', 'failed'], call: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] }

/** A lifecycle: [callback status, REST status] in order (a call is `queued` in the REST API while its callback says `initiated`). */
function lifecycle (sms) {
  const r = rnd()
  if (sms) {
    if (r < 0.05) return [['queued', 'queued'], ['failed', 'failed']]
    return [['queued', 'queued'], ['sent', 'sent'], r < 0.88 ? ['delivered', 'delivered'] : ['undelivered', 'undelivered']]
  }
  if (r < 0.75) return [['initiated', 'queued'], ['ringing', 'ringing'], ['in-progress', 'in-progress'], ['completed', 'completed']]
  const final = r < 0.875 ? 'busy' : 'no-answer'
  return [['initiated', 'queued'], ['ringing', 'ringing'], [final, final]]
}

/** An instance process; `request` sends a message and resolves with the answer for that Sid. */
function startInstance (name, env, onRuns) {
  const child = fork(NODE, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const node = { name, child, port: 0, answers: new Map(), closed: null }
  child.on('message', (m) => {
    if (m.type === 'runs') onRuns(name, m.runs)
    else if (m.type === 'tracked' || m.type === 'waited') {
      const key = `${m.type} ${m.sid}`
      node.answers.get(key)?.(m)
      node.answers.delete(key)
    } else if (m.type === 'closed') node.closed = m
  })
  node.request = (type, answer, message) => new Promise((resolve) => {
    node.answers.set(`${answer} ${message.sid}`, resolve)
    child.send({ type, ...message })
  })
  node.ready = new Promise((resolve, reject) => {
    child.on('message', (m) => { if (m.type === 'ready') { node.port = m.port; resolve(node) } })
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before ready`)))
  })
  node.close = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.send({ type: 'close' })
    await exited
    return node.closed
  }
  return node
}

/** A status callback as Twilio sends it, signed for the instance's URL. */
function post (agent, target, sid, sms, status, sequence) {
  const route = sms ? '/twilio/sms/status' : '/twilio/call/status'
  const params = sms
    ? { AccountSid: ACCOUNT_SID, MessageSid: sid, MessageStatus: status, SmsSid: sid, SmsStatus: status, From: '+15005550006', To: '+15005550001', ApiVersion: '2010-04-01' }
    : { AccountSid: ACCOUNT_SID, CallSid: sid, CallStatus: status, SequenceNumber: String(sequence), From: '+15005550006', To: '+15005550001', Direction: 'outbound-api', ApiVersion: '2010-04-01' }
  const payload = new URLSearchParams(params).toString()
  const signature = signTwilioRequest({ authToken: AUTH_TOKEN, url: `http://127.0.0.1:${target.port}${route}`, params })
  const headers = { host: `127.0.0.1:${target.port}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload), 'x-twilio-signature': signature }
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: target.port, method: 'POST', path: route, headers, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.setTimeout(15_000, () => req.destroy(new Error('timeout'))) // Twilio's own wait
    req.on('error', () => resolve(0))
    req.end(payload)
  })
}

async function runTopology (topology, api) {
  // ---- Redis.
  let redis
  let cluster = null
  let restartable = false
  if (topology === 'redis') {
    if (process.env.REDIS_URL) redis = { url: process.env.REDIS_URL, stop: async () => {} }
    else redis = await startRedis()
  } else if (process.env.REDIS_CLUSTER_NODES) {
    redis = { nodes: parseNodes(process.env.REDIS_CLUSTER_NODES), stop: async () => {} }
  } else {
    cluster = await startCluster({ appendonly: true })
    redis = { nodes: cluster.nodes, stop: cluster.stop }
    restartable = true
  }
  const where = redis.url ?? `cluster ${redis.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`

  // ---- Two instances.
  /** `sid status` → runs over both instances; and which runs were reconciled, and where. */
  const runs = new Map()
  const onRuns = (name, list) => {
    for (const line of list) {
      const [sid, status, reconciled] = line.split(' ')
      const key = `${sid} ${status}`
      let entry = runs.get(key)
      if (entry === undefined) runs.set(key, entry = { count: 0, reconciled: 0, on: [] })
      entry.count++
      entry.reconciled += Number(reconciled)
      entry.on.push(`${name}@${Date.now()}`)
    }
  }
  const env = {
    RC_REDIS: JSON.stringify(redis.url === undefined ? { nodes: redis.nodes } : { url: redis.url }),
    RC_PREFIX: `reconcile-chaos-${RUN}-${topology}:`,
    RC_AUTH_TOKEN: AUTH_TOKEN,
    RC_API_URL: api.url,
    RC_ACCOUNT_SID: ACCOUNT_SID,
    RC_API_KEY: API_KEY,
    RC_API_SECRET: API_SECRET,
    RC_AFTER: String(AFTER),
    RC_INTERVAL: String(INTERVAL),
    RC_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT)
  }
  const instances = [startInstance('A', env, onRuns), startInstance('B', env, onRuns)]
  await Promise.all(instances.map((i) => i.ready))
  const agents = instances.map(() => new http.Agent({ keepAlive: true, maxSockets: 32 }))
  const requestsBefore = api.counts.requests
  const countsBefore = { ...api.counts }

  console.log(`\n== ${topology === 'redis' ? 'one shared Redis' : 'Redis Cluster, three masters'} (${where}): ${N} tracked Sids, 2 instances, after ${AFTER} ms, interval ${INTERVAL} ms`)
  const startedAt = Date.now()
  const at = () => `t+${((Date.now() - startedAt) / 1000).toFixed(1)}s`

  // ---- Sids: created at --rate, tracked, waited for, their callbacks scheduled.
  const sids = []
  const callbacks = { scheduled: 0, dropped: 0, delayed: 0, sent: 0, answers: {} }
  const sending = []
  const waits = []
  let restart = Promise.resolve()
  let outage = null
  // While callbacks arrive and reconciliation fetches: the master restart, then the 429 storm.
  const window = (N * 1000) / RATE
  const restartTimer = setTimeout(() => {
    if (topology !== 'cluster') return
    if (!restartable) {
      console.log('  no master restart: the cluster came from REDIS_CLUSTER_NODES, its masters were not started here')
      return
    }
    const port = redis.nodes[1].port
    outage = { from: Date.now(), to: null, port }
    console.log(`  ${at()} SHUTDOWN NOSAVE on the master 127.0.0.1:${port}, started again after 1 s`)
    restart = cluster.restartMaster(port, 1000).then(() => {
      outage.to = Date.now()
      console.log(`  ${at()} every slot served again (${outage.to - outage.from} ms without that master)`)
    })
  }, AFTER / 2 + window * 0.3)
  const stormTimer = setTimeout(() => {
    console.log(`  ${at()} the REST API answers only 429 for 1.5 s`)
    api.storm(1500)
  }, AFTER + window / 2)
  for (let i = 0; i < N; i++) {
    const due = startedAt + (i * 1000) / RATE
    if (due > Date.now()) await sleep(due - Date.now())
    const sms = rnd() < 0.55
    const sid = sampleSid(sms ? 'SM' : 'CA', `${RUN}-${topology}-${i}`)
    const steps = lifecycle(sms)
    const target = instances[i % 2]
    const waitOther = Math.floor(i / 2) % 2 === 0
    const waiter = waitOther ? instances[(i + 1) % 2] : target
    const tracker = instances[rnd() < 0.5 ? 0 : 1]
    // The REST resource's status in time, and when each callback leaves (or not).
    const t0 = Date.now()
    let offset = 0
    const timeline = []
    const plan = []
    steps.forEach(([status, rest], k) => {
      if (k > 0) offset += between(100, 500)
      timeline.push([t0 + offset, rest])
      const fate = rnd()
      if (fate < DROP) { callbacks.dropped++; return }
      const late = fate < DROP + DELAY
      if (late) callbacks.delayed++
      plan.push({ status, sequence: k, at: t0 + offset + (late ? AFTER + between(250, 2500) : between(0, 600)) })
    })
    api.timelines.set(sid, timeline)
    const final = steps[steps.length - 1][0]
    const entry = { sid, sms, final, target: target.name, waiter: waiter.name, waitOther, waited: null, t0, plan }
    sids.push(entry)
    sending.push((async () => {
      const tracked = await tracker.request('track', 'tracked', { sid })
      if (tracked.error !== undefined) entry.trackError = tracked.error
      entry.trackedAt = Date.now()
      waits.push(waiter.request('wait', 'waited', { sid, statuses: FINAL[sms ? 'sms' : 'call'], timeout: WAIT_TIMEOUT }).then((m) => { entry.waited = m }))
      await Promise.all(plan.map(async ({ status, sequence, at: when }) => {
        callbacks.scheduled++
        await sleep(Math.max(0, when - Date.now()))
        let code = await post(agents[instances.indexOf(target)], target, sid, sms, status, sequence)
        // Twilio retries a callback once on a connection failure, never on an HTTP error (by default).
        if (code === 0) { await sleep(1000); code = await post(agents[instances.indexOf(target)], target, sid, sms, status, sequence) }
        callbacks.sent++
        callbacks.answers[code] = (callbacks.answers[code] ?? 0) + 1
      }))
    })())
  }
  console.log(`  ${at()} all ${N} Sids created and tracked`)
  await Promise.all(sending)
  clearTimeout(restartTimer)
  clearTimeout(stormTimer)
  await restart
  console.log(`  ${at()} every callback sent`)
  await Promise.all(waits)
  console.log(`  ${at()} every waitFor settled`)
  // Every final status ran, or the time is up; then a quiet while for anything running twice.
  const deadline = startedAt + Number(flags['timeout-s']) * 1000
  while (sids.some((s) => runs.get(`${s.sid} ${s.final}`) === undefined) && Date.now() < deadline) await sleep(200)
  await sleep(Math.max(1000, INTERVAL * 4))
  const closed = await Promise.all(instances.map((i) => i.close()))
  for (const agent of agents) agent.destroy()
  await redis.stop()
  const elapsed = (Date.now() - startedAt) / 1000

  // ---- Figures.
  const finalRuns = { once: 0, never: 0, twice: 0, wrong: 0 }
  const byPath = { callback: 0, reconciled: 0 }
  for (const s of sids) {
    const entry = runs.get(`${s.sid} ${s.final}`)
    const count = entry?.count ?? 0
    if (count === 1) finalRuns.once++
    else if (count === 0) finalRuns.never++
    else finalRuns.twice++
    if (entry !== undefined) byPath[entry.reconciled > 0 ? 'reconciled' : 'callback']++
    for (const other of FINAL[s.sms ? 'sms' : 'call']) if (other !== s.final && runs.has(`${s.sid} ${other}`)) finalRuns.wrong++
  }
  const twice = [...runs.entries()].filter(([, e]) => e.count > 1)
  const statusRuns = [...runs.values()].reduce((acc, e) => acc + e.count, 0)
  const waited = { resolved: 0, right: 0, reconciled: 0, rejected: 0, otherResolved: 0, other: 0, ms: [] }
  for (const s of sids) {
    const m = s.waited
    if (s.waitOther) waited.other++
    if (m === null || m.error !== undefined) { waited.rejected++; continue }
    waited.resolved++
    waited.ms.push(m.ms)
    if (m.status === s.final) waited.right++
    if (m.reconciled) waited.reconciled++
    if (s.waitOther) waited.otherResolved++
  }
  const rejections = sids.filter((s) => s.waited?.error !== undefined).slice(0, 3).map((s) => s.waited.error)
  // What happened to a Sid whose wait was rejected: times from its creation.
  const rel = (ms) => `+${(ms / 1000).toFixed(2)}s`
  for (const s of sids.filter((x) => x.waited?.error !== undefined).slice(0, 5)) {
    const since = (time) => rel(time - s.t0)
    const callback = s.plan.find((p) => p.status === s.final)
    const ran = runs.get(`${s.sid} ${s.final}`)
    console.log(`    ${s.sid} ${s.final}: tracked ${since(s.trackedAt)}, callbacks to ${s.target}, waited on ${s.waiter}; final callback ${callback === undefined ? 'dropped' : `sent ${since(callback.at)}`}; ran ${ran === undefined ? 'never' : ran.on.map((o) => `${o.split('@')[0]} ${since(Number(o.split('@')[1]))}`).join(', ')}${ran?.reconciled > 0 ? ' (reconciled)' : ''}; REST ${(api.counts.perSid.get(s.sid) ?? []).map(([time, code]) => `${since(time)} ${code}`).join(', ') || 'none'}`)
  }
  const trackErrors = sids.filter((s) => s.trackError !== undefined).length
  const requests = api.counts.requests - requestsBefore
  const delta = (field) => api.counts[field] - countsBefore[field]
  const sum = (field) => closed.reduce((acc, c) => acc + (c?.reconcile[field] ?? 0), 0)
  const sumDelivery = (field) => closed.reduce((acc, c) => acc + (c?.stats[field] ?? 0), 0)
  const ratio = requests / N
  const pct = (list, p) => { const s = [...list].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))] }
  const smsCount = sids.filter((s) => s.sms).length

  console.log(`  ${N} Sids (${smsCount} messages, ${N - smsCount} calls) in ${elapsed.toFixed(1)} s`)
  console.log(`  callbacks: ${callbacks.scheduled + callbacks.dropped} statuses, ${callbacks.dropped} dropped, ${callbacks.delayed} delayed past ${AFTER} ms, ${callbacks.sent} sent; answers ${JSON.stringify(callbacks.answers)}`)
  console.log(`  final status callbacks: ${finalRuns.once} ran exactly once, ${finalRuns.never} never, ${finalRuns.twice} more than once, ${finalRuns.wrong} other final statuses ran (${byPath.callback} from a callback, ${byPath.reconciled} reconciled)`)
  console.log(`  status callback runs, all statuses: ${statusRuns} over ${runs.size} (Sid, status) pairs; pairs run twice or more: ${twice.length}${twice.length > 0 ? ` e.g. ${twice.slice(0, 3).map(([k, e]) => `${k} ×${e.count} on ${e.on.join('+')} (${e.reconciled} reconciled)`).join('; ')}` : ''}`)
  console.log(`  waitFor: ${waited.resolved} of ${N} resolved (${waited.right} with the final status, ${waited.reconciled} reconciled; ${waited.otherResolved} of ${waited.other} on the instance that did not receive the callbacks), ${waited.rejected} rejected${rejections.length > 0 ? ` e.g. ${rejections.join('; ')}` : ''}; ms p50 ${pct(waited.ms, 0.5)} p99 ${pct(waited.ms, 0.99)} max ${pct(waited.ms, 1)}`)
  console.log(`  REST requests: ${requests} for ${N} tracked Sids = ${ratio.toFixed(2)} per Sid (answered ${delta('ok')} 200, ${delta('throttled')} 429, ${delta('failed')} 5xx, ${delta('slow')} slow, ${delta('notFound')} 404); instances counted ${sum('requests')} requests, ${sum('reconciled')} statuses reconciled, ${sum('throttled')} throttled, ${sum('failures')} failures, ${sum('unresolved')} given up, ${sum('notFound')} not found, ${sum('storeErrors')} reconcile store errors`)
  console.log(`  delivery: ${sumDelivery('dispatched')} dispatched, ${sumDelivery('duplicates')} duplicates (ran nothing), ${sumDelivery('storeErrors')} store errors${trackErrors > 0 ? `; ${trackErrors} track() calls failed` : ''}`)
  if (outage !== null) console.log(`  master 127.0.0.1:${outage.port} down ${outage.to - outage.from} ms`)
  const label = (text) => `[${topology}] ${text}`
  return [
    [label('every tracked Sid\'s final status callback ran exactly once'), finalRuns.once === N],
    [label('no other final status ran'), finalRuns.wrong === 0],
    [label('no status ran twice'), twice.length === 0],
    [label('waitFor resolved for every Sid, with its final status'), waited.right === N],
    [label(`REST requests per tracked Sid <= ${flags['max-rest-ratio']}`), ratio <= Number(flags['max-rest-ratio'])],
    [label('no Sid given up or unknown to the REST API'), sum('unresolved') === 0 && sum('notFound') === 0],
    [label('track() never failed'), trackErrors === 0],
    ...(topology === 'cluster' && restartable ? [[label('a master was restarted mid-run'), outage?.to !== null]] : [])
  ]
}

const api = await startFakeTwilioApi({
  accountSid: ACCOUNT_SID,
  apiKey: API_KEY,
  apiSecret: API_SECRET,
  faults: { throttle: Number(flags.throttle), fail: Number(flags.fail), slow: Number(flags.slow), slowMs: REQUEST_TIMEOUT + 500, retryAfter: 1, random: rnd }
})
console.log(`reconcile chaos: ${N} Sids per topology (${TOPOLOGIES.join(', ')}); callbacks ${DROP * 100}% dropped, ${DELAY * 100}% delayed past reconcile.after; REST answers ${flags.throttle} 429, ${flags.fail} 5xx, ${flags.slow} slower than requestTimeout (${REQUEST_TIMEOUT} ms)`)
const checks = []
for (const topology of TOPOLOGIES) checks.push(...await runTopology(topology, api))
checks.push(['REST requests all within the API description', api.problems.length === 0])
if (api.problems.length > 0) console.log(`REST problems: ${api.problems.slice(0, 5).join('; ')}`)
await api.close()
console.log('')
for (const [name, pass] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} ${name}`)
process.exit(checks.every(([, pass]) => pass) ? 0 : 1)
