/** The process's I/O: colour only on a terminal, files and standard input, styles, wrapping. */
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { printable, processIo, readAll, styleOf, wantsColor, wrapText } from '../../lib/cli/io'

t.test('wantsColor: a terminal, and neither NO_COLOR nor TERM=dumb', async (t) => {
  t.equal(wantsColor({ isTTY: true, write () {} }, {}), true)
  t.equal(wantsColor({ isTTY: false, write () {} }, {}), false)
  t.equal(wantsColor({ write () {} }, {}), false, 'a pipe has no isTTY')
  t.equal(wantsColor({ isTTY: true, write () {} }, { NO_COLOR: '1' }), false)
  t.equal(wantsColor({ isTTY: true, write () {} }, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count (no-color.org)')
  t.equal(wantsColor({ isTTY: true, write () {} }, { TERM: 'dumb' }), false)
})

t.test('processIo: writes to its streams, reads files and standard input', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'request.txt')
  writeFileSync(file, 'POST / HTTP/1.1\n')
  const out: string[] = []
  const err: string[] = []
  const io = processIo(Readable.from([Buffer.from('from '), 'stdin']), { isTTY: true, write: (s: string) => out.push(s) }, { write: (s: string) => err.push(s) }, { TERM: 'xterm' })
  io.stdout('a')
  io.stderr('b')
  t.same([out, err], [['a'], ['b']])
  t.equal(io.color, true)
  t.same(io.env, { TERM: 'xterm' })
  t.equal(await io.readFile(file), 'POST / HTTP/1.1\n')
  t.equal(await io.readFile('-'), 'from stdin')
  await t.rejects(io.readFile(join(dir, 'none.txt')), { exitCode: 2, message: /cannot read .*none\.txt: ENOENT: no such file or directory/ })
  const defaults = processIo()
  t.equal(defaults.env, process.env, 'the process\'s own by default')
})

t.test('readAll: chunks joined as UTF-8, a character split between chunks included', async (t) => {
  const euro = Buffer.from('€')
  t.equal(await readAll(Readable.from([euro.subarray(0, 1), euro.subarray(1)])), '€')
})

t.test('styleOf: ANSI only when asked', async (t) => {
  const plain = styleOf(false)
  for (const f of Object.values(plain)) t.equal(f('x'), 'x')
  const color = styleOf(true)
  t.equal(color.ok('x'), '\u001b[32mx\u001b[39m')
  t.equal(color.bad('x'), '\u001b[31mx\u001b[39m')
  t.equal(color.warn('x'), '\u001b[33mx\u001b[39m')
  t.equal(color.dim('x'), '\u001b[2mx\u001b[22m')
  t.equal(color.bold('x'), '\u001b[1mx\u001b[22m')
})

t.test('wrapText: at the width on spaces, later lines indented; a long word stays whole', async (t) => {
  t.equal(wrapText('aaa bbb ccc', 2, 10), 'aaa bbb\n  ccc')
  t.equal(wrapText('x'.repeat(20) + ' y', 0, 10), 'x'.repeat(20) + '\ny')
  t.equal(wrapText('short', 4), 'short')
})

t.test('printable: C0, DEL and C1 escaped, so no escape sequence reaches the terminal; lines kept when asked', async (t) => {
  t.equal(printable('\u001b[2J\u001b[H✓ Verifies'), '\\x1b[2J\\x1b[H✓ Verifies', 'ESC: the sequence is shown, not run')
  t.equal(printable('a\nb\rc\td\u0000\u0007\u001f\u007f\u0080\u009b\u009f'), 'a\\nb\\rc\\td\\x00\\x07\\x1f\\x7f\\x80\\x9b\\x9f')
  t.equal(printable('a\nb\tc\r\u001b[1m', true), 'a\nb\tc\\r\\x1b[1m', 'lines: line breaks and tabs kept, a carriage return is not')
  const text = ' ~\u00a0é€✓😀\u200b'
  t.equal(printable(text), text, 'printable characters, from space on, as they are')
  t.equal(printable('plain'), 'plain')
})
