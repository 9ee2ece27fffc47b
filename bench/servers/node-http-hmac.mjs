// (0) Below any framework: bare node:http, the body read as a string, node:querystring, and the
// same one HMAC-SHA1 as (1b). What a hand-written receiver with no framework costs.
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { parse } from 'node:querystring'
import { AUTH_TOKEN, portFromEnv, ROUTE, serve, TWIML } from '../lib-callback.mjs'

let handled = 0
const server = createServer((req, res) => {
  let text = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => { text += chunk })
  req.on('end', () => {
    const params = parse(text)
    let data = `http://${req.headers.host}${req.url}`
    for (const name of Object.keys(params).sort()) data += name + params[name]
    const signature = createHmac('sha1', AUTH_TOKEN).update(data, 'utf8').digest('base64')
    if (req.method !== 'POST' || !req.url.startsWith(ROUTE) || signature !== req.headers['x-twilio-signature']) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden')
      return
    }
    handled++
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(TWIML) }).end(TWIML)
  })
})
await new Promise((resolve) => server.listen(portFromEnv(), '127.0.0.1', resolve))
serve(server, () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }), () => handled)
