/**
 * The URL Twilio signed: `publicUrl` or the request's protocol and host, then the request target
 * exactly as received, never re-encoded (docs/twilio-facts.md §6).
 */
export interface UrlSource {
  readonly protocol: string
  readonly host: string
}

/**
 * `host[:port]` (RFC 3986 §3.2.2–3.2.3). Anything else in Host (`/`, `?`, `#`, `@`, …) could move
 * part of the path into the signed URL's host, so a signature captured on one route verifies on another.
 */
const AUTHORITY = /^(?:[\w.~-]+|\[[\dA-Fa-f:.]+\])(?::\d{1,5})?$/

/** A `publicUrl` as written, or what it had to be: the plugin's, `twilioSignature()`'s and the testing kit's check. */
export type PublicUrlCheck = { readonly base: string } | { readonly expected: string }

/**
 * `publicUrl` checked: an http(s) origin or base URL without credentials, query or fragment,
 * kept as written (no normalisation) without a trailing slash, as the request target follows it.
 */
export function checkPublicUrl (value: string): PublicUrlCheck {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return { expected: 'an absolute http(s) URL such as "https://hooks.example.com"' }
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' ||
    url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    return { expected: 'an http(s) origin or base URL without credentials, query or fragment' }
  }
  return { base: value.endsWith('/') ? value.slice(0, -1) : value }
}

/** The URL for a `publicUrl`, or for a protocol and host the caller vouches for, and a raw target. */
export function signedUrl (publicUrl: string | null, source: UrlSource, target: string): string {
  return publicUrl === null ? `${source.protocol}://${source.host}${target}` : publicUrl + target
}

/** Whether `host` (a Host or X-Forwarded-Host) is `host[:port]`, the only host a signed URL is built from. */
export function isAuthority (host: string): boolean {
  return AUTHORITY.test(host)
}

/** `http` or `https`, in any case (RFC 3986 §3.1: a scheme is case-insensitive). */
const PROTOCOL = /^https?$/i

/**
 * A request's protocol, lower-cased, or `null` when not `http(s)`: under `trustProxy` it is the
 * sender's X-Forwarded-Proto, which could otherwise put a host and path of its choice in the URL.
 */
export function schemeOf (protocol: string): 'http' | 'https' | null {
  return PROTOCOL.test(protocol) ? protocol.toLowerCase() as 'http' | 'https' : null
}

/**
 * The URL a request was signed over, or `null` when, without `publicUrl`, its protocol is not
 * http(s) or its host not `host[:port]` (FST_TWILIO_INVALID_HOST).
 */
export function requestUrl (publicUrl: string | null, request: UrlSource, target: string): string | null {
  if (publicUrl !== null) return signedUrl(publicUrl, request, target)
  const protocol = schemeOf(request.protocol)
  const host = request.host
  return protocol !== null && isAuthority(host) ? signedUrl(null, { protocol, host }, target) : null
}

/** The raw request target Twilio requested: before any `rewriteUrl` of the host's. */
export function targetOf (request: { readonly raw: { readonly url?: string } }): string {
  return (request.raw as { originalUrl?: string }).originalUrl ?? request.raw.url as string
}
