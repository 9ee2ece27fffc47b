/**
 * `explain`: whether a captured request verifies and, when it does not, what differs from what
 * Twilio signed. The diagnosis (`diagnose`) is pure: it verifies with the plugin's own verifier
 * (`lib/verify/signature`), first as the app received the request, then with the changes that
 * break signatures in practice (docs/twilio-facts.md §6) applied to it, fewest first: scheme
 * (a TLS proxy), host, port (Twilio's port quirk, §1.5), path prefix, query encoding, a GET's
 * parameters sent as a body, a JSON URL without `bodySHA256`, a body parser's damage, and which
 * of the tokens given signs it (rotation, subaccounts, §5). Tokens are never printed.
 * A capture is untrusted: a token written in it is never used, what it holds is printed with
 * its control characters escaped, and it is bounded by maxParams as the plugin bounds a request.
 */
import { MalformedBodyError } from '../errors'
import { accountSidOf, jsonObjectOf } from '../families/account'
import { DEFAULT_MAX_PARAMS, parseForm } from '../verify/form'
import { isAuthority, schemeOf } from '../verify/public-url'
import {
  algorithmOf, bodyHash, createVerifier, type Params, parseSignatureSettings, type RejectReason, signingKey, type SigningKey
} from '../verify/signature'
import { CliError, EXIT, listOf, methodOf, numberOf, parseCommand, paramsOf, stringOf, tokensOf } from './args'
import { type Capture, parseCapture } from './capture'
import { type Io, printable, type Style, styleOf, wrapText } from './io'
import { encodeForm } from './sign'

/** Where else Twilio may have called: what `--public-url` and the `X-Forwarded-*` headers say. */
export interface Hints {
  readonly publicUrl?: string
  readonly proto?: string
  readonly host?: string
  readonly prefix?: string
  readonly port?: string
}

/** `Host`, and the `X-Forwarded-*` headers Fastify reads under `trustProxy` (their last entry). */
export interface Origin {
  readonly host?: string | undefined
  readonly forwardedHost?: string | undefined
  readonly forwardedProto?: string | undefined
}

export interface ExplainInput {
  /** The URL the app checked: `scheme://host[:port]` and the request target as it arrived. */
  readonly url: string
  readonly method: 'GET' | 'POST'
  /** `X-Twilio-Signature`. */
  readonly signature: string | string[] | undefined
  /** The raw body as it arrived, when known. */
  readonly body?: string
  /** The body is JSON (signed through `bodySHA256`). */
  readonly json?: boolean
  /** The parameters: the ones the app parsed when `body` is known too, else the body's. */
  readonly params?: Params
  /** `X-Twilio-Webhooks-Signature-Settings`, when sent (a SharedKey signature). */
  readonly settings?: string
  readonly hints?: Hints
  /** The headers as captured that, without `publicUrl`, the plugin builds the signed URL's origin from. */
  readonly origin?: Origin
  /** The app's `maxParams` option: the plugin refuses a request with more parameters (default 256). */
  readonly maxParams?: number
}

export type Part = 'signature' | 'scheme' | 'host' | 'port' | 'prefix' | 'path' | 'query' | 'method' | 'json' | 'body'

export interface Finding {
  readonly part: Part
  /** What the app had. */
  readonly seen: string
  /** What Twilio signed. */
  readonly signed: string
  /** Why they differ, and what to do. */
  readonly why: string
  /** The fix in one line, printed after the findings (a `publicUrl` to set is `Diagnosis.publicUrl`). */
  readonly fix?: string
}

export interface Diagnosis {
  /** The app, with the plugin's strict parser, would accept the request as it arrived. */
  readonly verifies: boolean
  /** Why the plugin refuses it as it arrived (its warn log's `reason`); `null` when it verifies. */
  readonly reason: RejectReason | 'invalid-host' | 'malformed-body' | 'body-parser' | 'too-many-params' | null
  readonly url: string
  /** The URL Twilio signed, when found. */
  readonly signedUrl: string | null
  /** Which token signs it (0-based, in the order given), when found. */
  readonly tokenIndex: number | null
  readonly tokenCount: number
  readonly findings: readonly Finding[]
  readonly notes: readonly string[]
  /** The `publicUrl` option that would fix the URL's origin or prefix, when that is what differs. */
  readonly publicUrl: string | null
  /** How many variants of the request were verified. */
  readonly tried: number
}

interface UrlParts {
  readonly scheme: string
  readonly host: string
  /** `''` when the URL names none. */
  readonly port: string
  readonly path: string
  /** Without the `?`; `null` when there is none. */
  readonly query: string | null
}

/** A URL in parts, byte for byte (never through `new URL`); userinfo is dropped, as Twilio does. */
export function partsOf (url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/i.exec(url)
  if (match === null) return null
  const authority = match[2].slice(match[2].lastIndexOf('@') + 1)
  const colon = authority.indexOf(':', authority.lastIndexOf(']') + 1)
  return {
    scheme: match[1].toLowerCase(),
    host: colon === -1 ? authority : authority.slice(0, colon),
    port: colon === -1 ? '' : authority.slice(colon + 1),
    path: match[3],
    query: match[4] ?? null
  }
}

function urlOf (p: UrlParts): string {
  return `${p.scheme}://${p.host}${p.port === '' ? '' : ':' + p.port}${p.path}${p.query === null ? '' : '?' + p.query}`
}

const defaultPort = (scheme: string): string => scheme === 'https' ? '443' : '80'

interface Choice<T> {
  readonly value: T
  readonly cost: number
  readonly label?: string
}

