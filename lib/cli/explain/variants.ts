/**
 * The URLs Twilio may have signed instead of the one the app saw (docs/twilio-facts.md §6), each
 * with a cost (how many changes), so the fewest are tried first.
 */
import type { Hints, UrlParts } from './types'
import { partsOf, prefixOf, urlOf } from './url'

interface Choice<T> {
  readonly value: T
  readonly cost: number
  readonly label?: string
}

export interface UrlVariant {
  readonly url: string
  readonly parts: UrlParts
  /** The prefix put before the path the app saw, if any. */
  readonly prefix: string
  readonly queryLabel?: string | undefined
  readonly cost: number
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

/** Path prefixes a proxy commonly strips, tried when nothing names one. */
const PREFIXES = ['/api', '/webhooks', '/webhook', '/hooks', '/twilio', '/app', '/v1']
const PORTS = ['', '443', '80', '8443', '8080', '3000', '8000', '5000']

/** The observed value (cost 0) and the others (cost 1), each once. */
function choices<T> (observed: T, others: ReadonlyArray<T | undefined>): Array<Choice<T>> {
  const list: Array<Choice<T>> = [{ value: observed, cost: 0 }]
  for (const value of others) {
    if (value !== undefined && !list.some((c) => c.value === value)) list.push({ value, cost: 1 })
  }
  return list
}

function permutations<T> (items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

/** Host and port together: a host a header names comes with its own port, as one change. */
function authorities (observed: UrlParts, named: readonly UrlParts[], port: string | undefined): Array<Choice<readonly [string, string]>> {
  const list: Array<Choice<readonly [string, string]>> = []
  const add = (host: string, port: string, cost: number): void => {
    if (!list.some((a) => a.value[0] === host && a.value[1] === port)) list.push({ value: [host, port], cost })
  }
  add(observed.host, observed.port, 0)
  if (port !== undefined) add(observed.host, port.trim(), 1)
  for (const other of named) add(other.host, other.port, 1)
  for (const port of PORTS) add(observed.host, port, 1)
  for (const other of named) for (const port of PORTS) add(other.host, port, 2)
  return list
}

function tails (path: string): Array<Choice<string>> {
  const segments = path.split('/')
  return choices(path, [
    // The app is reached under a prefix Twilio did not request.
    segments.length > 2 ? '/' + segments.slice(2).join('/') : undefined,
    // A trailing slash added or removed.
    path.endsWith('/') ? path.replace(/\/+$/, '') : path + '/'
  ].filter((p) => p !== ''))
}

function queries (query: string | null): Array<Choice<string | null>> {
  const list: Array<Choice<string | null>> = [{ value: query, cost: 0 }]
  if (query === null || query === '') return list
  const forms = QUERY_FORMS.map(([label, form]) => [label, form(query)] as const)
  // A framework that sorts the query (docs/twilio-facts.md §6 #2) loses the order: try them all, for a short one.
  const pairs = query.split('&')
  if (pairs.length <= 4) for (const order of permutations(pairs)) forms.push(['parameters reordered', order.join('&')])
  for (const [label, value] of forms) {
    if (!list.some((q) => q.value === value)) list.push({ value, cost: 1, label })
  }
  return list
}

type Choices = readonly [Array<Choice<string>>, Array<Choice<readonly [string, string]>>, Array<Choice<string>>, Array<Choice<string>>, Array<Choice<string | null>>]

/** Each combination of the choices, up to three changes. */
function combine (url: string, [schemes, hosts, prefixes, tails, queries]: Choices): UrlVariant[] {
  const variants: UrlVariant[] = []
  for (const scheme of schemes) {
    for (const authority of hosts) {
      for (const prefix of prefixes) {
        for (const tail of tails) {
          for (const query of queries) {
            const cost = scheme.cost + authority.cost + prefix.cost + tail.cost + query.cost
            if (cost > 3) continue
            const parts = { scheme: scheme.value, host: authority.value[0], port: authority.value[1], path: prefix.value + tail.value, query: query.value }
            variants.push({ url: cost === 0 ? url : urlOf(parts), parts, prefix: prefix.value, queryLabel: query.label, cost })
          }
        }
      }
    }
  }
  return variants
}

/** Every URL Twilio may have signed instead of the one the app saw, the observed one first, by cost. */
export function urlVariants (url: string, observed: UrlParts, hints: Hints): UrlVariant[] {
  const publicParts = hints.publicUrl === undefined ? null : partsOf(hints.publicUrl)
  const forwarded = hints.host === undefined ? null : partsOf(`http://${hints.host.split(',')[0].trim()}`)
  const schemes = choices(observed.scheme, [observed.scheme === 'https' ? 'http' : 'https', hints.proto?.split(',')[0].trim().toLowerCase(), publicParts?.scheme])
  const hosts = authorities(observed, [forwarded, publicParts].filter((p) => p !== null), hints.port)
  const prefixes = choices('', [prefixOf(hints.prefix), prefixOf(publicParts?.path), ...PREFIXES])
  const variants = combine(url, [schemes, hosts, prefixes, tails(observed.path), queries(observed.query)])
  // Twilio's public URL as a whole: one change, however many of its parts differ.
  if (publicParts !== null) {
    const parts = { ...publicParts, path: (prefixOf(publicParts.path) ?? '') + observed.path, query: observed.query }
    variants.push({ url: urlOf(parts), parts, prefix: prefixOf(publicParts.path) ?? '', cost: 1 })
  }
  return variants.sort((a, b) => a.cost - b.cost)
}
