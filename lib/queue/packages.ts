/**
 * Queue mode's optional peers (bullmq, ioredis), looked for before either is loaded, so a missing
 * one is a coded error naming the install command rather than a require stack.
 */
import { MissingPackageError } from '../errors'

export const QUEUE_PACKAGES = ['bullmq', 'ioredis'] as const

/** `require.resolve`, or a stand-in in tests. */
export type Resolve = (id: string) => string

function installed (id: string, resolve: Resolve): boolean {
  try {
    resolve(id)
    return true
  } catch (err) {
    // There but unusable (say, a broken package.json): its own error says more than "install it".
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err
    return false
  }
}

/** Throws `FST_TWILIO_MISSING_PACKAGE` for `who` (what needs them) naming each one `resolve` cannot find. */
export function needQueuePackages (who: string, resolve: Resolve = require.resolve): void {
  const missing = QUEUE_PACKAGES.filter((id) => !installed(id, resolve))
  if (missing.length > 0) throw new MissingPackageError(who, missing.join(' and '), missing.join(' '))
}
