/**
 * `trigger`: send a running app the callbacks Twilio would send, signed by the testing kit, over
 * real HTTP, and print the answers.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import { randomBytes } from 'node:crypto'
import { CHANNELS, type Channel, FAMILIES } from '../families/index'
import {
  sampleCloudEvent, sampleEvent, sampleSid, signedEventStreamsInject, signedInject, type ParamOverrides,
  type SignedInjectOptions, type TwilioInjectOptions
} from '../testing/index'
import { sampleUuid } from '../testing/notification-samples'
import { checkPublicUrl, signedUrl } from '../verify/public-url'
import { bodyHash } from '../verify/signature'
import {
  channelOf, CliError, EXIT, listOf, type Method, methodOf, numberOf, parseCommand, paramsOf, statusOf, stringOf, tokenOf,
  type Values
} from './args'
import { type Io, printable, type Style, styleOf } from './io'

/** A whole realistic lifecycle per channel, in the order Twilio sends it. */
export const LIFECYCLES: Readonly<Record<Channel, readonly string[]>> = {
  sms: ['queued', 'sent', 'delivered'],
  call: ['initiated', 'ringing', 'in-progress', 'completed'],
  recording: ['in-progress', 'completed'],
  transcription: ['completed'],
  realtimeTranscription: ['transcription-started', 'transcription-content', 'transcription-stopped'],
  amd: ['human'],
  conference: ['conference-start', 'participant-join', 'participant-leave', 'conference-end'],
  taskrouter: ['task.created', 'reservation.created', 'reservation.accepted', 'reservation.completed', 'task.completed'],
  verify: ['factor.created', 'factor.verified', 'challenge.approved'],
  debugger: ['error'],
  eventStreams: ['com.twilio.messaging.message.queued', 'com.twilio.messaging.message.sent', 'com.twilio.messaging.message.delivered'],
  conversations: ['onConversationAdd', 'onConversationAdded', 'onMessageAdd', 'onMessageAdded'],
  taskrouterAssignment: ['assignment']
}

export const DEFAULT_URL = 'http://127.0.0.1:3000'

const OPTIONS = {
  url: { type: 'string' },
  'public-url': { type: 'string' },
  token: { type: 'string', multiple: true },
  method: { type: 'string' },
  param: { type: 'string', multiple: true },
  omit: { type: 'string', multiple: true },
  sid: { type: 'string' },
  seed: { type: 'string' },
  lifecycle: { type: 'boolean' },
  duplicates: { type: 'boolean' },
  'out-of-order': { type: 'boolean' },
  delay: { type: 'string' },
  timeout: { type: 'string' },
  header: { type: 'string', multiple: true },
  verbose: { type: 'boolean', short: 'v' }
} as const

