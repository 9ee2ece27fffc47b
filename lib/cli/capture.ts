/**
 * A captured request for `explain`, read from a file: a raw HTTP request, curl's output (`./curl`),
 * or a JSON object copied from a log (the formats: docs/cli.md).
 */
import { CliError } from './args'
import { type CurlRequest, fromCurl } from './curl'

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
  /** Why the capture shows no body though the request had one (`Content-Length: 47`), for the user. */
  readonly bodyMissing?: string
  /** What the body shown may differ in from the one sent, for the user. */
  readonly bodyCaveat?: string
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
  const lines = head.trimEnd().split(/\r?\n/)
  const start = /^([A-Za-z]+) +(\/\S*|[a-z][a-z0-9+.-]*:\/\/\S+)(?: +HTTP\/\d(?:\.\d)?)?$/i.exec(lines[0])
  if (start === null) {
    throw new CliError('the file is not a request: expected a raw HTTP request ("POST /path HTTP/1.1", headers, a blank line, the body), what curl -v or curl --trace-ascii - printed, or a JSON object')
  }
  const headers: Record<string, string> = {}
  for (const line of lines.slice(1)) {
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

const TRACE_ASCII_DOTS = 'curl --trace-ascii writes a line break or a byte outside ASCII as ".", and the body is read as written: ' +
  'if it held one, give the body with --body-file, or capture with curl --trace - (hex), which is read byte for byte'

/** curl's output: an https URL when curl spoke TLS (the request line names the path alone). */
function fromCurlOutput (curl: CurlRequest): Capture {
  const capture = fromHttp(curl.http)
  const host = capture.headers.host
  const https = curl.tls && capture.target !== undefined && host !== undefined
  // Twilio's form bodies are percent-encoded ASCII; a JSON body may hold what --trace-ascii dots.
  const dotted = curl.format === 'trace-ascii' && capture.body?.includes('.') === true && !/x-www-form-urlencoded/i.test(capture.headers['content-type'] ?? '')
  return withoutBody({
    ...capture,
    ...(https ? { url: `https://${host}${capture.target as string}`, target: undefined } : {}),
    ...(dotted ? { bodyCaveat: TRACE_ASCII_DOTS } : {})
  }, curl.format === 'verbose' ? 'curl -v does not print the body it sends' : 'the trace ends before curl sent it')
}

/** The capture with `bodyMissing` set when its headers say the request had a body it does not show. */
function withoutBody (capture: Capture, why: string): Capture {
  if (capture.body !== undefined || capture.params !== undefined || capture.method === 'GET' || capture.method === 'HEAD') return capture
  const headers = capture.headers
  const length = headers['content-length']
  const sent = length !== undefined
    ? (Number(length) > 0 ? 'Content-Length' : undefined)
    : ['Transfer-Encoding', 'Content-Type'].find((name) => headers[name.toLowerCase()] !== undefined)
  if (sent === undefined) return capture
  return { ...capture, bodyMissing: `the capture has no body, but the request had one (${sent}: ${headers[sent.toLowerCase()]}): ${why}` }
}

/** Read a capture: curl's output, JSON when it starts with `{`, a raw HTTP request otherwise. */
export function parseCapture (input: string): Capture {
  const curl = fromCurl(input)
  if (curl !== null) return fromCurlOutput(curl)
  const trimmed = input.replace(/^\s+/, '')
  if (!trimmed.startsWith('{')) return withoutBody(fromHttp(trimmed), 'it ends after the headers')
  let object: unknown
  try {
    object = JSON.parse(trimmed)
  } catch (err) {
    throw new CliError(`the file is not valid JSON: ${(err as Error).message}`)
  }
  return withoutBody(fromJson(object as Record<string, unknown>), 'it has neither body nor params')
}
