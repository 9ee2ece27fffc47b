/**
 * Queue mode with bullmq or ioredis really absent, as after `npm install fastify-twilio-status
 * fastify` alone: the built package copied into an app's node_modules (so that nothing resolves
 * through the repo's own), its dependencies and fastify linked, and a receiver, a worker and
 * `replay` each run in a child process. Each ends with FST_TWILIO_MISSING_PACKAGE naming what is
 * missing and the command that installs it, never a `Cannot find module` with a require stack.
 */
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { childEnv } from '../helpers/child-env'

const root = resolve(__dirname, '..', '..')
const NAME = 'fastify-twilio-status'
/** What the package and the apps below require at run time, queue mode aside. */
const LINKED = ['fastify', 'fastify-plugin', '@fastify/error']

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'fts-missing-')))
t.teardown(() => { rmSync(scratch, { recursive: true, force: true }) })

const APP = {
  // What a user writes; the queue is anything with `add`, as the option takes (bullmq may be absent).
  'receiver.cjs': `const app = require('fastify')()
app.register(require('${NAME}'), { authToken: 'x', queue: { add: async () => {} }, sms: { onDelivered () {} } })
app.ready().then(() => { process.stdout.write('ready\\n'); return app.close() })
`,
  'worker.cjs': `const { createTwilioWorker } = require('${NAME}')
createTwilioWorker({ connection: { host: '127.0.0.1', port: 1, maxRetriesPerRequest: null }, sms: { onDelivered () {} } })
`
}

/** An app in its own directory whose node_modules holds the package, LINKED and `extra`. */
function app (name: string, extra: readonly string[]): string {
  const dir = join(scratch, name)
  const installed = join(dir, 'node_modules', NAME)
  mkdirSync(join(installed, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(installed, 'package.json'))
  for (const part of ['lib', 'types']) cpSync(join(root, 'dist', part), join(installed, 'dist', part), { recursive: true })
  for (const dep of [...LINKED, ...extra]) {
    const link = join(dir, 'node_modules', dep)
    mkdirSync(dirname(link), { recursive: true })
    symlinkSync(join(root, 'node_modules', dep), link, 'dir')
  }
  for (const [file, text] of Object.entries(APP)) writeFileSync(join(dir, file), text)
  return dir
}

interface Ran { readonly code: number, readonly stdout: string, readonly stderr: string }

/** `node args…` in `cwd`, with no tap loader and no NODE_PATH to find a package elsewhere. */
async function node (cwd: string, ...args: string[]): Promise<Ran> {
  return await new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: childEnv({ NODE_PATH: '' }), timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr })
    })
  })
}

const bin = join('node_modules', NAME, 'dist', 'lib', 'cli', 'index.js')
let none: string
let noIoredis: string
let both: string

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!existsSync(join(root, 'dist', 'lib', 'index.js'))) await promisify(execFile)('npm', ['run', 'build'], { cwd: root })
  none = app('none', [])
  noIoredis = app('no-ioredis', ['bullmq'])
  both = app('both', ['bullmq', 'ioredis'])
})

/** An uncaught FST_TWILIO_MISSING_PACKAGE with `message`, and no trace of a failed require. */
function missing (t: Test, ran: Ran, message: string): void {
  t.equal(ran.code, 1, 'the process fails')
  t.match(ran.stderr, `: ${message}\n`)
  t.match(ran.stderr, "code: 'FST_TWILIO_MISSING_PACKAGE'")
  t.notMatch(ran.stderr, /Require stack|Cannot find module|MODULE_NOT_FOUND/)
  t.equal(ran.stdout, '')
}

t.test('register with queue rejects with FST_TWILIO_MISSING_PACKAGE naming bullmq and ioredis, or ioredis alone, and the npm install command', async (t) => {
  missing(t, await node(none, 'receiver.cjs'), 'fastify-twilio-status queue mode needs bullmq and ioredis, not installed: npm install bullmq ioredis')
  missing(t, await node(noIoredis, 'receiver.cjs'), 'fastify-twilio-status queue mode needs ioredis, not installed: npm install ioredis')
  // The same app with both installed registers.
  t.same(await node(both, 'receiver.cjs'), { code: 0, stdout: 'ready\n', stderr: '' })
})

t.test('createTwilioWorker throws FST_TWILIO_MISSING_PACKAGE naming the missing packages and the npm install command, not a require stack', async (t) => {
  missing(t, await node(none, 'worker.cjs'), 'fastify-twilio-status createTwilioWorker needs bullmq and ioredis, not installed: npm install bullmq ioredis')
  missing(t, await node(noIoredis, 'worker.cjs'), 'fastify-twilio-status createTwilioWorker needs ioredis, not installed: npm install ioredis')
})

t.test('replay prints what to install and exits 2 (usage), with no stack; its help needs neither package', async (t) => {
  const usage = 'Run "fastify-twilio-status --help" for usage.\n'
  t.same(await node(none, bin, 'replay', '--redis', 'redis://127.0.0.1:1'),
    { code: 2, stdout: '', stderr: `fastify-twilio-status: replay needs bullmq and ioredis, not installed: npm install bullmq ioredis\n${usage}` })
  t.same(await node(noIoredis, bin, 'replay', '--redis', 'redis://127.0.0.1:1'),
    { code: 2, stdout: '', stderr: `fastify-twilio-status: replay needs ioredis, not installed: npm install ioredis\n${usage}` })
  const help = await node(none, bin, 'replay', '--help')
  t.equal(help.code, 0)
  t.match(help.stdout, 'Needs bullmq and ioredis (npm install bullmq ioredis)')
  // With both installed it gets as far as Redis (none listens on port 1): exit 3.
  const ran = await node(both, bin, 'replay', '--redis', 'redis://127.0.0.1:1')
  t.equal(ran.code, 3)
  t.match(ran.stderr, /^fastify-twilio-status: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: /)
})
