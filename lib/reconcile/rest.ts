/**
 * Fetch Message and Fetch Call (Twilio REST API 2010-04-01), through the host's `twilio` client or
 * plain HTTPS, and the callback parameters a resource stands for (docs/twilio-facts.md §15).
 */
import type { ReconcileConfig } from '../config'

export type RestChannel = 'sms' | 'call'

/** A fetch's outcome: the resource, gone (404), throttled (429), or failed (5xx, timeout, network). */
export type Fetched =
  | { readonly kind: 'ok', readonly resource: Record<string, unknown> }
  | { readonly kind: 'gone' }
  | { readonly kind: 'throttled', readonly retryAfter: number | null }
  | { readonly kind: 'failed', readonly reason: string }

const PATHS: Record<RestChannel, string> = { sms: 'Messages', call: 'Calls' }

/** `Retry-After` in ms: delay-seconds or an HTTP date; `null` when absent or unreadable. */
export function retryAfterOf (value: string | null, now = Date.now()): number | null {
  if (value === null || value === '') return null
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** An HTTP status as a fetch's outcome. */
function byStatus (status: number, reason: string, retryAfter: number | null): Fetched {
  if (status === 404) return { kind: 'gone' }
  if (status === 429) return { kind: 'throttled', retryAfter }
  return { kind: 'failed', reason }
}

/** GET the resource's JSON with HTTP Basic auth, no body, abandoned after `timeout`. */
async function fetchHttps (credentials: NonNullable<ReconcileConfig['credentials']>, channel: RestChannel, sid: string, timeout: number): Promise<Fetched> {
  const { accountSid, apiKey, apiSecret, baseUrl } = credentials
  const url = `${baseUrl}/2010-04-01/Accounts/${accountSid}/${PATHS[channel]}/${encodeURIComponent(sid)}.json`
  let response: Response
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeout)
    })
  } catch (err) {
    return { kind: 'failed', reason: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' }
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    return byStatus(response.status, `HTTP ${response.status}`, retryAfterOf(response.headers.get('retry-after')))
  }
  try {
    return { kind: 'ok', resource: await response.json() as Record<string, unknown> }
  } catch {
    return { kind: 'failed', reason: 'unreadable body' }
  }
}

/** snake_case keys, as the REST API writes them, from a `twilio` instance's camelCase ones. */
function snakeCase (instance: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(instance)) {
    if (typeof value === 'function' || key.startsWith('_')) continue
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value
  }
  return out
}

/** Through the host's client: its RestException carries the HTTP `status` (and no headers). */
async function fetchClient (client: NonNullable<ReconcileConfig['client']>, channel: RestChannel, sid: string, timeout: number): Promise<Fetched> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<Fetched>((resolve) => { timer = setTimeout(() => resolve({ kind: 'failed', reason: 'timeout' }), timeout) })
  const call = (async (): Promise<Fetched> => {
    try {
      const instance = await (channel === 'sms' ? client.messages(sid) : client.calls(sid)).fetch()
      return { kind: 'ok', resource: snakeCase(instance) }
    } catch (err) {
      const status = (err as { status?: unknown })?.status
      return typeof status === 'number' ? byStatus(status, `HTTP ${status}`, null) : { kind: 'failed', reason: 'network' }
    }
  })()
  try {
    return await Promise.race([call, late])
  } finally {
    clearTimeout(timer)
  }
}

export type Fetcher = (channel: RestChannel, sid: string) => Promise<Fetched>

export function createFetcher (config: ReconcileConfig): Fetcher {
  const { client, credentials, requestTimeout } = config
  if (client !== null) return async (channel, sid) => await fetchClient(client, channel, sid, requestTimeout)
  const given = credentials as NonNullable<ReconcileConfig['credentials']>
  return async (channel, sid) => await fetchHttps(given, channel, sid, requestTimeout)
}

/** A value as a callback parameter: text, or left out when the resource has none. */
function put (params: Record<string, string>, name: string, value: unknown): void {
  if (value === null || value === undefined || value === '') return
  params[name] = value instanceof Date ? value.toUTCString().replace('GMT', '+0000') : String(value)
}

/** Each callback parameter and the resource field it is read from (docs/twilio-facts.md §15.2). */
type FieldMap = ReadonlyArray<readonly [string, (resource: Record<string, unknown>) => unknown]>

const MESSAGE_FIELDS: FieldMap = [
  ['MessageSid', (r) => r.sid], ['SmsSid', (r) => r.sid], ['MessageStatus', (r) => r.status], ['SmsStatus', (r) => r.status],
  ['AccountSid', (r) => r.account_sid], ['From', (r) => r.from], ['To', (r) => r.to], ['ApiVersion', (r) => r.api_version],
  ['MessagingServiceSid', (r) => r.messaging_service_sid], ['ErrorCode', (r) => r.error_code], ['ErrorMessage', (r) => r.error_message]
]

const CALL_FIELDS: FieldMap = [
  ['CallSid', (r) => r.sid], ['CallStatus', (r) => r.status], ['AccountSid', (r) => r.account_sid], ['From', (r) => r.from],
  ['To', (r) => r.to], ['Caller', (r) => r.from], ['Called', (r) => r.to], ['ApiVersion', (r) => r.api_version],
  ['Direction', (r) => r.direction], ['ForwardedFrom', (r) => r.forwarded_from], ['CallerName', (r) => r.caller_name],
  ['ParentCallSid', (r) => r.parent_call_sid], ['CallDuration', (r) => r.duration], ['AnsweredBy', (r) => r.answered_by],
  ['Timestamp', (r) => r.end_time ?? r.date_updated]
]

function paramsOf (fields: FieldMap, resource: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = Object.create(null)
  for (const [name, read] of fields) put(params, name, read(resource))
  return params
}

/** The parameters of a message status callback a Message resource stands for. */
export function messageParams (resource: Record<string, unknown>): Record<string, string> {
  return paramsOf(MESSAGE_FIELDS, resource)
}

/** The parameters of a call status callback a Call resource stands for. */
export function callParams (resource: Record<string, unknown>): Record<string, string> {
  return paramsOf(CALL_FIELDS, resource)
}
