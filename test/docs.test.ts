/**
 * The README and the docs pages: every TypeScript block is an example file (compiled by the
 * repo's tsc and run by a test) or an excerpt of one, every install block is npm install lines
 * only, and every relative link and anchor resolves inside what the package ships.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import t from 'tap'
import { signedInject } from '../lib/testing/index'
import { buildApp } from '../example/app'
import { callStatusCallback } from '../example/retry-url'
import { type DocBlock, docPages, parsePage } from './helpers/doc-blocks'

const root = join(__dirname, '..')
const PAGES = docPages(root)
const CODE = new Set(['ts', 'typescript', 'js', 'javascript', 'mts', 'cts', 'mjs', 'cjs'])
const INSTALL_PATHS = new Set(['status', 'own-routes', 'queue', 'dashboard', 'testing'])
const MARKER = /^<!-- (example|excerpt|install): (\S+) -->$/

interface Page { file: string, lines: string[], blocks: DocBlock[], prose: string[] }

/** A page's lines, fenced blocks (with the marker just above each, if any) and prose. */
function parse (file: string): Page {
  return { file, lines: readFileSync(join(root, file), 'utf8').split('\n'), ...parsePage(root, file) }
}

const pages = PAGES.map(parse)
const page = (file: string): Page => pages.find((p) => p.file === file) as Page

const anchorCache = new Map<string, Set<string>>()

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors (file: string): Set<string> {
  const cached = anchorCache.get(file)
  if (cached !== undefined) return cached
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const line of parse(file).prose) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const base = (heading[1] as string).toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    out.add(count === 0 ? base : `${base}-${count}`)
  }
  anchorCache.set(file, out)
  return out
}

/** Every link target in a page's prose (inline code left out): inline, image and reference links. */
function links (p: Page): Array<{ line: number, target: string }> {
  const found: Array<{ line: number, target: string }> = []
  p.prose.forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '``')
    for (const [, target] of line.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\)/g)) found.push({ line: index + 1, target: target as string })
    const reference = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line)
    if (reference !== null) found.push({ line: index + 1, target: reference[1] as string })
  })
  return found
}

/** The test files that import an example (`./app`, `../example/app`, `../../example/app.js`, …). */
function testsImporting (example: string): string[] {
  const name = example.replace(/^example\//, '').replace(/\.ts$/, '')
  const tests = [
    ...readdirSync(join(root, 'example')).filter((f) => f.endsWith('.test.ts')).map((f) => `example/${f}`),
    ...(readdirSync(join(root, 'test'), { recursive: true }) as string[]).filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`)
  ]
  return tests.filter((test) => {
    const source = readFileSync(join(root, test), 'utf8')
    return [...source.matchAll(/from '([^']+)'/g)].some(([, spec]) =>
      spec?.startsWith('.') === true && normalize(join(dirname(test), spec)).replace(/\.js$/, '') === `example/${name}`)
  })
}

t.test('every TypeScript or JavaScript block is marked as an example file or an excerpt of one', async (t) => {
  let count = 0
  for (const p of pages) {
    for (const block of p.blocks.filter((b) => CODE.has(b.lang))) {
      count++
      const where = `${p.file}:${block.line}`
      const kind = block.kind
      if (kind !== 'example' && kind !== 'excerpt') {
        t.fail(`${where}: a \`\`\`${block.lang} block needs <!-- example: example/FILE --> or <!-- excerpt: example/FILE --> on the line above`)
        continue
      }
      const file = block.name as string
      t.match(file, /^example\/[\w.-]+\.ts$/, `${where}: the marker names a file of example/`)
      if (!existsSync(join(root, file))) {
        t.fail(`${where}: ${file} does not exist`)
        continue
      }
      const source = readFileSync(join(root, file), 'utf8')
      if (kind === 'example') t.equal(block.code, source, `${where} is ${file}, verbatim`)
      else t.ok(source.includes(block.code), `${where} occurs verbatim in ${file}`)
    }
  }
  t.ok(count >= 8, `the pages show their code (${count} blocks)`)
})

t.test('every example a page embeds is compiled by the repo\'s tsc and run by a test', async (t) => {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] }
  t.ok(tsconfig.include.includes('example'), 'tsconfig.json compiles example/')
  const embedded = new Set(pages.flatMap((p) => p.blocks.filter((b) => b.kind === 'example').map((b) => b.name as string)))
  for (const file of embedded) {
    if (file.endsWith('.test.ts')) t.pass(`${file} is a test file, run by tap`)
    else t.not(testsImporting(file).length, 0, `${file} is imported by a test`)
  }
})

t.test('every marker sits right above the block it describes', async (t) => {
  for (const p of pages) {
    p.lines.forEach((line, index) => {
      const marker = MARKER.exec(line.trim())
      if (marker === null) return
      const next = p.lines[index + 1] ?? ''
      const fence = /^ *```(\S*)/.exec(next)
      if (marker[1] === 'install') t.equal(fence?.[1], 'sh', `${p.file}:${index + 1}: an install marker is followed by a \`\`\`sh block`)
      else t.ok(fence !== null && CODE.has(fence[1] as string), `${p.file}:${index + 1}: an ${marker[1]} marker is followed by a code block`)
    })
  }
})

