/**
 * The URL Twilio signed: `publicUrl` (the origin or base URL Twilio calls, for apps behind a
 * TLS proxy or tunnel, docs/twilio-facts.md §6 #1) or the request's own protocol and host, followed by the request
 * target exactly as received. Never re-encoded: `'` and `+` must stay as sent (docs/twilio-facts.md §6 #2, #3).
 */
export interface UrlSource {
  readonly protocol: string
  readonly host: string
}

/**
 * `source` is the Fastify request itself: its `protocol` and `host` getters (which weigh
 * `trustProxy`) are read only when there is no `publicUrl`. `target` is the raw request target.
 */
export function signedUrl (publicUrl: string | null, source: UrlSource, target: string): string {
  return publicUrl === null ? `${source.protocol}://${source.host}${target}` : publicUrl + target
}

/** The raw request target Twilio requested: before any `rewriteUrl` of the host's. */
export function targetOf (request: { readonly raw: { readonly url?: string } }): string {
  return (request.raw as { originalUrl?: string }).originalUrl ?? request.raw.url as string
}
