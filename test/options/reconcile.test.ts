/** The `reconcile` option: off unless given, one of client and credentials, ranges, and a store that keeps watches. */
import t from 'tap'
import { checkReconcile, createReconcileStats } from '../../lib/options/reconcile'
import { normalizeOptions } from '../../lib/options/index'
import { MemoryStore } from '../../lib/stores/memory'
import type { StatusStore } from '../../types/index'

const store = new MemoryStore()
const credentials = { accountSid: 'AC' + '0'.repeat(31) + '1', apiKey: 'SK1', apiSecret: 'secret' }
const client = { messages: () => ({ fetch: async () => ({}) }), calls: () => ({ fetch: async () => ({}) }) }

function refused (t: tap.Test, value: unknown, message: RegExp, on: StatusStore = store): void {
  t.throws(() => checkReconcile(value, on), { code: 'FST_TWILIO_INVALID_OPTION', message }, String(message))
}

t.test('off unless given', async (t) => {
  t.equal(checkReconcile(undefined, store), null)
  t.equal(normalizeOptions({ authToken: 'x', sms: {} }).reconcile, null)
})

t.test('the defaults, with credentials', async (t) => {
  const config = checkReconcile({ credentials }, store)
  t.same({ ...config, stats: undefined, store: undefined }, {
    after: 300_000,
    client: null,
    credentials: { ...credentials, baseUrl: 'https://api.twilio.com' },
    trackSeen: false,
    concurrency: 4,
    interval: 1000,
    maxFetches: 5,
    requestTimeout: 10_000,
    ttl: 86_400_000,
    name: 'twilioStatus',
    stats: undefined,
    store: undefined
  })
  t.equal(config?.store, store)
  t.same(config?.stats, createReconcileStats())
})

t.test('a client instead; every option given', async (t) => {
  const stats = createReconcileStats()
  const config = checkReconcile({ client, after: 60_000, trackSeen: true, concurrency: 2, interval: 500, maxFetches: 3, requestTimeout: 5000, ttl: 3_600_000, name: 'sms', stats }, store)
  t.equal(config?.client, client)
  t.equal(config?.credentials, null)
  t.equal(config?.stats, stats)
  t.same([config?.after, config?.trackSeen, config?.concurrency, config?.interval, config?.maxFetches, config?.requestTimeout, config?.ttl, config?.name], [60_000, true, 2, 500, 3, 5000, 3_600_000, 'sms'])
})

t.test('a region or edge base URL; a trailing slash is dropped', async (t) => {
  t.equal(checkReconcile({ credentials: { ...credentials, baseUrl: 'https://api.dublin.ie1.twilio.com/' } }, store)?.credentials?.baseUrl, 'https://api.dublin.ie1.twilio.com')
})

t.test('refused, each with a coded error naming the option', async (t) => {
  refused(t, true, /option reconcile must be an object/)
  refused(t, { credentials, afterr: 1 }, /unknown option reconcile\.afterr; did you mean after\?/)
  refused(t, {}, /option reconcile must be given exactly one of client and credentials/)
  refused(t, { client, credentials }, /exactly one of client and credentials/)
  refused(t, { client: {} }, /option reconcile\.client must be a twilio client/)
  refused(t, { credentials: 'AC1:secret' }, /option reconcile\.credentials must be an object/)
  refused(t, { credentials: { ...credentials, token: 'x' } }, /unknown option reconcile\.credentials\.token/)
  refused(t, { credentials: { ...credentials, accountSid: 'AC1' } }, /reconcile\.credentials\.accountSid must be an Account SID/)
  refused(t, { credentials: { ...credentials, apiKey: '' } }, /reconcile\.credentials\.apiKey must be a non-empty string/)
  refused(t, { credentials: { ...credentials, apiSecret: 5 } }, /reconcile\.credentials\.apiSecret must be a non-empty string/)
  refused(t, { credentials: { ...credentials, baseUrl: 'ftp://example.com' } }, /reconcile\.credentials\.baseUrl must be an http\(s\) URL/)
  refused(t, { credentials: { ...credentials, baseUrl: 'https://api.twilio.com/?x=1' } }, /baseUrl must be an http\(s\) URL without query/)
  refused(t, { credentials: { ...credentials, baseUrl: 'not a url' } }, /baseUrl must be an http\(s\) URL/)
  refused(t, { credentials, after: 5 }, /reconcile\.after must be an integer from 10/)
  refused(t, { credentials, concurrency: 0 }, /reconcile\.concurrency must be an integer from 1 to 100/)
  refused(t, { credentials, maxFetches: 1.5 }, /reconcile\.maxFetches/)
  refused(t, { credentials, trackSeen: 'yes' }, /reconcile\.trackSeen must be a boolean/)
  refused(t, { credentials, name: '' }, /reconcile\.name must be a non-empty string/)
  refused(t, { credentials, stats: {} }, /reconcile\.stats must be an object made by createReconcileStats\(\)/)
})

t.test('a store without the watch methods is refused when reconcile is on', async (t) => {
  const bare = { claim: () => ({ state: 'claimed' as const }), complete () {}, release () {}, advance: () => true }
  refused(t, { credentials }, /option store must be a store that keeps watches for reconcile \(missing watch, seen, dueWatches, reschedule, unwatch, seenStatuses\)/, bare)
  t.equal(normalizeOptions({ authToken: 'x', sms: {}, store: bare }).reconcile, null, 'and accepted without it')
})

t.test('createReconcileStats: every counter at zero, a new object each time', async (t) => {
  t.same(createReconcileStats(), { tracked: 0, requests: 0, reconciled: 0, throttled: 0, failures: 0, notFound: 0, unresolved: 0, storeErrors: 0 })
  t.not(createReconcileStats(), createReconcileStats())
})
