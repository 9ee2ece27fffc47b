/**
 * The URL Twilio signed: `publicUrl` (the origin or base URL Twilio calls, for apps behind a
 * TLS proxy or tunnel, §6 #1) or the request's own protocol and host, followed by the request
 * target exactly as received. Never re-encoded: `'` and `+` must stay as sent (§6 #2, #3).
 */
export interface UrlSource {
  readonly protocol: string
  readonly host: string
  /** The raw request target: path and query as on the request line. */
  readonly target: string
}

export function signedUrl (publicUrl: string | null, source: UrlSource): string {
  return (publicUrl ?? `${source.protocol}://${source.host}`) + source.target
}
