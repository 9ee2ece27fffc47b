// The REST half of the fake Twilio in proofs/reconcile-chaos.mjs: Fetch Message and Fetch Call
// (API 2010-04-01) as test/helpers/fake-twilio-api.ts serves them (the same paths, HTTP Basic
// auth, resource and error shapes of Twilio's OpenAPI description), where a resource's status
// follows its lifecycle in time, and answers fail at random: 429 with Retry-After, 500/503, and
// answers slower than the plugin's requestTimeout; `storm(ms)` answers 429 to everything for a while.
import { once } from 'node:events'
import { createServer } from 'node:http'

const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/
const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/
const ERRORS = { 404: [20404, 'The requested resource was not found'], 429: [20429, 'Too Many Requests'], 500: [20500, 'Internal Server Error'], 503: [20503, 'Service Unavailable'] }

function messageResource (accountSid, sid, status) {
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: 'Your code is 123456',
    date_created: 'Fri, 24 May 2019 17:18:27 +0000',
    date_sent: 'Fri, 24 May 2019 17:18:28 +0000',
    date_updated: 'Fri, 24 May 2019 17:18:28 +0000',
    direction: 'outbound-api',
    error_code: status === 'undelivered' ? 30003 : status === 'failed' ? 30008 : null,
    error_message: null,
    from: '+15005550006',
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid,
    status,
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: '+15005550001',
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`
  }
}

function callResource (accountSid, sid, status) {
  return {
    account_sid: accountSid,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: 'Tue, 31 Aug 2010 20:36:28 +0000',
    date_updated: 'Tue, 31 Aug 2010 20:36:44 +0000',
    direction: 'outbound-api',
    duration: status === 'completed' ? '15' : '0',
    end_time: 'Tue, 31 Aug 2010 20:36:44 +0000',
    forwarded_from: null,
    from: '+15005550006',
    from_formatted: '(500) 555-0006',
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: '-0.03000',
    price_unit: 'USD',
    queue_time: '0',
    sid,
    start_time: 'Tue, 31 Aug 2010 20:36:29 +0000',
    status,
    subresource_uris: { notifications: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}/Notifications.json` },
    to: '+15005550001',
    to_formatted: '(500) 555-0001',
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`
  }
}

/**
 * `faults`: { throttle, fail, slow } rates per request, `slowMs`, `retryAfter` (seconds), `random`.
 * Requests that do not fit the description (method, path, auth, a body) are listed in `problems`.
 */
export async function startFakeTwilioApi ({ accountSid, apiKey, apiSecret, faults }) {
  const expectedAuth = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`
  const random = faults.random ?? Math.random
  /** sid → [[at, status], …] in time order: the REST status at a time is the last one begun. */
  const timelines = new Map()
  const counts = { requests: 0, ok: 0, throttled: 0, failed: 0, slow: 0, notFound: 0, perSid: new Map() }
  // perSid: sid → [[time, HTTP status], …] of its requests' answers.
  const problems = []
  let stormUntil = 0

  function send (res, status, body, headers = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
  function error (res, status, headers) {
    const [code, message] = ERRORS[status]
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers)
  }

  async function handle (req, res) {
    const path = req.url.split('?')[0]
    counts.requests++
    let body = ''
    for await (const chunk of req) body += String(chunk)
    if (body !== '' || req.headers['transfer-encoding'] !== undefined) problems.push(`${req.method} ${path}: a GET with a body`)
    if (req.method !== 'GET') problems.push(`${req.method} ${path}: only GET is described`)
    const message = MESSAGE_PATH.exec(path)
    const match = message ?? CALL_PATH.exec(path)
    if (match === null) {
      problems.push(`${req.method} ${path}: no such path in the description`)
      return error(res, 404)
    }
    if (req.headers.authorization !== expectedAuth) {
      problems.push(`${path}: authorization is not HTTP Basic with the expected key`)
      return send(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 })
    }
    const [, account, sid] = match
    let answers = counts.perSid.get(sid)
    if (answers === undefined) counts.perSid.set(sid, answers = [])
    res.once('close', () => { answers.push([Date.now(), res.statusCode]) })
    const draw = random()
    if (Date.now() < stormUntil || draw < faults.throttle) {
      counts.throttled++
      return error(res, 429, { 'retry-after': String(faults.retryAfter) })
    }
    if (draw < faults.throttle + faults.fail) {
      counts.failed++
      return error(res, random() < 0.5 ? 500 : 503)
    }
    if (draw < faults.throttle + faults.fail + faults.slow) {
      counts.slow++
      await new Promise((resolve) => setTimeout(resolve, faults.slowMs))
    }
    const timeline = timelines.get(sid)
    if (timeline === undefined || account !== accountSid || (message !== null) !== /^(SM|MM)/.test(sid)) {
      counts.notFound++
      return error(res, 404)
    }
    const now = Date.now()
    let status = timeline[0][1]
    for (const [at, s] of timeline) if (at <= now) status = s
    counts.ok++
    send(res, 200, message !== null ? messageResource(accountSid, sid, status) : callResource(accountSid, sid, status))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => { problems.push(String(err)); res.destroy() })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    timelines,
    counts,
    problems,
    /** Every request answered 429 for `ms` from now. */
    storm (ms) { stormUntil = Date.now() + ms },
    async close () {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}
