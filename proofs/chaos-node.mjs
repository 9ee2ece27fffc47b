// One process of `npm run chaos` (proofs/chaos.mjs): a receiving instance (`receiver`, queue mode,
// or `inline` for the latency comparison) or a worker (`worker`). Callbacks fail at random
// (CHAOS_FAIL_RATE) and always during the outage window; each success is recorded in Redis.
import { createRequire } from 'node:module'
import Fastify from 'fastify'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'

const require = createRequire(import.meta.url)
const { default: twilioStatus, createTwilioWorker, RedisStore } = require('fastify-twilio-status')

const role = process.argv[2]
const url = new URL(process.env.CHAOS_REDIS_URL)
const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null, retryStrategy: () => 50 }
const FAIL_RATE = Number(process.env.CHAOS_FAIL_RATE)
let OUTAGE_START = Infinity
process.on('message', (m) => { if (m.type === 'outage') OUTAGE_START = m.at })
const OUTAGE_MS = Number(process.env.CHAOS_OUTAGE_MS)
const SMS_RANK = { queued: 1, sent: 3, delivered: 4, undelivered: 4 }
const quiet = () => {}
const silent = { level: 'silent', fatal: quiet, error: quiet, warn: quiet, info: quiet, debug: quiet, trace: quiet, silent: quiet, child: () => silent }

const recorder = new Redis(connection)
recorder.on('error', () => {})
const storeRedis = new Redis({ ...connection, maxRetriesPerRequest: 1 })
storeRedis.on('error', () => {})
// Records a success: runs per event key, and a stale check per Sid (max rank already completed).
// For the checks in proofs/chaos.mjs, on Redis's own clock: every ordering decision that let an
// event through to its status callback (the RedisStore's ADVANCE script, plus a log line), and
// each success (runs per event key; the first success time per Sid and rank). A decision made
// after a higher-ranked event of the same Sid had succeeded is a stale event dispatched.
recorder.defineCommand('succeeded', {
  numberOfKeys: 2,
  lua: `local runs = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSETNX', KEYS[2], ARGV[2], now)
if runs > 1 then redis.call('RPUSH', 'chaos:repeats', ARGV[1] .. ' ' .. now) end
return 0`
})
storeRedis.defineCommand('advanceLogged', {
  numberOfKeys: 1,
  lua: `local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local t = redis.call('TIME')
redis.call('RPUSH', 'chaos:decisions', ARGV[3] .. ' ' .. ARGV[1] .. ' ' .. (t[1] * 1000 + math.floor(t[2] / 1000)))
return 1`
})

/** The plugin's RedisStore, its ordering decisions logged (same script, same keys). */
function loggedStore (client) {
  const store = new RedisStore({ client })
  return {
    claim: (key, ttl) => store.claim(key, ttl),
    complete: (key, reply, ttl) => store.complete(key, reply, ttl),
    release: (key) => store.release(key),
    advance: async (subject, rank, ttl) => await client.advanceLogged(`twilio-status:${subject}`, rank, ttl, subject.split(':')[2]) === 1
  }
}

function handler (channel, own) {
  return async (event) => {
    const sid = channel === 'sms' ? event.MessageSid : event.CallSid
    const status = channel === 'sms' ? event.MessageStatus : event.CallStatus
    const key = channel === 'sms' ? `${sid}:${status}` : `${sid}:${status}:${event.SequenceNumber}`
    const rank = channel === 'sms' ? SMS_RANK[status] : Number(event.SequenceNumber)
    const now = Date.now()
    if ((now >= OUTAGE_START && now < OUTAGE_START + OUTAGE_MS) || Math.random() < FAIL_RATE) throw new Error('injected failure')
    await recorder.succeeded('chaos:ok', 'chaos:done', key, `${sid} ${rank}`)
  }
}

function channels () {
  const sms = { onStale: handler('sms', false) }
  for (const s of ['Queued', 'Sent', 'Delivered', 'Undelivered']) sms[`on${s}`] = handler('sms', true)
  const call = { onStale: handler('call', false) }
  for (const s of ['Initiated', 'Ringing', 'InProgress', 'Completed', 'Busy', 'NoAnswer']) call[`on${s}`] = handler('call', true)
  return { sms, call }
}

if (role === 'worker') {
  const worker = createTwilioWorker({
    connection,
    concurrency: Number(process.env.CHAOS_WORKER_CONCURRENCY),
    ordering: true,
    idempotency: { ttl: 86_400_000, pendingTtl: 5000 },
    timeout: 4000,
    storeTimeout: 5000,
    store: loggedStore(storeRedis),
    logger: silent,
    workerOptions: { stalledInterval: 3000, lockDuration: 6000 },
    ...channels()
  })
  await worker.waitUntilReady()
  const report = () => process.send({ type: 'stats', stats: worker.stats, queueStats: worker.queueStats })
  setInterval(report, 500).unref()
  process.on('message', async (message) => {
    if (message.type === 'close') {
      await worker.close({ timeout: 10_000 })
      report()
      process.exit(0)
    }
  })
  process.send({ type: 'ready', pid: process.pid })
} else {
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 })
  const queue = role === 'receiver' ? new Queue('twilio', { connection: { ...connection, enableOfflineQueue: false } }) : null
  queue?.on('error', () => {})
  recorder.on('error', () => {})
  const queueStats = { enqueued: 0, fallbacks: 0, processed: 0, retried: 0, failed: 0, replayed: 0, lag: 0 }
  await app.register(twilioStatus, {
    authToken: process.env.CHAOS_AUTH_TOKEN,
    ordering: true,
    store: loggedStore(storeRedis),
    ...(queue === null ? {} : { queue: { queue, stats: queueStats, attempts: 4, backoff: 250, timeout: 1000 } }),
    ...channels()
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  setInterval(() => process.send({ type: 'stats', queueStats }), 500).unref()
  process.on('message', async (message) => {
    if (message.type === 'close') {
      process.send({ type: 'stats', queueStats })
      await app.close()
      process.exit(0)
    }
  })
  process.send({ type: 'ready', pid: process.pid, port: app.server.address().port })
}
