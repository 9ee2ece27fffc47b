/**
 * `X-Twilio-Signature` and SharedKey signatures, pure: no Fastify here (docs/twilio-facts.md §1
 * and §8; why each URL is tried several ways: docs/design.md, "Signature").
 */
import { createHash, createHmac } from 'node:crypto'

/** Form parameters as Twilio sent them: a repeated name holds every value, in order. */
export type Params = Readonly<Record<string, string | readonly string[]>>

export interface SignedRequest {
  /** The `X-Twilio-Signature` header, if any. */
  readonly signature: string | string[] | undefined
  /** The full URL Twilio requested: `scheme://host[:port]` then the raw request target. */
  readonly url: string
  /** The form body parameters; `null` for GET and JSON requests (they sign the URL alone). */
  readonly params: Params | null
  /** The raw JSON body, checked against the URL's `bodySHA256` (docs/twilio-facts.md §1.4). */
  readonly rawBody?: string
}

export type RejectReason = 'missing' | 'malformed' | 'mismatch' | 'body-hash'

export type Verdict =
  | { readonly valid: true, readonly url: string, readonly tokenIndex: number }
  | { readonly valid: false, readonly reason: RejectReason, readonly urls: readonly string[] }

/** The HMACs Twilio signs with. */
export type Algorithm = 'HMAC_SHA1' | 'HMAC_SHA256'

const HASHES: Readonly<Record<Algorithm, string>> = { HMAC_SHA1: 'sha1', HMAC_SHA256: 'sha256' }

/** A secret (an Auth Token or a SharedKey secret) and the HMAC it signs with. */
export interface SigningKey {
  readonly key: Buffer
  readonly algorithm: Algorithm
}

export function signingKey (secret: string, algorithm: Algorithm = 'HMAC_SHA1'): SigningKey {
  return { key: Buffer.from(secret, 'utf8'), algorithm }
}

/** An algorithm name as Twilio writes it, compared upper-cased as twilio-node does; `null` if unknown. */
export function algorithmOf (name: string): Algorithm | null {
  const upper = name.toUpperCase()
  return upper === 'HMAC_SHA1' || upper === 'HMAC_SHA256' ? upper : null
}

/** What `X-Twilio-Webhooks-Signature-Settings` says; `null` when absent or empty (an Auth Token signature). */
export interface SignatureSettings {
  /** The SharedKey id (`webhooks_sharedkey_…`), if named. */
  readonly key: string | undefined
  /** As written; `HMAC_SHA1` when the header names none. */
  readonly algorithm: string
}

/** Parse the settings header with twilio-node 6.3.1's rules (`getSignatureAlgorithm`); no `algorithm` means HMAC-SHA1. */
export function parseSignatureSettings (header: string | string[] | undefined): SignatureSettings | null {
  const text = Array.isArray(header) ? header.join(',') : header
  if (text === undefined || text === '') return null
  let key: string | undefined
  let algorithm: string | undefined
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    const name = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (value === '') continue
    if (name === 'algorithm') algorithm ??= value
    else if (name === 'key') key ??= value
  }
  return { key, algorithm: algorithm ?? 'HMAC_SHA1' }
}

/** The string Twilio signs: the URL, then each parameter name and value in sorted order. */
export function signedPayload (url: string, params: Params | null): string {
  if (params === null) return url
  let data = url
  // Plain sort() compares UTF-16 code units: `A-Z` before `a-z`, a prefix first (docs/twilio-facts.md §1.1 step 2).
  for (const name of Object.keys(params).sort()) {
    const value = params[name]
    if (typeof value === 'string') {
      data += name + value
    } else {
      // Repeated names: distinct values, sorted, each appended once (docs/twilio-facts.md §1.2, twilio-node#722).
      for (const v of Array.from(new Set(value)).sort()) data += name + v
    }
  }
  return data
}

/** The base64 signature Twilio would send for this URL and these parameters. */
export function computeSignature (secret: string, url: string, params: Params | null, algorithm: Algorithm = 'HMAC_SHA1'): string {
  return createHmac(HASHES[algorithm], secret).update(signedPayload(url, params), 'utf8').digest('base64')
}

/** Lowercase hex SHA-256 of a raw body, the value of `bodySHA256` (docs/twilio-facts.md §1.4). */
export function bodyHash (body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex')
}

/** Where the authority (`host[:port]`) that starts at `start` ends: at `/`, `?`, `#` or the end. */
function authorityEnd (url: string, start: number): number {
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) return i
  }
  return url.length
}

/**
 * The two URLs Twilio may have signed (docs/twilio-facts.md §1.5–§1.6, twilio-node 6.x): any explicit port removed,
 * and the URL with its port (the scheme's default one added when none is given).
 */
export function candidateUrls (url: string): [string, string] {
  // Only a leading `scheme://` (a `://` later in the query is not one): as twilio-node's splitUrl.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)
  if (scheme === null) return [url, url]
  const hostStart = scheme[0].length
  const hostEnd = authorityEnd(url, hostStart)
  const authority = url.slice(hostStart, hostEnd)
  // A colon starts the port only after any `user:pass@` and the closing bracket of an IPv6 literal.
  const portStart = authority.indexOf(':', Math.max(authority.lastIndexOf('@'), authority.lastIndexOf(']')) + 1)
  const head = url.slice(0, hostStart)
  const rest = url.slice(hostEnd)
  if (portStart !== -1) return [head + authority.slice(0, portStart) + rest, url]
  const defaultPort = head.toLowerCase() === 'https://' ? ':443' : ':80'
  return [url, head + authority + defaultPort + rest]
}

