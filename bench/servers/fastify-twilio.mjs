// (4) What users write today: Fastify, @fastify/formbody and a preHandler calling
// twilio.validateRequest with the URL built from the request.
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import twilio from 'twilio'
import { AUTH_TOKEN, portFromEnv, ROUTE, serve, TWIML } from '../lib-callback.mjs'

let handled = 0
const app = Fastify({ logger: false })
await app.register(formbody)
app.post(ROUTE, {
  preHandler (request, reply, done) {
    const url = `${request.protocol}://${request.host}${request.url}`
    if (!twilio.validateRequest(AUTH_TOKEN, request.headers['x-twilio-signature'], url, request.body)) {
      reply.code(403).send('Twilio Request Validation Failed.')
      return
    }
    done()
  }
}, async (request, reply) => {
  handled++
  reply.type('text/xml')
  return TWIML
})
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, () => app.close(), () => handled)
