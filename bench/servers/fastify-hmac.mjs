// (1b) The floor for any receiver that verifies signatures: the bare route plus one HMAC-SHA1
// of the URL and the sorted parameters (docs/twilio-facts.md §1.1), compared with X-Twilio-Signature.
import { createHmac } from 'node:crypto'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import { AUTH_TOKEN, portFromEnv, ROUTE, serve, TWIML } from '../lib-callback.mjs'

let handled = 0
const app = Fastify({ logger: false })
await app.register(formbody)
app.post(ROUTE, async (request, reply) => {
  const params = request.body
  let data = `${request.protocol}://${request.host}${request.url}`
  for (const name of Object.keys(params).sort()) data += name + params[name]
  const signature = createHmac('sha1', AUTH_TOKEN).update(data, 'utf8').digest('base64')
  if (signature !== request.headers['x-twilio-signature']) {
    reply.code(403)
    return 'Forbidden'
  }
  handled++
  reply.type('text/xml')
  return TWIML
})
await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
serve(app.server, () => app.close(), () => handled)
