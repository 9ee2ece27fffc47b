/** What the command line reads and writes, passed in so every command runs the same in a test as in a terminal. */
import { readFile } from 'node:fs/promises'
import { CliError } from './args'

export interface Io {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** Colour on standard output: a terminal, and neither `NO_COLOR` nor `TERM=dumb`. */
  readonly color: boolean
  /** A file's text; `-` reads standard input. */
  readonly readFile: (path: string) => Promise<string>
}

interface Output {
  readonly isTTY?: boolean
  write (text: string): unknown
}

/** Read a whole stream as UTF-8. */
export async function readAll (stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}

/** Whether to colour `out`: a terminal, unless `NO_COLOR` (https://no-color.org) or `TERM=dumb`. */
export function wantsColor (out: Output, env: Readonly<Record<string, string | undefined>>): boolean {
  return out.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb'
}

/** The process's own streams and environment. */
export function processIo (
  stdin: AsyncIterable<Buffer | string> = process.stdin, stdout: Output = process.stdout, stderr: Output = process.stderr,
  env: Readonly<Record<string, string | undefined>> = process.env
): Io {
  return {
    stdout: (text) => { stdout.write(text) },
    stderr: (text) => { stderr.write(text) },
    env,
    color: wantsColor(stdout, env),
    readFile: async (path) => {
      if (path === '-') return await readAll(stdin)
      try {
        return await readFile(path, 'utf8')
      } catch (err) {
        throw new CliError(`cannot read ${path}: ${(err as Error).message}`)
      }
    }
  }
}

export interface Style {
  readonly ok: (text: string) => string
  readonly bad: (text: string) => string
  readonly warn: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`
const plain = (text: string): string => text

/** ANSI colours when `color`, plain text otherwise. */
export function styleOf (color: boolean): Style {
  if (!color) return { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain }
  return { ok: sgr(32, 39), bad: sgr(31, 39), warn: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) }
}

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * `text` with every control character escaped, so data from a capture, a queue or an answer cannot
 * drive the user's terminal; `lines` keeps line breaks and tabs.
 */
export function printable (text: string, lines = false): string {
  // Cc, Unicode's control characters, is exactly C0, DEL and C1.
  return text.replace(lines ? /(?![\t\n])\p{Cc}/gu : /\p{Cc}/gu, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/** `text` wrapped at `width` columns on spaces, every line after the first indented by `indent`. */
export function wrapText (text: string, indent: number, width = 96): string {
  const lines = ['']
  for (const word of text.split(' ')) {
    const last = lines.length - 1
    if (lines[last] !== '' && indent + lines[last].length + 1 + word.length > width) lines.push('')
    lines[lines.length - 1] += (lines[lines.length - 1] === '' ? '' : ' ') + word
  }
  return lines.join('\n' + ' '.repeat(indent))
}
