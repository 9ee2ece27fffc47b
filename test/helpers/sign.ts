/**
 * Signed requests for the plugin's end-to-end tests. Signatures come from the twilio package
 * (the oracle), never from the code under test. Each builder returns a valid request; negative
 * tests take one and break a single thing.
 */
import { request as httpRequest } from 'node:http'
import { createHash } from 'node:crypto'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'

/** Shaped like a real Auth Token, and distinctive enough to be searched for in logs. */
export const TOKEN = '5ec7e7a0c0ffee5ec7e7a0c0ffee0001'
export const OLD_TOKEN = '01dda7a0c0ffee01dda7a0c0ffee0002'
export const OTHER_TOKEN = '0a7e7a0c0ffee0a7e7a0c0ffee000003'

export const SMS_PATH = '/twilio/sms/status'
export const CALL_PATH = '/twilio/call/status'
/** The Host header of injected requests, and the origin signed by default. */
export const HOST = 'hooks.example.com'
export const ORIGIN = `http://${HOST}`

export type Params = Record<string, string | string[]>

/** What `fastify.inject` takes, with the parts tests change spelled out. */
export interface SignedRequest {
  method: 'POST' | 'GET'
  url: string
  headers: Record<string, string>
  payload?: string
}

let counter = 0
/** A fresh Sid per call, so that no two requests of a suite look like the same delivery. */
export function sid (prefix: 'SM' | 'CA'): string {
  counter++
  return prefix + counter.toString(16).padStart(32, '0')
}

/** A message status callback as Twilio sends it (§2.3), in Twilio's own (unsorted) order. */
export function smsParams (status: string, extra: Params = {}): Params {
  const messageSid = sid('SM')
  return {
    SmsSid: messageSid,
    SmsStatus: status,
    MessageStatus: status,
    To: '+15558675310',
    MessageSid: messageSid,
    AccountSid: 'AC00000000000000000000000000000001',
    From: '+15017250604',
    ApiVersion: '2010-04-01',
    ...extra
  }
}

/** A call status callback as Twilio sends it (§3.3). */
export function callParams (status: string, extra: Params = {}): Params {
  return {
    Called: '+15558675310',
    CallSid: sid('CA'),
    CallStatus: status,
    AccountSid: 'AC00000000000000000000000000000001',
    From: '+15017250604',
    To: '+15558675310',
    Direction: 'outbound-api',
    CallbackSource: 'call-progress-events',
    SequenceNumber: '0',
    ApiVersion: '2010-04-01',
    ...extra
  }
}

/** Form encoding as Twilio writes it: `+` for spaces, repeated names repeated. */
export function encodeForm (params: Params): string {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(name, v)
  }
  return form.toString()
}

/** The oracle: twilio's own signature for a URL and its body parameters. */
export function sign (url: string, params: Params = {}, token = TOKEN): string {
  return getExpectedTwilioSignature(token, url, params)
}

export interface SignOptions {
  /** The request target (path and query) sent on the request line. */
  target?: string
  /** The URL the signature is computed over; `ORIGIN + target` unless given. */
  signedUrl?: string
  token?: string
  host?: string
}

/** A form POST, signed over the URL and its sorted body parameters (§1.1). */
export function formPost (params: Params, options: SignOptions = {}): SignedRequest {
  const target = options.target ?? SMS_PATH
  const signedUrl = options.signedUrl ?? ORIGIN + target
  return {
    method: 'POST',
    url: target,
    headers: {
      host: options.host ?? HOST,
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(signedUrl, params, options.token)
    },
    payload: encodeForm(params)
  }
}

/** A GET: the parameters in the query, the URL alone signed (§1.3). */
export function getRequest (params: Params, options: Omit<SignOptions, 'target'> & { path?: string } = {}): SignedRequest {
  const target = `${options.path ?? SMS_PATH}?${encodeForm(params)}`
  const signedUrl = options.signedUrl ?? ORIGIN + target
  return {
    method: 'GET',
    url: target,
    headers: { host: options.host ?? HOST, 'x-twilio-signature': sign(signedUrl, {}, options.token) }
  }
}

export function sha256 (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** A JSON POST: `bodySHA256` of the raw body in the query, the URL signed with no params (§1.4). */
export function jsonPost (body: string, options: Omit<SignOptions, 'target'> & { path?: string } = {}): SignedRequest {
  const target = `${options.path ?? CALL_PATH}?bodySHA256=${sha256(body)}`
  const signedUrl = options.signedUrl ?? ORIGIN + target
  return {
    method: 'POST',
    url: target,
    headers: {
      host: options.host ?? HOST,
      'content-type': 'application/json',
      'x-twilio-signature': sign(signedUrl, {}, options.token)
    },
    payload: body
  }
}

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

/** A pino destination that keeps every line, for `Fastify({ logger: { level, stream } })`. */
export function captureLogs (): { stream: { write (line: string): void }, lines: LogLine[], text: () => string } {
  const raw: string[] = []
  const lines: LogLine[] = []
  return {
    stream: {
      write (line: string) {
        raw.push(line)
        lines.push(JSON.parse(line))
      }
    },
    lines,
    text: () => raw.join('')
  }
}

export interface RawResponse {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * A real HTTP request whose request target goes on the wire byte for byte (inject would
 * re-encode `'` as `%27`).
 */
export function send (port: number, request: SignedRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ statusCode: res.statusCode as number, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(request.payload)
  })
}
