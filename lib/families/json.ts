/**
 * JSON Twilio sends as text (`TaskAttributes`, the Debugger's `Payload`, Conversations'
 * `Attributes` and `Media`): parsed once per event into `event.parsed`, beside the signed text,
 * which stays as sent.
 */
import type { JsonShape } from './family'

/** The code of the warn line logged for a text that is not JSON of its shape (no reply carries it). */
export const INVALID_JSON_PARAM = 'FST_TWILIO_INVALID_JSON_PARAM'

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `text` parsed, when it is JSON of `shape`; `undefined` otherwise (malformed, an array for an object…). */
function valueOf (text: string, shape: JsonShape): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (shape === 'object') return isObject(value) ? value : undefined
  return Array.isArray(value) && value.every(isObject) ? value : undefined
}

/**
 * Parse `shapes` of `event` into a non-enumerable `parsed` view (not serialized, never mistaken for
 * a parameter); an absent or empty text is left out. Returns the names whose text is not JSON of
 * its shape: left out too, never refused (Twilio signed it, and a refused event is lost).
 */
export function parseJsonParams (event: Record<string, unknown>, shapes: Readonly<Record<string, JsonShape>>): string[] {
  const parsed: Record<string, unknown> = Object.create(null)
  const invalid: string[] = []
  for (const [name, shape] of Object.entries(shapes)) {
    const text = event[name]
    if (typeof text !== 'string' || text === '') continue
    const value = valueOf(text, shape)
    if (value === undefined) invalid.push(name)
    else parsed[name] = value
  }
  Object.defineProperty(event, 'parsed', { value: Object.freeze(parsed), enumerable: false, configurable: true })
  return invalid
}