/** The query escapes Twilio's signer and its HTTP client write differently (docs/twilio-facts.md §1.10). */
const CLIENT_ESCAPES = /%(?:27|3[Aa]|40)/g
const UNESCAPED: Readonly<Record<string, string>> = { '%27': "'", '%3A': ':', '%3a': ':', '%40': '@' }
const RESPELLABLE_QUERY = /'|%(?:27|3[Aa]|40)/
const UPPER_CASE = /[A-Z]/
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * At most two other spellings of a URL Twilio may have signed (docs/twilio-facts.md §1.10): as
 * `new URL()` writes it, and with `%27`, `%3A`, `%40` unescaped in the query; none for most URLs.
 */
export function respelledUrls (url: string): string[] {
  const start = url.indexOf('?')
  const head = start === -1 ? url : url.slice(0, start)
  const query = start === -1 ? '' : url.slice(start)
  const schemeEnd = SCHEME.test(head) ? head.indexOf('://') + 3 : 0
  const end = schemeEnd === 0 ? 0 : authorityEnd(head, schemeEnd)
  // The common case, checked first: nothing to respell.
  if (!RESPELLABLE_QUERY.test(query) && !UPPER_CASE.test(head.slice(0, end))) return []
  const authority = head.slice(schemeEnd, end)
  // Userinfo keeps its case, as in `new URL()`: only the scheme and the host are case-insensitive.
  const host = authority.lastIndexOf('@') + 1
  const origin = head.slice(0, schemeEnd).toLowerCase() + authority.slice(0, host) + authority.slice(host).toLowerCase()
  const spellings: string[] = []
  const normalised = origin + head.slice(end) + query.replaceAll("'", '%27')
  if (normalised !== url) spellings.push(normalised)
  const unescaped = query.replace(CLIENT_ESCAPES, (escape) => UNESCAPED[escape])
  if (unescaped !== query) spellings.push(head + unescaped)
  return spellings
}

/**
 * An HMAC in canonical base64 (SHA-1: 27 characters and `=`; SHA-256: 43 and `=`): anything else
 * cannot be a signature and costs no HMAC.
 */
const SIGNATURE_SHAPES: Readonly<Record<Algorithm, RegExp>> = {
  HMAC_SHA1: /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/,
  HMAC_SHA256: /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/
}

/** The algorithm whose HMAC `signature` has the shape of, or `null`: told before any secret is chosen or looked up. */
export function signatureShape (signature: string): Algorithm | null {
  if (SIGNATURE_SHAPES.HMAC_SHA1.test(signature)) return 'HMAC_SHA1'
  return SIGNATURE_SHAPES.HMAC_SHA256.test(signature) ? 'HMAC_SHA256' : null
}

/**
 * Constant-time comparison of two ASCII strings after a length check (as `scmp`, which
 * twilio-node used): every character is visited, whatever differs.
 */
function sameText (a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

function bodyHashMatches (url: string, rawBody: string): boolean {
  const query = url.indexOf('?')
  const expected = query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get('bodySHA256')
  return expected !== null && sameText(expected, bodyHash(rawBody))
}

/** Past this many characters the signed parameters are encoded once for all the HMACs of a request. */
const LONG_SUFFIX = 1024

/**
 * Build a verifier for auth tokens (the first current, more during rotation) or per-request keys;
 * it reports why a request failed and which URLs it tried (its HMAC cost: docs/design.md, "Signature").
 */
export function createVerifier (authTokens: readonly string[] = []): (request: SignedRequest, keys?: readonly SigningKey[]) => Verdict {
  const defaults = authTokens.map((token) => signingKey(token))
  // An app is reached through few origins: their candidate pairs are worked out once. Bounded,
  // since the Host header is the client's to choose.
  const origins = new Map<string, [string, string]>()

  function portsOf (url: string, urls: string[]): void {
    const schemeEnd = url.indexOf('://')
    const end = schemeEnd === -1 ? 0 : authorityEnd(url, schemeEnd + 3)
    const origin = url.slice(0, end)
    let pair = origins.get(origin)
    if (pair === undefined) {
      pair = candidateUrls(origin)
      if (origins.size < 64) origins.set(origin, pair)
    }
    const rest = url.slice(end)
    urls.push(pair[0] + rest, pair[1] + rest)
  }

  /** The URL as received, then its respellings, each without its port and with it. */
  function candidatesOf (url: string): string[] {
    const urls: string[] = []
    portsOf(url, urls)
    for (const respelled of respelledUrls(url)) portsOf(respelled, urls)
    return urls
  }

  return function verifySignature (request, keys = defaults) {
    const urls = candidatesOf(request.url)
    if (request.signature === undefined) return { valid: false, reason: 'missing', urls }
    const claimed = request.signature
    const algorithm = keys.length === 0 ? 'HMAC_SHA1' : keys[0].algorithm
    if (typeof claimed !== 'string' || !SIGNATURE_SHAPES[algorithm].test(claimed)) return { valid: false, reason: 'malformed', urls }
    const hash = HASHES[algorithm]
    // The parameters follow the URL in the signed string: build that suffix once, and when it is
    // long, encode it once too, rather than join and encode it again for every HMAC.
    const suffix = signedPayload('', request.params)
    const encoded = suffix.length > LONG_SUFFIX ? Buffer.from(suffix, 'utf8') : null
    for (const url of urls) {
      for (let i = 0; i < keys.length; i++) {
        const hmac = createHmac(hash, keys[i].key)
        if (encoded === null) hmac.update(url + suffix, 'utf8')
        else hmac.update(url, 'utf8').update(encoded)
        if (sameText(hmac.digest('base64'), claimed)) {
          if (request.rawBody !== undefined && !bodyHashMatches(url, request.rawBody)) {
            return { valid: false, reason: 'body-hash', urls }
          }
          return { valid: true, url, tokenIndex: i }
        }
      }
    }
    return { valid: false, reason: 'mismatch', urls }
  }
}
