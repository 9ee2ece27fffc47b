/**
 * The diagnosis, pure: the plugin's verifier tries the request as received, then the changes that
 * break signatures in practice (docs/twilio-facts.md §6), fewest first, with each token given (§5).
 */
import { accountSidOf, jsonObjectOf } from '../../families/account'
import { DEFAULT_MAX_PARAMS } from '../../verify/form'
import {
  type Algorithm, algorithmOf, createVerifier, parseSignatureSettings, type RejectReason, type SignatureSettings, type SignedRequest, signingKey,
  type SigningKey, type Verdict
} from '../../verify/signature'
import { CliError } from '../args'
import { type BodyVariant, bodyVariants } from './body-variants'
import { bodyHashFinding, damageOf, originFindings, urlFindings } from './findings'
import {
  clip, fragileNotes, malformedNote, NO_SIGNATURE, notFoundNotes, portNote, respellingNotes, sharedKeyNote, tokenNote, tooManyParamsNote, unknownAlgorithmNote
} from './messages'
import { paramCount, type SignedBody, signedBodyOf } from './params'
import type { Diagnosis, ExplainInput, Finding, UrlParts } from './types'
import { partsOf, withQuery } from './url'
import { type UrlVariant, urlVariants } from './variants'

/** What has been said about the request so far. */
interface Said {
  readonly input: ExplainInput
  readonly tokens: readonly string[]
  readonly findings: Finding[]
  readonly notes: string[]
}

/** The request once read as the plugin reads it. */
interface Case extends Said, SignedBody {
  readonly seen: UrlParts
  /** How many parameters the plugin reads from it. */
  readonly count: number
}

/** How its signature is checked: the settings header read, the tokens made keys. */
interface Check {
  readonly settings: SignatureSettings | null
  readonly algorithm: Algorithm
  readonly keys: SigningKey[]
  readonly verify: (request: SignedRequest, keys?: readonly SigningKey[]) => Verdict
}

interface Candidate {
  readonly url: UrlVariant
  readonly body: BodyVariant
  readonly cost: number
}

type Outcome = Partial<Diagnosis> & Pick<Diagnosis, 'reason'>

function result (said: Said, outcome: Outcome): Diagnosis {
  const { input, tokens, findings, notes } = said
  return { verifies: false, url: input.url, signedUrl: null, tokenIndex: null, tokenCount: tokens.length, findings, notes, publicUrl: null, tried: 0, ...outcome }
}

/** The AccountSid the plugin's token lookup would be asked about. */
function accountSid (c: Case): string | undefined {
  return accountSidOf(c.signed ?? (c.rawBody === undefined ? null : jsonObjectOf(c.rawBody)), c.input.url)
}

function noteToken (c: Case, index: number): void {
  if (index !== 0) c.notes.push(tokenNote(index, c.tokens.length, accountSid(c)))
}

/** What the app's body parser changed, when both the raw body and the app's parameters are known. */
function parserDamage (c: Case): Finding[] {
  return c.input.body !== undefined && c.input.params !== undefined && c.signed !== null ? damageOf(c.signed, c.input.params) : []
}

/** The settings header read and the tokens made keys; `null` for an algorithm Twilio does not sign with. */
function checkOf (c: Case): Check | null {
  const settings = parseSignatureSettings(c.input.settings)
  const algorithm = settings === null ? 'HMAC_SHA1' : algorithmOf(settings.algorithm)
  if (algorithm === null) {
    c.notes.push(unknownAlgorithmNote(settings?.algorithm as string))
    return null
  }
  if (settings !== null) c.notes.push(sharedKeyNote(algorithm, settings.key))
  return { settings, algorithm, keys: c.tokens.map((token) => signingKey(token, algorithm)), verify: createVerifier() }
}

/** What the plugin refuses before any token or HMAC, so that no change tried would help. */
function refusedUnchecked (c: Case): Diagnosis | undefined {
  if (c.input.signature === undefined) {
    c.notes.push(NO_SIGNATURE)
    return result(c, { reason: 'missing' })
  }
  if (c.input.hints?.publicUrl === undefined && c.input.origin !== undefined) {
    c.findings.push(...originFindings(c.input.origin))
    if (c.findings.length > 0) return result(c, { reason: 'invalid-host' })
  }
  return undefined
}

/** It verifies as received: the app still refuses it if its parser changed the parameters. */
function verifiedAsReceived (c: Case, verdict: Extract<Verdict, { valid: true }>): Diagnosis {
  const damage = parserDamage(c)
  c.findings.push(...damage)
  if ((partsOf(verdict.url) as UrlParts).port !== c.seen.port) c.notes.push(portNote(verdict.url))
  c.notes.push(...respellingNotes(c.seen, verdict.url))
  noteToken(c, verdict.tokenIndex)
  if (damage.length === 0 && c.signed !== null) c.notes.push(...fragileNotes(c.signed))
  return result(c, { verifies: damage.length === 0, reason: damage.length === 0 ? null : 'body-parser', signedUrl: verdict.url, tokenIndex: verdict.tokenIndex, tried: 1 })
}

