import t from 'tap'
import { statusCallbackUrl } from '../../lib/options/connection-overrides'
import type { ConnectionOverrides } from '../../types/index'

const HOOK = 'https://hooks.example.com/twilio/call/status'

/** Expect FST_TWILIO_INVALID_OPTION (a TypeError) with a message matching `message`. */
function rejects (t: tap.Test, overrides: ConnectionOverrides, message: RegExp, url: unknown = HOOK): void {
  const label = `${String(url)} ${JSON.stringify(overrides)}`
  t.throws(() => statusCallbackUrl(url as string, overrides), { code: 'FST_TWILIO_INVALID_OPTION', statusCode: 500, message }, label)
  try {
    statusCallbackUrl(url as string, overrides)
  } catch (err) {
    t.type(err, TypeError, label)
  }
}

t.test('the fragment, in Twilio\'s format', async (t) => {
  t.equal(statusCallbackUrl(HOOK, { connectTimeout: 1000, retryCount: 3, retryPolicy: ['5xx', 'ct'] }), `${HOOK}#ct=1000&rc=3&rp=5xx,ct`)
  t.equal(statusCallbackUrl(`${HOOK}?tenant=a%20b`, { retryCount: 1 }), `${HOOK}?tenant=a%20b#rc=1`, 'after the query')
  t.equal(
    statusCallbackUrl(HOOK, { retryPolicy: ['all'], retryCount: 5, totalTimeout: 15_000, readTimeout: 2000, connectTimeout: 100 }),
    `${HOOK}#ct=100&rt=2000&tt=15000&rc=5&rp=all`,
    'keys in a fixed order: ct, rt, tt, rc, rp'
  )
  t.equal(statusCallbackUrl('http://h/x', { retryPolicy: ['ct', 'rt', '4xx', '5xx', 'all'] }), 'http://h/x#rp=ct,rt,4xx,5xx,all')
  t.equal(statusCallbackUrl('HTTPS://H/x', { retryCount: 0 }), 'HTTPS://H/x#rc=0', 'the scheme is case-insensitive')
})

t.test('no overrides, no fragment', async (t) => {
  t.equal(statusCallbackUrl(HOOK, {}), HOOK)
  t.equal(statusCallbackUrl(HOOK, { connectTimeout: undefined, retryPolicy: undefined }), HOOK)
})

const RANGES = [
  ['connectTimeout', 'ct', 100, 10_000],
  ['readTimeout', 'rt', 100, 15_000],
  ['totalTimeout', 'tt', 100, 15_000],
  ['retryCount', 'rc', 0, 5]
] as const

for (const [name, key, min, max] of RANGES) {
  t.test(`${name} (${key}): ${min} to ${max}`, async (t) => {
    t.equal(statusCallbackUrl(HOOK, { [name]: min }), `${HOOK}#${key}=${min}`, 'min')
    t.equal(statusCallbackUrl(HOOK, { [name]: max }), `${HOOK}#${key}=${max}`, 'max')
    const message = new RegExp(`^fastify-twilio-status: option ${name} must be an integer from ${min} to ${max}, got `)
    for (const bad of [min - 1, max + 1, min + 0.5, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, String(min), null, true]) {
      rejects(t, { [name]: bad as number }, message)
    }
    t.throws(() => statusCallbackUrl(HOOK, { [name]: max + 1 }), {
      message: `fastify-twilio-status: option ${name} must be an integer from ${min} to ${max}, got number ${max + 1}`
    })
  })
}

t.test('retryPolicy: a non-empty list of known values', async (t) => {
  const message = /^fastify-twilio-status: option retryPolicy must be a non-empty list of ct, rt, 4xx, 5xx, all, got /
  for (const bad of [[], ['bogus'], ['5xx', 'bogus'], ['5XX'], 'all', '5xx,ct', null, [5]]) {
    rejects(t, { retryPolicy: bad as ConnectionOverrides['retryPolicy'] }, message)
  }
  t.throws(() => statusCallbackUrl(HOOK, { retryPolicy: ['nope' as 'all'] }), {
    message: 'fastify-twilio-status: option retryPolicy must be a non-empty list of ct, rt, 4xx, 5xx, all, got an array of 1'
  })
})

t.test('the url: http(s), absolute, without a fragment', async (t) => {
  const message = /^fastify-twilio-status: option url must be an http\(s\) URL without a fragment, got /
  for (const bad of ['/twilio/call/status', 'ftp://h/x', 'hooks.example.com/x', '', `${HOOK}#rc=1`, `${HOOK}#`, 'https:/h/x']) {
    rejects(t, { retryCount: 1 }, message, bad)
  }
  for (const bad of [null, 42, new globalThis.URL(HOOK)]) rejects(t, { retryCount: 1 }, message, bad)
  t.throws(() => statusCallbackUrl(undefined as unknown as string, {}), { code: 'FST_TWILIO_INVALID_OPTION', message: /got undefined$/ })
  t.throws(() => statusCallbackUrl('ftp://h', {}), { message: 'fastify-twilio-status: option url must be an http(s) URL without a fragment, got the string "ftp://h"' })
})

t.test('the first bad value is reported, and nothing is built', async (t) => {
  rejects(t, { connectTimeout: 99, retryCount: 9 }, /connectTimeout/)
  rejects(t, { retryCount: 9, retryPolicy: [] }, /retryCount/)
})