export function triggerHelp (): string {
  const width = Math.max(...CHANNELS.map((c) => c.length))
  const channels = CHANNELS.map((c) => `  ${c.padEnd(width)}  ${wrap(FAMILIES[c].statuses, width + 4)}`).join('\n')
  return `Usage: fastify-twilio-status trigger <channel> <status> [options]
       fastify-twilio-status trigger <channel> --lifecycle [--duplicates] [--out-of-order] [options]

Send a running app a realistic Twilio callback, signed as Twilio signs it, and print the answer.

Channels (as the plugin's options name them) and their statuses:
${channels}
Event Streams types may be shortened to their tail: message.delivered, call.ringing, …

Options:
  --url URL          the app: its origin, to which the channel's default path is added, or the
                     route's full URL (default ${DEFAULT_URL})
  --public-url URL   the app's publicUrl option, when it sets one: that URL is signed
  --token TOKEN      the app's Auth Token (default: the TWILIO_AUTH_TOKEN environment variable)
  --method METHOD    POST (a form body, the default), GET (the query string) or JSON (a JSON
                     body, bodySHA256 in the URL); Event Streams batches are always JSON
  --param KEY=VALUE  set a parameter of the sample; a name given twice is sent twice
  --omit KEY         leave a parameter of the sample out
  --header 'NAME: VALUE'
                     send a header too: the credentials of an app with the auth option
                     ('Authorization: Basic …' or 'Bearer …'); -v prints it hidden
  --sid SID          the Sid (MessageSid, CallSid, …; an Event Streams event's id)
  --seed SEED        derive the Sids and the --out-of-order shuffle from SEED (default: at random);
                     the same seed sends the same events, which the app then runs once
  --lifecycle        send the channel's whole lifecycle: sms ${LIFECYCLES.sms.join(' → ')},
                     call ${LIFECYCLES.call.join(' → ')}, …
  --duplicates       with --lifecycle: send every event twice
  --out-of-order     with --lifecycle: send the events in a shuffled order
  --delay MS         wait MS between requests (default 0)
  --timeout MS       give up waiting for an answer after MS (default 15000, Twilio's own limit)
  -v, --verbose      print each request: the signed URL, its headers and body
  --no-color         no colour (also NO_COLOR=1; colour is used only on a terminal)

Exit status: 0 every answer was 2xx, 1 one was not, 2 usage error, 3 the app could not be reached.

Examples:
  fastify-twilio-status trigger sms delivered --url http://127.0.0.1:3000
  fastify-twilio-status trigger call --lifecycle --duplicates --out-of-order
  fastify-twilio-status trigger sms undelivered --param ErrorCode=30007 --method GET
`
}

/** `items` joined with `, `, wrapped at 96 columns, continuation lines indented by `indent`. */
function wrap (items: readonly string[], indent: number): string {
  const lines = ['']
  for (const item of items) {
    const last = lines.length - 1
    if (lines[last] !== '' && indent + lines[last].length + item.length + 2 > 96) lines.push('')
    lines[lines.length - 1] += (lines[lines.length - 1] === '' ? '' : ', ') + item
  }
  return lines.join(`,\n${' '.repeat(indent)}`)
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same shuffle. */
function random (seed: string): () => number {
  let state = parseInt(bodyHash(seed).slice(0, 8), 16)
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/**
 * The statuses a `--lifecycle` run sends, as `[status, place in the lifecycle]`: each twice with
 * `duplicates`, shuffled (never left in order) with `outOfOrder`.
 */
export function lifecycleOf (channel: Channel, options: { duplicates?: boolean, outOfOrder?: boolean, seed: string }): Array<[string, number]> {
  const steps = LIFECYCLES[channel].flatMap((status, i): Array<[string, number]> => options.duplicates === true ? [[status, i], [status, i]] : [[status, i]])
  if (options.outOfOrder !== true) return steps
  const next = random(options.seed)
  const shuffled = [...steps]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]
  }
  const inOrder = shuffled.every(([, place], i) => place === steps[i][1])
  // Still in order: move the first event to the end (a lifecycle of one stays as it is).
  return inOrder ? [...shuffled.slice(1), shuffled[0]] : shuffled
}

export interface TriggerOptions {
  readonly channel: Channel
  /** The statuses to send, each with its place in the lifecycle (`0` for a single trigger). */
  readonly steps: ReadonlyArray<readonly [string, number]>
  readonly url: string
  readonly publicUrl?: string
  readonly method: Method
  readonly token: string
  readonly params: ParamOverrides
  readonly sid?: string
  readonly seed: string
  /** Headers sent besides the signed request's (lower-case names): an app's `auth` credentials. */
  readonly headers?: Readonly<Record<string, string>>
}

export interface PlannedRequest extends TwilioInjectOptions {
  /** `sms delivered`. */
  readonly label: string
  /** `MessageSid=SM…`. */
  readonly subject: string
  /** The URL the signature covers: `publicUrl` or the origin, then the request target. */
  readonly signedUrl: string
}

