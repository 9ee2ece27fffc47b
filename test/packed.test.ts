/**
 * The package as a user gets it: `npm pack` of this repo, extracted into the node_modules of an
 * app in a temporary directory (its dependencies linked from this repo's node_modules: no
 * network), and used by that app in plain CommonJS (test/fixtures/packed): a receiver that
 * queues verified status callbacks on BullMQ and a worker process that runs the callbacks.
 * Requests go over real HTTP, signed by the twilio package; dead letters are put back by the
 * packed CLI.
 */
import t from 'tap'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { Queue } from 'bullmq'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { childEnv as plainEnv } from './helpers/child-env'
import { connectionOf } from './helpers/queue'
import { startRedis, type TestRedis } from './helpers/redis'
import { OTHER_TOKEN, TOKEN } from './helpers/sign'

const run = promisify(execFile)
const root = resolve(__dirname, '..')
const fixtures = join(root, 'test', 'fixtures', 'packed')
const NAME = 'fastify-twilio-status'
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
/** What the app and the package require at run time; twilio is not among them. */
const LINKED = ['fastify', 'fastify-plugin', '@fastify/error', 'bullmq', 'ioredis']
const WAIT = 20_000

// Outside the repo (realpath: the resolved paths are compared with it), so that nothing
// resolves through the repo's own node_modules.
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'fts-packed-')))
const appDir = join(scratch, 'app')
const installed = join(appDir, 'node_modules', NAME)
const failFlag = join(scratch, 'undelivered-fails')
const queueName = `packed-${randomUUID()}`

type Line = Record<string, unknown>
interface Proc { readonly child: ChildProcess, readonly lines: Line[], stderr: string }

const procs: Proc[] = []
let redis: TestRedis
let queue: Queue
let receiver: Proc
let worker: Proc
let base: string

function childEnv (): NodeJS.ProcessEnv {
  // No tap loader in the children, and no NODE_PATH to resolve the package from elsewhere.
  return plainEnv({ NODE_PATH: '', REDIS_URL: redis.url, QUEUE_NAME: queueName, TWILIO_AUTH_TOKEN: TOKEN, FAIL_FLAG: failFlag })
}

