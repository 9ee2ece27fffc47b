/**
 * A newcomer's first hour, scripted. The package is packed as npm publishes it; then, for each
 * path the docs describe (status callbacks; your own routes; queue mode, then its dashboard), a
 * fresh app outside the repo does exactly what the docs say and nothing more: `npm init -y`, the
 * page's `<!-- install: … -->` lines against the npm registry (the package name replaced by the
 * tarball), the files docs/testing.md gives (`<!-- file: tsconfig.json -->`, `.taprc`), the
 * page's `<!-- example: … -->` files and the documented tests of them; then tsc under `module
 * nodenext` and under `module commonjs` + `moduleResolution node10`, and the tests under tap,
 * the runner docs/testing.md names. The dashboard's example is type-checked against what a fresh
 * install of the documented versions resolves, then booted and its page fetched.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join, normalize, resolve, sep } from 'node:path'
import { allBlocks, docPages, relativeLinks } from './helpers/doc-blocks'
import { childEnv } from './helpers/child-env'
import { startRedis, type TestRedis } from './helpers/redis'

const root = resolve(__dirname, '..')
const NAME = 'fastify-twilio-status'
const TESTING_PAGE = 'docs/testing.md'
const blocks = allBlocks(root)

// Three fresh apps installing from the registry, eight tsc programs and three tap runs on a shared machine.
t.setTimeout(15 * 60_000)

interface Stage {
  /** The install paths whose lines this stage runs, in order. */
  readonly installs: readonly string[]
  /** Files of example/ copied into the app: the page's examples and the documented tests of them. */
  readonly files: readonly string[]
}

/** The `<!-- install: path -->` lines of every page, each once, in page order. */
function installLines (path: string): string[] {
  const lines = blocks.filter((b) => b.kind === 'install' && b.name === path).flatMap((b) => b.code.split('\n').filter((l) => l.trim() !== ''))
  return [...new Set(lines)]
}

/** The package names an install line names (`@scope/name@1.2.3` → `@scope/name`). */
function packagesOf (line: string): string[] {
  return line.split(/\s+/).slice(2).filter((arg) => !arg.startsWith('-')).map((arg) => arg.replace(/(.)@.*$/, '$1'))
}

/** The example files a page embeds. */
function examplesOf (page: string): string[] {
  return blocks.filter((b) => b.page === page && b.kind === 'example').map((b) => b.name as string)
}