export interface TriggerPlan {
  /** `scheme://host[:port]`: where the requests go. */
  readonly origin: string
  readonly requests: readonly PlannedRequest[]
}

/** `http(s)://host[:port]` and the route, if the URL names one beyond `/`. */
export function splitTarget (url: string): { scheme: 'http' | 'https', authority: string, route: string | undefined } {
  const match = /^(https?):\/\/([^/?#]+)(\/[^#]*)?(#.*)?$/i.exec(url)
  if (match === null) throw new CliError(`--url is http(s)://host[:port][/path], got ${JSON.stringify(url)}`)
  const route = match[3] === undefined || match[3] === '/' ? undefined : match[3]
  return { scheme: match[1].toLowerCase() as 'http' | 'https', authority: match[2], route }
}

/** The Sid a seeded run sends: the sample's prefix and the seed; a Verify `uuid`, which has none, from the seed and the status. */
function seededSid (sample: string, status: string, seed: string): string {
  return /^[A-Z]{2}/.test(sample) ? sampleSid(sample.slice(0, 2), seed) : sampleUuid(`${seed}:${status}`)
}

/** The signed requests a trigger sends: pure, so that what is sent can be checked without a server. */
export function planTrigger (options: TriggerOptions): TriggerPlan {
  const { scheme, authority, route } = splitTarget(options.url)
  const { channel } = options
  const family = FAMILIES[channel]
  const where = { authToken: options.token, host: authority, protocol: scheme, path: route, publicUrl: options.publicUrl }
  const requests = options.steps.map(([status, place]): PlannedRequest => {
    let request: TwilioInjectOptions
    let sid: string
    if (channel === 'eventStreams') {
      const event = new Map(Object.entries(sampleCloudEvent(status, options.seed)))
      for (const [name, value] of Object.entries(options.params)) {
        if (value === undefined) event.delete(name)
        else event.set(name, value)
      }
      if (options.sid !== undefined) event.set('id', options.sid)
      sid = event.get('id') as string
      request = signedEventStreamsInject({ ...where, events: [Object.fromEntries(event)] })
    } else {
      const sidParam = family.sidParams[0]
      const given = options.params[sidParam]
      // An event about what does not exist yet (Conversations' onConversationAdd) carries no Sid.
      const sampled = sampleEvent(channel, status)[sidParam] as string | undefined
      sid = typeof given === 'string' ? given : options.sid ?? (sampled === undefined ? '' : seededSid(sampled, status, options.seed))
      // A conference's events each carry their place in it; the other samples number themselves.
      const params = channel === 'conference' ? { SequenceNumber: String(place + 1), ...options.params } : options.params
      request = signedInject({
        ...where, channel, status, sid: sid === '' ? undefined : sid, params, method: options.method === 'GET' ? 'GET' : 'POST', json: options.method === 'JSON'
      } as SignedInjectOptions)
    }
    // Twilio sends no X-Forwarded-Proto (an https URL is reached over TLS itself): the kit's goes;
    // one given with --header (a proxy in front, say) is sent.
    const { 'x-forwarded-proto': _proto, ...own } = request.headers as Record<string, string>
    const headers = { ...own, ...options.headers }
    const signed = signedUrl(options.publicUrl?.replace(/\/$/, '') ?? null, { protocol: scheme, host: authority }, request.url)
    return { ...request, headers, label: `${channel} ${status}`, subject: sid === '' ? `no ${family.sidParams[0]}` : `${family.sidParams[0]}=${sid}`, signedUrl: signed }
  })
  return { origin: `${scheme}://${authority}`, requests }
}

export interface Answer {
  readonly status: number
  readonly statusText: string
  readonly contentType: string | undefined
  readonly body: string
  readonly ms: number
}

const MAX_ANSWER = 64 * 1024

/** Send one planned request and read its answer (the first 64 KiB of the body). */
export async function deliver (origin: string, request: TwilioInjectOptions, timeout: number): Promise<Answer> {
  const url = new URL(origin)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const started = performance.now()
  return await new Promise<Answer>((resolve, reject) => {
    const req = send({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      method: request.method,
      path: request.url,
      headers: request.payload === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.payload)) },
      timeout
    }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { if (body.length < MAX_ANSWER) body += chunk })
      res.on('end', () => {
        resolve({
          status: res.statusCode as number,
          statusText: res.statusMessage as string,
          contentType: res.headers['content-type'],
          body: body.slice(0, MAX_ANSWER),
          ms: performance.now() - started
        })
      })
    })
    req.on('timeout', () => { req.destroy(new CliError(`${origin} did not answer within ${timeout} ms`, EXIT.unreachable)) })
    req.on('error', (err: Error) => {
      reject(err instanceof CliError ? err : new CliError(`cannot reach ${origin}: ${err.message}`, EXIT.unreachable))
    })
    req.end(request.payload)
  })
}

