// (2r) The plugin's whole path as (2), the idempotency store a RedisStore (ioredis, REDIS_URL):
// a claim and a completion per event, each one round trip to Redis (ordering off, the default;
// with it on, `claimInOrder` orders in the claim's round trip).
import Fastify from 'fastify'
import Redis from 'ioredis'
import { AUTH_TOKEN, portFromEnv, serve } from '../lib-callback.mjs'
import { loadPlugin, pluginOptions } from '../lib-plugin.mjs'

const { default: fastifyTwilioStatus, RedisStore } = await loadPlugin()

let handled = 0
// Auto-pipelining, as the README recommends for a RedisStore's client: the claims (and the
// completions) of the requests handled in one event-loop turn go out in one write.
const client = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true })
const app = Fastify({ logger: false })
await app.register(fastifyTwilioStatus, await pluginOptions({
  authToken: AUTH_TOKEN,
  store: new RedisStore({ client, prefix: `bench:${process.pid}:` }),
  sms: { onDelivered () { handled++ } }
}))
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, async () => { await app.close(); client.disconnect() }, () => handled)
