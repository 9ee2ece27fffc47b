/**
 * Callback names, derived from the statuses each family defines once (`lib/families`): the
 * status unions, the callback names and the runtime lookups all come from those lists.
 */
import type { CallbackName } from '../../types/statuses'

export { MESSAGE_STATUSES } from '../families/messages'
export { CALL_STATUSES } from '../families/calls'

/** Runtime twin of {@link CallbackName} (`no-answer` → `onNoAnswer`). */
export function callbackName<S extends string> (status: S): CallbackName<S> {
  let name = 'on'
  for (const part of status.split(/[-_]/)) name += part.charAt(0).toUpperCase() + part.slice(1)
  return name as CallbackName<S>
}
