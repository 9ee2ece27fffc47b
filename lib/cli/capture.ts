/**
 * A captured request for `explain`, read from a file: a raw HTTP request (request line, headers,
 * a blank line, the body, as a tunnel's inspector or `curl -v` shows it) or a JSON object (a
 * request copied from a log: `url` or `urls`, `method`, `headers`, `body` or `params`, and
 * Fastify's `req` or the plugin's warn line, which names the URLs it tried).
 */
import { CliError } from './args'

export type CapturedParams = Record<string, string | string[]>

export interface Capture {
  readonly method?: string
  /** A full URL, when the capture has one. */
  readonly url?: string
  /** The request target (path and query), when the capture has no full URL. */
  readonly target?: string
  /** Header values by lower-case name; a repeated header's values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body. */
  readonly body?: string
  /** Parameters as an app parsed them. */
  readonly params?: CapturedParams
  /** The capture names a token (`token`, `tokens`, `authToken`): never read, since whoever wrote it chose it. */
  readonly namesToken: boolean
  readonly publicUrl?: string
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined

/** Parameters from JSON: strings and lists as they are, anything else as its JSON text. */
function paramsFrom (value: Record<string, unknown>): CapturedParams {
  const params = new Map<string, string | string[]>()
  for (const [name, v] of Object.entries(value)) {
    const asText = (x: unknown): string => typeof x === 'string' ? x : JSON.stringify(x)
    params.set(name, Array.isArray(v) ? v.map(asText) : asText(v))
  }
  return Object.fromEntries(params)
}

function headersFrom (value: unknown): Record<string, string> {
  const headers: Record<string, string> = {}
  if (!isObject(value)) return headers
  for (const [name, v] of Object.entries(value)) {
    headers[name.toLowerCase()] = Array.isArray(v) ? v.map(String).join(', ') : String(v)
  }
  return headers
}

function fromJson (object: Record<string, unknown>): Capture {
  const req = isObject(object.req) ? object.req : {}
  const headers = { ...headersFrom(req.headers), ...headersFrom(object.headers) }
  const host = text(req.host) ?? text(req.hostname)
  if (host !== undefined && headers.host === undefined) headers.host = host
  const signature = text(object.signature)
  if (signature !== undefined) headers['x-twilio-signature'] = signature
  const urls = Array.isArray(object.urls) ? object.urls.filter((u): u is string => typeof u === 'string') : []
  const address = text(object.url) ?? urls[0] ?? text(req.url)
  const absolute = address !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(address)
  const body = object.body
  return {
    method: text(object.method) ?? text(req.method),
    url: absolute ? address : undefined,
    target: absolute ? undefined : address,
    headers,
    body: text(body) ?? text(object.rawBody),
    params: isObject(object.params) ? paramsFrom(object.params) : isObject(body) ? paramsFrom(body) : undefined,
    namesToken: ['tokens', 'token', 'authToken'].some((name) => object[name] !== undefined),
    publicUrl: text(object.publicUrl)
  }
}

function fromHttp (input: string): Capture {
  const split = /\r?\n\r?\n/.exec(input)
  const head = split === null ? input : input.slice(0, split.index)
  // `curl -v` writes `> ` before each line it sent.
  const lines = head.trimEnd().split(/\r?\n/).map((line) => line.replace(/^> ?/, ''))
  const start = /^([A-Za-z]+) +(\/\S*|[a-z][a-z0-9+.-]*:\/\/\S+)(?: +HTTP\/\d(?:\.\d)?)?$/i.exec(lines[0])
  if (start === null) {
    throw new CliError('the file is not a request: expected a raw HTTP request ("POST /path HTTP/1.1", headers, a blank line, the body) or a JSON object')
  }
  const headers: Record<string, string> = {}
  // curl -v ends what it sent with a line of `>` alone.
  for (const line of lines.slice(1).filter((l) => l !== '')) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new CliError(`not a header line in the request: ${JSON.stringify(line.slice(0, 80))}`)
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  let body = split === null ? '' : input.slice(split.index + split[0].length)
  const length = Number(headers['content-length'])
  // Content-Length says where the body ends; without it, a final newline is the editor's.
  if (headers['content-length'] !== undefined && Number.isInteger(length) && length >= 0) {
    body = Buffer.from(body, 'utf8').subarray(0, length).toString('utf8')
  } else {
    body = body.replace(/\r?\n$/, '')
  }
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(start[2])
  return {
    method: start[1].toUpperCase(),
    url: absolute ? start[2] : undefined,
    target: absolute ? undefined : start[2],
    headers,
    body: body === '' ? undefined : body,
    namesToken: false
  }
}

/** Read a capture: JSON when it starts with `{`, a raw HTTP request otherwise. */
export function parseCapture (input: string): Capture {
  const trimmed = input.replace(/^\s+/, '')
  if (!trimmed.startsWith('{')) return fromHttp(trimmed)
  let object: unknown
  try {
    object = JSON.parse(trimmed)
  } catch (err) {
    throw new CliError(`the file is not valid JSON: ${(err as Error).message}`)
  }
  return fromJson(object as Record<string, unknown>)
}