t.test('install blocks hold npm install commands only, at the versions the repository tests', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>
  const pinned = { ...pkg.peerDependencies, ...pkg.devDependencies }
  const where = new Map<string, string[]>()
  for (const p of pages) {
    for (const block of p.blocks.filter((b) => b.kind === 'install')) {
      const path = block.name as string
      t.ok(INSTALL_PATHS.has(path), `${p.file}:${block.line}: install path ${path} is one of ${[...INSTALL_PATHS].join(', ')}`)
      where.set(path, [...(where.get(path) ?? []), p.file])
      const commands = block.code.split('\n').filter((line) => line !== '')
      t.not(commands.length, 0, `${p.file}:${block.line}: the block installs something`)
      for (const command of commands) {
        t.match(command, /^npm install (-D )?(@?[a-z0-9][\w.-]*(\/[\w.-]+)?(@[\w.^~-]+)? ?)+$/, `${p.file}:${block.line}: "${command}" is one npm install command`)
        for (const [, name, version] of command.matchAll(/ (@?[^@\s]+)@(\S+)/g)) {
          t.equal(version, pinned[name as string]?.replace(/^[\^~]/, ''), `${p.file}:${block.line}: ${name}@${version} is the version package.json pins`)
        }
      }
    }
  }
  t.same(where.get('status'), ['README.md'], 'the README says what to install')
  t.same(where.get('own-routes'), ['docs/own-routes.md'], 'the own-routes page says what to install')
  t.same(where.get('queue'), ['docs/queue.md'], 'the queue page says what to install for queue mode')
  t.same(where.get('dashboard'), ['docs/queue.md'], 'and for its dashboard')
})

t.test('every relative link resolves to a file the package ships, and every anchor exists', async (t) => {
  for (const p of pages) {
    for (const { line, target } of links(p)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:: not ours to check
      const [path = '', anchor] = target.split('#')
      const file = path === '' ? p.file : normalize(relative(root, join(root, dirname(p.file), decodeURIComponent(path))))
      const where = `${p.file}:${line}: ${target}`
      if (!(file === 'README.md' || file === 'LICENSE' || /^docs\/[^/]+$/.test(file))) {
        t.fail(`${where}: links only to the package's files (docs/, README.md, LICENSE); name ${file} in plain text`)
        continue
      }
      if (!existsSync(join(root, file))) {
        t.fail(`${where}: ${file} does not exist`)
        continue
      }
      if (anchor !== undefined) t.ok(file.endsWith('.md') && anchors(file).has(anchor), `${where}: #${anchor} is a heading of ${file}`)
      else t.pass(`${where} resolves`)
    }
  }
})

t.test('the README is a user\'s page: short, linking every docs page, with the main example and a first test', async (t) => {
  const readme = page('README.md')
  t.ok(readme.lines.length <= 450, `README.md has ${readme.lines.length} lines (at most 450)`)
  const linked = new Set(links(readme).map(({ target }) => target.split('#')[0]))
  for (const p of pages.filter((p) => p.file !== 'README.md')) t.ok(linked.has(p.file), `README links to ${p.file}`)
  const embedded = readme.blocks.filter((b) => b.kind === 'example').map((b) => b.name)
  t.ok(embedded.includes('example/app.ts'), 'README shows the main example')
  t.ok(embedded.includes('example/host-app.test.ts'), 'README shows the first test')
})

t.test('the README usage example dispatches by status and answers an inbound SMS with its TwiML', async (t) => {
  const { app, delivered } = await buildApp('readme-token')
  t.teardown(() => app.close())
  const common = { authToken: 'readme-token', publicUrl: 'https://hooks.example.com' } as const

  const ok = await app.inject(signedInject({ ...common, channel: 'sms', status: 'delivered', sid: 'SM' + 'a'.repeat(32) }))
  t.equal(ok.statusCode, 200)
  t.same(delivered, ['SM' + 'a'.repeat(32)])

  const inbound = await app.inject(signedInject({ ...common, channel: 'sms', status: 'received', params: { Body: 'hi <3' } }))
  t.equal(inbound.statusCode, 200)
  t.match(inbound.headers['content-type'], /^text\/xml/)
  t.equal(inbound.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks for "hi &#60;3"</Message></Response>')

  const ringing = await app.inject(signedInject({ ...common, channel: 'call', status: 'ringing' }))
  t.equal(ringing.statusCode, 200)

  const forged = await app.inject(signedInject({ ...common, authToken: 'not-the-token', channel: 'sms', status: 'delivered' }))
  t.equal(forged.statusCode, 403)
})

t.test('the retry example\'s URL is what statusCallbackUrl returns', async (t) => {
  t.equal(callStatusCallback, 'https://hooks.example.com/twilio/call/status#rc=3&rp=5xx,ct')
  const source = readFileSync(join(root, 'example/retry-url.ts'), 'utf8')
  t.ok(source.includes(`// → '${callStatusCallback}'`), 'the example\'s comment shows the same URL')
})
