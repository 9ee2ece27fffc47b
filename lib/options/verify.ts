/** The verification options, checked once; shared by the plugin and `twilioSignature()`. */
import { fail, isPlainObject } from './checks'
import type { TokenLookup, VerifyConfig } from '../config'
import { checkPublicUrl } from '../verify/public-url'

/** The options that say how requests are verified. */
export const VERIFY_KEYS = ['authToken', 'sharedKeys', 'requireSharedKey', 'publicUrl']

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

function publicUrlOption (value: unknown): string | null {
  if (value === undefined) return null
  if (typeof value !== 'string') fail('publicUrl', 'a string', value)
  const checked = checkPublicUrl(value)
  return 'base' in checked ? checked.base : fail('publicUrl', checked.expected, value)
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
    publicUrl: publicUrlOption(options.publicUrl)
  })
}
