// (2q) Queue mode's receive path: verification, then one BullMQ add per event (a Lua script, one
// round trip to Redis at REDIS_URL), the reply once Redis has acknowledged it. No worker runs:
// what is measured is what Twilio waits for. The queue is emptied at the end.
import Fastify from 'fastify'
import { Queue } from 'bullmq'
import { AUTH_TOKEN, portFromEnv, serve } from '../lib-callback.mjs'
import { loadPlugin, pluginOptions } from '../lib-plugin.mjs'

const { default: fastifyTwilioStatus, createQueueStats } = await loadPlugin()

const url = new URL(process.env.REDIS_URL)
const queue = new Queue(`bench-${process.pid}`, { connection: { host: url.hostname, port: Number(url.port), enableOfflineQueue: false } })
const stats = createQueueStats()
const app = Fastify({ logger: false })
await app.register(fastifyTwilioStatus, await pluginOptions({
  authToken: AUTH_TOKEN,
  queue: { queue, stats },
  sms: { onDelivered () {} }
}))
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, async () => {
  await app.close()
  await queue.obliterate({ force: true })
  await queue.close()
}, () => stats.enqueued)
