/**
 * The published entry works every way a consumer may load it (STYLE habit 10): each fixture in
 * test/fixtures/exports is a consumer that loads the built package by its name, registers the
 * plugin, injects a request signed by the twilio package and a forged one, and prints what it
 * saw. TypeScript consumers are type-checked with tsc (module nodenext) before they run.
 */
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { childEnv } from './helpers/child-env'
import { formPost, smsParams, TOKEN } from './helpers/sign'

const run = promisify(execFile)
const root = resolve(__dirname, '..')
const fixtures = join(root, 'test', 'fixtures', 'exports')
const entry = join(root, 'dist', 'lib', 'index.js')
/** Plain node for the tools run here: tap's loader and coverage only slow them. */
const toolEnv = childEnv()

/**
 * Compile the TypeScript consumers once, while the JS ones run. Emitted inside the package (in
 * tap's own ignored directory) so that the package name resolves to this package, as it does
 * for the JS fixtures.
 */
async function compile (): Promise<{ outDir: string, errors: string }> {
  mkdirSync(join(root, '.tap'), { recursive: true })
  const outDir = mkdtempSync(join(root, '.tap', 'exports-'))
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const errors = await run(process.execPath, [tsc, '-p', join(fixtures, 'tsconfig.json'), '--outDir', outDir], { cwd: root, env: toolEnv })
    .then(() => '', (err: { stdout?: string }) => err.stdout ?? String(err))
  return { outDir, errors }
}
let compiled: Promise<{ outDir: string, errors: string }>

/** The paths npm would publish, asked for once, while the consumers run. */
async function packList (): Promise<{ files: string[], error: string }> {
  try {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, env: toolEnv })
    const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>
    return { files: pack.files.map((file) => file.path).sort(), error: '' }
  } catch (err) {
    return { files: [], error: String(err) }
  }
}
let listed: Promise<{ files: string[], error: string }>

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!existsSync(entry)) await run('npm', ['run', 'build'], { cwd: root })
  compiled = compile()
  listed = packList()
})
t.teardown(async () => {
  await listed
  rmSync((await compiled).outDir, { recursive: true, force: true })
})

/** A valid request, then the same one with the signature of another request. */
function requests (): string {
  const valid = formPost(smsParams('delivered'))
  const forged = formPost(smsParams('delivered'))
  forged.headers['x-twilio-signature'] = formPost(smsParams('failed')).headers['x-twilio-signature']
  return JSON.stringify([valid, forged])
}

/** Run one consumer with node and parse the JSON line it prints. */
async function consumer (file: string): Promise<Record<string, unknown>> {
  const env = childEnv({ SIGNED_REQUESTS: requests(), TWILIO_AUTH_TOKEN: TOKEN })
  try {
    const { stdout } = await run(process.execPath, [file], { cwd: fixtures, env })
    const lines = stdout.trim().split('\n')
    return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>
  } catch (err) {
    // A consumer that cannot even load the package: report node's own message.
    const stderr = (err as { stderr?: string }).stderr ?? String(err)
    return { error: stderr.split('\n').find((line) => /Error/.test(line)) ?? stderr }
  }
}

function verified (t: Test, result: Record<string, unknown>): void {
  const loads = 'the consumer loads the package'
  t.equal(result.error, undefined, result.error === undefined ? loads : `${loads}: ${String(result.error)}`)
  t.same(result.statuses, [200, 403], 'a signed request is accepted, a forged one refused')
  t.same(result.seen, ['delivered'], 'the callback ran, once')
}

t.test('CommonJS: require() by the package name', async (t) => {
  const result = await consumer(join(fixtures, 'require.cjs'))
  verified(t, result)
  t.equal(result.resolved, entry, 'the package resolves to its built entry')
  t.equal(result.isFunction, true, 'module.exports is the plugin itself')
  t.equal(result.defaultIsPlugin, true, '.default is the plugin')
  t.equal(result.namedIsPlugin, true, '.fastifyTwilioStatus is the plugin')
  t.equal(result.twilioModules, 0, 'the twilio package is never loaded')
})

t.test('ESM: default import', async (t) => {
  const result = await consumer(join(fixtures, 'import-default.mjs'))
  verified(t, result)
  t.equal(result.defaultIsPlugin, true)
  t.same(result.notNamed, [], 'every property of the CommonJS export is also an ESM named export')
  t.equal(result.twilioModules, 0, 'the twilio package is never loaded')
})

t.test('ESM: named import { fastifyTwilioStatus }', async (t) => {
  const result = await consumer(join(fixtures, 'import-named.mjs'))
  verified(t, result)
})

t.test('TypeScript consumers (module nodenext): type-checked, then run', async (t) => {
  const { outDir, errors } = await compiled
  t.equal(errors, '', 'tsc reports no error')

  t.test('.mts, default import', async (t) => {
    const result = await consumer(join(outDir, 'ts-default.mjs'))
    verified(t, result)
    t.equal(result.defaultIsPlugin, true)
  })

  t.test('.mts, named import', async (t) => {
    const result = await consumer(join(outDir, 'ts-named.mjs'))
    verified(t, result)
  })

  t.test('.cts, import x = require()', async (t) => {
    const result = await consumer(join(outDir, 'ts-require.cjs'))
    verified(t, result)
    t.equal(result.defaultIsPlugin, true)
    t.equal(result.namedIsPlugin, true)
  })
})

t.test('npm pack publishes the build, the docs pages, README, LICENSE and package.json only', async (t) => {
  const { files, error } = await listed
  t.equal(error, '', 'npm pack --dry-run succeeds')
  const allowed = (file: string): boolean =>
    /^dist\/(lib|types)\/.+\.(js|d\.ts)$/.test(file) || /^docs\/[\w-]+\.(md|svg)$/.test(file) || ['README.md', 'LICENSE', 'package.json'].includes(file)
  t.same(files.filter((file) => !allowed(file)), [], 'nothing outside the allowlist (no test/, lib/*.ts, bench/, proofs/)')
  t.same(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), [], 'no TypeScript source')
  for (const file of ['README.md', 'LICENSE', 'package.json', 'docs/twilio-facts.md', 'docs/request-path.svg', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/testing/index.js', 'dist/lib/testing/index.d.ts', 'dist/types/index.d.ts']) {
    t.ok(files.includes(file), `${file} is published`)
  }
})
