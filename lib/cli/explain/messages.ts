/** The causes and fixes `explain` prints as notes, and the texts findings share. */
import type { Algorithm, Params, SignatureSettings } from '../../verify/signature'
import type { ExplainInput, UrlParts } from './types'
import { partsOf } from './url'

/** Trimmed values are guessed back only for up to this many parameters (Twilio sends a few dozen). */
export const TRIM_GUESSES = 100

export const TRIMMED = 'A body parser trimmed the value: Twilio signs it as sent. Parse forms with one that keeps values as they are (@fastify/formbody, or the plugin\'s own routes); turn off trimming middleware.'

export const NO_HOST_FIX = 'or register the plugin with publicUrl, which it uses instead.'

export const NO_RAW_BODY = 'No raw body was given: the parameters were written as compact JSON, which may not be the bytes Twilio hashed.'

export const NO_SIGNATURE = 'There is no X-Twilio-Signature header: the request was not sent by Twilio, or a proxy dropped the header. Give it with --signature.'

/** A value from the capture, quoted and cut short. */
export function clip (value: string): string {
  return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)
}

export function tooManyParamsNote (count: number, maxParams: number): string {
  return `The request has ${count} parameters, more than maxParams (${maxParams}): the plugin answers it 400 FST_TWILIO_TOO_MANY_PARAMS before any signature check. ` +
    'If the app sets maxParams higher, give that value with --max-params.'
}

export function malformedBodyNote (message: string): string {
  return `The body has broken percent-encoding (${message}): the plugin answers it 400 FST_TWILIO_MALFORMED_BODY before any signature check.`
}

export function unknownAlgorithmNote (algorithm: string): string {
  return `X-Twilio-Webhooks-Signature-Settings names the algorithm ${clip(algorithm)}: Twilio signs with HMAC_SHA1 or HMAC_SHA256 only.`
}

export function sharedKeyNote (algorithm: Algorithm, key: string | undefined): string {
  return `SharedKey signature (${algorithm}${key === undefined ? '' : `, key ${clip(key)}`}): the tokens given are tried as SharedKey secrets.`
}

export function portNote (signedUrl: string): string {
  return `Twilio signed it as ${signedUrl}: the port differs, which the plugin allows for (it tries the URL with the port and without).`
}

/** Why a signature header no repair makes well-formed is refused. */
export function malformedNote (signature: string | string[], algorithm: Algorithm, settings: SignatureSettings | null): string {
  if (typeof signature !== 'string') return 'X-Twilio-Signature was sent more than once: Twilio sends one.'
  if (signature.length === 44 && settings === null) {
    return 'X-Twilio-Signature is 44 characters long, an HMAC-SHA256: a SharedKey signature, which comes with an X-Twilio-Webhooks-Signature-Settings header (give it with --header).'
  }
  return `X-Twilio-Signature is not a base64 ${algorithm === 'HMAC_SHA1' ? 'HMAC-SHA1 (28 characters ending in =)' : 'HMAC-SHA256 (44 characters ending in =)'}: it was cut or changed when copied.`
}

/** A token other than the first signs it: what that means for the app's authToken. */
export function tokenNote (index: number, count: number, account: string | undefined): string {
  return `It is signed with --token #${index + 1} of ${count}, not the first: the app accepts it only if its authToken has that token too. ` +
    'During a rotation give [current, previous] (Twilio signs with the primary token only); for a subaccount' +
    `${account === undefined ? '' : ` (AccountSid ${account})`}, whose webhooks are signed with its own token, give authToken a lookup by AccountSid.`
}

/** Values a body parser would likely break, though the request verifies as sent. */
export function fragileNotes (params: Params): string[] {
  const spaced = Object.entries(params).filter(([, v]) => typeof v === 'string' && v !== v.trim()).map(([n]) => n)
  const repeated = Object.entries(params).filter(([, v]) => typeof v !== 'string').map(([n]) => n)
  const notes: string[] = []
  if (spaced.length > 0) notes.push(`If the app still answers 403, look at its body parser: ${spaced.join(', ')} ${spaced.length === 1 ? 'has' : 'have'} leading or trailing spaces, which a trimming parser removes.`)
  if (repeated.length > 0) notes.push(`If the app still answers 403, look at its body parser: ${repeated.join(', ')} ${repeated.length === 1 ? 'is' : 'are'} repeated, and a parser that keeps one value breaks the signature.`)
  return notes
}

/** The respellings (host case, query escapes) the verifier allowed for to verify `seen` as `signedUrl` (docs/twilio-facts.md §1.10). */
export function respellingNotes (seen: UrlParts, signedUrl: string): string[] {
  const signed = partsOf(signedUrl) as UrlParts
  const notes: string[] = []
  if (signed.host !== seen.host) notes.push(`It is signed with the host in lower case (${signed.host}): host names are case-insensitive, and the plugin tries that spelling too, as twilio-node does.`)
  if (signed.query !== seen.query) {
    notes.push(`The query arrived as ?${seen.query as string} but Twilio signed ?${signed.query as string}: Twilio's signer and its HTTP client ` +
      'do not escape \', : and @ alike (\' or %27, : or %3A, @ or %40). The plugin tries both spellings, so nothing needs fixing in the app; ' +
      'a validator of your own in front of it must try them too (twilio-node tries \' both ways, but not %3A or %40).')
  }
  return notes
}

/** What no token signing any variant tried leaves: the likely causes, and what to give next. */
export interface Unsigned {
  readonly input: ExplainInput
  readonly tokens: readonly string[]
  readonly tried: number
  readonly count: number
  readonly account: string | undefined
  readonly sharedKey: boolean
}

export function notFoundNotes ({ input, tokens, tried, count, account, sharedKey }: Unsigned): string[] {
  const notes = [`No token given signs it, as received or with any of ${tried - 1} changes tried to its scheme, host, port, path prefix, query encoding, method or body. ` +
    'Most likely the token is wrong: Twilio signs with the account\'s primary Auth Token (a secondary one does not verify until it is promoted), ' +
    `a subaccount's webhooks with the subaccount's token${account === undefined ? '' : ` (this one names AccountSid ${account})`}, and an API key secret never verifies.`]
  if (input.hints?.publicUrl === undefined) notes.push('If Twilio calls another host (a tunnel, a load balancer), give the callback URL configured at Twilio with --public-url.')
  if (input.method === 'POST' && input.json !== true && input.body === undefined) {
    notes.push('Give the raw body (--body, or a capture with it): a parser\'s damage, such as a dropped repeated value, cannot be undone from parsed parameters' +
      (count > TRIM_GUESSES ? `, and with more than ${TRIM_GUESSES} parameters values a parser may have trimmed are not guessed back.` : '.'))
  }
  const odd = sharedKey ? [] : tokens.map((token, i) => /^[0-9a-f]{32}$/.test(token) ? 0 : i + 1).filter((i) => i > 0)
  if (odd.length > 0) notes.push(`--token #${odd.join(', #')} ${odd.length === 1 ? 'is' : 'are'} not shaped like an Auth Token (32 lower-case hex digits).`)
  return notes
}
