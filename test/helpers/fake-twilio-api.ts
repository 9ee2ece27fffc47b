/**
 * A local stand-in for Twilio's REST API: Fetch Message and Fetch Call (API 2010-04-01), shaped
 * by Twilio's OpenAPI description (test/fixtures/twilio-api/). Every request is checked against
 * the description (method, path and its parameters, HTTP Basic auth, no body) and every answer
 * against the response schema before it is sent; what does not fit is listed in `problems`.
 * Answers can be scripted per Sid: 404, 429 with Retry-After, 5xx, slow answers.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'

const spec = JSON.parse(readFileSync(join(__dirname, '../fixtures/twilio-api/twilio_api_v2010_subset.json'), 'utf8')) as {
  paths: Record<string, { get: { parameters: Array<{ name: string, schema: Schema }>, responses: Record<string, { content?: { 'application/json': { schema: Schema } } }> } }>
  components: { schemas: Record<string, Schema> }
}

interface Schema {
  type?: string
  nullable?: boolean
  enum?: unknown[]
  pattern?: string
  minLength?: number
  maxLength?: number
  properties?: Record<string, Schema>
  $ref?: string
}

/** What of `value` does not fit `schema` (the keywords the description uses), as messages. */
export function validate (schema: Schema, value: unknown, where = '$'): string[] {
  if (schema.$ref !== undefined) return validate(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')] as Schema, value, where)
  if (value === null) return schema.nullable === true || schema.type === undefined ? [] : [`${where}: null is not allowed`]
  const problems: string[] = []
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
      if (name in (value as object)) problems.push(...validate(child, (value as Record<string, unknown>)[name], `${where}.${name}`))
    }
    if (schema.properties !== undefined) {
      for (const name of Object.keys(value as object)) if (!(name in schema.properties)) problems.push(`${where}.${name}: not in the description`)
    }
  }
  return problems
}

export const ACCOUNT_SID = 'AC' + 'a1'.repeat(16)
export const API_KEY = 'SK' + 'b2'.repeat(16)
export const API_SECRET = 'fake-api-secret'

/** A scripted answer: a status (with Retry-After seconds for 429/503), or a delay before the normal one. */
export type Scripted = { status: 404 | 429 | 500 | 503, retryAfter?: number } | { delay: number }

export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly at: number
}

type Resource = Record<string, unknown>

const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/
const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/

/** A Message resource as Twilio answers it, every field of the description present. */
export function messageResource (sid: string, status: string, extra: Resource = {}): Resource {
  return {
    account_sid: ACCOUNT_SID,
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
    subresource_uris: { media: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}/Media.json` },
    to: '+15005550001',
    uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
    ...extra
  }
}

/** A Call resource as Twilio answers it. */
export function callResource (sid: string, status: string, extra: Resource = {}): Resource {
  return {
    account_sid: ACCOUNT_SID,
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
    subresource_uris: { notifications: `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${sid}/Notifications.json` },
    to: '+15005550001',
    to_formatted: '(500) 555-0001',
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${sid}.json`,
    ...extra
  }
}

export interface FakeTwilioApi {
  readonly url: string
  readonly requests: FakeRequest[]
  /** Requests or answers that do not fit the description: a test expects none. */
  readonly problems: string[]
  readonly resources: Map<string, Resource>
  /** Answers for a Sid, used up in order before the resource is answered. */
  script (sid: string, ...answers: Scripted[]): void
  /** Answer every request with this (`null`: normally again). */
  always (answer: Scripted | null): void
  /** Most requests seen in flight at once. */
  readonly peak: () => number
  close (): Promise<void>
}

const ERRORS: Record<number, [number, string]> = {
  404: [20404, 'The requested resource was not found'],
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  503: [20503, 'Service Unavailable']
}

export async function startFakeTwilioApi (credentials: { username: string, password: string } = { username: API_KEY, password: API_SECRET }): Promise<FakeTwilioApi> {
  const requests: FakeRequest[] = []
  const problems: string[] = []
  const resources = new Map<string, Resource>()
  const scripts = new Map<string, Scripted[]>()
  let always: Scripted | null = null
  let inFlight = 0
  let peak = 0
  const expectedAuth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`

  function send (res: ServerResponse, status: number, body: unknown, specPath: string | null, headers: Record<string, string> = {}): void {
    if (specPath !== null) {
      const response = spec.paths[specPath]?.get.responses[String(status)]
      const schema = response?.content?.['application/json'].schema
      if (schema === undefined) problems.push(`answer ${status} is not described for ${specPath}`)
      else problems.push(...validate(schema, body).map((p) => `answer ${status}: ${p}`))
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  function error (res: ServerResponse, status: number, specPath: string, headers: Record<string, string> = {}): void {
    const [code, message] = ERRORS[status] as [number, string]
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, specPath, headers)
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] as string
    requests.push({ method: req.method as string, path, authorization: req.headers.authorization, at: Date.now() })
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
    const [, accountSid, sid] = match as unknown as [string, string, string]
    for (const parameter of (spec.paths[specPath] as { get: { parameters: Array<{ name: string, schema: Schema }> } }).get.parameters) {
      const value = parameter.name === 'AccountSid' ? accountSid : sid
      problems.push(...validate(parameter.schema, value, `${path} ${parameter.name}`))
    }
    if (req.headers.authorization !== expectedAuth) {
      problems.push(`${path}: authorization is not HTTP Basic with the expected key`)
      send(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }, specPath)
      return
    }
    let answer = scripts.get(sid)?.shift() ?? always
    if (answer !== null && 'delay' in answer) {
      await new Promise((resolve) => setTimeout(resolve, answer !== null && 'delay' in answer ? answer.delay : 0))
      answer = null
    }
    if (answer !== null && 'status' in answer) {
      error(res, answer.status, specPath, answer.retryAfter === undefined ? {} : { 'retry-after': String(answer.retryAfter) })
      return
    }
    const resource = resources.get(sid)
    if (resource === undefined || (message !== null) !== /^(SM|MM)/.test(sid) || resource.account_sid !== accountSid) {
      error(res, 404, specPath)
      return
    }
    send(res, 200, resource, specPath)
  }

  const server: Server = createServer((req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    res.on('close', () => { inFlight-- })
    handle(req, res).catch((err: unknown) => { problems.push(String(err)); res.destroy() })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
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
