// (5) The official stack: Express 5, express.urlencoded and twilio.webhook(). The token goes as
// a string argument: webhook({ authToken }) ignores the option (docs/twilio-facts.md §1.6). Also the
// Express target of (6).
import express from 'express'
import twilio from 'twilio'
import { AUTH_TOKEN, portFromEnv, ROUTE, serve, TWIML } from '../lib-callback.mjs'

let handled = 0
const app = express()
app.post(ROUTE, express.urlencoded({ extended: false }), twilio.webhook(AUTH_TOKEN), (req, res) => {
  handled++
  res.type('text/xml').send(TWIML)
})
const server = await new Promise((resolve, reject) => {
  const s = app.listen(portFromEnv(), '127.0.0.1', (err) => err ? reject(err) : resolve(s))
})
serve(server, () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }), () => handled)
