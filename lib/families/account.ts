/**
 * Which account a request speaks for: one rule for the token lookup and an event's identity
 * (docs/security.md, "Account isolation").
 */

/**
 * The request's `AccountSid` (or the family's own `name` for it, Verify's `account_sid`): its
 * parameters' own, else the `AccountSid` in the signed request target's query (an Event Streams
 * sink URL); `undefined` when neither names one as text.
 */
export function accountSidOf (params: Readonly<Record<string, unknown>> | null, target: string, name = 'AccountSid'): string | undefined {
  // Own keys only: a JSON body's `__proto__` or a polluted prototype names no account.
  const named = params !== null && Object.hasOwn(params, name) ? params[name] : undefined
  if (named !== undefined && named !== null) return typeof named === 'string' ? named : undefined
  return queryAccountSid(target)
}

/** A JSON body's top-level object, whose `AccountSid` a handler reads; `null` for an array or anything else. */
export function jsonObjectOf (raw: string): Record<string, unknown> | null {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return null
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json as Record<string, unknown> : null
}

/** A form name or value decoded as `parseForm` decodes it, or `undefined` when its escapes are broken. */
function decode (text: string): string | undefined {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  try {
    return spaced.includes('%') ? decodeURIComponent(spaced) : spaced
  } catch {
    return undefined
  }
}

/** The query's `AccountSid` when it names exactly one; a scan, not a parse, so a forged long query costs little. */
function queryAccountSid (target: string): string | undefined {
  const start = target.indexOf('?')
  if (start === -1) return undefined
  let found: string | undefined
  for (const pair of target.slice(start + 1).split('&')) {
    const eq = pair.indexOf('=')
    if (decode(eq === -1 ? pair : pair.slice(0, eq)) !== 'AccountSid') continue
    // Named twice, or not decodable: the query names no one account.
    if (found !== undefined) return undefined
    found = decode(eq === -1 ? '' : pair.slice(eq + 1))
    if (found === undefined) return undefined
  }
  return found
}
