/**
 * Options are checked once, at register time, and normalised into a frozen config. Every
 * problem names the option, what was expected and what was given.
 */
import type { FastifyTwilioStatusOptions, IdempotencyOptions, OrderingOptions, Stats, StatusStore } from '../../types/index'
import type { Callback, ChannelConfig, Config, DeliveryConfig, WebhookConfig } from '../config'
import { counters, fail, integer, isPlainObject, checkPath, optionalFunction, rejectUnknownKeys } from './checks'
import { callbackNameIn, type Channel, CHANNELS, FAMILIES } from '../families/index'
import { MemoryStore } from '../stores/memory'
import { DEFAULT_MAX_PARAMS } from '../verify/form'
import { normalizeVerifyOptions } from './verify'
import { checkQueue } from './queue'
import { checkReconcile } from './reconcile'

const DEFAULT_BODY_LIMIT = 64 * 1024
const DAY = 24 * 60 * 60 * 1000
const STORE_METHODS = ['claim', 'complete', 'release', 'advance'] as const
// Fastify passes its own register options (`prefix`, …) to the plugin along with ours.
const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers']
const TOP_KEYS = ['authToken', 'auth', 'publicUrl', 'validate', 'bodyLimit', 'maxParams', 'sms', 'call', 'idempotency', 'ordering',
  'store', 'deadline', 'storeTimeout', 'stats', 'sharedKeys', 'requireSharedKey', 'webhooks', 'queue', 'reconcile',
  ...CHANNELS.slice(2), ...REGISTER_KEYS]

const WEBHOOK_METHODS = ['GET', 'POST']

/** The `stats` option's counters, all at zero: delivery updates them in place, the host reads them. */
export function createStats (): Stats {
  return { dispatched: 0, duplicates: 0, stale: 0, inProgress: 0, deadlines: 0, storeErrors: 0 }
}

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

export function checkStore (value: unknown): StatusStore {
  if (value === undefined) return new MemoryStore()
  const missing = STORE_METHODS.filter((m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function')
  if (missing.length > 0) fail('store', `a store with ${STORE_METHODS.join(', ')} methods (missing ${missing.join(', ')})`, value)
  return value as StatusStore
}

/** `idempotency` and `ordering`, as the plugin and workers take them: their TTLs, `null` when off. */
export function checkTtls (options: { readonly idempotency?: unknown, readonly ordering?: unknown }): Pick<DeliveryConfig, 'doneTtl' | 'pendingTtl' | 'orderingTtl'> {
  const idempotency = toggle<keyof IdempotencyOptions>('idempotency', options.idempotency, true, { ttl: DAY, pendingTtl: 60_000 })
  const ordering = toggle<keyof OrderingOptions>('ordering', options.ordering, false, { ttl: DAY })
  return { doneTtl: idempotency?.ttl ?? null, pendingTtl: idempotency?.pendingTtl ?? 60_000, orderingTtl: ordering?.ttl ?? null }
}

function checkDelivery (options: FastifyTwilioStatusOptions): DeliveryConfig {
  return Object.freeze({
    store: checkStore(options.store),
    ...checkTtls(options),
    // Twilio stops waiting at 15 s (docs/twilio-facts.md §4.1): answer before that, leaving room for a retry.
    deadline: integer('deadline', options.deadline, 10_000, 100, 14_000),
    storeTimeout: integer('storeTimeout', options.storeTimeout, 1000, 10, 10_000),
    stats: counters('stats', options.stats, createStats)
  })
}

export function checkChannel (channel: Channel, value: unknown): ChannelConfig | null {
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
  const delivery = checkDelivery(options)
  return Object.freeze({
    verify,
    validate,
    bodyLimit,
    maxParams,
    channels: Object.freeze(channels),
    webhooks: Object.freeze(webhooks),
    delivery,
    queue: checkQueue(options.queue),
    reconcile: checkReconcile(options.reconcile, delivery.store)
  })
}
