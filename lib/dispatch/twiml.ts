/**
 * The reply body. Twilio wants `200` with `text/xml` and TwiML that starts exactly with `<?xml`
 * or `<Response` (docs/twilio-facts.md §4.5, errors 12100/15003); an empty `<Response/>` means "do nothing".
 */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

function isTwiml (text: string): boolean {
  return text.startsWith('<?xml') || text.startsWith('<Response')
}

/**
 * The TwiML a callback returned (a string, or a `MessagingResponse`-like object), or `null`: the
 * `'OK'` an arrow function passes on from a Redis `SET` is not a reply.
 */
export function twimlOf (result: unknown): string | null {
  if (typeof result === 'string') return isTwiml(result) ? result : null
  if (typeof result !== 'object' || result === null) return null
  // A prototype-free object (the parsed form event itself) has no callable toString: String() would throw.
  const { toString } = result as { toString?: unknown }
  if (typeof toString !== 'function' || toString === Object.prototype.toString) return null
  const text = String(result)
  return isTwiml(text) ? text : null
}