/** The observed value (cost 0) and the others (cost 1), each once. */
function choices<T> (observed: T, others: ReadonlyArray<T | undefined>): Array<Choice<T>> {
  const list: Array<Choice<T>> = [{ value: observed, cost: 0 }]
  for (const value of others) {
    if (value !== undefined && !list.some((c) => c.value === value)) list.push({ value, cost: 1 })
  }
  return list
}

/** Ways a query string is re-encoded on its way, each undone or redone here (docs/twilio-facts.md §6 #2). */
const QUERY_FORMS: ReadonlyArray<readonly [string, (query: string) => string]> = [
  ['percent-encoded as WHATWG URL does', (q) => new URL(`http://h/?${q}`).search.slice(1)],
  ['re-encoded as a form (URLSearchParams)', (q) => new URLSearchParams(q).toString()],
  ['spaces written as + or %20', (q) => q.replace(/\+/g, '%20')],
  ['spaces written as + or %20', (q) => q.replace(/%20/g, '+')],
  ['punctuation percent-encoded or not', (q) => q.replace(/%(2[14789ACFacf]|3[ABFabf]|40|7[Ee])/g, (m) => decodeURIComponent(m))],
  ['percent escapes in another case', (q) => q.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase())],
  ['percent escapes in another case', (q) => q.replace(/%[0-9a-f]{2}/gi, (m) => m.toLowerCase())]
]

function permutations<T> (items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

/** Path prefixes a proxy commonly strips, tried when nothing names one. */
const PREFIXES = ['/api', '/webhooks', '/webhook', '/hooks', '/twilio', '/app', '/v1']
const PORTS = ['', '443', '80', '8443', '8080', '3000', '8000', '5000']

function prefixOf (path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  const trimmed = ('/' + path.trim()).replace(/\/+/g, '/').replace(/\/$/, '')
  return trimmed === '' ? undefined : trimmed
}

interface UrlVariant {
  readonly url: string
  readonly parts: UrlParts
  /** The prefix put before the path the app saw, if any. */
  readonly prefix: string
  readonly queryLabel?: string
  readonly cost: number
}

/** Every URL Twilio may have signed instead of the one the app saw, the observed one first, by cost. */
function urlVariants (url: string, observed: UrlParts, hints: Hints): UrlVariant[] {
  const publicParts = hints.publicUrl === undefined ? null : partsOf(hints.publicUrl)
  const forwarded = hints.host === undefined ? null : partsOf(`http://${hints.host.split(',')[0].trim()}`)
  const schemes = choices(observed.scheme, [observed.scheme === 'https' ? 'http' : 'https', hints.proto?.split(',')[0].trim().toLowerCase(), publicParts?.scheme])
  // Host and port together: a host a header names comes with its own port, as one change.
  const authorities: Array<Choice<readonly [string, string]>> = []
  const addAuthority = (host: string, port: string, cost: number): void => {
    const known = authorities.find((a) => a.value[0] === host && a.value[1] === port)
    if (known === undefined) authorities.push({ value: [host, port], cost })
  }
  addAuthority(observed.host, observed.port, 0)
  if (hints.port !== undefined) addAuthority(observed.host, hints.port.trim(), 1)
  for (const named of [forwarded, publicParts]) if (named !== null) addAuthority(named.host, named.port, 1)
  for (const port of PORTS) addAuthority(observed.host, port, 1)
  for (const named of [forwarded, publicParts]) if (named !== null) for (const port of PORTS) addAuthority(named.host, port, 2)
  const prefixes = choices('', [prefixOf(hints.prefix), prefixOf(publicParts?.path), ...PREFIXES])
  const segments = observed.path.split('/')
  const tails = choices(observed.path, [
    // The app is reached under a prefix Twilio did not request.
    segments.length > 2 ? '/' + segments.slice(2).join('/') : undefined,
    // A trailing slash added or removed.
    observed.path.endsWith('/') ? observed.path.replace(/\/+$/, '') : observed.path + '/'
  ].filter((p) => p !== ''))
  const queries: Array<Choice<string | null>> = [{ value: observed.query, cost: 0 }]
  if (observed.query !== null && observed.query !== '') {
    const forms = QUERY_FORMS.map(([label, form]) => [label, form((observed.query as string))] as const)
    // A framework that sorts the query (docs/twilio-facts.md §6 #2) loses the order: try them all, for a short one.
    const pairs = observed.query.split('&')
    if (pairs.length <= 4) for (const order of permutations(pairs)) forms.push(['parameters reordered', order.join('&')])
    for (const [label, value] of forms) {
      if (!queries.some((q) => q.value === value)) queries.push({ value, cost: 1, label })
    }
  }
  const variants: UrlVariant[] = []
  for (const scheme of schemes) {
    for (const authority of authorities) {
      for (const prefix of prefixes) {
        for (const tail of tails) {
          for (const query of queries) {
            const cost = scheme.cost + authority.cost + prefix.cost + tail.cost + query.cost
            if (cost > 3) continue
            const [host, port] = authority.value
            const parts = { scheme: scheme.value, host, port, path: prefix.value + tail.value, query: query.value }
            variants.push({ url: cost === 0 ? url : urlOf(parts), parts, prefix: prefix.value, queryLabel: query.label, cost })
          }
        }
      }
    }
  }
  // Twilio's public URL as a whole: one change, however many of its parts differ.
  if (publicParts !== null) {
    const parts = { ...publicParts, path: (prefixOf(publicParts.path) ?? '') + observed.path, query: observed.query }
    variants.push({ url: urlOf(parts), parts, prefix: prefixOf(publicParts.path) ?? '', cost: 1 })
  }
  return variants.sort((a, b) => a.cost - b.cost)
}

type Kind = 'as-received' | 'get-twice' | 'get-query' | 'json-hash' | 'trim'

interface BodyVariant {
  readonly kind: Kind
  readonly params: Params | null
  readonly rawBody?: string
  /** Appended to the URL's query: a GET's parameters, or `bodySHA256`. */
  readonly query?: string
  readonly cost: number
  readonly finding?: Omit<Finding, 'part'> & { part: Part }
}

function withQuery (url: string, query: string): string {
  return url + (url.includes('?') ? '&' : '?') + query
}

function clip (value: string): string {
  return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)
}

