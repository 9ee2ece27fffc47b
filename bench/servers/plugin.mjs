// (2) The plugin, whole path: verification, the default in-memory idempotency store, dispatch to
// a no-op onDelivered, the TwiML reply. Default options otherwise. Also the target of (6).
import Fastify from 'fastify'
import { AUTH_TOKEN, portFromEnv, serve } from '../lib-callback.mjs'
import { loadPlugin, pluginOptions } from '../lib-plugin.mjs'

const { default: fastifyTwilioStatus } = await loadPlugin()

let handled = 0
const app = Fastify({ logger: false })
await app.register(fastifyTwilioStatus, await pluginOptions({
  authToken: AUTH_TOKEN,
  sms: { onDelivered () { handled++ } }
}))
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, () => app.close(), () => handled)
