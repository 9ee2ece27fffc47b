// One instance of the plugin under load, run by proofs/load-proof.mjs as a forked child (IPC).
//
// Env: LOAD_INSTANCE (name), LOAD_AUTH_TOKEN, LOAD_REDIS_URL and LOAD_REDIS_PREFIX (absent:
// the plugin's default memory store), LOAD_CALLBACK_MS (0: callbacks yield once with
// setImmediate; >0: they wait that long, like a small database write), LOAD_PLUGIN_OPTIONS (JSON
// merged into the plugin options, for negative controls such as {"idempotency":false}).
//
// Every callback records what it got; records are streamed to the parent in batches (so this
// process does not hold them and its RSS shows the plugin's own memory):
//   any:    event keys onAny saw (sms and call, fresh and stale alike)
//   stale:  event keys onStale saw
//   status: [event key, time] for each status callback (onSent, onCompleted, …)
// Messages to the parent: ready, batch, report. From the parent: mem, report, close.
import { setImmediate as yieldOnce, setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import twilioStatus from 'fastify-twilio-status'
import { Redis } from 'ioredis'

const { createStats, RedisStore } = twilioStatus
const instance = process.env.LOAD_INSTANCE ?? 'A'
const authToken = process.env.LOAD_AUTH_TOKEN ?? 'load-proof-token'
const callbackMs = Number(process.env.LOAD_CALLBACK_MS ?? 0)
const redisUrl = process.env.LOAD_REDIS_URL

const now = () => performance.timeOrigin + performance.now()

/** Memory now, and after a full GC when the process was started with --expose-gc. */
function memory () {
  const raw = process.memoryUsage()
  if (typeof globalThis.gc === 'function') globalThis.gc()
  const settled = process.memoryUsage()
  return { rss: raw.rss, rssGc: settled.rss, heapGc: settled.heapUsed }
}

let batch = { any: [], stale: [], status: [] }
let pending = 0
function flush () {
  if (pending === 0) return
  process.send({ type: 'batch', ...batch, rss: process.memoryUsage().rss, at: now() })
  batch = { any: [], stale: [], status: [] }
  pending = 0
}
const flusher = setInterval(flush, 250)

function record (list, item) {
  list.push(item)
  if (++pending >= 4000) flush()
}

const work = callbackMs > 0 ? () => sleep(callbackMs) : () => yieldOnce()

const smsKey = (e) => `${e.MessageSid}:${e.MessageStatus}`
const callKey = (e) => `${e.CallSid}:${e.CallStatus}:${e.SequenceNumber}`

function statusCallbacks (names, key) {
  const callbacks = {}
  for (const name of names) callbacks[name] = (event) => { record(batch.status, [key(event), now()]) }
  return callbacks
}

const stats = createStats()
const redis = redisUrl === undefined ? null : new Redis(redisUrl, { lazyConnect: true })
if (redis !== null) await redis.connect()

const app = Fastify({ logger: false })
// Errors the plugin answered with, by code (a 503 FST_TWILIO_IN_PROGRESS is expected only in the
// concurrent cross-instance sub-test).
const errors = {}
const codes = {}
app.addHook('onError', async (request, reply, err) => {
  const code = `${err.statusCode ?? 500} ${err.code ?? err.name}`
  errors[code] = (errors[code] ?? 0) + 1
})
app.addHook('onResponse', async (request, reply) => {
  codes[reply.statusCode] = (codes[reply.statusCode] ?? 0) + 1
})

await app.register(twilioStatus, {
  authToken,
  ordering: true,
  stats,
  ...(redis === null ? {} : { store: new RedisStore({ client: redis, prefix: process.env.LOAD_REDIS_PREFIX }) }),
  ...JSON.parse(process.env.LOAD_PLUGIN_OPTIONS || '{}'),
  sms: {
    ...statusCallbacks(['onQueued', 'onSending', 'onSent', 'onDelivered', 'onUndelivered', 'onFailed', 'onRead'], smsKey),
    async onAny (event) { record(batch.any, smsKey(event)); await work() },
    onStale (event) { record(batch.stale, smsKey(event)) }
  },
  call: {
    ...statusCallbacks(['onQueued', 'onInitiated', 'onRinging', 'onInProgress', 'onCompleted', 'onBusy', 'onNoAnswer', 'onFailed', 'onCanceled'], callKey),
    async onAny (event) { record(batch.any, callKey(event)); await work() },
    onStale (event) { record(batch.stale, callKey(event)) }
  }
})

await app.listen({ host: '127.0.0.1', port: 0 })

process.on('message', async (message) => {
  if (message.type === 'mem') {
    process.send({ type: 'mem', id: message.id, ...memory() })
  } else if (message.type === 'report') {
    flush()
    process.send({ type: 'report', stats, codes, errors, ...memory() })
  } else if (message.type === 'close') {
    clearInterval(flusher)
    await app.close()
    if (redis !== null) await redis.quit()
    process.disconnect()
  }
})

process.send({ type: 'ready', instance, port: app.server.address().port, pid: process.pid, ...memory() })