/** The request target as printed: the path, and `?…` for a query too long to read. */
function shown (target: string): string {
  return target.length > 100 ? `${target.slice(0, target.indexOf('?') + 1)}…` : target
}

function oneLine (text: string, max: number): string {
  const line = text.replace(/\s*\n\s*/g, ' ')
  return line.length > max ? line.slice(0, max - 1) + '…' : line
}

function optionsOf (values: Values, positionals: string[], io: Io): { options: TriggerOptions, delay: number, timeout: number } {
  const channel = channelOf(positionals[0])
  const lifecycle = values.lifecycle === true
  if (positionals.length > (lifecycle ? 1 : 2)) throw new CliError(`unexpected ${JSON.stringify(positionals[lifecycle ? 1 : 2])}${lifecycle ? ': --lifecycle sends every status' : ''}`)
  if (!lifecycle && (values.duplicates === true || values['out-of-order'] === true)) throw new CliError('--duplicates and --out-of-order go with --lifecycle')
  const method = methodOf(values)
  if (channel === 'eventStreams' && method === 'GET') throw new CliError('Event Streams sends JSON batches: --method GET does not apply')
  const sid = stringOf(values, 'sid')
  if (channel === 'eventStreams' && lifecycle && sid !== undefined) throw new CliError('each Event Streams event has its own id: use --seed with --lifecycle, not --sid')
  const seed = stringOf(values, 'seed') ?? randomBytes(8).toString('hex')
  const params: Record<string, string | readonly string[] | undefined> = paramsOf(listOf(values, 'param'))
  for (const name of listOf(values, 'omit')) params[name] = undefined
  const steps = lifecycle
    ? lifecycleOf(channel, { duplicates: values.duplicates === true, outOfOrder: values['out-of-order'] === true, seed })
    : [[statusOf(channel, positionals[1]), 0] as [string, number]]
  const options: TriggerOptions = {
    channel,
    steps,
    url: stringOf(values, 'url') ?? DEFAULT_URL,
    publicUrl: publicUrlOf(values),
    method,
    token: tokenOf(values, io.env),
    params,
    sid,
    seed,
    headers: headersOf(listOf(values, 'header'))
  }
  return { options, delay: numberOf(values, 'delay', 0, 0, 60_000), timeout: numberOf(values, 'timeout', 15_000, 1, 600_000) }
}

/** What the request is signed over or framed by cannot be given as a `--header`. */
const OWN_HEADERS = new Set(['host', 'content-type', 'content-length', 'x-twilio-signature', 'x-twilio-webhooks-signature-settings'])

/** `--header 'Name: value'`, each once, by lower-case name. */
function headersOf (given: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const header of given) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(header)
    // eslint-disable-next-line no-control-regex -- a control character is what is refused
    if (match === null || /[\x00-\x08\x0a-\x1f\x7f]/.test(match[2])) throw new CliError(`--header is 'Name: value', got ${JSON.stringify(header)}`)
    const name = match[1].toLowerCase()
    if (OWN_HEADERS.has(name)) throw new CliError(`--header ${match[1]}: trigger sets it from the request it signs`)
    if (Object.hasOwn(headers, name)) throw new CliError(`--header ${match[1]} is given twice`)
    headers[name] = match[2]
  }
  return headers
}