/** The example/ files `file` imports by a relative path. */
function localImports (file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8')
  return [...source.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(([, spec]) => normalize(join(dirname(file), (spec as string).replace(/\.js$/, ''))) + '.ts')
}

const documentedTests = [...new Set(blocks.filter((b) => b.kind === 'example' && b.name?.endsWith('.test.ts') === true).map((b) => b.name as string))]

/** A page's examples and every documented test that imports one of them (or, on the page, none). */
function pathFiles (page: string, include: (file: string) => boolean = () => true): string[] {
  const examples = examplesOf(page).filter(include)
  const tests = documentedTests.filter((test) => {
    const imports = localImports(test)
    if (imports.some((file) => examples.includes(file))) return true
    // A self-contained test belongs to the page that shows it; the testing page's, to the status path.
    const home = blocks.find((b) => b.kind === 'example' && b.name === test)?.page
    return imports.length === 0 && (home === page || (home === TESTING_PAGE && page === 'README.md'))
  })
  return [...new Set([...examples, ...tests])]
}

const dashboardPackages = installLines('dashboard').flatMap(packagesOf)
const usesDashboard = (file: string): boolean =>
  dashboardPackages.some((name) => new RegExp(`from '${name.replace(/[/.]/g, '\\$&')}(/[^']*)?'`).test(readFileSync(join(root, file), 'utf8')))

const PATHS: Record<string, Stage[]> = {
  status: [{ installs: ['status', 'testing'], files: pathFiles('README.md') }],
  'own-routes': [{ installs: ['own-routes', 'testing'], files: pathFiles('docs/own-routes.md') }],
  queue: [
    { installs: ['queue', 'testing'], files: pathFiles('docs/queue.md', (file) => !usesDashboard(file)) },
    { installs: ['dashboard'], files: examplesOf('docs/queue.md').filter(usesDashboard) }
  ]
}

interface Step { readonly name: string, readonly ok: boolean, readonly detail: string }
class Stop extends Error {}

/** One path's steps, asserted in its subtest once the path has run. */
class Journal {
  readonly steps: Step[] = []
  /** A step the next ones depend on: when it fails, the path stops there. */
  need (name: string, ok: boolean, detail = ''): void {
    this.expect(name, ok, detail)
    if (!ok) throw new Stop(name)
  }

  expect (name: string, ok: boolean, detail = ''): void {
    this.steps.push({ name, ok, detail })
  }
}

/**
 * Runs independent parts of a path at once, each with a journal of its own: their steps are
 * recorded in the order of `parts`, and a part that stopped stops the path once all have ended.
 */
async function together (journal: Journal, parts: ReadonlyArray<(journal: Journal) => Promise<void>>): Promise<void> {
  const journals = parts.map(() => new Journal())
  const ended = await Promise.allSettled(parts.map(async (part, i) => { await part(journals[i] as Journal) }))
  for (const part of journals) journal.steps.push(...part.steps)
  for (const end of ended) if (end.status === 'rejected') throw end.reason
}

/**
 * The environment of a shell a newcomer opens: no tap, npm-run or loader variables of this run,
 * nothing of this repo on PATH; and no coverage of this run, which tap's spawn hook would add.
 */
function newcomerEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TAP|_TAPJS|TS_NODE|NODE_OPTIONS$|NODE_V8_COVERAGE$|NODE_PATH$|INIT_CWD$|npm_(lifecycle|package|execpath|config_local_prefix))/i.test(key)) continue
    env[key] = value
  }
  env.PATH = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== root && !dir.startsWith(root + sep)).join(delimiter)
  return childEnv(extra, env)
}

interface Ran { readonly code: number, readonly stdout: string, readonly output: string }

async function exec (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 300_000): Promise<Ran> {
  return await new Promise((resolve) => {
    execFile(command, args, { cwd, env: newcomerEnv(env), timeout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, output: `${stdout}${stderr}${err !== null && code === -1 ? `\n${err.message}` : ''}` })
    })
  })
}

const tail = (text: string): string => text.length > 4000 ? '…' + text.slice(-4000) : text

let scratch = ''
let tarball = ''
let redis: TestRedis | undefined

async function runStage (journal: Journal, app: string, stage: Stage): Promise<void> {
  for (const path of stage.installs) {
    const lines = installLines(path)
    journal.need(`the docs give install lines for "${path}"`, lines.length > 0)
    for (const line of lines) {
      journal.need(`"${line}" is one npm install command`, /^npm install( -D)?( [^\s-]\S*)+$/.test(line))
      const args = line.split(' ').slice(1).map((arg) => arg === NAME || arg.startsWith(`${NAME}@`) ? tarball : arg)
      const ran = await exec('npm', [...args, '--no-audit', '--no-fund'], app)
      journal.need(`${line}`, ran.code === 0, tail(ran.output))
      if (args.includes(tarball)) {
        const warnings = ran.output.split('\n').filter((l) => /^npm warn/i.test(l) && l.includes(NAME))
        journal.expect(`${line}: npm prints no warning about ${NAME} (no install scripts)`, warnings.length === 0, warnings.join('\n'))
      }
    }
  }
  for (const file of stage.files) {
    const to = join(app, basename(file))
    journal.need(`${basename(file)} is a new file in the app`, !existsSync(to))
    copyFileSync(join(root, file), to)
  }
}