/** Run one of the app's files with node; its stdout is parsed as JSON lines. */
function start (file: string): Proc {
  const child = spawn(process.execPath, [join(appDir, file)], { cwd: appDir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  const proc: Proc = { child, lines: [], stderr: '' }
  procs.push(proc)
  let pending = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const text = pending.slice(0, end)
      pending = pending.slice(end + 1)
      try {
        proc.lines.push(JSON.parse(text) as Line)
      } catch {
        proc.lines.push({ unparsed: text })
      }
    }
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { proc.stderr = (proc.stderr + chunk).slice(-4000) })
  return proc
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
async function stop ({ child }: Proc): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Poll until `check` holds; after WAIT ms, or when `proc` exits, throw with its stderr. */
async function until (what: string, check: () => boolean | Promise<boolean>, proc?: Proc): Promise<void> {
  for (const end = Date.now() + WAIT; Date.now() < end;) {
    if (await check()) return
    if (proc !== undefined && proc.child.exitCode !== null) throw new Error(`${what}: the process exited (${proc.child.exitCode})\n${proc.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`${what}: not within ${WAIT} ms\n${proc?.stderr ?? ''}`)
}

/** Jobs in the queue, in any state. */
async function jobCount (): Promise<number> {
  return Object.values(await queue.getJobCounts()).reduce((sum, n) => sum + n, 0)
}

function linesOf (proc: Proc, match: Line): Line[] {
  return proc.lines.filter((line) => Object.entries(match).every(([key, value]) => line[key] === value))
}

/** A fresh Sid for every event of every run: the worker's idempotency store is in the shared Redis. */
function newSid (prefix: 'SM' | 'CA'): string {
  return prefix + randomUUID().replaceAll('-', '')
}

function sms (status: string, sid = newSid('SM')): Record<string, string> {
  return { MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, AccountSid: 'AC00000000000000000000000000000001', From: '+15017250604', To: '+15558675310', ApiVersion: '2010-04-01' }
}

/** POST a form as Twilio does, signed by the twilio package with `token`. */
async function post (path: string, params: Record<string, string>, token = TOKEN): Promise<Response> {
  const url = base + path
  return await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(token, url, params) },
    body: new URLSearchParams(params)
  })
}

/**
 * A signed call event, then wait for the worker to run it: the worker runs one job at a time in
 * queue order, so anything queued before it has been run by then.
 */
async function marker (): Promise<void> {
  const sid = newSid('CA')
  const res = await post('/twilio/call/status', { CallSid: sid, CallStatus: 'completed', AccountSid: 'AC00000000000000000000000000000001' })
  if (res.status !== 200) throw new Error(`the marker call event was answered ${res.status}`)
  await until('the worker runs the marker call event', () => linesOf(worker, { handled: 'completed', sid }).length > 0, worker)
}

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!existsSync(join(root, 'dist', 'lib', 'index.js'))) await run('npm', ['run', 'build'], { cwd: root })
  redis = await startRedis()
  queue = new Queue(queueName, { connection: connectionOf(redis) })

  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, env: plainEnv() })
  const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>
  mkdirSync(installed, { recursive: true })
  await run('tar', ['-xzf', join(scratch, filename), '-C', installed, '--strip-components=1'])
  for (const name of LINKED) {
    const link = join(appDir, 'node_modules', name)
    mkdirSync(dirname(link), { recursive: true })
    symlinkSync(join(root, 'node_modules', name), link, 'dir')
  }
  for (const file of ['receiver.cjs', 'worker.cjs']) copyFileSync(join(fixtures, file), join(appDir, file))

  writeFileSync(failFlag, '')
  receiver = start('receiver.cjs')
  worker = start('worker.cjs')
  await until('the receiver listens', () => receiver.lines.length > 0, receiver)
  await until('the worker is ready', () => worker.lines.length > 0, worker)
  base = `http://127.0.0.1:${String(receiver.lines[0].port)}`
})

t.teardown(async () => {
  await Promise.all(procs.map(stop))
  if (queue !== undefined) {
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
  }
  await redis?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

t.test('the app loads the packed package from its own node_modules, and the package ships its bin', async (t) => {
  const inApp = join(installed, 'dist', 'lib', 'index.js')
  t.equal(receiver.lines[0].resolved, inApp, 'the receiver requires the extracted package')
  t.equal(worker.lines[0].resolved, inApp, 'the worker requires the extracted package')
  t.ok(String(receiver.lines[0].resolved).startsWith(appDir + sep), 'not the repo\'s own copy')
  const { bin } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  t.equal(bin[NAME], 'dist/lib/cli/index.js')
  t.ok(existsSync(join(installed, bin[NAME])), 'the bin is in the tarball')
})

t.test('a signed delivered callback is answered with empty TwiML and run by the worker once, though Twilio sent it twice', async (t) => {
  const params = sms('delivered')
  for (const attempt of ['first', 'again']) {
    const res = await post('/twilio/sms/status', params)
    t.equal(res.status, 200, `${attempt}: 200`)
    t.equal(await res.text(), EMPTY_TWIML, `${attempt}: empty TwiML`)
  }
  await marker()
  t.same(linesOf(worker, { sid: params.MessageSid }), [{ handled: 'delivered', sid: params.MessageSid }], 'the worker ran it once')
})

t.test('a forged signature is refused with 403 and nothing reaches the queue or the worker', async (t) => {
  const params = sms('delivered')
  const jobs = await jobCount()
  const res = await post('/twilio/sms/status', params, OTHER_TOKEN)
  t.equal(res.status, 403)
  t.equal(await jobCount(), jobs, 'nothing queued')
  await marker()
  t.same(linesOf(worker, { sid: params.MessageSid }), [], 'the worker never saw it')
})

t.test('an undelivered whose callback throws lands in the failed set after 2 attempts; the packed CLI replays it once the callback works', async (t) => {
  const params = sms('undelivered')
  const res = await post('/twilio/sms/status', params)
  t.equal(res.status, 200, 'Twilio is answered before the worker runs it')
  await until('the event lands in the failed set', async () =>
    linesOf(worker, { threw: 'undelivered', sid: params.MessageSid }).length === 2 && await queue.getFailedCount() === 1, worker)
  t.same(linesOf(worker, { sid: params.MessageSid }).map((line) => line.attemptsMade), [0, 1], 'the callback threw on each of its 2 attempts')

  rmSync(failFlag)
  const cli = join(installed, 'dist', 'lib', 'cli', 'index.js')
  const replay = await run(process.execPath, [cli, 'replay', '--redis', redis.url, '--queue', queueName], { cwd: appDir, env: childEnv(), timeout: WAIT })
    .then(({ stdout }) => ({ code: 0, stdout }), (err: { code?: number, stdout?: string, stderr?: string }) => ({ code: err.code, stdout: `${err.stdout ?? ''}${err.stderr ?? ''}` }))
  t.equal(replay.code, 0, 'the CLI exits 0')
  t.match(replay.stdout, `1 of 1 failed jobs in queue "${queueName}" replayed`, 'and says what it did')
  await until('the worker runs the replayed event', () => linesOf(worker, { handled: 'undelivered', sid: params.MessageSid }).length > 0, worker)
  t.equal(await queue.getFailedCount(), 0, 'the failed set is empty')
  t.equal(linesOf(worker, { sid: params.MessageSid }).length, 3, 'two failures, then one run')
})
