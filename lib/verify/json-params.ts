/**
 * A JSON callback's top-level object as Twilio parameters: the same prototype-free shape the
 * form parser gives. Numbers and booleans become their text (a `SequenceNumber` of `3` is `'3'`,
 * as a form body would carry it), `null` is an absent parameter, a list of those is a repeated
 * name, and anything nested is refused: every event field is text, as its type says.
 */
import { InvalidParamError, TooManyParamsError } from '../errors'
import { type FormParams, Params } from './form'

function text (name: string, value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new InvalidParamError(name)
}

/** `json` as parsed by Fastify's safe parser; a non-object (array, number, null) has no parameters. */
export function jsonParams (json: unknown, maxParams: number, repeated: string[]): FormParams {
  const params = new Params()
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return params
  const names = Object.keys(json)
  if (names.length > maxParams) throw new TooManyParamsError(maxParams)
  for (const name of names) {
    const value = (json as Record<string, unknown>)[name]
    if (value === null) continue
    if (Array.isArray(value)) {
      params[name] = value.map((item: unknown) => text(name, item))
      repeated.push(name)
    } else {
      params[name] = text(name, value)
    }
  }
  return params
}
