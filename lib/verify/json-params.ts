/**
 * A JSON callback's top-level object as Twilio parameters: the same prototype-free shape the
 * form parser gives. Numbers and booleans become their text (a `SequenceNumber` of `3` is `'3'`,
 * as a form body would carry it), `null` is an absent parameter, a list of those is a repeated
 * name. Anything nested is not a parameter: every event field is text, as its type says.
 */
import { TooManyParamsError } from '../errors'
import { type FormParams, Params } from './form'

function text (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/**
 * `json` as parsed by Fastify's safe parser; a non-object (array, number, null) has no parameters.
 * A nested value is left out and its name pushed to `notText`: the routes that read parameters
 * refuse it, the parser cannot (a single CloudEvent's `data` is an object, and Event Streams
 * answers it as a batch, docs/twilio-facts.md §10.1).
 */
export function jsonParams (json: unknown, maxParams: number, repeated: string[], notText: string[]): FormParams {
  const params = new Params()
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return params
  const names = Object.keys(json)
  if (names.length > maxParams) throw new TooManyParamsError(maxParams)
  for (const name of names) {
    const value = (json as Record<string, unknown>)[name]
    if (value === null) continue
    if (Array.isArray(value)) {
      const values = value.map(text)
      if (values.includes(undefined)) notText.push(name)
      else {
        params[name] = values as string[]
        repeated.push(name)
      }
    } else {
      const one = text(value)
      if (one === undefined) notText.push(name)
      else params[name] = one
    }
  }
  return params
}
