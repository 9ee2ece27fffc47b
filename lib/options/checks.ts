/**
 * The checks every option goes through: a message that names the option, what was expected and
 * what was given, and a suggestion for a misspelt name. Shared by the plugin's options, the
 * verification options and `twilioSignature()`.
 */
import type { Callback } from '../config'
import { InvalidOptionError } from '../errors'

function describe (value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

export function fail (option: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`option ${option} must be ${expected}, got ${describe(value)}`)
}

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A counters object the host passes to read it (`stats`, `queueStats`): a new one from `create`
 * when none is given, else one with every counter `create` makes, which is then updated in place.
 */
export function counters<T extends object> (option: string, value: unknown, create: () => T): T {
  if (value === undefined) return create()
  if (!isPlainObject(value) || Object.keys(create()).some((k) => typeof value[k] !== 'number')) {
    fail(option, `an object made by ${create.name}()`, value)
  }
  return value as T
}

/** Edit distance, to suggest `onDelivered` for a misspelt `onDelivred`. */

function distance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]
}

export function rejectUnknownKeys (where: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue
    const near = allowed.find((name) => distance(name.toLowerCase(), key.toLowerCase()) <= 2)
    const hint = near === undefined ? '' : `; did you mean ${near}?`
    throw new InvalidOptionError(`unknown option ${where}${key}${hint} (expected one of: ${allowed.join(', ')})`)
  }
}

export function integer (option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `an integer from ${min} to ${max}`, value)
  }
  return value
}

export function checkPath (option: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    fail(option, 'a path starting with "/" without query, fragment or spaces', path)
  }
}

export function optionalFunction (option: string, value: unknown): Callback | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'a function', value)
  return value as Callback | undefined
}
