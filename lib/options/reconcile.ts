/** The `reconcile` option: off unless given; a REST client or credentials, and the watch list's limits. */
import type { ReconcileConfig } from '../config'
import type { ReconcileStats, StatusStore, WatchStore } from '../../types/index'
import { counters, fail, integer, isPlainObject, rejectUnknownKeys } from './checks'

const DAY = 24 * 60 * 60 * 1000
const KEYS = ['after', 'client', 'credentials', 'trackSeen', 'concurrency', 'interval', 'maxFetches', 'requestTimeout', 'ttl', 'name', 'stats']
const CREDENTIAL_KEYS = ['accountSid', 'apiKey', 'apiSecret', 'baseUrl']
const WATCH_METHODS = ['watch', 'seen', 'dueWatches', 'reschedule', 'unwatch', 'seenStatuses'] as const
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/

/** Reconciliation's counters, all at zero: the `reconcile.stats` option, read through the handle's `stats`. */
export function createReconcileStats (): ReconcileStats {
  return { tracked: 0, requests: 0, reconciled: 0, throttled: 0, failures: 0, notFound: 0, unresolved: 0, storeErrors: 0 }
}

function text (option: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') fail(option, 'a non-empty string', value)
  return value
}

function checkCredentials (value: unknown): ReconcileConfig['credentials'] {
  if (!isPlainObject(value)) fail('reconcile.credentials', 'an object { accountSid, apiKey, apiSecret, baseUrl? }', value)
  rejectUnknownKeys('reconcile.credentials.', value, CREDENTIAL_KEYS)
  const accountSid = text('reconcile.credentials.accountSid', value.accountSid)
  if (!ACCOUNT_SID.test(accountSid)) fail('reconcile.credentials.accountSid', 'an Account SID (AC followed by 32 hex digits)', accountSid)
  const baseUrl = value.baseUrl === undefined ? 'https://api.twilio.com' : text('reconcile.credentials.baseUrl', value.baseUrl)
  let url: URL | null = null
  try { url = new URL(baseUrl) } catch {}
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    fail('reconcile.credentials.baseUrl', 'an http(s) URL without query or fragment', baseUrl)
  }
  return Object.freeze({
    accountSid,
    apiKey: text('reconcile.credentials.apiKey', value.apiKey),
    apiSecret: text('reconcile.credentials.apiSecret', value.apiSecret),
    baseUrl: baseUrl.replace(/\/+$/, '')
  })
}

/** `null` when `reconcile` is not given; `store` is the plugin's, which must keep watches. */
export function checkReconcile (value: unknown, store: StatusStore): ReconcileConfig | null {
  if (value === undefined) return null
  if (!isPlainObject(value)) fail('reconcile', 'an object { after?, client | credentials, … }', value)
  rejectUnknownKeys('reconcile.', value, KEYS)
  const client = value.client
  if (client !== undefined && (typeof (client as { messages?: unknown }).messages !== 'function' || typeof (client as { calls?: unknown }).calls !== 'function')) {
    fail('reconcile.client', 'a twilio client (with messages() and calls())', client)
  }
  if ((client === undefined) === (value.credentials === undefined)) fail('reconcile', 'given exactly one of client and credentials', value)
  const missing = WATCH_METHODS.filter((m) => typeof (store as unknown as Record<string, unknown>)[m] !== 'function')
  if (missing.length > 0) fail('store', `a store that keeps watches for reconcile (missing ${missing.join(', ')})`, store)
  const trackSeen = value.trackSeen ?? false
  if (typeof trackSeen !== 'boolean') fail('reconcile.trackSeen', 'a boolean', trackSeen)
  const name = value.name === undefined ? 'twilioStatus' : text('reconcile.name', value.name)
  return Object.freeze({
    after: integer('reconcile.after', value.after, 300_000, 10, 30 * DAY),
    client: (client ?? null) as ReconcileConfig['client'],
    credentials: value.credentials === undefined ? null : checkCredentials(value.credentials),
    trackSeen,
    concurrency: integer('reconcile.concurrency', value.concurrency, 4, 1, 100),
    interval: integer('reconcile.interval', value.interval, 1000, 10, 60_000),
    maxFetches: integer('reconcile.maxFetches', value.maxFetches, 5, 1, 100),
    requestTimeout: integer('reconcile.requestTimeout', value.requestTimeout, 10_000, 10, 60_000),
    ttl: integer('reconcile.ttl', value.ttl, DAY, 1000, 30 * DAY),
    name,
    stats: counters('reconcile.stats', value.stats, createReconcileStats),
    store: store as StatusStore & WatchStore
  })
}