/** The signed parameters read another way: a GET's query, a JSON URL's `bodySHA256`, a trimmed value restored. */
function bodyVariants (input: ExplainInput, signed: Params | null, rawBody: string | undefined, query: string | null): BodyVariant[] {
  const variants: BodyVariant[] = [{ kind: 'as-received', params: signed, rawBody, cost: 0 }]
  const named = signed !== null && Object.keys(signed).length > 0
  if (input.json === true && rawBody !== undefined && !/(?:^|&)bodySHA256=/.test(query ?? '')) {
    variants.push({
      kind: 'json-hash',
      params: null,
      rawBody,
      query: `bodySHA256=${bodyHash(rawBody)}`,
      cost: 1,
      finding: {
        part: 'json',
        seen: 'no bodySHA256 in the URL',
        signed: `bodySHA256=${bodyHash(rawBody)}`,
        why: 'Twilio adds bodySHA256 (the body\'s SHA-256) to the URL of a JSON callback and signs that URL: the query was dropped on the way to the app.',
        fix: 'pass the request target to the app unchanged, with its query string (?bodySHA256=…).'
      }
    })
  }
  if (input.method === 'POST' && input.json !== true && named) {
    if (query !== null && query !== '') {
      variants.push({
        kind: 'get-twice',
        params: null,
        cost: 1,
        finding: {
          part: 'method',
          seen: 'the parameters counted as body parameters',
          signed: 'the URL alone',
          why: 'Twilio signed a GET: its parameters are in the URL\'s query, and the URL alone is signed. Counting them again as body parameters breaks the signature.'
        }
      })
    }
    variants.push({
      kind: 'get-query',
      params: null,
      query: encodeForm(signed),
      cost: 1,
      finding: {
        part: 'method',
        seen: 'POST, the parameters in the body',
        signed: 'GET, the parameters in the query string',
        why: 'Twilio signed these parameters as a GET (StatusCallbackMethod=GET): they belong in the URL\'s query string, which is signed alone; sent as a body they do not verify.'
      }
    })
  }
  if (input.method === 'GET' && input.params !== undefined && Object.keys(input.params).length > 0) {
    variants.push({
      kind: 'get-query',
      params: null,
      query: encodeForm(input.params),
      cost: 1,
      finding: {
        part: 'method',
        seen: 'a GET URL without its parameters',
        signed: 'the parameters in the URL\'s query string',
        why: 'A GET\'s parameters are part of its URL, which Twilio signs alone: give the URL with its query, not the parameters beside it.'
      }
    })
  }
  // Without the raw body, a value a parser trimmed can be guessed back (one at a time): each
  // guess is an HMAC over every parameter, so only for as many as Twilio sends.
  if (input.method === 'POST' && input.json !== true && input.body === undefined && signed !== null && Object.keys(signed).length <= TRIM_GUESSES) {
    for (const [name, value] of Object.entries(signed)) {
      if (typeof value !== 'string') continue
      for (const restored of [value + ' ', ' ' + value, value + '\n']) {
        variants.push({
          kind: 'trim',
          params: { ...signed, [name]: restored },
          cost: 1,
          finding: { part: 'body', seen: `${name}=${clip(value)}`, signed: `${name}=${clip(restored)}`, why: TRIMMED }
        })
      }
    }
  }
  return variants
}

/** Trimmed values are guessed back only for up to this many parameters (Twilio sends a few dozen). */
export const TRIM_GUESSES = 100

const TRIMMED = 'A body parser trimmed the value: Twilio signs it as sent. Parse forms with one that keeps values as they are (@fastify/formbody, or the plugin\'s own routes); turn off trimming middleware.'

/** What a body parser changed, from the raw body's parameters (`sent`) to the app's (`seen`). */
export function damageOf (sent: Params, seen: Params): Finding[] {
  const findings: Finding[] = []
  for (const [name, value] of Object.entries(sent)) {
    const other = Object.hasOwn(seen, name) ? seen[name] : undefined
    const show = (v: string | readonly string[]): string => typeof v === 'string' ? `${name}=${clip(v)}` : `${name} × ${v.length}: ${v.map(clip).join(', ')}`
    if (other === undefined) {
      findings.push({ part: 'body', seen: `no ${name}`, signed: show(value), why: 'The app\'s parser dropped the parameter (an empty value, or a name it does not expect?): every parameter Twilio sent is signed.' })
    } else if (typeof value !== 'string' && (typeof other === 'string' || other.length < value.length)) {
      findings.push({ part: 'body', seen: show(other), signed: show(value), why: 'The app\'s parser kept fewer values of a repeated name than Twilio sent: every value is signed. Use a parser that keeps them all as a list (@fastify/formbody, or the plugin\'s own routes).' })
    } else if (JSON.stringify(value) !== JSON.stringify(other)) {
      const trimmed = typeof value === 'string' && typeof other === 'string' && value.trim() === other
      findings.push({ part: 'body', seen: show(other), signed: show(value), why: trimmed ? TRIMMED : 'The app\'s parser changed the value (decoding, nesting or type conversion): Twilio signs the value as sent.' })
    }
  }
  for (const name of Object.keys(seen)) {
    if (!Object.hasOwn(sent, name)) {
      findings.push({ part: 'body', seen: `${name} (not in the body)`, signed: `no ${name}`, why: 'The app\'s parser added a parameter Twilio did not send (nested names such as a[b] rebuilt, a field merged in): only what Twilio sent is signed.' })
    }
  }
  return findings
}