/**
 * The tsc and tap runs are what takes the CPU: one at a time across the paths (a path's two tsc
 * programs together), while the other paths install. A tap run of an app never competes with a
 * tsc program, so its files stay far from tap's 30 s per-file timeout on a loaded machine.
 */
let heavy: Promise<unknown> = Promise.resolve()
async function oneAtATime<T> (work: () => Promise<T>): Promise<T> {
  const ran = heavy.then(work)
  heavy = ran.catch(() => {})
  return await ran
}

/** tsc over the whole app under both module settings, at once; `outDir` keeps the JavaScript of the nodenext run. */
async function typecheck (journal: Journal, app: string, outDir?: string): Promise<void> {
  const tsc = join(app, 'node_modules', '.bin', 'tsc')
  journal.need('the installs give tsc', existsSync(tsc))
  const modes = {
    nodenext: outDir === undefined ? ['--noEmit'] : ['--noEmit', 'false', '--outDir', outDir],
    'commonjs + node10': ['--noEmit', '--module', 'commonjs', '--moduleResolution', 'node10']
  }
  await oneAtATime(async () => {
    await together(journal, Object.entries(modes).map(([mode, options]) => async (journal: Journal) => {
      const ran = await exec(tsc, ['-p', '.', '--pretty', 'false', ...options], app)
      journal.expect(`tsc type-checks the app under ${mode}`, ran.code === 0, tail(ran.output))
    }))
  })
}

/** `npx tap` as docs/testing.md says: every copied test file runs and passes. */
async function runTests (journal: Journal, app: string, files: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const tests = files.filter((file) => file.endsWith('.test.ts')).map((file) => basename(file))
  journal.need('the docs show a test for this path', tests.length > 0)
  const tap = join(app, 'node_modules', '.bin', 'tap')
  journal.need('the installs give tap', existsSync(tap))
  const ran = await oneAtATime(async () => await exec(tap, [], app, env))
  const summary = /^# \{ total: (\d+), pass: (\d+) \}$/m.exec(ran.output)
  journal.expect(`npx tap passes (${tests.join(', ')})`, ran.code === 0 && summary !== null && summary[1] === summary[2] && Number(summary[1]) > 0, tail(ran.output))
  for (const test of tests) journal.expect(`tap ran ${test}`, new RegExp(`^ok \\d+ - ${test.replace(/\./g, '\\.')} `, 'm').test(ran.output), tail(ran.output))
}

/** The installed README's and docs pages' relative links resolve inside node_modules/fastify-twilio-status. */
function checkLinks (journal: Journal, app: string): void {
  const installed = join(app, 'node_modules', NAME)
  const broken: string[] = []
  let count = 0
  for (const page of docPages(installed)) {
    for (const target of relativeLinks(installed, page)) {
      count++
      const file = normalize(join(installed, dirname(page), decodeURIComponent(target.split('#')[0] as string)))
      if (!file.startsWith(installed + sep) || !existsSync(file)) broken.push(`${page}: ${target}`)
    }
  }
  journal.expect(`the installed README's and docs pages' ${count} relative links resolve inside node_modules/${NAME}`, count > 0 && broken.length === 0, broken.join('\n'))
}

