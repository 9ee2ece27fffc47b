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
import * as bullmq from 'bullmq'
import { encodeForm, OTHER_TOKEN, send, sha256, TOKEN } from '../helpers/sign'
import { connectionOf, newQueue, until } from '../helpers/queue'
import { curl } from '../helpers/curl'
import { startRedis } from '../helpers/redis'
import { childEnv } from '../helpers/child-env'
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
  const options = { cwd: scratch, env: childEnv({ NODE_OPTIONS: `--require ${noTwilio}`, TWILIO_AUTH_TOKEN: TOKEN, ...env }) }
  return await run(process.execPath, [bin, ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr })
  )
}

t.test('--help: exit 0, plain text on a pipe', async (t) => {
  const ran = await fts(['--help'])
  t.equal(ran.code, 0)
  t.match(ran.stdout, /^Usage: fastify-twilio-status <command>/)
  t.match(ran.stdout.replace(/\s+/g, ' '), /Exit status: 0 success, 1 .*, 2 usage error, 3 .*, 70 an internal error/, 'every exit status, 70 included')
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
  const amd = await fts(['trigger', 'amd', '--lifecycle', '--url', url, '-v'])
  t.match(amd.stdout, new RegExp(`\\n {2}signed URL: ${url}/twilio/amd/status\\n[\\s\\S]*\\n1 sent: 0 answered 2xx, 1 not \\(404\\)\\n$`), 'a lifecycle of one is summed up; -v prints the signed URL')
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
  const child = execFile(process.execPath, [bin, 'explain', '--file', '-', '--url', 'https://hooks.example.com/twilio/call/status'], { env: childEnv({ TWILIO_AUTH_TOKEN: TOKEN }) })
  child.stdin?.end(capture)
  let stdout = ''
  child.stdout?.on('data', (chunk: string) => { stdout += chunk })
  const code = await new Promise((resolve) => child.on('close', resolve))
  t.equal(code, 0)
  t.match(stdout, /^✓ Verifies with --token #1, as https:\/\/hooks\.example\.com\/twilio\/call\/status\n$/)
})

t.test('explain --file on what the real curl printed: -v leaves the body out and explain says so, not that the token is wrong; --trace-ascii names a TLS proxy\'s scheme', async (t) => {
  const { url, calls } = await listen(t)
  const path = '/twilio/sms/status'
  const params = { MessageSid: 'SM' + 'c'.repeat(32), MessageStatus: 'delivered', AccountSid: 'AC' + '0'.repeat(32), To: '+15558675310' }
  const paramArgs = Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])
  const signature = (await fts(['sign', '--url', `${url}${path}`, ...paramArgs])).stdout.trim()
  const bodyFile = join(scratch, 'curl-body.txt')
  writeFileSync(bodyFile, encodeForm(params))
  const verbose = await curl(['-v', '-s', '-o', '/dev/null', '-X', 'POST', `${url}${path}`, '-H', `X-Twilio-Signature: ${signature}`, '--data', `@${bodyFile}`])
  t.same(calls, ['sms delivered'], 'the app accepted what curl sent')
  t.match(verbose.stderr, /\n> POST \/twilio\/sms\/status HTTP\/1\.1\r\n[\s\S]*\n< HTTP\/1\.1 200 OK\r\n/)
  const capture = join(scratch, 'curl-v.txt')
  writeFileSync(capture, verbose.stderr)
  const bare = await fts(['explain', '--file', capture])
  t.equal(bare.code, 2)
  t.equal(bare.stdout, '')
  t.match(bare.stderr, /^fastify-twilio-status: the capture has no body, but the request had one \(Content-Length: \d+\): curl -v does not print the body it sends\. Give the body with --body-file FILE or --body TEXT, or capture the request with curl --trace-ascii -, which prints the body as sent\n/)
  t.notMatch(bare.stderr, /token/)
  const given = await fts(['explain', '--file', capture, '--body-file', bodyFile])
  t.equal(given.code, 0, given.stderr)
  t.equal(given.stdout, `✓ Verifies with --token #1, as ${url}${path}\n`)

  // Twilio called https://hooks.example.com; a TLS proxy passes the request on over http.
  const proxied = (await fts(['sign', '--url', `https://hooks.example.com${path}`, ...paramArgs])).stdout.trim()
  const trace = await curl(['-s', '-o', '/dev/null', '--trace-ascii', '-', `${url}${path}`, '-H', 'Host: hooks.example.com', '-H', `X-Twilio-Signature: ${proxied}`,
    ...Object.entries(params).flatMap(([k, v]) => ['--data-urlencode', `${k}=${v}`])])
  t.match(trace.stdout, /\n<= Recv header, \d+ bytes \(0x[0-9a-f]+\)\n0000: HTTP\/1\.1 403 Forbidden\n/)
  const traced = join(scratch, 'curl-trace.txt')
  writeFileSync(traced, trace.stdout)
  const explained = await fts(['explain', '--file', traced])
  t.equal(explained.code, 1)
  t.match(explained.stdout, /What differs:\n {2}scheme {2}the app had http; Twilio signed https\n[\s\S]*Fix: register the plugin with publicUrl: 'https:\/\/hooks\.example\.com'/)
  const wrong = await fts(['explain', '--file', traced], { TWILIO_AUTH_TOKEN: OTHER_TOKEN })
  t.equal(wrong.code, 1)
  t.match(wrong.stdout, /Most likely the token is wrong/, 'with the body in the capture, a wrong token is named')
})

