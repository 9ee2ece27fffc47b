/**
 * `application/x-www-form-urlencoded` decoding, strict: broken percent-encoding is an error
 * (never a guess), `+` is a space, nothing is trimmed (docs/twilio-facts.md §6 #6), repeated names keep every value
 * (docs/twilio-facts.md §1.2), and the result has no prototype, so `__proto__` or `constructor` are plain names.
 * At most `maxParams` pairs are read: a body of thousands of names would otherwise cost
 * milliseconds of sorting and hashing before a forged request could be refused.
 */
import { MalformedBodyError, TooManyParamsError } from '../errors'

export type FormParams = Record<string, string | string[]>

/** The default bound on parameters: Twilio sends a few dozen (an inbound MMS with ten attachments about seventy). */
export const DEFAULT_MAX_PARAMS = 256

/**
 * Objects with no `Object.prototype` in their chain, yet in V8's fast mode (`Object.create(null)`
 * makes slow dictionary objects): `__proto__` and `constructor` are plain own keys on them.
 */
export const Params = function Params () {} as unknown as new () => FormParams
Params.prototype = Object.create(null)

/** Decode one name or value; `pair` (1-based) only names the place in the error, never the input. */
function decode (text: string, pair: number): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    throw new MalformedBodyError(`invalid percent-encoding in parameter ${pair}`)
  }
}

/**
 * Parse `input`; each name given more than once is pushed to `repeated` (once), so the caller
 * can refuse repeats of single-valued parameters without walking every key again.
 */
export function parseForm (input: string, maxParams = Infinity, repeated?: string[]): FormParams {
  const params = new Params()
  let count = 0
  let start = 0
  while (start <= input.length) {
    let end = input.indexOf('&', start)
    if (end === -1) end = input.length
    if (end > start) {
      if (++count > maxParams) throw new TooManyParamsError(maxParams)
      const pair = input.slice(start, end)
      const eq = pair.indexOf('=')
      const name = decode(eq === -1 ? pair : pair.slice(0, eq), count)
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1), count)
      const prev = params[name]
      if (prev === undefined) {
        params[name] = value
      } else {
        if (typeof prev === 'string') {
          params[name] = [prev, value]
          repeated?.push(name)
        } else {
          prev.push(value)
        }
      }
    }
    start = end + 1
  }
  return params
}
