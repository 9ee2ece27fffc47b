'use strict'
// A local stand-in for Twilio's REST API: Fetch Message and Fetch Call (API 2010-04-01), shaped
// by Twilio's OpenAPI description (test/fixtures/twilio-api/). Every request is checked against
// the description (method, path and its parameters, HTTP Basic auth, no body) and every answer
// against the response schema before it is sent; what does not fit is listed in `problems`.
// Answers can be scripted per Sid (404, 429 with Retry-After, 5xx, slow answers), drawn by a
// `fault` hook, and resources looked up by a `resource` hook. CommonJS, so that the TypeScript
// tests (test/helpers/fake-twilio-api.ts) and the ES module proofs both load this one copy.
const { once } = require('node:events')
const { readFileSync } = require('node:fs')
const { createServer } = require('node:http')
const { join } = require('node:path')

const spec = JSON.parse(readFileSync(join(__dirname, '../test/fixtures/twilio-api/twilio_api_v2010_subset.json'), 'utf8'))

/** What of `value` does not fit `schema` (the keywords the description uses), as messages. */
function validate (schema, value, where = '$') {
  if (schema.$ref !== undefined) return validate(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')], value, where)
  if (value === null) return schema.nullable === true || schema.type === undefined ? [] : [`${where}: null is not allowed`]
  const problems = []
  if (schema.enum !== undefined && !schema.enum.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`)
  const type = schema.type ?? (schema.enum !== undefined ? 'string' : undefined)
  if (type === 'string') {
    if (typeof value !== 'string') return [...problems, `${where}: not a string`]
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push(`${where}: does not match ${schema.pattern}`)
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${where}: shorter than ${schema.minLength}`)
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${where}: longer than ${schema.maxLength}`)
  } else if (type === 'integer') {
    if (!Number.isInteger(value)) problems.push(`${where}: not an integer`)
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') problems.push(`${where}: not a boolean`)
  } else if (type === 'object' || schema.properties !== undefined) {
    if (typeof value !== 'object' || Array.isArray(value)) return [...problems, `${where}: not an object`]
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      if (name in value) problems.push(...validate(child, value[name], `${where}.${name}`))
    }
    if (schema.properties !== undefined) {
      for (const name of Object.keys(value)) if (!(name in schema.properties)) problems.push(`${where}.${name}: not in the description`)
    }
  }
  return problems
}

const ACCOUNT_SID = 'AC' + 'a1'.repeat(16)
const API_KEY = 'SK' + 'b2'.repeat(16)
const API_SECRET = 'fake-api-secret'

const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/
const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/

/** A Message resource as Twilio answers it, every field of the description present. */
function messageResource (sid, status, extra = {}) {
  const accountSid = extra.account_sid ?? ACCOUNT_SID
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: 'Your code is 123456',
    date_created: 'Fri, 24 May 2019 17:18:27 +0000',
    date_sent: 'Fri, 24 May 2019 17:18:28 +0000',
    date_updated: 'Fri, 24 May 2019 17:18:28 +0000',
    direction: 'outbound-api',
    error_code: null,
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
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    ...extra
  }
}

/** A Call resource as Twilio answers it. */
function callResource (sid, status, extra = {}) {
  const accountSid = extra.account_sid ?? ACCOUNT_SID
  return {
    account_sid: accountSid,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: 'Tue, 31 Aug 2010 20:36:28 +0000',
    date_updated: 'Tue, 31 Aug 2010 20:36:44 +0000',
    direction: 'outbound-api',
    duration: '15',
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
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
    ...extra
  }
}

const ERRORS = {
  404: [20404, 'The requested resource was not found'],
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  503: [20503, 'Service Unavailable']
}

/**
 * `credentials`: the API key expected in HTTP Basic auth. `hooks.fault(sid)`: an answer drawn for
 * a request (after any scripted one), `hooks.resource(sid)`: the resource when `resources` has none,
 * `hooks.answered(sid, statusCode)`: told when an answer for a known path is done.
 */
async function startFakeTwilioApi (credentials = { username: API_KEY, password: API_SECRET }, hooks = {}) {
  const requests = []
  const problems = []
  const resources = new Map()
  const scripts = new Map()
  let always = null
  let inFlight = 0
  let peak = 0
  const expectedAuth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`

  function send (res, status, body, specPath, headers = {}) {
    if (specPath !== null) {
      const response = spec.paths[specPath]?.get.responses[String(status)]
      const schema = response?.content?.['application/json'].schema
      if (schema === undefined) problems.push(`answer ${status} is not described for ${specPath}`)
      else problems.push(...validate(schema, body).map((p) => `answer ${status}: ${p}`))
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  function error (res, status, specPath, headers = {}) {
    const [code, message] = ERRORS[status]
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, specPath, headers)
  }

  async function handle (req, res) {
    const path = (req.url ?? '').split('?')[0]
    requests.push({ method: req.method, path, authorization: req.headers.authorization, at: Date.now() })
    let body = ''
    for await (const chunk of req) body += String(chunk)
    if (body !== '' || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined) {
      problems.push(`${req.method} ${path}: a GET with a body`)
    }
    if (req.method !== 'GET') problems.push(`${req.method} ${path}: only GET is described`)
    const message = MESSAGE_PATH.exec(path)
    const call = CALL_PATH.exec(path)
    const match = message ?? call
    if (match === null) {
      problems.push(`${req.method} ${path}: no such path in the description`)
      send(res, 404, { code: 20404, message: 'Not found', more_info: '', status: 404 }, null)
      return
    }
    const specPath = message !== null ? '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json' : '/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json'
    const [, accountSid, sid] = match
    for (const parameter of spec.paths[specPath].get.parameters) {
      const value = parameter.name === 'AccountSid' ? accountSid : sid
      problems.push(...validate(parameter.schema, value, `${path} ${parameter.name}`))
    }
    if (req.headers.authorization !== expectedAuth) {
      problems.push(`${path}: authorization is not HTTP Basic with the expected key`)
      send(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }, specPath)
      return
    }
    if (hooks.answered !== undefined) res.once('close', () => hooks.answered(sid, res.statusCode))
    let answer = scripts.get(sid)?.shift() ?? hooks.fault?.(sid) ?? always
    if (answer !== null && 'delay' in answer) {
      await new Promise((resolve) => setTimeout(resolve, answer.delay))
      answer = null
    }
    if (answer !== null && 'status' in answer) {
      error(res, answer.status, specPath, answer.retryAfter === undefined ? {} : { 'retry-after': String(answer.retryAfter) })
      return
    }
    const resource = resources.get(sid) ?? hooks.resource?.(sid)
    if (resource === undefined || (message !== null) !== /^(SM|MM)/.test(sid) || resource.account_sid !== accountSid) {
      error(res, 404, specPath)
      return
    }
    send(res, 200, resource, specPath)
  }

  const server = createServer((req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    res.on('close', () => { inFlight-- })
    handle(req, res).catch((err) => { problems.push(String(err)); res.destroy() })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    problems,
    resources,
    script (sid, ...answers) { scripts.set(sid, [...(scripts.get(sid) ?? []), ...answers]) },
    always (answer) { always = answer },
    peak: () => peak,
    async close () {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}

module.exports = { validate, ACCOUNT_SID, API_KEY, API_SECRET, messageResource, callResource, startFakeTwilioApi }
