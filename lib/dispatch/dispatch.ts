/**
 * Run an event's own callback (or `onStale`) and `onAny`: both run even when one fails, and
 * failures are gathered into one error.
 */
import { CallbackFailedError } from '../errors'
import type { Callback } from '../config'
import { isThenable } from '../thenable'

/** A failure's message for the log line; a thrown non-Error object is only named. */
function messageOf (err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'object' && err !== null ? 'a non-Error object' : String(err)
}

function failure (sid: string, status: string, errors: readonly unknown[]): Error {
  const cause = errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} callbacks failed: ${errors.map(messageOf).join('; ')}`)
  return new CallbackFailedError(sid, status, { cause })
}

/** Waits for whichever callbacks answered with a promise; a rejection is that callback's failure. */
async function settleLater (own: unknown, any: unknown, errors: unknown[], sid: string, status: string): Promise<unknown> {
  const push = (err: unknown): void => { errors.push(err) }
  // Failures are gathered in the order they happen, both callbacks already started.
  const ownSettled = isThenable(own) ? Promise.resolve(own).then(undefined, push) : own
  if (isThenable(any)) await Promise.resolve(any).then(undefined, push)
  const returned = isThenable(ownSettled) ? await ownSettled : ownSettled
  if (errors.length > 0) throw failure(sid, status, errors)
  return returned
}

/**
 * What `own` returned (a possible TwiML reply), with no promise made while both callbacks answer
 * synchronously; throws or rejects `FST_TWILIO_CALLBACK_FAILED` when any callback failed.
 */
export function dispatchNow (
  own: Callback | undefined, onAny: Callback | undefined,
  sid: string, status: string, event: Record<string, unknown>, request: unknown
): unknown {
  let errors: unknown[] | null = null
  let result: unknown
  let any: unknown
  if (own !== undefined) {
    try {
      result = own(event, request)
    } catch (err) {
      errors = [err]
    }
  }
  if (onAny !== undefined) {
    try {
      any = onAny(event, request)
    } catch (err) {
      (errors ??= []).push(err)
    }
  }
  if (isThenable(result) && !isThenable(any) && errors === null) {
    // The usual asynchronous case, only `own` pending and nothing failed: one derived promise.
    return Promise.resolve(result).then(undefined, (err: unknown) => { throw failure(sid, status, [err]) })
  }
  if (isThenable(result) || isThenable(any)) return settleLater(result, any, errors ?? [], sid, status)
  if (errors !== null) throw failure(sid, status, errors)
  return result
}

/**
 * Resolves with what `own` returned (a possible TwiML reply); rejects with
 * `FST_TWILIO_CALLBACK_FAILED` when any callback threw or rejected.
 */
export async function dispatch (
  own: Callback | undefined, onAny: Callback | undefined,
  sid: string, status: string, event: Record<string, unknown>, request: unknown
): Promise<unknown> {
  return await dispatchNow(own, onAny, sid, status, event, request)
}
