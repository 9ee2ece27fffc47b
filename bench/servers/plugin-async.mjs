// (2a) The plugin's whole path as (2), with an `async` onDelivered: the delivery goes asynchronous
// (a promise per callback), and answers by the deadline.
import Fastify from 'fastify'
import { AUTH_TOKEN, portFromEnv, serve } from '../lib-callback.mjs'
import { loadPlugin, pluginOptions } from '../lib-plugin.mjs'

const { default: fastifyTwilioStatus } = await loadPlugin()

let handled = 0
const app = Fastify({ logger: false })
await app.register(fastifyTwilioStatus, await pluginOptions({
  authToken: AUTH_TOKEN,
  sms: { async onDelivered () { handled++ } }
}))
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, () => app.close(), () => handled)
