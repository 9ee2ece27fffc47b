/**
 * The command line as a user runs it: the built bin (dist/lib/cli/index.js) in its own process,
 * against the plugin listening on 127.0.0.1. Exit statuses, output on a pipe (no colour), a 403
 * explained from the plugin's own warn log line and fixed with the publicUrl explain suggests,
 * and no twilio package anywhere.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { encodeForm, send, TOKEN } from '../helpers/sign'
import { listen } from './helpers'

const run = promisify(execFile)
const root = resolve(__dirname, '..', '..')
const bin = join(root, 'dist', 'lib', 'cli', 'index.js')
const scratch = mkdtempSync(join(tmpdir(), 'fts-bin-'))
// Loaded before the bin: any attempt to load the twilio package fails the process.
const noTwilio = join(scratch, 'no-twilio.cjs')
writeFileSync(noTwilio, `const Module = require('node:module')
const load = Module._load
Module._load = function (request, ...rest) {
  if (request === 'twilio' || request.startsWith('twilio/')) throw new Error('the twilio package was loaded')
  return load.call(this, request, ...rest)
}
`)

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!existsSync(bin)) await run('npm', ['run', 'build'], { cwd: root })
})
t.teardown(() => { rmSync(scratch, { recursive: true, force: true }) })

interface Result { code: number, stdout: string, stderr: string }

/** Run the bin with `args`, TWILIO_AUTH_TOKEN set, twilio unloadable; never rejects. */
async function fts (args: string[], env: Record<string, string> = {}): Promise<Result> {
  const options = { cwd: scratch, env: { ...process.env, NODE_OPTIONS: `--require ${noTwilio}`, TWILIO_AUTH_TOKEN: TOKEN, ...env } }
  return await run(process.execPath, [bin, ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr })
  )
}

