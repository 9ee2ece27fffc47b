/**
 * The request curl sent, read back from `curl -v` (no body) or `--trace-ascii -`/`--trace -`
 * output; a proxy's CONNECT is passed over, and of several requests the first is read.
 */
import { CliError } from './args'

export interface CurlRequest {
  /** The request as raw HTTP: request line, headers, a blank line, the body when the output has it. */
  readonly http: string
  /** `-v` leaves the body out; the traces show it (`--trace-ascii` writes a line break or a byte outside ASCII as `.`). */
  readonly format: 'verbose' | 'trace-ascii' | 'trace'
  /** curl spoke TLS to the server: the request went to an https URL. */
  readonly tls: boolean
}

/** The timestamp `--trace-time` puts before a line. */
const TIME = /^\d{2}:\d{2}:\d{2}\.\d{6} /
/** A request line as `-v` prints it; the version tells it from a line of a pasted body. */
const VERBOSE_START = /^> [A-Za-z]+ \S+ HTTP\/\d(?:\.\d)?$/
/** What any curl prints once TLS is set up (OpenSSL, GnuTLS, Schannel), and an HTTP/2 request's scheme. */
const TLS = /^(?:\* |== Info: )(?:ALPN\b|SSL connection using|TLSv\d|schannel:|Server certificate:)|\[:scheme: https\]|^=> Send SSL data/
/** A line of `-v` that is curl's own: a note, a header line sent or received, a count of bytes. */
const VERBOSE_LINE = /^(?:[*<>](?: |$)|[{}] \[\d+ bytes data\])/
const BLOCK = /^(=>|<=) (Send|Recv) (header|data|SSL data), (\d+) bytes/
const DUMP = /^([0-9a-f]{4,}):(?: (.*))?$/

/** The lines of curl's output: line ends (`\r\n` in the header lines) and timestamps taken off. */
const linesOf = (output: string): string[] => output.split('\n').map((line) => line.replace(/\r+$/, '').replace(TIME, ''))

function fromVerbose (lines: readonly string[], start: number): CurlRequest {
  let end = start
  while (end < lines.length && /^>(?: |$)/.test(lines[end]) && lines[end].trim() !== '>') end++
  const head = lines.slice(start, end).map((line) => line.slice(2))
  // curl ends the head with `>` alone; a body pasted after it by hand follows a blank line.
  let body = ''
  if (lines[end]?.trim() === '>' && lines[end + 1] === '') {
    const rest = lines.slice(end + 2)
    const stop = rest.findIndex((line) => VERBOSE_LINE.test(line))
    body = (stop === -1 ? rest : rest.slice(0, stop)).join('\n')
  }
  return { http: `${head.join('\r\n')}\r\n\r\n${body}`, format: 'verbose', tls: lines.slice(0, start).some((line) => TLS.test(line)) }
}

interface Block {
  readonly line: number
  readonly sent: boolean
  readonly kind: string
  readonly size: number
  readonly dump: Array<{ offset: number, text: string }>
}

const cut = (block: Block, offset: number): CliError =>
  new CliError(`the trace is not whole: the ${block.size} bytes curl counted on line ${block.line + 1} are not all there (at ${offset.toString(16).padStart(4, '0')}); give all of curl's output`)

/**
 * A block's bytes. `--trace` writes 16 bytes a line in hex; `--trace-ascii` 64 characters a line,
 * and a CRLF ends a line unwritten, which the next line's offset gives away.
 */
function bytesOf (block: Block, hex: boolean): Buffer {
  const parts: Buffer[] = []
  block.dump.forEach(({ offset, text }, i) => {
    const next = block.dump[i + 1]?.offset ?? block.size
    if (hex) {
      const count = next - offset
      const pairs = text.slice(0, count * 3)
      if (count < 1 || count > 16 || !new RegExp(`^(?:[0-9a-f]{2} ){${count}}$`).test(pairs)) throw cut(block, offset)
      parts.push(Buffer.from(pairs.replace(/ /g, ''), 'hex'))
      return
    }
    const gap = next - offset - text.length
    if (gap !== 0 && gap !== 2) throw cut(block, offset)
    parts.push(Buffer.from(gap === 2 ? text + '\r\n' : text, 'latin1'))
  })
  return Buffer.concat(parts)
}

function fromTrace (lines: readonly string[]): CurlRequest | null {
  const blocks: Block[] = []
  let current: Block | null = null
  lines.forEach((line, i) => {
    const block = BLOCK.exec(line)
    const dump = DUMP.exec(line)
    if (block !== null) {
      current = { line: i, sent: block[1] === '=>', kind: block[3], size: Number(block[4]), dump: [] }
      blocks.push(current)
    } else if (dump !== null && current !== null) {
      current.dump.push({ offset: parseInt(dump[1], 16), text: dump[2] ?? '' })
    } else {
      current = null
    }
  })
  const headers = blocks.filter((b) => b.sent && b.kind === 'header' && b.dump.length > 0)
  if (headers.length === 0) return null
  const hex = /^(?:[0-9a-f]{2} ){2}/.test(headers[0].dump[0].text)
  const start = headers.findIndex((b) => !/^CONNECT /i.test(bytesOf(b, hex).toString('latin1')))
  if (start === -1) return null
  const head = headers[start]
  const end = headers[start + 1]?.line ?? Infinity
  const data = blocks.filter((b) => b.sent && b.kind === 'data' && b.line > head.line && b.line < end)
  return {
    http: Buffer.concat([head, ...data].map((b) => bytesOf(b, hex))).toString('utf8'),
    format: hex ? 'trace' : 'trace-ascii',
    tls: lines.slice(0, head.line).some((line) => TLS.test(line))
  }
}

/** The request in curl's `-v`, `--trace-ascii` or `--trace` output; `null` when the text is none of them. */
export function fromCurl (output: string): CurlRequest | null {
  const lines = linesOf(output)
  if (lines.some((line) => BLOCK.test(line))) return fromTrace(lines)
  const start = lines.findIndex((line) => VERBOSE_START.test(line) && !/^> CONNECT /i.test(line))
  return start === -1 ? null : fromVerbose(lines, start)
}
