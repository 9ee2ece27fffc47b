/**
 * Status callback URLs that ask Twilio to retry, through the URL fragment Twilio reads and never
 * sends or signs (connection overrides, docs/twilio-facts.md §4.2).
 */
import type { ConnectionOverrides } from '../../types/index'
import { fail, integer } from './checks'

const RANGES = [
  ['connectTimeout', 'ct', 100, 10_000],
  ['readTimeout', 'rt', 100, 15_000],
  ['totalTimeout', 'tt', 100, 15_000],
  ['retryCount', 'rc', 0, 5]
] as const
const POLICIES = new Set(['ct', 'rt', '4xx', '5xx', 'all'])

/**
 * `statusCallbackUrl('https://h/twilio/call/status', { retryCount: 3, retryPolicy: ['5xx'] })`
 * → `https://h/twilio/call/status#rc=3&rp=5xx`. Throws `FST_TWILIO_INVALID_OPTION` on a value
 * out of range.
 */
export function statusCallbackUrl (url: string, overrides: ConnectionOverrides): string {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || url.includes('#')) {
    fail('url', 'an http(s) URL without a fragment', url)
  }
  const pairs: string[] = []
  for (const [name, key, min, max] of RANGES) {
    const value = overrides[name]
    if (value === undefined) continue
    integer(name, value, min, min, max)
    pairs.push(`${key}=${value}`)
  }
  const policy = overrides.retryPolicy
  if (policy !== undefined) {
    if (!Array.isArray(policy) || policy.length === 0 || !policy.every((p) => POLICIES.has(p))) {
      fail('retryPolicy', `a non-empty list of ${[...POLICIES].join(', ')}`, policy)
    }
    pairs.push(`rp=${policy.join(',')}`)
  }
  return pairs.length === 0 ? url : `${url}#${pairs.join('&')}`
}
