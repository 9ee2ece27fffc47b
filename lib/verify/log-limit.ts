/**
 * Log lines that a sender can cause, bounded: the text it chose is clipped, and each kind of line
 * is written at most a few times a minute. Refusing a forged request must cost about what
 * accepting a real one does, and a flood of them must not fill the operator's disk.
 */

/** The window of a log limiter: one minute. */
export const LOG_INTERVAL = 60_000

/** Request-supplied text in a log line or an error message: at most `max` characters, then `…`. */
export function clip (text: string, max = 64): string {
  return text.length > max ? text.slice(0, max) + '…' : text
}

/**
 * A limiter of log lines by kind. `admit(kind)` is `-1` when the line is to be left out (past
 * `burst` lines of that kind in the current window of `LOG_INTERVAL`), else how many lines of that
 * kind were left out since the last one written, for that line to say so. A window starts with
 * the first line of its kind after the last window ended: one `Date.now()` and a map lookup a line.
 * Kinds come from a fixed set (reasons, token indexes): the map does not grow with the traffic.
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