/** A capture of a request the plugin would see, as JSON: `url`, the signature header, `params` or a raw `body`. */
function captureFile (name: string, capture: Record<string, unknown>): string {
  const file = join(scratch, name)
  writeFileSync(file, JSON.stringify(capture))
  return file
}

t.test('explain never uses a token written in the capture: a forged capture does not verify', async (t) => {
  const url = 'https://hooks.example.com/twilio/sms/status'
  const params = { MessageSid: 'SM' + 'a'.repeat(32), MessageStatus: 'delivered' }
  // The forger signs with a token of their own and writes it into the capture.
  const forged = await fts(['sign', '--url', url, ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])], { TWILIO_AUTH_TOKEN: OTHER_TOKEN })
  const file = captureFile('forged.json', { url, headers: { 'X-Twilio-Signature': forged.stdout.trim() }, params, token: OTHER_TOKEN, authToken: OTHER_TOKEN })
  const ran = await fts(['explain', '--file', file])
  t.equal(ran.code, 1, 'TWILIO_AUTH_TOKEN decides')
  t.match(ran.stdout, /^✗ Does not verify as the app received it: no token given signs/)
  t.notMatch(ran.stdout, /✓/)
  t.equal(ran.stderr, 'fastify-twilio-status: the capture\'s token is ignored: explain verifies with --token or TWILIO_AUTH_TOKEN only\n')
  const flag = await fts(['explain', '--file', file, '--token', TOKEN], { TWILIO_AUTH_TOKEN: '' })
  t.equal(flag.code, 1, '--token decides')
  const none = await fts(['explain', '--file', file], { TWILIO_AUTH_TOKEN: '' })
  t.equal(none.code, 2, 'no token of the user\'s: a usage error, the capture\'s is not used')
  t.match(none.stderr, /needs the token\(s\) to try[\s\S]*a token written in the capture is never used/)
  t.notOk([ran, flag, none].some((r) => r.stdout.includes(OTHER_TOKEN) || r.stderr.includes(OTHER_TOKEN)), 'never printed')
})