/** Repairs for a header mangled in a copy: quotes, spaces for `+`, percent-encoding. */
function repairs (signature: string): string[] {
  const unquoted = signature.trim().replace(/^["']|["']$/g, '')
  const list = [unquoted, unquoted.replace(/ /g, '+')]
  try {
    list.push(decodeURIComponent(unquoted))
  } catch {}
  return list.filter((s) => s !== signature)
}

/** A malformed header repaired (a finding says how), or `undefined` with a note on why it is refused. */
function repairedSignature (c: Case, check: Check, signature: string | string[]): string | undefined {
  const wellFormed = (s: string): boolean => {
    const verdict = check.verify({ signature: s, url: c.input.url, params: null }, check.keys)
    return verdict.valid || verdict.reason !== 'malformed'
  }
  const repaired = typeof signature === 'string' ? repairs(signature).find(wellFormed) : undefined
  if (repaired === undefined) {
    c.notes.push(malformedNote(signature, check.algorithm, check.settings))
    return undefined
  }
  c.findings.push({
    part: 'signature',
    seen: clip(signature as string),
    signed: clip(repaired),
    why: 'The header was mangled when copied (quotes kept, + turned into a space, or percent-encoded): the repaired one is used below.'
  })
  return repaired
}

/** Every variant but the request as received, fewest changes first. */
function candidates (c: Case): Candidate[] {
  const bodies = bodyVariants(c.input, c.signed, c.rawBody, c.seen.query)
  const queue: Candidate[] = []
  for (const url of urlVariants(c.input.url, c.seen, c.input.hints ?? {})) {
    for (const body of bodies) {
      // A guessed trimmed value is tried against the URL as seen and single changes only.
      if (body.kind === 'trim' && url.cost > 1) continue
      if (url.cost + body.cost > 0) queue.push({ url, body, cost: url.cost + body.cost })
    }
  }
  return queue.sort((a, b) => a.cost - b.cost)
}

/** What the variant Twilio signed differs in; `full` is its URL with the body variant's query. */
function found (c: Case, candidate: Candidate, verdict: Verdict, full: string, outcome: Outcome): Diagnosis {
  const signedParts = partsOf(verdict.valid ? verdict.url : full) as UrlParts
  const { findings, publicUrl } = urlFindings(c.seen, candidate.url, signedParts.port)
  c.findings.push(...findings)
  if (candidate.body.finding !== undefined) c.findings.push(candidate.body.finding)
  // Its URL is signed, but not its body.
  if (!verdict.valid) {
    c.findings.push(bodyHashFinding(c.rawBody as string, full))
    return result(c, { ...outcome, signedUrl: full, publicUrl })
  }
  c.findings.push(...parserDamage(c))
  c.notes.push(...respellingNotes(partsOf(full) as UrlParts, verdict.url))
  noteToken(c, verdict.tokenIndex)
  return result(c, { ...outcome, signedUrl: verdict.url, tokenIndex: verdict.tokenIndex, publicUrl })
}

/** Verify each variant in turn: the first that verifies is what Twilio signed. */
function search (c: Case, check: Check, signature: string | string[], reason: RejectReason): Diagnosis {
  let tried = 1
  for (const candidate of candidates(c)) {
    tried++
    const full = candidate.body.query === undefined ? candidate.url.url : withQuery(candidate.url.url, candidate.body.query)
    const verdict = check.verify({ signature, url: full, params: candidate.body.params, rawBody: candidate.body.rawBody }, check.keys)
    if (verdict.valid || verdict.reason === 'body-hash') return found(c, candidate, verdict, full, { reason, tried })
  }
  c.notes.push(...notFoundNotes({ input: c.input, tokens: c.tokens, tried, count: c.count, account: accountSid(c), sharedKey: check.settings !== null }))
  return result(c, { reason, tried })
}

/** The request as received, then, if it fails on its URL or token, every variant. */
function verifySigned (c: Case, check: Check, signature: string | string[]): Diagnosis {
  const first = check.verify({ signature, url: c.input.url, params: c.signed, rawBody: c.rawBody }, check.keys)
  if (first.valid) return verifiedAsReceived(c, first)
  // The URL and the token are right: only the body differs.
  if (first.reason === 'body-hash') {
    c.findings.push(bodyHashFinding(c.rawBody as string, c.input.url))
    return result(c, { reason: first.reason, signedUrl: c.input.url, tried: 1 })
  }
  const usable = first.reason === 'malformed' ? repairedSignature(c, check, signature) : signature
  if (usable === undefined) return result(c, { reason: first.reason, tried: 1 })
  return search(c, check, usable, first.reason)
}

/** Whether the request verifies with one of `tokens` and, if not, what differs from what Twilio signed. */
export function diagnose (input: ExplainInput, tokens: readonly string[]): Diagnosis {
  const seen = partsOf(input.url)
  if (seen === null) throw new CliError(`the URL is not a full URL (scheme://host/path): ${JSON.stringify(input.url)}`)
  const said: Said = { input, tokens, findings: [], notes: [] }
  // The plugin refuses more than maxParams before any signature check; explain reads no further either.
  const count = paramCount(input, seen.query)
  const maxParams = input.maxParams ?? DEFAULT_MAX_PARAMS
  if (count > maxParams) {
    said.notes.push(tooManyParamsNote(count, maxParams))
    return result(said, { reason: 'too-many-params' })
  }
  const body = signedBodyOf(input, said.notes)
  if (body === null) return result(said, { reason: 'malformed-body' })
  const c: Case = { ...said, ...body, seen, count }
  const check = checkOf(c)
  if (check === null) return result(c, { reason: 'malformed' })
  // refusedUnchecked answers a request without a signature.
  return refusedUnchecked(c) ?? verifySigned(c, check, input.signature as string | string[])
}
