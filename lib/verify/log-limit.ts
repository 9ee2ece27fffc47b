/**
 * Log lines a sender can cause, bounded: its text clipped, each kind written a few times a minute,
 * so a flood of forged requests cannot fill the operator's disk.
 */
import type { FastifyBaseLogger } from 'fastify'

/** The window of a log limiter: one minute. */
export const LOG_INTERVAL = 60_000

/** Request-supplied text in a log line or an error message: at most `max` characters, then `…`. */
export function clip (text: string, max = 64): string {
  return text.length > max ? text.slice(0, max) + '…' : text
}

/**
 * A limiter of log lines by kind (a fixed set, so the map does not grow): `admit(kind)` is `-1` past
 * `burst` lines in the window, else how many were left out since the last line written.
 */
export function createLogLimiter (burst: number): (kind: string | number) => number {
  const windows = new Map<string | number, { start: number, written: number, leftOut: number }>()
  return function admit (kind) {
    const now = Date.now()
    let window = windows.get(kind)
    if (window === undefined) {
      window = { start: now, written: 0, leftOut: 0 }
      windows.set(kind, window)
    } else if (now - window.start >= LOG_INTERVAL) {
      window.start = now
      window.written = 0
    }
    if (window.written === burst) {
      window.leftOut++
      return -1
    }
    window.written++
    const leftOut = window.leftOut
    window.leftOut = 0
    return leftOut
  }
}

/**
 * A warn line through `log`, unless `admit` (a `createLogLimiter`) is past its burst for `kind`;
 * the first line after some were left out says how many (`suppressed`).
 */
export function warnLimited (admit: (kind: string | number) => number, kind: string | number, log: FastifyBaseLogger, fields: Record<string, unknown>, message: string): void {
  const leftOut = admit(kind)
  if (leftOut !== -1) log.warn(leftOut === 0 ? fields : { ...fields, suppressed: leftOut }, message)
}