t.test('explain refuses, as the plugin does, a capture whose Host, X-Forwarded-Host or X-Forwarded-Proto cannot be part of a URL, and says what to fix', async (t) => {
  const { url, calls } = await listen(t)
  const path = '/twilio/sms/status'
  const params = { MessageSid: 'SM' + 'e'.repeat(32), MessageStatus: 'delivered', AccountSid: 'AC' + '0'.repeat(32) }
  const paramArgs = Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])
  // A signature captured for /x/twilio/sms/status, replayed on /twilio/sms/status with the /x moved into the Host.
  const signature = (await fts(['sign', '--url', `http://hooks.example.com/x${path}`, ...paramArgs])).stdout.trim()
  const replay = { method: 'POST' as const, url: path, headers: { host: 'hooks.example.com/x', 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: encodeForm(params) }
  const refused = await send(Number(new URL(url).port), replay)
  t.equal(refused.statusCode, 403, 'the plugin refuses it')
  t.match(refused.body, /FST_TWILIO_INVALID_HOST/)
  t.same(calls, [])
  const raw = join(scratch, 'host-with-path.txt')
  writeFileSync(raw, `POST ${path} HTTP/1.1\r\nHost: hooks.example.com/x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: ${signature}\r\n\r\n${encodeForm(params)}`)
  const explained = await fts(['explain', '--file', raw])
  t.equal(explained.code, 1, 'explain does not say it verifies')
  t.match(explained.stdout, /^✗ Does not verify as the app received it: no signed URL can be built from its Host or X-Forwarded-\* headers\.\n/)
  t.match(explained.stdout, /\n {2}host {2}the app had Host: "hooks\.example\.com\/x"; Twilio signed a host\[:port\] alone\n[\s\S]*FST_TWILIO_INVALID_HOST/)
  t.match(explained.stdout, /\nFix: send Host as host\[:port\] alone, as Twilio does/)
  t.notMatch(explained.stdout, /✓/)
  const withPublicUrl = await fts(['explain', '--file', raw, '--public-url', 'http://hooks.example.com/x'])
  t.equal(withPublicUrl.code, 0, 'with publicUrl the plugin reads no Host')

  // Behind a proxy Fastify trusts, X-Forwarded-Proto could carry a host and path before X-Forwarded-Host.
  const smuggledUrl = `https://hooks.example.com/other?next=x://h2${path}`
  const smuggled = (await fts(['sign', '--url', smuggledUrl, ...paramArgs])).stdout.trim()
  const proxied = join(scratch, 'proto-with-url.txt')
  writeFileSync(proxied, `POST ${path} HTTP/1.1\r\nHost: internal:3000\r\nX-Forwarded-Proto: https://hooks.example.com/other?next=x\r\nX-Forwarded-Host: h2\r\nX-Twilio-Signature: ${smuggled}\r\n\r\n${encodeForm(params)}`)
  const proto = await fts(['explain', '--file', proxied])
  t.equal(proto.code, 1)
  t.match(proto.stdout.replace(/\s+/g, ' '), / scheme the app had X-Forwarded-Proto: "https:\/\/hooks\.example\.com\/other\?next=x"; Twilio signed http or https /)
  t.match(proto.stdout, /\nFix: the proxy must send X-Forwarded-Proto as http or https/)
})

t.test('explain: a capture cannot drive the terminal, with or without --no-color', async (t) => {
  const fake = '\u001b[2J\u001b[H\u001b[32m✓ Verifies\u001b[0m with --token #1\r\n\u009b2J\u0007'
  const raw = join(scratch, 'hostile.txt')
  // The request line cannot hold a space or a line break: the whole of it goes in the body.
  writeFileSync(raw, `POST /twilio/sms/status?x=\u001b[2J\u009b2J\u0007 HTTP/1.1\r\nHost: hooks.example.com\r\nX-Twilio-Signature: ${'A'.repeat(27)}=\r\n\r\nAccountSid=${encodeURIComponent(fake)}&${encodeURIComponent(fake)}=%20v%20`)
  const json = captureFile('hostile.json', { url: `https://hooks.example.com/x?${fake}`, method: 'POST', headers: { 'X-Twilio-Signature': fake }, params: { [fake]: fake } })
  for (const args of [['--file', raw], ['--file', raw, '--no-color'], ['--file', json, '--no-color'], ['--file', json, '--url', `http://h/${fake}`]]) {
    const ran = await fts(['explain', ...args])
    t.equal(ran.code, 1, args.join(' '))
    t.notMatch(ran.stdout + ran.stderr, /(?!\n)\p{Cc}/u, 'no control character but line breaks')
    t.ok(ran.stdout.includes('\\x1b[2J\\x1b[H\\x1b[32m✓ Verifies\\x1b[0m with --token #1\\r\\n\\x9b2J\\x07'), 'the data shown, escaped')
    t.notMatch(ran.stdout, /^✓/m, 'no line starts with a verdict the capture wrote')
  }
})

