// One instance of `npm run chaos:reconcile` (proofs/reconcile-chaos.mjs): a Fastify app with the
// plugin, a RedisStore on the shared Redis or the Redis Cluster, and `reconcile` against the fake
// Twilio REST API. It tracks and waits for the Sids the proof names (IPC), and reports every
// callback run (Sid, status, reconciled or not) to the proof, which counts them over both instances.
import { createRequire } from 'node:module'
import Fastify from 'fastify'
import { Cluster, Redis } from 'ioredis'

const require = createRequire(import.meta.url)
const { default: twilioStatus, RedisStore, createStats, createReconcileStats } = require('fastify-twilio-status')

const env = process.env
const redis = JSON.parse(env.RC_REDIS)
// A store call waits out a master's restart (a few seconds) instead of failing at once: ioredis
// retries a command whose connection closed after `retryDelayOnFailover`, up to `maxRedirections` times.
const client = redis.nodes === undefined
  ? new Redis(redis.url, { maxRetriesPerRequest: 20 })
  : new Cluster(redis.nodes, { retryDelayOnFailover: 300, retryDelayOnClusterDown: 300, maxRedirections: 40, redisOptions: { maxRetriesPerRequest: 20 } })
client.on('error', () => {})

/** Runs not yet reported: `sid status reconciled(0|1)` per run. */
let pending = []
const record = (sid, status) => (event, source) => { pending.push(`${sid(event)} ${status(event)} ${source?.reconciled === true ? 1 : 0}`) }
const smsRun = record((e) => e.MessageSid, (e) => e.MessageStatus)
const callRun = record((e) => e.CallSid, (e) => e.CallStatus)
const flush = () => { if (pending.length > 0) { process.send({ type: 'runs', runs: pending }); pending = [] } }
setInterval(flush, 200).unref()

const stats = createStats()
const reconcileStats = createReconcileStats()
const app = Fastify({ logger: { level: 'error' }, keepAliveTimeout: 60_000 })
await app.register(twilioStatus, {
  authToken: env.RC_AUTH_TOKEN,
  store: new RedisStore({ client, prefix: env.RC_PREFIX }),
  storeTimeout: 8000,
  // A claim left pending (its reply lost in a master restart) holds its event this long; callbacks here take no time.
  idempotency: { pendingTtl: 10_000 },
  stats,
  sms: { onAny: smsRun },
  call: { onAny: callRun },
  reconcile: {
    credentials: { accountSid: env.RC_ACCOUNT_SID, apiKey: env.RC_API_KEY, apiSecret: env.RC_API_SECRET, baseUrl: env.RC_API_URL },
    after: Number(env.RC_AFTER),
    interval: Number(env.RC_INTERVAL),
    requestTimeout: Number(env.RC_REQUEST_TIMEOUT),
    stats: reconcileStats
  }
})
await app.listen({ host: '127.0.0.1', port: 0 })
const handle = app.twilioStatus

process.on('message', (m) => {
  if (m.type === 'track') {
    handle.track(m.sid).then(() => process.send({ type: 'tracked', sid: m.sid }), (err) => process.send({ type: 'tracked', sid: m.sid, error: `${err.code ?? ''} ${err.message}` }))
  } else if (m.type === 'wait') {
    const started = Date.now()
    handle.waitFor(m.sid, m.statuses, { timeout: m.timeout }).then(
      (result) => process.send({ type: 'waited', sid: m.sid, status: result.status, reconciled: result.reconciled, ms: Date.now() - started }),
      (err) => process.send({ type: 'waited', sid: m.sid, error: `${err.code ?? ''} ${err.message}`, ms: Date.now() - started })
    )
  } else if (m.type === 'close') {
    app.close().then(() => {
      flush()
      process.send({ type: 'closed', stats: { ...stats }, reconcile: { ...handle.stats } }, () => {
        client.disconnect()
        process.exit(0)
      })
    })
  }
})
process.send({ type: 'ready', port: app.server.address().port })
