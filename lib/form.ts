/**
 * `application/x-www-form-urlencoded` decoding, strict: broken percent-encoding is an error
 * (never a guess), `+` is a space, nothing is trimmed (§6 #6), repeated names keep every value
 * (§1.2), and the result has no prototype, so `__proto__` or `constructor` are plain names.
 */
import { MalformedBodyError } from './errors'

export type FormParams = Record<string, string | string[]>

function decode (text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    throw new MalformedBodyError(`invalid percent-encoding in "${text.slice(0, 64)}"`)
  }
}

/**
 * Objects with no `Object.prototype` in their chain, yet in V8's fast mode (`Object.create(null)`
 * makes slow dictionary objects): `__proto__` and `constructor` are plain own keys on them.
 */
const Params = function Params () {} as unknown as new () => FormParams
Params.prototype = Object.create(null)

export function parseForm (input: string): FormParams {
  const params = new Params()
  let start = 0
  while (start <= input.length) {
    let end = input.indexOf('&', start)
    if (end === -1) end = input.length
    if (end > start) {
      const pair = input.slice(start, end)
      const eq = pair.indexOf('=')
      const name = decode(eq === -1 ? pair : pair.slice(0, eq))
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1))
      const prev = params[name]
      if (prev === undefined) {
        params[name] = value
      } else {
        if (typeof prev === 'string') params[name] = [prev, value]
        else prev.push(value)
      }
    }
    start = end + 1
  }
  return params
}
