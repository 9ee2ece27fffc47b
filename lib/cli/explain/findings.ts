/** What differs between the request the app saw and the one Twilio signed, part by part. */
import { isAuthority, schemeOf } from '../../verify/public-url'
import { bodyHash, type Params } from '../../verify/signature'
import { clip, NO_HOST_FIX, TRIMMED } from './messages'
import type { Finding, Origin, UrlParts } from './types'
import { defaultPort } from './url'

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

/** A signed URL in parts, with the prefix put before the path the app saw and how its query was re-encoded. */
export interface Signed {
  readonly parts: UrlParts
  readonly prefix: string
  readonly queryLabel?: string | undefined
}

/** Scheme, host and port: what `publicUrl` fixes. */
function originDiffs (seen: UrlParts, signed: UrlParts, signedPort: string): Finding[] {
  const findings: Finding[] = []
  if (signed.scheme !== seen.scheme) {
    findings.push({
      part: 'scheme',
      seen: seen.scheme,
      signed: signed.scheme,
      why: 'A proxy, load balancer or tunnel terminates TLS in front of the app, which then sees http. Set publicUrl, or Fastify\'s trustProxy so that X-Forwarded-Proto counts (only when the app cannot be reached but through the proxy).'
    })
  }
  if (signed.host !== seen.host) {
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
    findings.push({
      part: 'port',
      seen: seen.port === '' ? 'no port' : seen.port,
      signed: signedPort,
      why: 'Twilio signs the port in the URL it calls on SMS and plain-HTTP callbacks (and drops it on voice over https); the plugin tries the URL with the port the app sees and without one, but not another port. Set publicUrl with this port.'
    })
  }
  return findings
}

/** A prefix a proxy strips, or another path altogether. */
function pathDiffs (seen: UrlParts, signed: UrlParts, prefix: string): Finding[] {
  if (prefix !== '') {
    return [{ part: 'prefix', seen: seen.path, signed: signed.path, why: `A proxy strips ${prefix} from the path before the app sees it. Set publicUrl to the base URL with the prefix.` }]
  }
  if (signed.path === seen.path) return []
  const slash = signed.path.replace(/\/+$/, '') === seen.path.replace(/\/+$/, '')
  return [{
    part: 'path',
    seen: seen.path,
    signed: signed.path,
    why: slash
      ? 'A trailing slash was added or removed on the way (a redirect or rewrite): Twilio signs the path it requested. Configure the callback URL exactly as the app\'s route.'
      : `The app sees ${seen.path.slice(0, seen.path.length - signed.path.length)} before the path Twilio requested: a proxy or rewrite adds it. The plugin signs publicUrl (or the origin) followed by the path it receives, so that path must be the one Twilio requested.`
  }]
}

function queryDiffs (seen: UrlParts, signed: UrlParts, label: string | undefined): Finding[] {
  if (signed.query === seen.query) return []
  return [{
    part: 'query',
    seen: `?${seen.query as string}`,
    signed: `?${signed.query as string}`,
    why: `The query string was re-encoded on the way (${label as string}): by a proxy that normalises URLs, or in a copy of the URL from a log. Twilio signs the bytes it sent, so the app must receive the request target unchanged.`
  }]
}

/** What a URL that verifies differs in from the one the app saw, and the `publicUrl` that fixes its origin or prefix. */
export function urlFindings (seen: UrlParts, variant: Signed, signedPort: string): { findings: Finding[], publicUrl: string | null } {
  const signed = variant.parts
  const origin = originDiffs(seen, signed, signedPort)
  const findings = [...origin, ...pathDiffs(seen, signed, variant.prefix), ...queryDiffs(seen, signed, variant.queryLabel)]
  // A default port need not be written: the plugin adds it to the candidates itself.
  const port = signedPort === '' || signedPort === defaultPort(signed.scheme) ? '' : ':' + signedPort
  const publicUrl = origin.length > 0 || variant.prefix !== '' ? `${signed.scheme}://${signed.host}${port}${variant.prefix}` : null
  return { findings, publicUrl }
}

/**
 * What in `origin` the plugin cannot build a signed URL from without `publicUrl`, and so refuses
 * with FST_TWILIO_INVALID_HOST (docs/security.md, "The Host header").
 */
export function originFindings (origin: Origin): Finding[] {
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

const ADDED = 'a line break or spaces were added at its end'
const RESERIALISED = 'it was re-serialised on the way (the same JSON, spaced differently)'

/** How a JSON body changed on its way, if one of the usual changes undoes it. */
function bodyChange (body: string, expected: string | null): string | undefined {
  const tries: Array<[string, () => string]> = [
    [ADDED, () => body.trimEnd()],
    ['a line break was removed from its end', () => body + '\n'],
    [ADDED, () => body.trimEnd() + '\n'],
    [RESERIALISED, () => JSON.stringify(JSON.parse(body))],
    [RESERIALISED, () => JSON.stringify(JSON.parse(body)) + '\n']
  ]
  for (const [label, change] of tries) {
    try {
      if (bodyHash(change()) === expected) return label
    } catch {}
  }
  return undefined
}

/** A JSON body whose hash is not the `bodySHA256` of the URL signed (`url`). */
export function bodyHashFinding (body: string, url: string): Finding {
  const expected = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('bodySHA256')
  const how = bodyChange(body, expected)
  return {
    part: 'body',
    seen: `SHA-256 ${bodyHash(body).slice(0, 12)}…`,
    signed: expected === null ? 'no bodySHA256 in the URL' : `bodySHA256 ${expected.slice(0, 12)}…`,
    why: expected === null
      ? 'The signature covers the URL alone but the body is JSON and the URL has no bodySHA256: Twilio did not sign this body.'
      : `The URL and token are right, but the body is not the one Twilio hashed${how === undefined ? ' (it was changed on the way)' : `: ${how}`}. The body must reach the check byte for byte.`,
    ...(expected === null ? { fix: 'sign JSON as Twilio does: bodySHA256 added to the URL, then that URL signed (sign --method JSON).' } : {})
  }
}