/** A header's value as -v prints it: a credential's scheme only. */
function shownHeader (name: string, value: string): string {
  return name === 'authorization' || name === 'proxy-authorization' ? `${value.split(' ')[0]} (hidden)` : value
}

/** `--public-url`, checked and trimmed as the plugin checks its `publicUrl` option. */
function publicUrlOf (values: Values): string | undefined {
  const value = stringOf(values, 'public-url')
  if (value === undefined) return undefined
  const checked = checkPublicUrl(value)
  if ('expected' in checked) throw new CliError(`--public-url must be ${checked.expected}, as the app's publicUrl option`)
  return checked.base
}

function printRequest (io: Io, style: Style, plan: TriggerPlan, request: PlannedRequest, count: string, verbose: boolean): void {
  io.stdout(`${style.dim('→')} ${count}${request.method} ${printable(plan.origin + shown(request.url))}  ${style.bold(request.label)}  ${style.dim(printable(request.subject))}\n`)
  if (!verbose) return
  const lines = [`signed URL: ${request.signedUrl}`, `target: ${request.url}`, ...Object.entries(request.headers).map(([name, value]) => `${name}: ${shownHeader(name, value)}`)]
  if (request.payload !== undefined) lines.push(`body: ${request.payload}`)
  for (const line of lines) io.stdout(style.dim(`  ${printable(line)}`) + '\n')
}

/** `trigger`: exit 0 when every answer is 2xx. */
export async function runTrigger (argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS)
  if (values.help === true) {
    io.stdout(triggerHelp())
    return EXIT.ok
  }
  const style = styleOf(io.color && values['no-color'] !== true)
  const { options, delay, timeout } = optionsOf(values, positionals, io)
  const plan = planTrigger(options)
  // A lifecycle of one event (amd, transcription) is summed up as the others are.
  const many = values.lifecycle === true
  const refused: number[] = []
  for (const [i, request] of plan.requests.entries()) {
    if (i > 0 && delay > 0) await sleep(delay)
    printRequest(io, style, plan, request, many ? `${i + 1}/${plan.requests.length} ` : '', values.verbose === true)
    const answer = await deliver(plan.origin, request, timeout)
    const ok = answer.status >= 200 && answer.status < 300
    if (!ok) refused.push(answer.status)
    // The answer is the app's (or whatever listens at --url): printed, never obeyed by the terminal.
    const status = printable(`${answer.status} ${answer.statusText}`)
    const type = answer.contentType === undefined ? '' : `  ${style.dim(printable(answer.contentType))}`
    const body = many ? `  ${printable(oneLine(answer.body, 100))}` : ''
    io.stdout(`${style.dim('←')} ${ok ? style.ok(status) : style.bad(status)}${type}  ${style.dim(`${answer.ms.toFixed(0)} ms`)}${body}\n`)
    if (!many && answer.body !== '') io.stdout(`${printable(answer.body, true)}${answer.body.endsWith('\n') ? '' : '\n'}`)
  }
  if (many) {
    const others = refused.length === 0 ? '' : `, ${refused.length} not (${[...new Set(refused)].join(', ')})`
    io.stdout(`${plan.requests.length} sent: ${plan.requests.length - refused.length} answered 2xx${others}\n`)
  }
  if (refused.includes(403)) {
    io.stderr(style.warn('403: the app refused the signature. Is --token its authToken, and --public-url its publicUrl (if it sets one)?') +
      '\nIts warn log names the URLs it tried; `fastify-twilio-status explain` says what differs.\n')
  }
  return refused.length === 0 ? EXIT.ok : EXIT.failed
}
