/**
 * Options are checked once, at register time, and normalised into a frozen config. Every
 * problem names the option, what was expected and what was given.
 */
import type { FastifyTwilioStatusOptions, Stats, StatusStore } from '../types/index'
import type { Callback, ChannelConfig, Config, DeliveryConfig, WebhookConfig } from './config'
import { InvalidOptionError } from './errors'
import { createStats } from './delivery/stats'
import { callbackNameIn, type Channel, CHANNELS, FAMILIES } from './families/index'
import { MemoryStore } from './stores/memory'
import type { TokenLookup, VerifyConfig } from './verify/check'

const DEFAULT_BODY_LIMIT = 64 * 1024
// Twilio sends a few dozen parameters (an inbound MMS with ten attachments about seventy).
const DEFAULT_MAX_PARAMS = 256
const DAY = 24 * 60 * 60 * 1000
const STORE_METHODS = ['claim', 'complete', 'release', 'advance'] as const
// Fastify passes its own register options (`prefix`, …) to the plugin along with ours.
const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers']
/** The options that say how requests are verified, shared by the plugin and `twilioSignature()`. */
export const VERIFY_KEYS = ['authToken', 'sharedKeys', 'requireSharedKey', 'publicUrl']
const TOP_KEYS = ['authToken', 'publicUrl', 'validate', 'bodyLimit', 'maxParams', 'sms', 'call', 'idempotency', 'ordering',
  'store', 'deadline', 'storeTimeout', 'stats', 'sharedKeys', 'requireSharedKey', 'webhooks',
  ...CHANNELS.slice(2), ...REGISTER_KEYS]

function describe (value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

function fail (option: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`option ${option} must be ${expected}, got ${describe(value)}`)
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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

function checkTokens (value: unknown): string[] {
  const tokens = typeof value === 'string' ? [value] : value
  if (!Array.isArray(tokens) || tokens.length === 0) {
    fail('authToken', 'a non-empty string or a non-empty array of them', value)
  }
  tokens.forEach((token: unknown, i) => {
    if (typeof token !== 'string' || token.length === 0) {
      fail(typeof value === 'string' ? 'authToken' : `authToken[${i}]`, 'a non-empty string', token)
    }
  })
  return [...tokens]
}

function checkSharedKeys (value: unknown): Map<string, string> {
  const keys = new Map<string, string>()
  if (value === undefined) return keys
  if (!isPlainObject(value)) fail('sharedKeys', 'an object of SharedKey secrets by key id ({ webhooks_sharedkey_…: secret })', value)
  for (const [id, secret] of Object.entries(value)) {
    if (typeof secret !== 'string' || secret === '') fail(`sharedKeys.${id}`, 'a non-empty string', secret)
    keys.set(id, secret)
  }
  return keys
}

/**
 * The verification options, checked: the Auth Token(s) or a lookup of them by AccountSid, the
 * SharedKey secrets by key id, and the public URL. With `validate: false` none is needed.
 */
export function normalizeVerifyOptions (options: Record<string, unknown>, validate: boolean): VerifyConfig {
  const sharedKeys = checkSharedKeys(options.sharedKeys)
  const requireSharedKey = options.requireSharedKey === undefined ? false : options.requireSharedKey
  if (typeof requireSharedKey !== 'boolean') fail('requireSharedKey', 'a boolean', requireSharedKey)
  if (requireSharedKey && sharedKeys.size === 0) fail('sharedKeys', 'given when requireSharedKey is true', options.sharedKeys)
  const auth = options.authToken
  // Only SharedKeys are needed when Auth Token signatures are refused (or none is checked).
  const noToken = auth === undefined && (!validate || requireSharedKey || sharedKeys.size > 0)
  const lookup = typeof auth === 'function' ? auth as TokenLookup : null
  return Object.freeze({
    tokens: Object.freeze(noToken || lookup !== null ? [] : checkTokens(auth)),
    tokenLookup: lookup,
    sharedKeys,
    requireSharedKey,
    publicUrl: checkPublicUrl(options.publicUrl)
  })
}

const WEBHOOK_METHODS = ['GET', 'POST']

function checkWebhooks (value: unknown): WebhookConfig[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail('webhooks', 'an array of { url, method?, handler }', value)
  return value.map((route: unknown, i): WebhookConfig => {
    const where = `webhooks[${i}]`
    if (!isPlainObject(route)) fail(where, 'an object { url, method?, handler }', route)
    rejectUnknownKeys(`${where}.`, route, ['url', 'method', 'handler'])
    checkPath(`${where}.url`, route.url)
    const method = route.method === undefined ? WEBHOOK_METHODS : typeof route.method === 'string' ? [route.method] : route.method
    if (!Array.isArray(method) || method.length === 0 || method.some((m) => !WEBHOOK_METHODS.includes(m as string))) {
      fail(`${where}.method`, '"GET", "POST" or an array of them', route.method)
    }
    if (typeof route.handler !== 'function') fail(`${where}.handler`, 'a function', route.handler)
    return Object.freeze({ url: route.url as string, method: Object.freeze([...method]) as WebhookConfig['method'], handler: route.handler as WebhookConfig['handler'] })
  })
}

function checkPath (option: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    fail(option, 'a path starting with "/" without query, fragment or spaces', path)
  }
}

