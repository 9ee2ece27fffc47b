/**
 * The request to explain, from a capture and the flags (which win over it). A capture is
 * untrusted: a token written in it is never used.
 */
import { DEFAULT_MAX_PARAMS } from '../../verify/form'
import { CliError, listOf, methodOf, numberOf, paramsOf, stringOf, tokensOf, type Values } from '../args'
import { type Capture, parseCapture } from '../capture'
import type { Io } from '../io'
import type { ExplainInput, Hints } from './types'
import { partsOf } from './url'

/** The largest maxParams the plugin's options accept. */
const LARGEST_MAX_PARAMS = 100_000

export interface Request {
  readonly input: ExplainInput
  readonly tokens: string[]
  /** A doubt about the captured body, said when it does not verify. */
  readonly caveat?: string | undefined
}

/** The capture's headers, lower-cased, with each `--header` over them. */
function headersOf (values: Values, capture: Capture): Record<string, string> {
  const headers: Record<string, string> = { ...capture.headers }
  for (const line of listOf(values, 'header')) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new CliError(`--header takes 'Name: value', got ${JSON.stringify(line)}`)
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return headers
}

/** Where else Twilio may have called; a capture from elsewhere (a tunnel's inspector) says where it was sent. */
function hintsOf (values: Values, capture: Capture, headers: Record<string, string>, url: string, captured: string | undefined): Hints {
  const hints: { -readonly [K in keyof Hints]: Hints[K] } = {
    publicUrl: stringOf(values, 'public-url') ?? capture.publicUrl,
    proto: headers['x-forwarded-proto'],
    host: headers['x-forwarded-host'],
    prefix: headers['x-forwarded-prefix'],
    port: headers['x-forwarded-port']
  }
  const seenParts = partsOf(url)
  const capturedParts = captured === undefined ? null : partsOf(captured)
  if (seenParts !== null && capturedParts !== null && captured !== url) {
    if (capturedParts.host !== seenParts.host) hints.host ??= capturedParts.host + (capturedParts.port === '' ? '' : ':' + capturedParts.port)
    if (capturedParts.path.length > seenParts.path.length && capturedParts.path.endsWith(seenParts.path)) {
      hints.prefix ??= capturedParts.path.slice(0, capturedParts.path.length - seenParts.path.length)
    }
  }
  return hints
}

/** POST, GET or JSON: the flag's, else the capture's. */
function methodGiven (values: Values, capture: Capture): 'POST' | 'GET' | 'JSON' {
  const given = stringOf(values, 'method') === undefined ? capture.method?.toUpperCase() ?? 'POST' : methodOf(values)
  if (given !== 'POST' && given !== 'GET' && given !== 'JSON') throw new CliError(`the capture's method is ${given}: Twilio sends GET and POST`)
  return given
}

/** The raw body: `--body`, `--body-file`, else the capture's. */
async function bodyOf (values: Values, capture: Capture, io: Io): Promise<string | undefined> {
  const bodyFile = stringOf(values, 'body-file')
  return stringOf(values, 'body') ?? (bodyFile === undefined ? undefined : await io.readFile(bodyFile)) ?? capture.body
}

/** The user's own tokens only: a capture that names the token that signed it would verify whatever it says. */
function userTokens (values: Values, capture: Capture, io: Io): string[] {
  const chosen = tokensOf(values, io.env)
  const ignored = capture.namesToken ? ' (a token written in the capture is never used: whoever wrote the capture chose it)' : ''
  if (chosen.length === 0) throw new CliError(`explain needs the token(s) to try: --token (repeatable) or TWILIO_AUTH_TOKEN; they are never printed${ignored}`)
  if (ignored !== '') io.stderr('fastify-twilio-status: the capture\'s token is ignored: explain verifies with --token or TWILIO_AUTH_TOKEN only\n')
  return chosen
}

/** The request to explain, from the capture and the flags (which win over it). */
export async function requestOf (values: Values, io: Io): Promise<Request> {
  const file = stringOf(values, 'file')
  const capture: Capture = file === undefined ? { headers: {}, namesToken: false } : parseCapture(await io.readFile(file))
  const headers = headersOf(values, capture)
  const captured = capture.url ?? (capture.target !== undefined && headers.host !== undefined ? `http://${headers.host}${capture.target}` : undefined)
  const url = stringOf(values, 'url') ?? captured
  if (url === undefined) throw new CliError('explain needs the URL the app checked: --url, or a --file with the request (and its Host header)')
  const hints = hintsOf(values, capture, headers, url, captured)
  const given = await bodyOf(values, capture, io)
  const method = methodGiven(values, capture)
  // A GET's body is not signed.
  const body = method === 'GET' ? undefined : given
  const type = headers['content-type'] ?? ''
  const pairs = listOf(values, 'param')
  const signature = stringOf(values, 'signature') ?? headers['x-twilio-signature']
  // Without the body Twilio signed nothing verifies: say so, rather than blame the token.
  if (body === undefined && method !== 'GET' && pairs.length === 0 && signature !== undefined && capture.bodyMissing !== undefined) {
    throw new CliError(`${capture.bodyMissing}. Give the body with --body-file FILE or --body TEXT, or capture the request with curl --trace-ascii -, which prints the body as sent`)
  }
  const tokens = userTokens(values, capture, io)
  const input: ExplainInput = {
    url,
    method: method === 'GET' ? 'GET' : 'POST',
    signature,
    body,
    json: method === 'JSON' || /json/i.test(type) || (type === '' && body !== undefined && /^\s*[{[]/.test(body)),
    params: pairs.length > 0 ? paramsOf(pairs) : capture.params,
    settings: headers['x-twilio-webhooks-signature-settings'],
    hints,
    origin: { host: headers.host, forwardedHost: headers['x-forwarded-host'], forwardedProto: headers['x-forwarded-proto'] },
    maxParams: numberOf(values, 'max-params', DEFAULT_MAX_PARAMS, 1, LARGEST_MAX_PARAMS)
  }
  return { input, tokens, caveat: body !== undefined && body === capture.body ? capture.bodyCaveat : undefined }
}
