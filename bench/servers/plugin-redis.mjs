// (2r) The plugin's whole path as (2), the idempotency store a RedisStore (ioredis, REDIS_URL):
// a claim and a completion per event, each one round trip to Redis.
import Fastify from 'fastify'
import Redis from 'ioredis'
import fastifyTwilioStatus, { RedisStore } from 'fastify-twilio-status'
import { AUTH_TOKEN, portFromEnv, serve } from '../lib-callback.mjs'

let handled = 0
const client = new Redis(process.env.REDIS_URL)
const app = Fastify({ logger: false })
await app.register(fastifyTwilioStatus, {
  authToken: AUTH_TOKEN,
  store: new RedisStore({ client, prefix: `bench:${process.pid}:` }),
  sms: { onDelivered () { handled++ } }
})
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, async () => { await app.close(); client.disconnect() }, () => handled)
