/**
 * A parameter Twilio sends as JSON text (`Attributes`, `Media`, `TaskAttributes`, …), parsed once
 * per event and name; the event keeps the signed text.
 */
const PARSED = new WeakMap<object, Map<string, unknown>>()

/**
 * The parsed value of `event[name]`, or `undefined` when it is absent, repeated or not JSON (the
 * docs' own `WorkerAttributes` example uses single quotes).
 */
export function jsonParam<T = unknown> (event: object, name: string): T | undefined {
  let parsed = PARSED.get(event)
  if (parsed === undefined) PARSED.set(event, parsed = new Map())
  if (parsed.has(name)) return parsed.get(name) as T | undefined
  const text = (event as Record<string, unknown>)[name]
  let value: unknown
  if (typeof text === 'string') {
    try {
      value = JSON.parse(text)
    } catch {}
  }
  parsed.set(name, value)
  return value as T | undefined
}
