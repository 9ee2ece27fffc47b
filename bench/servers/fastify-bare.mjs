// (1) The baseline: bare Fastify with @fastify/formbody, a form route answering 200 and TwiML.
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import { portFromEnv, ROUTE, serve, TWIML } from '../lib-callback.mjs'

let handled = 0
const app = Fastify({ logger: false })
await app.register(formbody)
app.post(ROUTE, async (request, reply) => {
  handled++
  reply.type('text/xml')
  return TWIML
})
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, () => app.close(), () => handled)
