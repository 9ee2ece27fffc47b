/** Command-line arguments (strict `parseArgs`) and the values every command shares. */
import { parseArgs } from 'node:util'
import { CHANNELS, type Channel, FAMILIES } from '../families/index'

/** Exit statuses a script can test. */
export const EXIT = {
  /** Sent and answered 2xx; signed; verifies. */
  ok: 0,
  /** An answer other than 2xx; a request that does not verify; a command Redis refused (replay). */
  failed: 1,
  /** Bad arguments, an unreadable file. */
  usage: 2,
  /** The app (or, for replay, Redis) could not be reached, or did not answer in time. */
  unreachable: 3,
  /** A bug in the command line itself (sysexits' EX_SOFTWARE). */
  software: 70
} as const

/** What each exit status means, as the top-level help lists them: every status has one. */
export const EXIT_MEANINGS: Readonly<Record<keyof typeof EXIT, string>> = {
  ok: 'success',
  failed: 'an answer other than 2xx, a request that does not verify or a Redis command refused',
  usage: 'usage error',
  unreachable: 'the app (or Redis) could not be reached',
  software: 'an internal error (a bug in the command line: please report it)'
}

/** An error the user can act on: its message is printed (never a stack), and it exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number
  constructor (message: string, exitCode: number = EXIT.usage) {
    super(message)
    this.exitCode = exitCode
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  readonly multiple?: boolean
}

export type Values = Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>

/** Flags every command takes. */
const COMMON: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h' },
  'no-color': { type: 'boolean' }
}

/** Parse `argv` against `options` (plus `--help` and `--no-color`); any mistake is a usage error. */
export function parseCommand (argv: readonly string[], options: Readonly<Record<string, OptionSpec>>): { values: Values, positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...COMMON, ...options }, strict: true, allowPositionals: true })
    return { values: values as Values, positionals }
  } catch (err) {
    throw new CliError((err as Error).message)
  }
}

/** A string flag's value (the last one given). */
export function stringOf (values: Values, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/** Every value of a repeatable string flag, in order. */
export function listOf (values: Values, name: string): string[] {
  const value = values[name]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/** A number flag: a whole number within `[min, max]`. */
export function numberOf (values: Values, name: string, fallback: number, min: number, max: number): number {
  const text = stringOf(values, name)
  if (text === undefined) return fallback
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) throw new CliError(`--${name} takes a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`)
  return n
}

/**
 * `--param Key=Value` pairs, split at the first `=` (`Key=` is an empty value); a name given
 * twice is a repeated parameter, every value kept in order.
 */
export function paramsOf (pairs: readonly string[]): Record<string, string | string[]> {
  // A Map and `Object.fromEntries` keep names such as `__proto__` as plain parameters.
  const params = new Map<string, string | string[]>()
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new CliError(`--param takes Key=Value, got ${JSON.stringify(pair)}`)
    const name = pair.slice(0, eq)
    const value = pair.slice(eq + 1)
    const prev = params.get(name)
    params.set(name, prev === undefined ? value : [...(typeof prev === 'string' ? [prev] : prev), value])
  }
  return Object.fromEntries(params)
}

const squash = (name: string): string => name.toLowerCase().replace(/[-_]/g, '')

/** A channel as the plugin names it (`sms`, `call`, …, `eventStreams`); case, `-` and `_` do not matter. */
export function channelOf (name: string | undefined): Channel {
  const channel = name === undefined ? undefined : CHANNELS.find((c) => squash(c) === squash(name))
  if (channel === undefined) {
    throw new CliError(`${name === undefined ? 'a channel is needed' : `unknown channel ${JSON.stringify(name)}`}: one of ${CHANNELS.join(', ')}`)
  }
  return channel
}

/**
 * A status the channel knows. Event Streams types may be shortened to a unique tail
 * (`message.delivered` for `com.twilio.messaging.message.delivered`).
 */
export function statusOf (channel: Channel, status: string | undefined): string {
  const statuses: readonly string[] = FAMILIES[channel].statuses
  if (status !== undefined && statuses.includes(status)) return status
  const tails = status === undefined ? [] : statuses.filter((s) => s.endsWith(`.${status}`))
  if (tails.length === 1) return tails[0]
  const what = status === undefined ? 'a status is needed' : `${JSON.stringify(status)} is not a ${channel} status the plugin knows`
  throw new CliError(`${what}: one of ${statuses.join(', ')} (or send any with --param ${FAMILIES[channel].statusParams[0]}=…)`)
}

export type Method = 'POST' | 'GET' | 'JSON'

/** `--method`: `POST` (a form body, the default), `GET` (the query string) or `JSON` (a JSON body). */
export function methodOf (values: Values): Method {
  const text = stringOf(values, 'method')?.toUpperCase() ?? 'POST'
  if (text !== 'POST' && text !== 'GET' && text !== 'JSON') throw new CliError(`--method is POST, GET or JSON, got ${JSON.stringify(stringOf(values, 'method'))}`)
  return text
}

/** The tokens to sign or verify with: every `--token`, else `TWILIO_AUTH_TOKEN`; never printed. */
export function tokensOf (values: Values, env: Readonly<Record<string, string | undefined>>): string[] {
  const given = listOf(values, 'token')
  if (given.some((token) => token === '')) throw new CliError('--token is empty')
  if (given.length > 0) return given
  const fromEnv = env.TWILIO_AUTH_TOKEN ?? ''
  return fromEnv === '' ? [] : [fromEnv]
}

/** Exactly one token, for signing. */
export function tokenOf (values: Values, env: Readonly<Record<string, string | undefined>>): string {
  const tokens = tokensOf(values, env)
  if (tokens.length === 0) throw new CliError('no Auth Token: pass --token or set TWILIO_AUTH_TOKEN')
  if (tokens.length > 1) throw new CliError('one --token signs a request (explain takes several)')
  return tokens[0]
}
