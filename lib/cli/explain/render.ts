/** A diagnosis as text for a person's terminal. */
import { printable, type Style, wrapText } from '../io'
import type { Diagnosis, Finding } from './types'

type Reason = NonNullable<Diagnosis['reason']>

const REASONS: Readonly<Record<Reason, string>> = {
  missing: 'no signature',
  malformed: 'the signature is malformed',
  mismatch: 'no token given signs this URL and these parameters',
  'body-hash': 'the URL is signed, but the body is not the one hashed',
  'malformed-body': 'the body is malformed',
  'body-parser': 'Twilio\'s signature is right for the body as sent, but not for the parameters the app parsed from it',
  'too-many-params': 'it has more parameters than the app\'s maxParams',
  'invalid-host': 'no signed URL can be built from its Host or X-Forwarded-* headers'
}

// URLs, values and the notes quoting them come from the capture: no control character reaches the terminal.
const p = printable

/** The verdict: verifies with which token, or why not and what Twilio signed. */
function headline (d: Diagnosis, style: Style): string[] {
  const token = (i: number): string => `--token #${i + 1}${d.tokenCount > 1 ? ` of ${d.tokenCount}` : ''}`
  if (d.verifies) return [`${style.ok('✓ Verifies')} with ${token(d.tokenIndex as number)}, as ${p(d.signedUrl as string)}`]
  const out = [
    `${style.bad('✗ Does not verify')} as the app received it: ${REASONS[d.reason as Reason]}.`,
    style.dim(`  URL checked: ${p(d.url)}`)
  ]
  if (d.signedUrl !== null && d.tokenIndex !== null) out.push(`${style.ok('✓ Twilio signed')} ${p(d.signedUrl)}, with ${token(d.tokenIndex)}.`)
  return out
}

/** Each part that differs, with what the app had, what Twilio signed, and why. */
function differences (findings: readonly Finding[], style: Style): string[] {
  if (findings.length === 0) return []
  const out = ['', style.bold('What differs:')]
  const width = Math.max(...findings.map((f) => f.part.length))
  for (const f of findings) {
    out.push(`  ${style.warn(f.part.padEnd(width))}  ${wrapText(p(`the app had ${f.seen}; Twilio signed ${f.signed}`), width + 4)}`)
    out.push(`  ${' '.repeat(width)}  ${wrapText(p(f.why), width + 4)}`)
  }
  return out
}

/** The fixes, each once: the `publicUrl` to set first. */
function fixes (d: Diagnosis, style: Style): string[] {
  const lines = [...new Set(d.findings.flatMap((f) => f.fix === undefined ? [] : [p(f.fix)]))]
  const out: string[] = []
  if (d.publicUrl !== null || lines.length > 0) out.push('')
  if (d.publicUrl !== null) out.push(`Fix: register the plugin with ${style.bold(`publicUrl: '${p(d.publicUrl)}'`)}`)
  for (const fix of lines) out.push(`Fix: ${wrapText(fix, 5)}`)
  return out
}

/** The diagnosis as text for a person. */
export function render (d: Diagnosis, style: Style): string {
  const notes = d.notes.length > 0 ? ['', ...d.notes.map((n) => `${style.dim('·')} ${wrapText(p(n), 2)}`)] : []
  return [...headline(d, style), ...differences(d.findings, style), ...fixes(d, style), ...notes].join('\n') + '\n'
}
