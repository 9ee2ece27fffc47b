/**
 * Run the callbacks that match an event: its own (the status's callback, or `onStale`) and
 * `onAny`. Both run even when one fails; failures are gathered into one error (an
 * AggregateError when there are two).
 */
import { CallbackFailedError } from '../errors'
import type { Callback } from '../config'

/** A promise, or any object a callback or a store may return that behaves as one. */
export function isThenable<T> (value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

/** Call `fn`; a throw or rejection goes to `errors`. A synchronous callback costs no promise. */
function settle (fn: Callback, event: Record<string, unknown>, request: unknown, errors: unknown[]): unknown {
  try {
    const result = fn(event, request)
    return isThenable(result) ? Promise.resolve(result).then(undefined, (err: unknown) => { errors.push(err) }) : result
  } catch (err) {
    errors.push(err)
    return undefined
  }
}

/** A failure's message for the log line; a thrown non-Error object is only named. */
function messageOf (err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'object' && err !== null ? 'a non-Error object' : String(err)
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
  if (onAny !== undefined) {
    const any = settle(onAny, event, request, errors)
    if (isThenable(any)) await any
  }
  const returned = isThenable(result) ? await result : result
  if (errors.length > 0) {
    const cause = errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} callbacks failed: ${errors.map(messageOf).join('; ')}`)
    throw new CallbackFailedError(sid, status, { cause })
  }
  return returned
}