/** What a URL that verifies differs in from the one the app saw. */
function urlFindings (seen: UrlParts, variant: UrlVariant, signedPort: string): { findings: Finding[], publicUrl: string | null } {
  const findings: Finding[] = []
  const signed = variant.parts
  let origin = false
  if (signed.scheme !== seen.scheme) {
    origin = true
    findings.push({
      part: 'scheme',
      seen: seen.scheme,
      signed: signed.scheme,
      why: 'A proxy, load balancer or tunnel terminates TLS in front of the app, which then sees http. Set publicUrl, or Fastify\'s trustProxy so that X-Forwarded-Proto counts (only when the app cannot be reached but through the proxy).'
    })
  }
  if (signed.host !== seen.host) {
    origin = true
    findings.push({
      part: 'host',
      seen: seen.host,
      signed: signed.host,
      why: 'The Host the app sees is not the host Twilio called: a proxy or tunnel rewrites it. Set publicUrl, or trustProxy so that X-Forwarded-Host counts.'
    })
  }
  // The verifier tries the port the app saw and no port (or the default one): only another port matters.
  const handled = signedPort === seen.port || signedPort === '' || (seen.port === '' && signedPort === defaultPort(signed.scheme))
  if (!handled) {
    origin = true
    findings.push({
      part: 'port',
      seen: seen.port === '' ? 'no port' : seen.port,
      signed: signedPort,
      why: 'Twilio signs the port in the URL it calls on SMS and plain-HTTP callbacks (and drops it on voice over https); the plugin tries the URL with the port the app sees and without one, but not another port. Set publicUrl with this port.'
    })
  }
  if (variant.prefix !== '') {
    findings.push({
      part: 'prefix',
      seen: seen.path,
      signed: signed.path,
      why: `A proxy strips ${variant.prefix} from the path before the app sees it. Set publicUrl to the base URL with the prefix.`
    })
  } else if (signed.path !== seen.path) {
    const slash = signed.path.replace(/\/+$/, '') === seen.path.replace(/\/+$/, '')
    findings.push({
      part: 'path',
      seen: seen.path,
      signed: signed.path,
      why: slash
        ? 'A trailing slash was added or removed on the way (a redirect or rewrite): Twilio signs the path it requested. Configure the callback URL exactly as the app\'s route.'
        : `The app sees ${seen.path.slice(0, seen.path.length - signed.path.length)} before the path Twilio requested: a proxy or rewrite adds it. The plugin signs publicUrl (or the origin) followed by the path it receives, so that path must be the one Twilio requested.`
    })
  }
  if (signed.query !== seen.query) {
    findings.push({
      part: 'query',
      seen: `?${seen.query as string}`,
      signed: `?${signed.query as string}`,
      why: `The query string was re-encoded on the way (${variant.queryLabel as string}): by a proxy that normalises URLs, or in a copy of the URL from a log. Twilio signs the bytes it sent, so the app must receive the request target unchanged.`
    })
  }
  // A default port need not be written: the plugin adds it to the candidates itself.
  const port = signedPort === '' || signedPort === defaultPort(signed.scheme) ? '' : ':' + signedPort
  const publicUrl = origin || variant.prefix !== '' ? `${signed.scheme}://${signed.host}${port}${variant.prefix}` : null
  return { findings, publicUrl }
}

/**
 * The respellings the plugin's verifier allowed for when it verified a URL (`seen`) as
 * `signedUrl`: the host's case, and the query's `'`, `:` and `@` escaped one way by Twilio's
 * signer and the other by its HTTP client (docs/twilio-facts.md §1.10).
 */
function respellingNotes (seen: UrlParts, signedUrl: string): string[] {
  const signed = partsOf(signedUrl) as UrlParts
  const notes: string[] = []
  if (signed.host !== seen.host) notes.push(`It is signed with the host in lower case (${signed.host}): host names are case-insensitive, and the plugin tries that spelling too, as twilio-node does.`)
  if (signed.query !== seen.query) {
    notes.push(`The query arrived as ?${seen.query as string} but Twilio signed ?${signed.query as string}: Twilio's signer and its HTTP client ` +
      'do not escape \', : and @ alike (\' or %27, : or %3A, @ or %40). The plugin tries both spellings, so nothing needs fixing in the app; ' +
      'a validator of your own in front of it must try them too (twilio-node tries \' both ways, but not %3A or %40).')
  }
  return notes
}

