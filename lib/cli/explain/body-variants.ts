/** The signed parameters read another way than as received: a GET's, a JSON URL's `bodySHA256`, a value a parser trimmed. */
import { bodyHash, type Params } from '../../verify/signature'
import { encodeForm } from '../sign'
import { clip, TRIM_GUESSES, TRIMMED } from './messages'
import type { ExplainInput, Finding } from './types'

export interface BodyVariant {
  readonly kind: 'as-received' | 'get-twice' | 'get-query' | 'json-hash' | 'trim'
  readonly params: Params | null
  readonly rawBody?: string | undefined
  /** Appended to the URL's query: a GET's parameters, or `bodySHA256`. */
  readonly query?: string
  readonly cost: number
  readonly finding?: Finding
}

/** A JSON callback whose URL lost the `bodySHA256` Twilio added and signed. */
function jsonHashVariants (input: ExplainInput, rawBody: string | undefined, query: string | null): BodyVariant[] {
  if (input.json !== true || rawBody === undefined || /(?:^|&)bodySHA256=/.test(query ?? '')) return []
  return [{
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
  }]
}

/** A form POST that Twilio signed as a GET: its parameters counted twice, or sent as a body. */
function postAsGetVariants (input: ExplainInput, signed: Params | null, query: string | null): BodyVariant[] {
  if (input.method !== 'POST' || input.json === true || signed === null || Object.keys(signed).length === 0) return []
  const variants: BodyVariant[] = []
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
  return variants
}

/** A GET given with its parameters beside its URL rather than in its query. */
function getVariants (input: ExplainInput): BodyVariant[] {
  if (input.method !== 'GET' || input.params === undefined || Object.keys(input.params).length === 0) return []
  return [{
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
  }]
}

/**
 * Without the raw body, a value a parser trimmed can be guessed back (one at a time): each
 * guess is an HMAC over every parameter, so only for as many as Twilio sends.
 */
function trimVariants (input: ExplainInput, signed: Params | null): BodyVariant[] {
  if (input.method !== 'POST' || input.json === true || input.body !== undefined || signed === null || Object.keys(signed).length > TRIM_GUESSES) return []
  const variants: BodyVariant[] = []
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
  return variants
}

/** The signed parameters read another way: a GET's query, a JSON URL's `bodySHA256`, a trimmed value restored. */
export function bodyVariants (input: ExplainInput, signed: Params | null, rawBody: string | undefined, query: string | null): BodyVariant[] {
  return [
    { kind: 'as-received', params: signed, rawBody, cost: 0 },
    ...jsonHashVariants(input, rawBody, query),
    ...postAsGetVariants(input, signed, query),
    ...getVariants(input),
    ...trimVariants(input, signed)
  ]
}