t.test('--help: exit 0, plain text on a pipe', async (t) => {
  const ran = await fts(['--help'])
  t.equal(ran.code, 0)
  t.match(ran.stdout, /^Usage: fastify-twilio-status <command>/)
  t.notOk(ran.stdout.includes('\u001b['), 'no colour when standard output is not a terminal')
  t.equal(ran.stderr, '')
  const usage = await fts(['trigger', 'fax', 'sent'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /^fastify-twilio-status: unknown channel "fax"/)
})

t.test('trigger: single events and lifecycles, answered by the plugin', async (t) => {
  const { url, calls } = await listen(t)
  const one = await fts(['trigger', 'sms', 'delivered', '--url', url])
  t.equal(one.code, 0, one.stderr)
  t.match(one.stdout, /← 200 OK {2}text\/xml/)
  const life = await fts(['trigger', 'call', '--lifecycle', '--duplicates', '--out-of-order', '--url', url])
  t.equal(life.code, 0, life.stderr)
  t.match(life.stdout, /8 sent: 8 answered 2xx\n$/)
  const batch = await fts(['trigger', 'eventStreams', 'message.delivered', '--url', url])
  t.equal(batch.code, 0, batch.stderr)
  const get = await fts(['trigger', 'sms', 'undelivered', '--method', 'GET', '--param', 'ErrorCode=30007', '--url', url])
  t.equal(get.code, 0, get.stderr)
  t.same(calls.slice(0, 1), ['sms delivered'])
  t.same(calls.slice(1, 5).sort(), ['call completed', 'call in-progress', 'call initiated', 'call ringing'], 'each call event once, duplicates aside')
  t.same(calls.slice(5), ['eventStreams com.twilio.messaging.message.delivered', 'sms undelivered'])

  const unreachable = await fts(['trigger', 'sms', 'sent', '--url', 'http://127.0.0.1:1'])
  t.equal(unreachable.code, 3)
  t.match(unreachable.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/)
})

t.test('a 403 from a proxy\'s changes: the warn log points to explain, explain names the fix, the fix works', async (t) => {
  const behind = await listen(t)
  const path = '/twilio/sms/status'
  const params = { MessageSid: 'SM' + 'f'.repeat(32), MessageStatus: 'delivered', AccountSid: 'AC' + '0'.repeat(32), From: '+15017250604', To: '+15558675310' }
  const paramArgs = Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])
  // Twilio calls https://hooks.example.com/api/…; a TLS proxy strips /api and forwards over http.
  const signed = await fts(['sign', '--url', `https://hooks.example.com/api${path}`, ...paramArgs])
  t.equal(signed.code, 0)
  const signature = signed.stdout.trim()
  t.match(signature, /^[A-Za-z0-9+/]{27}=$/)
  const request = { method: 'POST' as const, url: path, headers: { host: 'hooks.example.com', 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: encodeForm(params) }
  t.equal((await send(Number(new URL(behind.url).port), request)).statusCode, 403)

  const warn = behind.logs.lines.find((line) => line.level === 40)
  t.match(warn?.msg, /run `npx fastify-twilio-status explain` with the request to see why/)
  const log = join(scratch, 'warn.json')
  writeFileSync(log, JSON.stringify(warn))
  const explained = await fts(['explain', '--file', log, '--signature', signature, ...paramArgs])
  t.equal(explained.code, 1, 'it does not verify as received')
  t.match(explained.stdout, /✗ Does not verify as the app received it[\s\S]*✓ Twilio signed https:\/\/hooks\.example\.com\/api\/twilio\/sms\/status/)
  t.match(explained.stdout, /What differs:\n {2}scheme {2}the app had http; Twilio signed https[\s\S]*\n {2}prefix {2}the app had \/twilio\/sms\/status; Twilio signed \/api\/twilio\/sms\/status/)
  t.match(explained.stdout, /Fix: register the plugin with publicUrl: 'https:\/\/hooks\.example\.com\/api'/)
  t.notOk(explained.stdout.includes(TOKEN) || explained.stderr.includes(TOKEN), 'the token is never printed')

  const fixed = await listen(t, { publicUrl: 'https://hooks.example.com/api' })
  t.equal((await send(Number(new URL(fixed.url).port), request)).statusCode, 200, 'the suggested publicUrl verifies it')
  t.same(fixed.calls, ['sms delivered'])

  const wrongToken = await fts(['explain', '--file', log, '--signature', signature, ...paramArgs], { TWILIO_AUTH_TOKEN: '0a7e7a0c0ffee0a7e7a0c0ffee000003' })
  t.equal(wrongToken.code, 1)
  t.match(wrongToken.stdout, /token is wrong/)

  const raw = join(scratch, 'request.txt')
  writeFileSync(raw, `POST /api${path} HTTP/1.1\r\nHost: hooks.example.com\r\nX-Forwarded-Proto: https\r\nX-Twilio-Signature: ${signature}\r\n\r\n${encodeForm(params)}`)
  const fromCapture = await fts(['explain', '--file', raw])
  t.equal(fromCapture.code, 1, 'a capture of what Twilio sent, as a TLS tunnel passes it on')
  t.match(fromCapture.stdout, /What differs:\n {2}scheme {2}the app had http; Twilio signed https\n[\s\S]*publicUrl: 'https:\/\/hooks\.example\.com'/)
})

t.test('sign --curl and explain, through standard input', async (t) => {
  const curl = await fts(['sign', '--url', 'https://hooks.example.com/twilio/call/status', '--param', 'CallSid=CA1', '--param', 'CallStatus=ringing', '--curl'])
  t.equal(curl.code, 0)
  t.match(curl.stdout, /^curl -sS -X POST https:\/\/hooks\.example\.com\/twilio\/call\/status -H 'X-Twilio-Signature: .{27}=' -H 'Content-Type: application\/x-www-form-urlencoded' --data-binary 'CallSid=CA1&CallStatus=ringing'\n$/)
  const signature = /X-Twilio-Signature: (.{28})/.exec(curl.stdout)?.[1] as string
  const capture = `POST /twilio/call/status HTTP/1.1\nHost: hooks.example.com\nX-Twilio-Signature: ${signature}\n\nCallSid=CA1&CallStatus=ringing\n`
  const child = execFile(process.execPath, [bin, 'explain', '--file', '-', '--url', 'https://hooks.example.com/twilio/call/status'], { env: { ...process.env, NODE_OPTIONS: '', TWILIO_AUTH_TOKEN: TOKEN } })
  child.stdin?.end(capture)
  let stdout = ''
  child.stdout?.on('data', (chunk: string) => { stdout += chunk })
  const code = await new Promise((resolve) => child.on('close', resolve))
  t.equal(code, 0)
  t.match(stdout, /^✓ Verifies with --token #1, as https:\/\/hooks\.example\.com\/twilio\/call\/status\n$/)
})