function checkPublicUrl (value: unknown): string | null {
  if (value === undefined) return null
  if (typeof value !== 'string') fail('publicUrl', 'a string', value)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail('publicUrl', 'an absolute http(s) URL such as "https://hooks.example.com"', value)
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' ||
    url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    fail('publicUrl', 'an http(s) origin or base URL without credentials, query or fragment', value)
  }
  // Kept as written (no normalisation), without a trailing slash: the request target follows.
  return value.endsWith('/') ? value.slice(0, -1) : value
}

function optionalFunction (option: string, value: unknown): Callback | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'a function', value)
  return value as Callback | undefined
}

function integer (option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `an integer from ${min} to ${max}`, value)
  }
  return value
}

/** `true`/`false`, or an object of TTLs: the TTLs when on, `null` when off. */
function toggle<K extends string> (option: string, value: unknown, fallback: boolean, defaults: Record<K, number>): Record<K, number> | null {
  if (value === undefined) value = fallback
  if (typeof value === 'boolean') return value ? defaults : null
  if (!isPlainObject(value)) fail(option, 'a boolean or an object', value)
  const keys = Object.keys(defaults) as K[]
  rejectUnknownKeys(`${option}.`, value, keys)
  const result = { ...defaults }
  for (const key of keys) result[key] = integer(`${option}.${key}`, value[key], defaults[key], 1, 365 * DAY)
  return result
}

function checkStore (value: unknown): StatusStore {
  if (value === undefined) return new MemoryStore()
  const missing = STORE_METHODS.filter((m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function')
  if (missing.length > 0) fail('store', `a store with ${STORE_METHODS.join(', ')} methods (missing ${missing.join(', ')})`, value)
  return value as StatusStore
}

function checkStats (value: unknown): Stats {
  if (value === undefined) return createStats()
  const fresh = createStats()
  if (!isPlainObject(value) || Object.keys(fresh).some((k) => typeof value[k] !== 'number')) {
    fail('stats', 'an object made by createStats()', value)
  }
  return value as unknown as Stats
}

function checkDelivery (options: FastifyTwilioStatusOptions): DeliveryConfig {
  const idempotency = toggle('idempotency', options.idempotency, true, { ttl: DAY, pendingTtl: 60_000 })
  const ordering = toggle('ordering', options.ordering, false, { ttl: DAY })
  return Object.freeze({
    store: checkStore(options.store),
    doneTtl: idempotency?.ttl ?? null,
    pendingTtl: idempotency?.pendingTtl ?? 60_000,
    orderingTtl: ordering?.ttl ?? null,
    // Twilio stops waiting at 15 s (docs/twilio-facts.md §4.1): answer before that, leaving room for a retry.
    deadline: integer('deadline', options.deadline, 10_000, 100, 14_000),
    storeTimeout: integer('storeTimeout', options.storeTimeout, 1000, 10, 10_000),
    stats: checkStats(options.stats)
  })
}

function checkChannel (channel: Channel, value: unknown): ChannelConfig | null {
  if (value === undefined) return null
  if (!isPlainObject(value)) fail(channel, 'an object of callbacks', value)
  const statuses: readonly string[] = FAMILIES[channel].statuses
  const names = new Map(statuses.map((status) => [callbackNameIn(channel, status), status]))
  rejectUnknownKeys(`${channel}.`, value, ['path', 'onAny', 'onStale', ...names.keys()])
  const path = value.path === undefined ? FAMILIES[channel].path : value.path
  checkPath(`${channel}.path`, path)
  const byStatus = new Map<string, Callback>()
  for (const [name, status] of names) {
    const fn = value[name]
    if (fn === undefined) continue
    if (typeof fn !== 'function') fail(`${channel}.${name}`, 'a function', fn)
    byStatus.set(status, fn as Callback)
  }
  return Object.freeze({
    channel,
    path,
    byStatus,
    onAny: optionalFunction(`${channel}.onAny`, value.onAny),
    onStale: optionalFunction(`${channel}.onStale`, value.onStale),
    known: new Set(statuses)
  })
}

export function normalizeOptions (options: FastifyTwilioStatusOptions): Config {
  if (!isPlainObject(options)) fail('(options)', 'an object', options)
  rejectUnknownKeys('', options, TOP_KEYS)
  const validate = options.validate === undefined ? true : options.validate
  if (typeof validate !== 'boolean') fail('validate', 'a boolean', validate)
  // With validation off no token is needed; one given is still checked.
  const verify = normalizeVerifyOptions(options as unknown as Record<string, unknown>, validate)
  const bodyLimit = integer('bodyLimit', options.bodyLimit, DEFAULT_BODY_LIMIT, 1, 2 ** 30)
  const maxParams = integer('maxParams', options.maxParams, DEFAULT_MAX_PARAMS, 1, 100_000)
  const given = options as unknown as Record<string, unknown>
  const channels = CHANNELS.map((channel) => checkChannel(channel, given[channel]))
    .filter((c): c is ChannelConfig => c !== null)
  const webhooks = checkWebhooks(options.webhooks)
  if (channels.length === 0 && webhooks.length === 0) {
    fail(`${CHANNELS.slice(0, 2).join('/')}`, `given: at least one channel (${CHANNELS.join(', ')}) or webhooks`, undefined)
  }
  const paths = new Map<string, Channel>()
  for (const { channel, path } of channels) {
    const taken = paths.get(path)
    if (taken !== undefined) fail(`${channel}.path`, `different from ${taken}.path`, path)
    paths.set(path, channel)
  }
  return Object.freeze({
    verify,
    validate,
    bodyLimit,
    maxParams,
    channels: Object.freeze(channels),
    webhooks: Object.freeze(webhooks),
    delivery: checkDelivery(options)
  })
}
