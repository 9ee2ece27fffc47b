/**
 * Callback names, derived from the statuses each family defines once: the status unions, the
 * callback names and the runtime lookups all come from those lists.
 */
export { MESSAGE_STATUSES } from './messages'
export { CALL_STATUSES } from './calls'

/** `no-answer` → `NoAnswer`, `partially_delivered` → `PartiallyDelivered`, `task.created` → `TaskCreated`. */
export type PascalStatus<S extends string> =
  S extends `${infer A}.${infer B}` ? `${PascalStatus<A>}${PascalStatus<B>}`
    : S extends `${infer A}-${infer B}` ? `${Capitalize<A>}${PascalStatus<B>}`
      : S extends `${infer A}_${infer B}` ? `${Capitalize<A>}${PascalStatus<B>}`
        : Capitalize<S>

/** The option name of a status's callback: `no-answer` → `onNoAnswer`, `worker.activity.update` → `onWorkerActivityUpdate`. */
export type CallbackName<S extends string> = `on${PascalStatus<S>}`

/** Runtime twin of {@link CallbackName}. */
export function callbackName<S extends string> (status: S): CallbackName<S> {
  let name = 'on'
  for (const part of status.split(/[-_.]/)) name += part.charAt(0).toUpperCase() + part.slice(1)
  return name as CallbackName<S>
}