/** Repairs for a header mangled in a copy: quotes, spaces for `+`, percent-encoding. */
function repairs (signature: string): string[] {
  const unquoted = signature.trim().replace(/^["']|["']$/g, '')
  const list = [unquoted, unquoted.replace(/ /g, '+')]
  try {
    list.push(decodeURIComponent(unquoted))
  } catch {}
  return list.filter((s) => s !== signature)
}

const NO_HOST_FIX = 'or register the plugin with publicUrl, which it uses instead.'

/**
 * What in `origin` the plugin cannot build a signed URL from, without `publicUrl`: a Host or
 * X-Forwarded-Host that is not `host[:port]`, an X-Forwarded-Proto that is not http(s). It refuses
 * those 403 FST_TWILIO_INVALID_HOST (docs/security.md, "The Host header").
 */
function originFindings (origin: Origin): Finding[] {
  const last = (value: string): string => value.slice(value.lastIndexOf(',') + 1).trim()
  const findings: Finding[] = []
  const why = (header: string, rule: string): string => `Without publicUrl the plugin builds the URL Twilio signed from ${header}` +
    `${header === 'Host' ? '' : ' (when trustProxy trusts the sender)'}, and refuses one that is not ${rule} (403 FST_TWILIO_INVALID_HOST): ` +
    'more would put text of the sender\'s choosing in the URL\'s origin, so that a signature captured for another URL verifies here. Neither Twilio nor a proxy working as it should sends one.'
  if (origin.host !== undefined && !isAuthority(origin.host)) {
    findings.push({ part: 'host', seen: `Host: ${clip(origin.host)}`, signed: 'a host[:port] alone', why: why('Host', 'host[:port]'), fix: `send Host as host[:port] alone, as Twilio does (the path belongs in the request target); ${NO_HOST_FIX}` })
  }
  if (origin.forwardedHost !== undefined && !isAuthority(last(origin.forwardedHost))) {
    findings.push({ part: 'host', seen: `X-Forwarded-Host: ${clip(origin.forwardedHost)}`, signed: 'a host[:port] alone', why: why('X-Forwarded-Host', 'host[:port]'), fix: `the proxy must send X-Forwarded-Host as host[:port] alone; ${NO_HOST_FIX}` })
  }
  if (origin.forwardedProto !== undefined && schemeOf(last(origin.forwardedProto)) === null) {
    findings.push({ part: 'scheme', seen: `X-Forwarded-Proto: ${clip(origin.forwardedProto)}`, signed: 'http or https', why: why('X-Forwarded-Proto', 'http or https'), fix: `the proxy must send X-Forwarded-Proto as http or https; ${NO_HOST_FIX}` })
  }
  return findings
}

/** `a=1&b=2`'s pairs, as the plugin's form parser counts them (an empty piece is none). */
function pairCount (form: string): number {
  let count = 0
  for (let start = 0, end = 0; start <= form.length; start = end + 1) {
    end = form.indexOf('&', start)
    if (end === -1) end = form.length
    if (end > start) count++
  }
  return count
}

/** How many parameters the plugin reads from the request: a form body's or GET query's pairs, a JSON object's names. */
function paramCount (input: ExplainInput, query: string | null): number {
  const given = Object.values(input.params ?? {}).reduce((n, v) => n + (typeof v === 'string' ? 1 : v.length), 0)
  if (input.method === 'GET') return pairCount(query ?? '') + given
  if (input.body === undefined) return input.json === true ? Object.keys(input.params ?? {}).length : given
  if (input.json !== true) return pairCount(input.body)
  try {
    const json: unknown = JSON.parse(input.body)
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.keys(json).length : 0
  } catch {
    return 0
  }
}

/** Whether the request verifies with one of `tokens` and, if not, what differs from what Twilio signed. */
export function diagnose (input: ExplainInput, tokens: readonly string[]): Diagnosis {
  const notes: string[] = []
  const findings: Finding[] = []
  const seen = partsOf(input.url)
  if (seen === null) throw new CliError(`the URL is not a full URL (scheme://host/path): ${JSON.stringify(input.url)}`)
  const result = (rest: Partial<Diagnosis> & Pick<Diagnosis, 'reason'>): Diagnosis => ({
    verifies: false, url: input.url, signedUrl: null, tokenIndex: null, tokenCount: tokens.length, findings, notes, publicUrl: null, tried: 0, ...rest
  })
  // The plugin refuses more than maxParams before any signature check; explain reads no further either.
  const maxParams = input.maxParams ?? DEFAULT_MAX_PARAMS
  const count = paramCount(input, seen.query)
  if (count > maxParams) {
    notes.push(`The request has ${count} parameters, more than maxParams (${maxParams}): the plugin answers it 400 FST_TWILIO_TOO_MANY_PARAMS before any signature check. ` +
      'If the app sets maxParams higher, give that value with --max-params.')
    return result({ reason: 'too-many-params' })
  }

  // The parameters as the plugin reads them: none for GET and JSON, the raw body's for a form.
  let signed: Params | null = null
  let rawBody: string | undefined
  if (input.method === 'POST' && input.json === true) {
    rawBody = input.body ?? JSON.stringify(input.params ?? {})
    if (input.body === undefined) notes.push('No raw body was given: the parameters were written as compact JSON, which may not be the bytes Twilio hashed.')
  } else if (input.method === 'POST') {
    if (input.body !== undefined) {
      try {
        signed = parseForm(input.body)
      } catch (err) {
        /* c8 ignore next */
        if (!(err instanceof MalformedBodyError)) throw err
        notes.push(`The body has broken percent-encoding (${err.message}): the plugin answers it 400 FST_TWILIO_MALFORMED_BODY before any signature check.`)
        return result({ reason: 'malformed-body' })
      }
    } else {
      signed = input.params ?? {}
    }
  }

  const settings = parseSignatureSettings(input.settings)
  const algorithm = settings === null ? 'HMAC_SHA1' : algorithmOf(settings.algorithm)
  if (algorithm === null) {
    notes.push(`X-Twilio-Webhooks-Signature-Settings names the algorithm ${clip(settings?.algorithm as string)}: Twilio signs with HMAC_SHA1 or HMAC_SHA256 only.`)
    return result({ reason: 'malformed' })
  }
  if (settings !== null) notes.push(`SharedKey signature (${algorithm}${settings.key === undefined ? '' : `, key ${clip(settings.key)}`}): the tokens given are tried as SharedKey secrets.`)
  const keys: SigningKey[] = tokens.map((token) => signingKey(token, algorithm))
  const verify = createVerifier()

  if (input.signature === undefined) {
    notes.push('There is no X-Twilio-Signature header: the request was not sent by Twilio, or a proxy dropped the header. Give it with --signature.')
    return result({ reason: 'missing' })
  }
  // The plugin refuses such headers before any token or HMAC: no change tried below would help.
  if (input.hints?.publicUrl === undefined && input.origin !== undefined) {
    findings.push(...originFindings(input.origin))
    if (findings.length > 0) return result({ reason: 'invalid-host' })
  }
  let signature = input.signature
  const first = verify({ signature, url: input.url, params: signed, rawBody }, keys)
  let tried = 1
  if (first.valid) {
    const damage = input.body !== undefined && input.params !== undefined && signed !== null ? damageOf(signed, input.params) : []
    findings.push(...damage)
    if ((partsOf(first.url) as UrlParts).port !== seen.port) notes.push(`Twilio signed it as ${first.url}: the port differs, which the plugin allows for (it tries the URL with the port and without).`)
    notes.push(...respellingNotes(seen, first.url))
    noteToken(first.tokenIndex)
    if (damage.length === 0 && signed !== null) noteFragile(signed)
    return result({ verifies: damage.length === 0, reason: damage.length === 0 ? null : 'body-parser', signedUrl: first.url, tokenIndex: first.tokenIndex, tried })
  }
  const reason = first.reason
  // The URL and the token are right: only the body differs.
  if (reason === 'body-hash') {
    bodyHashFinding(input.url)
    return result({ reason, signedUrl: input.url, tried })
  }
  if (reason === 'malformed') {
    const wellFormed = (s: string): boolean => {
      const verdict = verify({ signature: s, url: input.url, params: null }, keys)
      return verdict.valid || verdict.reason !== 'malformed'
    }
    const repaired = typeof signature === 'string' ? repairs(signature).find(wellFormed) : undefined
    if (repaired === undefined) {
      const length = typeof signature === 'string' ? signature.length : 0
      notes.push(typeof signature !== 'string'
        ? 'X-Twilio-Signature was sent more than once: Twilio sends one.'
        : length === 44 && settings === null
          ? 'X-Twilio-Signature is 44 characters long, an HMAC-SHA256: a SharedKey signature, which comes with an X-Twilio-Webhooks-Signature-Settings header (give it with --header).'
          : `X-Twilio-Signature is not a base64 ${algorithm === 'HMAC_SHA1' ? 'HMAC-SHA1 (28 characters ending in =)' : 'HMAC-SHA256 (44 characters ending in =)'}: it was cut or changed when copied.`)
      return result({ reason, tried })
    }
    findings.push({
      part: 'signature',
      seen: clip(signature as string),
      signed: clip(repaired),
      why: 'The header was mangled when copied (quotes kept, + turned into a space, or percent-encoded): the repaired one is used below.'
    })
    signature = repaired
  }

  // Every variant, fewest changes first; the first that verifies is what Twilio signed.
  const variants = urlVariants(input.url, seen, input.hints ?? {})
  const bodies = bodyVariants(input, signed, rawBody, seen.query)
  const queue: Array<{ url: UrlVariant, body: BodyVariant, cost: number }> = []
  for (const url of variants) {
    for (const body of bodies) {
      // A guessed trimmed value is tried against the URL as seen and single changes only.
      if (body.kind === 'trim' && url.cost > 1) continue
      if (url.cost + body.cost > 0) queue.push({ url, body, cost: url.cost + body.cost })
    }
  }
  queue.sort((a, b) => a.cost - b.cost)
  for (const { url, body } of queue) {
    tried++
    const full = body.query === undefined ? url.url : withQuery(url.url, body.query)
    const verdict = verify({ signature, url: full, params: body.params, rawBody: body.rawBody }, keys)
    if (!verdict.valid && verdict.reason !== 'body-hash') continue
    const signedParts = partsOf(verdict.valid ? verdict.url : full) as UrlParts
    const { findings: differences, publicUrl } = urlFindings(seen, url, signedParts.port)
    findings.push(...differences)
    if (body.finding !== undefined) findings.push(body.finding)
    if (!verdict.valid) {
      bodyHashFinding(full)
      return result({ reason, signedUrl: full, tried, publicUrl })
    }
    if (input.body !== undefined && input.params !== undefined && signed !== null) findings.push(...damageOf(signed, input.params))
    notes.push(...respellingNotes(partsOf(full) as UrlParts, verdict.url))
    noteToken(verdict.tokenIndex)
    return result({ reason, signedUrl: verdict.url, tokenIndex: verdict.tokenIndex, tried, publicUrl })
  }
  notFound()
  return result({ reason, tried })

  /** The AccountSid the plugin's token lookup would be asked about. */
  function accountSid (): string | undefined {
    return accountSidOf(signed ?? (rawBody === undefined ? null : jsonObjectOf(rawBody)), input.url)
  }

  function noteToken (index: number): void {
    if (index === 0) return
    const account = accountSid()
    notes.push(`It is signed with --token #${index + 1} of ${tokens.length}, not the first: the app accepts it only if its authToken has that token too. ` +
      'During a rotation give [current, previous] (Twilio signs with the primary token only); for a subaccount' +
      `${account === undefined ? '' : ` (AccountSid ${account})`}, whose webhooks are signed with its own token, give authToken a lookup by AccountSid.`)
  }

  function noteFragile (params: Params): void {
    const spaced = Object.entries(params).filter(([, v]) => typeof v === 'string' && v !== v.trim()).map(([n]) => n)
    const repeated = Object.entries(params).filter(([, v]) => typeof v !== 'string').map(([n]) => n)
    if (spaced.length > 0) notes.push(`If the app still answers 403, look at its body parser: ${spaced.join(', ')} ${spaced.length === 1 ? 'has' : 'have'} leading or trailing spaces, which a trimming parser removes.`)
    if (repeated.length > 0) notes.push(`If the app still answers 403, look at its body parser: ${repeated.join(', ')} ${repeated.length === 1 ? 'is' : 'are'} repeated, and a parser that keeps one value breaks the signature.`)
  }

  function bodyHashFinding (url: string): void {
    const body = rawBody as string
    const expected = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('bodySHA256')
    const added = 'a line break or spaces were added at its end'
    const reserialised = 'it was re-serialised on the way (the same JSON, spaced differently)'
    const tries: Array<[string, () => string]> = [
      [added, () => body.trimEnd()],
      ['a line break was removed from its end', () => body + '\n'],
      [added, () => body.trimEnd() + '\n'],
      [reserialised, () => JSON.stringify(JSON.parse(body))],
      [reserialised, () => JSON.stringify(JSON.parse(body)) + '\n']
    ]
    let how: string | undefined
    for (const [label, change] of tries) {
      try {
        if (bodyHash(change()) === expected) how = label
      } catch {}
      if (how !== undefined) break
    }
    findings.push({
      part: 'body',
      seen: `SHA-256 ${bodyHash(body).slice(0, 12)}…`,
      signed: expected === null ? 'no bodySHA256 in the URL' : `bodySHA256 ${expected.slice(0, 12)}…`,
      why: expected === null
        ? 'The signature covers the URL alone but the body is JSON and the URL has no bodySHA256: Twilio did not sign this body.'
        : `The URL and token are right, but the body is not the one Twilio hashed${how === undefined ? ' (it was changed on the way)' : `: ${how}`}. The body must reach the check byte for byte.`,
      ...(expected === null ? { fix: 'sign JSON as Twilio does: bodySHA256 added to the URL, then that URL signed (sign --method JSON).' } : {})
    })
  }

  function notFound (): void {
    const account = accountSid()
    notes.push(`No token given signs it, as received or with any of ${tried - 1} changes tried to its scheme, host, port, path prefix, query encoding, method or body. ` +
      'Most likely the token is wrong: Twilio signs with the account\'s primary Auth Token (a secondary one does not verify until it is promoted), ' +
      `a subaccount's webhooks with the subaccount's token${account === undefined ? '' : ` (this one names AccountSid ${account})`}, and an API key secret never verifies.`)
    if (input.hints?.publicUrl === undefined) notes.push('If Twilio calls another host (a tunnel, a load balancer), give the callback URL configured at Twilio with --public-url.')
    if (input.method === 'POST' && input.json !== true && input.body === undefined) {
      notes.push('Give the raw body (--body, or a capture with it): a parser\'s damage, such as a dropped repeated value, cannot be undone from parsed parameters' +
        (count > TRIM_GUESSES ? `, and with more than ${TRIM_GUESSES} parameters values a parser may have trimmed are not guessed back.` : '.'))
    }
    if (settings === null) {
      const odd = tokens.map((token, i) => /^[0-9a-f]{32}$/.test(token) ? 0 : i + 1).filter((i) => i > 0)
      if (odd.length > 0) notes.push(`--token #${odd.join(', #')} ${odd.length === 1 ? 'is' : 'are'} not shaped like an Auth Token (32 lower-case hex digits).`)
    }
  }
}

/** The largest maxParams the plugin's options accept. */
const LARGEST_MAX_PARAMS = 100_000

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

/** The request to explain, from the capture and the flags (which win over it). */
async function inputOf (values: Parameters<typeof stringOf>[0], io: Io): Promise<{ input: ExplainInput, tokens: string[], caveat?: string }> {
  const file = stringOf(values, 'file')
  const capture: Capture = file === undefined ? { headers: {}, namesToken: false } : parseCapture(await io.readFile(file))
  const headers: Record<string, string> = { ...capture.headers }
  for (const line of listOf(values, 'header')) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new CliError(`--header takes 'Name: value', got ${JSON.stringify(line)}`)
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const captured = capture.url ?? (capture.target !== undefined && headers.host !== undefined ? `http://${headers.host}${capture.target}` : undefined)
  const url = stringOf(values, 'url') ?? captured
  if (url === undefined) throw new CliError('explain needs the URL the app checked: --url, or a --file with the request (and its Host header)')
  const hints: { -readonly [K in keyof Hints]: Hints[K] } = {
    publicUrl: stringOf(values, 'public-url') ?? capture.publicUrl,
    proto: headers['x-forwarded-proto'],
    host: headers['x-forwarded-host'],
    prefix: headers['x-forwarded-prefix'],
    port: headers['x-forwarded-port']
  }
  // The capture came from elsewhere (a tunnel's inspector): where it was sent is a hint.
  const seenParts = partsOf(url)
  const capturedParts = captured === undefined ? null : partsOf(captured)
  if (seenParts !== null && capturedParts !== null && captured !== url) {
    if (capturedParts.host !== seenParts.host) hints.host ??= capturedParts.host + (capturedParts.port === '' ? '' : ':' + capturedParts.port)
    if (capturedParts.path.length > seenParts.path.length && capturedParts.path.endsWith(seenParts.path)) {
      hints.prefix ??= capturedParts.path.slice(0, capturedParts.path.length - seenParts.path.length)
    }
  }
  const bodyFile = stringOf(values, 'body-file')
  let body = stringOf(values, 'body') ?? (bodyFile === undefined ? undefined : await io.readFile(bodyFile)) ?? capture.body
  const given = stringOf(values, 'method') === undefined ? capture.method?.toUpperCase() ?? 'POST' : methodOf(values)
  if (given !== 'POST' && given !== 'GET' && given !== 'JSON') throw new CliError(`the capture's method is ${given}: Twilio sends GET and POST`)
  if (given === 'GET') body = undefined
  const type = headers['content-type'] ?? ''
  const json = given === 'JSON' || /json/i.test(type) || (type === '' && body !== undefined && /^\s*[{[]/.test(body))
  const pairs = listOf(values, 'param')
  const signature = stringOf(values, 'signature') ?? headers['x-twilio-signature']
  // Without the body Twilio signed nothing verifies: say so, rather than blame the token.
  if (body === undefined && given !== 'GET' && pairs.length === 0 && signature !== undefined && capture.bodyMissing !== undefined) {
    throw new CliError(`${capture.bodyMissing}. Give the body with --body-file FILE or --body TEXT, or capture the request with curl --trace-ascii -, which prints the body as sent`)
  }
  // The user's own tokens only: a capture comes from elsewhere, and one that names the token
  // that signed it would verify whatever it says.
  const chosen = tokensOf(values, io.env)
  const ignored = capture.namesToken ? ' (a token written in the capture is never used: whoever wrote the capture chose it)' : ''
  if (chosen.length === 0) throw new CliError(`explain needs the token(s) to try: --token (repeatable) or TWILIO_AUTH_TOKEN; they are never printed${ignored}`)
  if (ignored !== '') io.stderr('fastify-twilio-status: the capture\'s token is ignored: explain verifies with --token or TWILIO_AUTH_TOKEN only\n')
  return {
    input: {
      url,
      method: given === 'GET' ? 'GET' : 'POST',
      signature,
      body,
      json,
      params: pairs.length > 0 ? paramsOf(pairs) : capture.params,
      settings: headers['x-twilio-webhooks-signature-settings'],
      hints,
      origin: { host: headers.host, forwardedHost: headers['x-forwarded-host'], forwardedProto: headers['x-forwarded-proto'] },
      maxParams: numberOf(values, 'max-params', DEFAULT_MAX_PARAMS, 1, LARGEST_MAX_PARAMS)
    },
    tokens: chosen,
    caveat: body !== undefined && body === capture.body ? capture.bodyCaveat : undefined
  }
}

const REASONS: Readonly<Record<NonNullable<Diagnosis['reason']>, string>> = {
  missing: 'no signature',
  malformed: 'the signature is malformed',
  mismatch: 'no token given signs this URL and these parameters',
  'body-hash': 'the URL is signed, but the body is not the one hashed',
  'malformed-body': 'the body is malformed',
  'body-parser': 'Twilio\'s signature is right for the body as sent, but not for the parameters the app parsed from it',
  'too-many-params': 'it has more parameters than the app\'s maxParams',
  'invalid-host': 'no signed URL can be built from its Host or X-Forwarded-* headers'
}

/** The diagnosis as text for a person. */
export function render (d: Diagnosis, style: Style): string {
  const out: string[] = []
  const token = (i: number): string => `--token #${i + 1}${d.tokenCount > 1 ? ` of ${d.tokenCount}` : ''}`
  // URLs, values and the notes quoting them come from the capture: no control character reaches the terminal.
  const p = printable
  if (d.verifies) {
    out.push(`${style.ok('✓ Verifies')} with ${token(d.tokenIndex as number)}, as ${p(d.signedUrl as string)}`)
  } else {
    out.push(`${style.bad('✗ Does not verify')} as the app received it: ${REASONS[d.reason as NonNullable<Diagnosis['reason']>]}.`)
    out.push(style.dim(`  URL checked: ${p(d.url)}`))
    if (d.signedUrl !== null && d.tokenIndex !== null) out.push(`${style.ok('✓ Twilio signed')} ${p(d.signedUrl)}, with ${token(d.tokenIndex)}.`)
  }
  if (d.findings.length > 0) {
    out.push('', style.bold('What differs:'))
    const width = Math.max(...d.findings.map((f) => f.part.length))
    for (const f of d.findings) {
      out.push(`  ${style.warn(f.part.padEnd(width))}  ${wrapText(p(`the app had ${f.seen}; Twilio signed ${f.signed}`), width + 4)}`)
      out.push(`  ${' '.repeat(width)}  ${wrapText(p(f.why), width + 4)}`)
    }
  }
  const fixes = [...new Set(d.findings.flatMap((f) => f.fix === undefined ? [] : [p(f.fix)]))]
  if (d.publicUrl !== null || fixes.length > 0) out.push('')
  if (d.publicUrl !== null) out.push(`Fix: register the plugin with ${style.bold(`publicUrl: '${p(d.publicUrl)}'`)}`)
  for (const fix of fixes) out.push(`Fix: ${wrapText(fix, 5)}`)
  if (d.notes.length > 0) out.push('', ...d.notes.map((n) => `${style.dim('·')} ${wrapText(p(n), 2)}`))
  return out.join('\n') + '\n'
}

/** `explain`: exit 0 when the request verifies. */
export async function runExplain (argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS)
  if (values.help === true) {
    io.stdout(explainHelp())
    return EXIT.ok
  }
  if (positionals.length > 0) throw new CliError(`unexpected ${JSON.stringify(positionals[0])}: give the request with --file or flags`)
  const { input, tokens, caveat } = await inputOf(values, io)
  const diagnosis = diagnose(input, tokens)
  io.stdout(render(diagnosis, styleOf(io.color && values['no-color'] !== true)))
  if (!diagnosis.verifies && caveat !== undefined) io.stderr(`fastify-twilio-status: ${caveat}\n`)
  return diagnosis.verifies ? EXIT.ok : EXIT.failed
}
