/**
 * The published types resolve under every moduleResolution a TypeScript consumer may use:
 * node10 (classic `node`, which reads `types` and `typesVersions` and ignores `exports`),
 * node16 and nodenext (which read `exports`) and bundler. For each, tsc type-checks the consumer
 * in test/fixtures/types-resolution, which imports the main entry and the
 * `fastify-twilio-status/testing` subpath.
 *
 * The consumer is a project of its own (its own package.json, so the package's self-reference
 * does not apply) with the package in its node_modules as a link to this package root: the
 * imports resolve through the real package.json to the built dist/, as after `npm install`.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { childEnv } from './helpers/child-env'

const run = promisify(execFile)
const root = resolve(__dirname, '..')
const fixture = join(root, 'test', 'fixtures', 'types-resolution', 'consumer.ts')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const built = ['index.d.ts', 'testing/index.d.ts'].map((name) => join(root, 'dist', 'lib', name))

/** Per mode: the consumer's compiler options and files (node16 and nodenext check a CommonJS and an ES module consumer). */
const modes = {
  node10: { options: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, files: ['consumer.ts'] },
  node16: { options: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.ts', 'consumer.mts'] },
  nodenext: { options: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.ts', 'consumer.mts'] },
  bundler: { options: { module: 'esnext', moduleResolution: 'bundler', esModuleInterop: true }, files: ['consumer.ts'] }
}
type Mode = keyof typeof modes

// Four tsc programs; allow for a slow machine running other test files at the same time.
t.setTimeout(180_000)

let dir = ''
/** One tsc program per mode, all started at once (tsc -b over all four shares module resolutions between them). */
const checks = new Map<Mode, Promise<{ errors: string[], files: string[] }>>()

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!built.every((file) => existsSync(file))) await run('npm', ['run', 'build'], { cwd: root })
  // Inside the package, in tap's own ignored directory, so that fastify and @types/node resolve
  // from the package's node_modules as the consumer's own dependencies would.
  mkdirSync(join(root, '.tap'), { recursive: true })
  dir = mkdtempSync(join(root, '.tap', 'types-resolution-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }))
  mkdirSync(join(dir, 'node_modules'))
  // A junction on Windows (no privilege needed), a symlink elsewhere.
  symlinkSync(root, join(dir, 'node_modules', 'fastify-twilio-status'), 'junction')
  copyFileSync(fixture, join(dir, 'consumer.ts'))
  copyFileSync(fixture, join(dir, 'consumer.mts'))
  for (const mode of Object.keys(modes) as Mode[]) {
    checks.set(mode, typecheck(mode).catch((err: unknown) => ({ errors: [String(err)], files: [] })))
  }
})
t.teardown(async () => {
  await Promise.all(checks.values())
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

/** Type-check the consumer under one mode: tsc's diagnostics, and the files in its program. */
async function typecheck (mode: Mode): Promise<{ errors: string[], files: string[] }> {
  const { options, files } = modes[mode]
  const config = join(dir, `tsconfig.${mode}.json`)
  writeFileSync(config, JSON.stringify({
    compilerOptions: { target: 'ES2022', lib: ['ES2022'], types: ['node'], strict: true, skipLibCheck: true, noEmit: true, ...options },
    files
  }))
  // Plain node: no loader or coverage of tap's.
  const env = childEnv()
  let failed = ''
  const stdout = await run(process.execPath, [tsc, '-p', config, '--listFiles', '--pretty', 'false'], { cwd: dir, env })
    .then(({ stdout }) => stdout, (err: { stdout?: string, stderr?: string }) => {
      failed = `tsc failed: ${err.stderr ?? String(err)}`.trim()
      return err.stdout ?? ''
    })
  const errors: string[] = []
  const listed: string[] = []
  for (const line of stdout.split(/\r?\n/)) {
    if (/error TS\d+/.test(line)) errors.push(line)
    // An indented line continues the diagnostic above it (tsc's hints, such as "There are types at…").
    else if (/^\s/.test(line) && errors.length > 0) errors[errors.length - 1] += `\n${line.trim()}`
    else if (line !== '') listed.push(resolve(line))
  }
  // A failure that printed no diagnostic (tsc itself crashed) still fails the test.
  if (failed !== '' && errors.length === 0) errors.push(failed)
  return { errors, files: listed }
}

for (const mode of Object.keys(modes) as Mode[]) {
  t.test(`moduleResolution ${mode}`, async (t) => {
    const { errors, files } = await (checks.get(mode) as ReturnType<typeof typecheck>)
    t.same(errors, [], 'tsc reports no error')
    for (const file of built) t.ok(files.includes(file), `the types come from the build: ${file.slice(root.length + 1)}`)
  })
}