t.test('explain: a capture of 4,000 parameters is bounded as the plugin bounds it, and explained in linear time', async (t) => {
  const url = 'https://hooks.example.com/twilio/sms/status'
  const params = Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`P${i}`, `v${i}`]))
  const pairs = Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])
  // Signed with another token: nothing verifies, so every change is tried (the slowest case).
  const signed = await fts(['sign', '--url', url, ...pairs], { TWILIO_AUTH_TOKEN: OTHER_TOKEN })
  t.equal(signed.code, 0, signed.stderr)
  // Parameters without the raw body: the case where each value was guessed back untrimmed.
  const file = captureFile('many.json', { url: 'http://hooks.example.com/twilio/sms/status', headers: { 'X-Twilio-Signature': signed.stdout.trim() }, params })
  const bounded = await fts(['explain', '--file', file])
  t.equal(bounded.code, 1)
  t.match(bounded.stdout, /^✗ Does not verify as the app received it: it has more parameters than the app's maxParams\.\n[\s\S]*The request has 4000 parameters, more than maxParams \(256\): the plugin answers it 400\s+FST_TWILIO_TOO_MANY_PARAMS before any signature check/)
  const read = await fts(['explain', '--file', file, '--max-params', '4000'])
  t.equal(read.code, 1)
  t.match(read.stdout.replace(/\s+/g, ' '), /No token given signs it, as received or with any of \d+ changes tried .* with more than 100 parameters values a parser may have trimmed are not guessed back\./)
  const body = JSON.stringify(params)
  const json = captureFile('many-json.json', { url: `${url}?bodySHA256=${sha256(body)}`, headers: { 'X-Twilio-Signature': 'A'.repeat(27) + '=', 'Content-Type': 'application/json' }, body })
  t.match((await fts(['explain', '--file', json])).stdout, /4000 parameters, more than maxParams \(256\)/, 'a JSON body\'s names are bounded too')
})

t.test('replay --dry-run: a queue\'s data cannot drive the terminal', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  // The queue lives in a subtest: it is closed before Redis stops.
  await t.test('a job whose name and failure hold escape sequences', async (t) => {
    const { queue, name } = newQueue(t, redis)
    const fake = '\u001b[2J\u001b[H✓ replayed\u009b1m'
    await queue.add(`sms ${fake}`, {}, { jobId: 'hostile', attempts: 1 })
    const worker = new bullmq.Worker(queue.name, async () => { throw new Error(`down ${fake}`) }, { connection: connectionOf(redis), prefix: queue.opts.prefix })
    await until(async () => (await queue.getJobCounts('failed')).failed === 1)
    await worker.close()
    const ran = await fts(['replay', '--redis', redis.url, '--queue', name, '--dry-run', '--no-color'])
    t.equal(ran.code, 0, ran.stderr)
    t.equal(ran.stdout.split('\n')[0], 'hostile  sms \\x1b[2J\\x1b[H✓ replayed\\x9b1m  attempts 1  down \\x1b[2J\\x1b[H✓ replayed\\x9b1m')
    t.notMatch(ran.stdout, /(?!\n)\p{Cc}/u)
  })
})
