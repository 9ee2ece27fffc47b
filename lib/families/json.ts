/**
 * JSON objects Twilio sends as text (`TaskAttributes`, the Debugger's `Payload`): parsed once per
 * event into `event.parsed`, beside the signed text, which stays as sent.
 */
import { InvalidJsonParamError } from '../errors'

/** `text` as a JSON object, or `undefined` when it is not one (malformed, an array, a number…). */
function objectOf (text: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
}

/**
 * Parse `names` of `event` into a non-enumerable `parsed` view (not serialized, never mistaken for
 * a parameter); an absent or empty one is left out. Throws a coded 400 for one that is not a JSON object.
 */
export function parseJsonParams (event: Record<string, unknown>, names: readonly string[]): void {
  const parsed: Record<string, unknown> = Object.create(null)
  for (const name of names) {
    const text = event[name]
    if (typeof text !== 'string' || text === '') continue
    const value = objectOf(text)
    if (value === undefined) throw new InvalidJsonParamError(name)
    parsed[name] = value
  }
  Object.defineProperty(event, 'parsed', { value: Object.freeze(parsed), enumerable: false, configurable: true })
}
