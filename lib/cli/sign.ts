/**
 * `sign`: the `X-Twilio-Signature` Twilio would send for a URL and parameters (a form POST, a
 * GET or a JSON body), to paste into curl. Signing is the testing kit's `signTwilioRequest`.
 */
import { signTwilioRequest } from '../testing/index'
import { CliError, EXIT, listOf, type Method, methodOf, parseCommand, paramsOf, stringOf, tokenOf } from './args'
import type { Io } from './io'

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string', multiple: true },
  method: { type: 'string' },
  param: { type: 'string', multiple: true },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  curl: { type: 'boolean' }
} as const

export function signHelp (): string {
  return `Usage: fastify-twilio-status sign --url URL [--param KEY=VALUE]… [options]

Print the X-Twilio-Signature Twilio would send for a URL and parameters.

Options:
  --url URL          the full URL Twilio requests (scheme, host, port, path and query, exactly)
  --token TOKEN      the Auth Token (default: the TWILIO_AUTH_TOKEN environment variable)
  --method METHOD    POST (a form body, the default: the parameters are signed after the URL),
                     GET (the parameters go into the URL's query, and the URL alone is signed) or
                     JSON (a JSON body: bodySHA256 is added to the URL, which is signed)
  --param KEY=VALUE  a parameter; a name given twice is a repeated parameter
  --body TEXT        JSON: the body, sent as is (default: the --param pairs as a JSON object)
  --body-file FILE   JSON: the body read from FILE (- for standard input)
  --curl             print a curl command that sends the signed request instead
  --no-color         accepted for symmetry: sign prints no colour

For GET and JSON the URL to request changes; it is printed on standard error (or in the
curl command), the signature alone on standard output.

Exit status: 0 signed, 2 usage error.

Examples:
  fastify-twilio-status sign --url https://hooks.example.com/twilio/sms/status \\
    --param MessageSid=SM123 --param MessageStatus=delivered
  curl https://hooks.example.com/twilio/sms/status -d MessageSid=SM123 -d MessageStatus=delivered \\
    -H "X-Twilio-Signature: $(fastify-twilio-status sign --url … --param …)"
`
}

export interface SignInput {
  readonly token: string
  readonly url: string
  readonly method: Method
  readonly params: Readonly<Record<string, string | readonly string[]>>
  /** JSON only: the body as is. */
  readonly body?: string
}

export interface Signed {
  readonly signature: string
  /** The URL to request: `url`, with the GET parameters or `bodySHA256` added. */
  readonly url: string
  readonly method: 'GET' | 'POST'
  /** The body to send (form-encoded or JSON); absent on GET. */
  readonly body?: string
  readonly contentType?: string
}

/** Form encoding as Twilio writes it: `+` for a space, a repeated name once per value. */
export function encodeForm (params: Readonly<Record<string, string | readonly string[]>>): string {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    for (const v of typeof value === 'string' ? [value] : value) form.append(name, v)
  }
  return form.toString()
}

/** Sign as Twilio does. Pure. */
export function signInput (input: SignInput): Signed {
  const { token: authToken, url } = input
  if (!/^https?:\/\/[^/?#]+/i.test(url)) throw new CliError(`--url is a full http(s) URL, got ${JSON.stringify(url)}`)
  const form = encodeForm(input.params)
  if (input.method === 'JSON') {
    const signed = signTwilioRequest({ authToken, url, json: input.body ?? JSON.stringify(input.params) })
    return { signature: signed.signature, url: signed.url, method: 'POST', body: signed.body, contentType: 'application/json' }
  }
  if (input.body !== undefined) throw new CliError('--body and --body-file go with --method JSON (a form body is given with --param)')
  if (input.method === 'GET') {
    const withQuery = form === '' ? url : url + (url.includes('?') ? '&' : '?') + form
    return { signature: signTwilioRequest({ authToken, url: withQuery, method: 'GET' }), url: withQuery, method: 'GET' }
  }
  return {
    signature: signTwilioRequest({ authToken, url, params: input.params }),
    url,
    method: 'POST',
    body: form,
    contentType: 'application/x-www-form-urlencoded'
  }
}

/** One argument for a POSIX shell, in single quotes. */
export function shellQuote (text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`
}

/** A curl command that sends the signed request. */
export function curlCommand (signed: Signed): string {
  const args = ['curl', '-sS', '-X', signed.method, shellQuote(signed.url), '-H', shellQuote(`X-Twilio-Signature: ${signed.signature}`)]
  if (signed.body !== undefined) args.push('-H', shellQuote(`Content-Type: ${signed.contentType as string}`), '--data-binary', shellQuote(signed.body))
  return args.join(' ')
}

/** `sign`: exit 0 once signed. */
export async function runSign (argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS)
  if (values.help === true) {
    io.stdout(signHelp())
    return EXIT.ok
  }
  if (positionals.length > 0) throw new CliError(`unexpected ${JSON.stringify(positionals[0])}: sign takes --url and --param`)
  const url = stringOf(values, 'url')
  if (url === undefined) throw new CliError('sign needs --url, the full URL Twilio requests')
  const bodyFile = stringOf(values, 'body-file')
  const method = methodOf(values)
  const params = paramsOf(listOf(values, 'param'))
  let body = stringOf(values, 'body')
  if (body !== undefined && bodyFile !== undefined) throw new CliError('give --body or --body-file, not both')
  if (bodyFile !== undefined) body = await io.readFile(bodyFile)
  if (body !== undefined && Object.keys(params).length > 0) throw new CliError('a JSON body is --body (or --body-file) or --param pairs, not both')
  const signed = signInput({ token: tokenOf(values, io.env), url, method, params, body })
  if (values.curl === true) {
    io.stdout(curlCommand(signed) + '\n')
  } else {
    if (signed.url !== url) io.stderr(`request URL: ${signed.url}\n`)
    io.stdout(signed.signature + '\n')
  }
  return EXIT.ok
}
