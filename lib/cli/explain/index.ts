/**
 * `explain`: whether a captured request verifies and, if not, what differs from what Twilio
 * signed. This file wires the command; the diagnosis is pure (`./diagnose`). Tokens are never printed.
 */
import { DEFAULT_MAX_PARAMS } from '../../verify/form'
import { CliError, EXIT, parseCommand } from '../args'
import { type Io, styleOf } from '../io'
import { diagnose } from './diagnose'
import { requestOf } from './input'
import { render } from './render'

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  url: { type: 'string' },
  method: { type: 'string' },
  signature: { type: 'string' },
  header: { type: 'string', multiple: true },
  param: { type: 'string', multiple: true },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  token: { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  'max-params': { type: 'string' }
} as const

/** `explain --help`. */
export function explainHelp (): string {
  return `Usage: fastify-twilio-status explain [--file FILE] [options]

Say whether a captured Twilio request verifies and, when it does not, what differs from what
Twilio signed: scheme (a TLS proxy), host, port, path prefix, query encoding, token, a body
parser's damage, a GET's parameters sent as a body, a JSON URL without bodySHA256. Tokens are
never printed.

The request, from a file, flags, or both (flags win):
  -f, --file FILE      a raw HTTP request (request line, headers, a blank line, the body: as a
                       tunnel's inspector shows it), what curl -v or curl --trace-ascii - printed
                       (-v leaves the body out: add --body-file), or a JSON object with url (or
                       urls, as in the plugin's warn log), method, headers, body (raw text) or
                       params; - reads standard input. A token in the file is never used
  --url URL            the URL the app checked: the first of the warn log's urls, or its
                       scheme://host[:port] and the request target as it arrived (default: http://
                       and the capture's Host and target)
  --method METHOD      POST (a form body, the default), GET, or JSON (a JSON body)
  --signature SIG      the X-Twilio-Signature header
  --header 'NAME: V'   another header: X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Prefix,
                       X-Twilio-Webhooks-Signature-Settings, Content-Type (repeatable)
  --body TEXT          the raw body as it arrived (--body-file FILE reads it, - for stdin)
  --param KEY=VALUE    the parameters; with a raw body, the ones the app parsed, compared with it
  --token TOKEN        a token to try, repeatable: the app's, the previous one of a rotation, a
                       subaccount's (default: TWILIO_AUTH_TOKEN); the one that signs is named by
                       its place (#1, #2, …)
  --public-url URL     the callback URL configured at Twilio, or the app's publicUrl option
  --max-params N       the app's maxParams option (default ${DEFAULT_MAX_PARAMS}): the plugin refuses a request
                       with more parameters before any signature check, and so does explain
  --no-color           no colour (also NO_COLOR=1; colour is used only on a terminal)

Exit status: 0 it verifies, 1 it does not, 2 usage error.

Example, with the URL from the plugin's warn log and the request from a tunnel's inspector:
  fastify-twilio-status explain --file request.txt --url http://10.0.0.7:3000/twilio/sms/status
`
}

/** `explain`: exit 0 when the request verifies. */
export async function runExplain (argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS)
  if (values.help === true) {
    io.stdout(explainHelp())
    return EXIT.ok
  }
  if (positionals.length > 0) throw new CliError(`unexpected ${JSON.stringify(positionals[0])}: give the request with --file or flags`)
  const { input, tokens, caveat } = await requestOf(values, io)
  const diagnosis = diagnose(input, tokens)
  io.stdout(render(diagnosis, styleOf(io.color && values['no-color'] !== true)))
  if (!diagnosis.verifies && caveat !== undefined) io.stderr(`fastify-twilio-status: ${caveat}\n`)
  return diagnosis.verifies ? EXIT.ok : EXIT.failed
}
