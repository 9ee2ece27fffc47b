/** URLs taken apart and put back together byte for byte, as Twilio signs them. */
import type { UrlParts } from './types'

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

export function urlOf (p: UrlParts): string {
  return `${p.scheme}://${p.host}${p.port === '' ? '' : ':' + p.port}${p.path}${p.query === null ? '' : '?' + p.query}`
}

export const defaultPort = (scheme: string): string => scheme === 'https' ? '443' : '80'

export function withQuery (url: string, query: string): string {
  return url + (url.includes('?') ? '&' : '?') + query
}

/** A path prefix written as `/a/b`, or `undefined` for none. */
export function prefixOf (path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  const trimmed = ('/' + path.trim()).replace(/\/+/g, '/').replace(/\/$/, '')
  return trimmed === '' ? undefined : trimmed
}
