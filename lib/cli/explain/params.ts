/** The parameters the plugin reads from a request: how many, and which ones are signed. */
import { MalformedBodyError } from '../../errors'
import { parseForm } from '../../verify/form'
import type { Params } from '../../verify/signature'
import { malformedBodyNote, NO_RAW_BODY } from './messages'
import type { ExplainInput } from './types'

/** `a=1&b=2`'s pairs, as the plugin's form parser counts them (an empty piece is none). */
function pairCount (form: string): number {
  let count = 0
  for (let start = 0, end = 0; start <= form.length; start = end + 1) {
    end = form.indexOf('&', start)
    if (end === -1) end = form.length
    if (end > start) count++
  }
  return count
}

/** How many parameters the plugin reads from the request: a form body's or GET query's pairs, a JSON object's names. */
export function paramCount (input: ExplainInput, query: string | null): number {
  const given = Object.values(input.params ?? {}).reduce((n, v) => n + (typeof v === 'string' ? 1 : v.length), 0)
  if (input.method === 'GET') return pairCount(query ?? '') + given
  if (input.body === undefined) return input.json === true ? Object.keys(input.params ?? {}).length : given
  if (input.json !== true) return pairCount(input.body)
  try {
    const json: unknown = JSON.parse(input.body)
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.keys(json).length : 0
  } catch {
    return 0
  }
}

/** What the signature covers besides the URL: a form's parameters, or a JSON body's bytes. */
export interface SignedBody {
  readonly signed: Params | null
  readonly rawBody: string | undefined
}

/**
 * The parameters as the plugin reads them: none for GET and JSON, the raw body's for a form;
 * `null` when the body is refused before any signature check. Each note says why.
 */
export function signedBodyOf (input: ExplainInput, notes: string[]): SignedBody | null {
  if (input.method !== 'POST') return { signed: null, rawBody: undefined }
  if (input.json === true) {
    if (input.body === undefined) notes.push(NO_RAW_BODY)
    return { signed: null, rawBody: input.body ?? JSON.stringify(input.params ?? {}) }
  }
  if (input.body === undefined) return { signed: input.params ?? {}, rawBody: undefined }
  try {
    return { signed: parseForm(input.body), rawBody: undefined }
  } catch (err) {
    /* c8 ignore next */
    if (!(err instanceof MalformedBodyError)) throw err
    notes.push(malformedBodyNote(err.message))
    return null
  }
}
