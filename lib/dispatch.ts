/**
 * Run the callbacks that match an event: its own (the status's callback, or `onStale`) and
 * `onAny`. Both run even when one fails; failures are gathered into one error (an
 * AggregateError when there are two).
 */
import { CallbackFailedError } from './errors'
import type { Callback } from './options'

async function settle (fn: Callback, event: Record<string, unknown>, request: unknown, errors: unknown[]): Promise<unknown> {
  try {
    return await fn(event, request)
  } catch (err) {
    errors.push(err)
    return undefined
  }
}

/**
 * Resolves with what `own` returned (a possible TwiML reply); rejects with
 * `FST_TWILIO_CALLBACK_FAILED` when any callback threw or rejected.
 */
export async function dispatch (
  own: Callback | undefined, onAny: Callback | undefined,
  sid: string, status: string, event: Record<string, unknown>, request: unknown
): Promise<unknown> {
  const errors: unknown[] = []
  // Both start before either is awaited, so a slow or failing one never holds the other back.
  const result = own === undefined ? undefined : settle(own, event, request, errors)
  if (onAny !== undefined) await settle(onAny, event, request, errors)
  const returned = await result
  if (errors.length > 0) {
    const cause = errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} callbacks failed`)
    throw new CallbackFailedError(sid, status, { cause })
  }
  return returned
}
