// The request every benchmark variant answers: a signed SMS status callback for a delivered
// message, as Twilio posts it (docs/twilio-facts.md §1.9 vector N3, §2.3), with a fresh MessageSid and a
// fresh I-Twilio-Idempotency-Token on every request, so each one is a new event.
import { createHmac, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'

export const AUTH_TOKEN = '9f2c7a41d0b84e5f8c3a6b1e2d7f0a93'
const WRONG_TOKEN = '0000000000000000000000000000dead'

// Twilio calls the public host; the load generator sends that Host header, so every server builds
// the same URL from `protocol://host + target` (no publicUrl option, no port in the URL).
export const HOST = 'hooks.example.com'
export const ROUTE = '/twilio/sms/status'
export const TARGET = `${ROUTE}?tenant=a%20b`
export const SIGNED_URL = `http://${HOST}${TARGET}`

/** What every server answers to a valid callback: the plugin's empty TwiML. */
export const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

const ACCOUNT_SID = 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'
const FROM = '+15017250604'
const TO = '+15558675310'

/** Form encoding as Twilio sends it (`+` → `%2B`, space → `+`). */
function enc (value) {
  return encodeURIComponent(value).replaceAll('%20', '+')
}

// Everything but the Sid is the same in every request: the pieces around it are built once.
// Twilio's order in the body is not sorted; the signature sorts by name (§1.1).
const BODY = ['SmsSid=', `&SmsStatus=delivered&MessageStatus=delivered&To=${enc(TO)}&MessageSid=`,
  `&AccountSid=${ACCOUNT_SID}&From=${enc(FROM)}&ApiVersion=2010-04-01&RawDlrDoneDate=2507171206`]
const SIGNED = [`${SIGNED_URL}AccountSid${ACCOUNT_SID}ApiVersion2010-04-01From${FROM}MessageSid`,
  'MessageStatusdeliveredRawDlrDoneDate2507171206SmsSid', `SmsStatusdeliveredTo${TO}`]

/**
 * `extra` filler parameters (`X000=v000`, …) after the nine own ones, to measure cost as the body
 * grows. Their names sort after every own name (`X` > `T`), so they append to the signed string.
 */
function filler (extra) {
  let body = ''
  let signed = ''
  for (let i = 0; i < extra; i++) {
    const name = 'X' + String(i).padStart(3, '0')
    const value = 'v' + String(i).padStart(3, '0')
    body += `&${name}=${value}`
    signed += name + value
  }
  return { body, signed }
}

/**
 * The signature, one HMAC over the signed string's pieces: the load generator signs every request
 * in its timed loop, where the testing kit's `signTwilioRequest` (which sorts the parameters each
 * time) would cost it more. `createCallbacks` checks it against the kit once.
 */
function sign (key, sid, extra) {
  return createHmac('sha1', key).update(SIGNED[0] + sid + SIGNED[1] + sid + SIGNED[2] + extra.signed, 'utf8').digest('base64')
}

/** Throws unless the testing kit (the built package) signs the callback as `sign` did. */
function checkWithKit (key, callback) {
  const { signTwilioRequest } = createRequire(import.meta.url)('fastify-twilio-status/testing')
  const params = Object.fromEntries(new URLSearchParams(callback.body))
  if (signTwilioRequest({ authToken: key, url: SIGNED_URL, params }) !== callback.headers['X-Twilio-Signature']) {
    throw new Error('the bench callback signature differs from the testing kit\'s signTwilioRequest')
  }
}

/**
 * A generator of signed callbacks. Each call returns `{ sid, body, headers }` for a new
 * MessageSid: a per-process random prefix and a counter, 32 hex digits as a real Sid. `forged`
 * signs with a wrong token: a well-formed signature that does not match, at the same cost.
 * `params`: how many form parameters in all (at least the nine own ones).
 */
export function createCallbacks ({ forged = false, params = 9 } = {}) {
  const prefix = randomBytes(8).toString('hex')
  const key = forged ? WRONG_TOKEN : AUTH_TOKEN
  const extra = filler(Math.max(0, params - 9))
  let n = 0
  const callback = (sid, token) => ({
    sid,
    body: BODY[0] + sid + BODY[1] + sid + BODY[2] + extra.body,
    headers: {
      Host: HOST,
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': sign(key, sid, extra),
      'I-Twilio-Idempotency-Token': token,
      'User-Agent': 'TwilioProxy/1.1',
      Accept: '*/*',
      'X-Home-Region': 'us1'
    }
  })
  checkWithKit(key, callback('SM' + prefix + 'f'.repeat(16), `${prefix}-check`))
  return function nextCallback () {
    const sid = 'SM' + prefix + (n++).toString(16).padStart(16, '0')
    return callback(sid, `${prefix}-${n}`)
  }
}

/**
 * The same callbacks as whole HTTP/1.1 requests, ready for the socket: the load generator's
 * per-request work is one HMAC and one string-to-bytes copy, the same for every variant.
 * `duplicate`: the first request over and over (one event, then only duplicates).
 */
export function createRawRequests ({ forged = false, params = 9, duplicate = false } = {}) {
  const next = createCallbacks({ forged, params })
  const { body } = next()
  const contentLength = Buffer.byteLength(body)
  if (body.length !== contentLength) throw new Error('the callback body must be ASCII')
  const build = () => {
    const callback = next()
    if (callback.body.length !== contentLength) throw new Error('the callback body must have a fixed length')
    let head = `POST ${TARGET} HTTP/1.1\r\nConnection: keep-alive\r\n`
    for (const name in callback.headers) head += `${name}: ${callback.headers[name]}\r\n`
    return Buffer.from(`${head}Content-Length: ${contentLength}\r\n\r\n${callback.body}`, 'latin1')
  }
  if (!duplicate) return build
  const once = build()
  return () => once
}

/** The plugin's default `bodyLimit`. */
const BODY_LIMIT = 64 * 1024

/**
 * The forged callback (a well-formed, wrong signature) with filler parameters after its nine own
 * ones: up to `params` in all, or for `'fill'` as many 3-character names as fit in 64 KiB.
 */
export function createForgedBody (params) {
  const { body, headers } = createCallbacks({ forged: true })()
  const parts = [body]
  let length = body.length
  let count = body.split('&').length
  for (let i = 0; params === 'fill' ? length + 5 <= BODY_LIMIT : count < params; i++, count++) {
    const pair = `&${i.toString(36).padStart(3, '0')}=`
    parts.push(pair)
    length += pair.length
  }
  return { body: parts.join(''), headers, params: count }
}

/** The port a server script listens on: `PORT`, or any free one. */
export function portFromEnv () {
  const port = Number(process.env.PORT ?? 0)
  if (!Number.isInteger(port) || port < 0) throw new Error(`PORT must be a port number, got ${process.env.PORT}`)
  return port
}

/**
 * The protocol between a server and bench/run.mjs: print `ready PORT` once listening; on SIGTERM
 * print how many events the application code handled and its RSS, then exit. (Its CPU time is
 * read from /proc by the runner.)
 */
export function serve (server, close, handled) {
  process.stdout.write(`ready ${server.address().port}\n`)
  process.once('SIGTERM', () => {
    process.stdout.write(JSON.stringify({ handled: handled(), rss: process.memoryUsage.rss() }) + '\n')
    setTimeout(() => process.exit(0), 1000).unref()
    close().finally(() => process.exit(0))
  })
}