/** Compile the app, mount the dashboard example on a Fastify app with a queue, and fetch its page. */
async function bootDashboard (journal: Journal, app: string, files: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  journal.need('the queue page shows a dashboard example', files.length === 1, files.join(', '))
  const source = readFileSync(join(root, files[0] as string), 'utf8')
  const mount = /export (?:async )?function (\w+)/.exec(source)?.[1]
  const base = /setBasePath\('([^']+)'\)/.exec(source)?.[1]
  journal.need('the dashboard example exports a function that mounts the board at a base path', mount !== undefined && base !== undefined)
  const out = '.newcomer-build'
  await typecheck(journal, app, out)
  writeFileSync(join(app, 'boot-dashboard.cjs'), `
const Fastify = require('fastify')
const { Queue } = require('bullmq')
const board = require('./${out}/${basename(files[0] as string, '.ts')}.js')
async function main () {
  const { hostname, port } = new URL(process.env.REDIS_URL)
  const queue = new Queue('twilio', { connection: { host: hostname, port: Number(port) } })
  const app = Fastify()
  await board.${mount as string}(app, queue, 'ops', 'secret')
  await app.listen({ host: '127.0.0.1', port: 0 })
  const res = await fetch('http://127.0.0.1:' + app.server.address().port + ${JSON.stringify(base)}, { headers: { authorization: 'Basic ' + Buffer.from('ops:secret').toString('base64') } })
  console.log(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), body: (await res.text()).slice(0, 2000) }))
  await app.close()
  await queue.close()
}
main().catch((err) => { console.error(err); process.exit(1) })
`)
  const ran = await exec(process.execPath, ['boot-dashboard.cjs'], app, env, 60_000)
  let page: { status?: number, type?: string, body?: string } = {}
  try { page = JSON.parse(ran.stdout) } catch {}
  journal.expect(`GET ${base as string} answers the board's HTML page`, ran.code === 0 && page.status === 200 && /^text\/html/.test(page.type ?? '') && /<html/i.test(page.body ?? ''), tail(ran.output))
}

async function runPath (name: string, stages: readonly Stage[]): Promise<Step[]> {
  const journal = new Journal()
  const app = join(scratch, name)
  const env = { REDIS_URL: (redis as TestRedis).url }
  try {
    mkdirSync(app)
    const init = await exec('npm', ['init', '-y'], app)
    journal.need('npm init -y', init.code === 0, tail(init.output))
    const files = blocks.filter((b) => b.page === TESTING_PAGE && b.kind === 'file')
    journal.need(`${TESTING_PAGE} gives a tsconfig.json`, files.some((b) => b.name === 'tsconfig.json'))
    for (const block of files) writeFileSync(join(app, block.name as string), block.code)
    const [first, ...rest] = stages as [Stage, ...Stage[]]
    await runStage(journal, app, first)
    await typecheck(journal, app)
    if (name === 'status') checkLinks(journal, app)
    await runTests(journal, app, first.files, env)
    for (const stage of rest) {
      await runStage(journal, app, stage)
      await bootDashboard(journal, app, stage.files, env)
    }
  } catch (err) {
    if (!(err instanceof Stop)) journal.expect('the path ran to its end', false, String((err as Error).stack ?? err))
  }
  return journal.steps
}

const results = new Map<string, Promise<Step[]>>()

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!existsSync(join(root, 'dist', 'lib', 'index.js'))) await exec('npm', ['run', 'build'], root)
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'fts-newcomer-')))
  const packed = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], root)
  if (packed.code !== 0) throw new Error(`npm pack failed\n${packed.output}`)
  tarball = join(scratch, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]?.filename as string)
  // Its own server: the queue example uses the default queue name and key prefix.
  redis = await startRedis({ url: '' })
  // All three paths at once: each spends about half of an install waiting on the registry, which
  // the others' installs and tsc and tap runs fill.
  for (const [name, stages] of Object.entries(PATHS)) results.set(name, runPath(name, stages))
})

t.teardown(async () => {
  await Promise.all(results.values())
  await redis?.stop()
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true })
})

for (const [name, stages] of Object.entries(PATHS)) {
  const what = stages.map((s) => s.installs.join(' + ')).join(', then ')
  const boots = stages.length > 1 ? ', then serves the dashboard\'s page' : ''
  t.test(`${name}: a fresh app with what the docs install (${what}) type-checks the documented examples under nodenext and node10 and passes their tests${boots}`, async (t) => {
    for (const step of await (results.get(name) as Promise<Step[]>)) {
      t.ok(step.ok, step.name, step.ok ? {} : { output: step.detail })
    }
  })
}
