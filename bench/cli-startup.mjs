// `npm run bench:cli`: what the command line adds to starting Node, in wall time. Each case runs
// in fresh processes, interleaved, many times; medians (and p90) are reported, and the CLI's
// extra start-up is its median minus that of `node -e ''`. Target (CLI issue): under 100 ms.
//
//   node bench/cli-startup.mjs [--runs 30]
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist', 'lib', 'cli', 'index.js')
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '30' } } })
const runs = Number(args.runs)
const token = '5ec7e7a0c0ffee5ec7e7a0c0ffee0001'

const CASES = [
  { id: 'node', text: "node -e ''", argv: ['-e', ''] },
  { id: 'help', text: 'fastify-twilio-status --help', argv: [bin, '--help'] },
  { id: 'sign', text: 'fastify-twilio-status sign --url … --param …', argv: [bin, 'sign', '--url', 'https://hooks.example.com/twilio/sms/status', '--param', 'MessageSid=SM1', '--param', 'MessageStatus=delivered'] },
  { id: 'explain', text: 'fastify-twilio-status explain (a wrong token: every variant)', argv: [bin, 'explain', '--url', 'http://127.0.0.1:3000/twilio/sms/status', '--signature', 'cgq3WNNSfpg2fEyOBJDNfqXsm6A=', '--param', 'MessageSid=SM1'] }
]

function once (c) {
  const started = process.hrtime.bigint()
  const child = spawnSync(process.execPath, c.argv, { cwd: root, encoding: 'utf8', env: { ...process.env, TWILIO_AUTH_TOKEN: token, NODE_OPTIONS: '' } })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (child.status !== 0 && !(c.id === 'explain' && child.status === 1)) throw new Error(`${c.id}: exit ${child.status}: ${child.stderr}`)
  return ms
}

const quantile = (values, q) => {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

for (const c of CASES) { once(c); c.samples = [] } // warm the file system cache
for (let r = 0; r < runs; r++) {
  for (let k = 0; k < CASES.length; k++) {
    const c = CASES[(k + r) % CASES.length]
    c.samples.push(once(c))
  }
}

const base = quantile(CASES[0].samples, 0.5)
console.log(`process wall time, ${runs} fresh processes per case, interleaved, Node ${process.version}\n`)
console.log(`${'case'.padEnd(62)} ${'median'.padStart(8)} ${'p90'.padStart(8)} ${'min'.padStart(8)} ${'added'.padStart(8)}`)
for (const c of CASES) {
  const median = quantile(c.samples, 0.5)
  const added = c.id === 'node' ? '' : `+${(median - base).toFixed(1)}`
  console.log(`${c.text.padEnd(62)} ${median.toFixed(1).padStart(8)} ${quantile(c.samples, 0.9).toFixed(1).padStart(8)} ${Math.min(...c.samples).toFixed(1).padStart(8)} ${added.padStart(8)}`)
}
const help = quantile(CASES[1].samples, 0.5) - base
console.log(`\n${help < 100 ? 'PASS' : 'MISS'}  the CLI adds ${help.toFixed(1)} ms to starting Node (--help, median; target < 100 ms)`)
process.exitCode = help < 100 ? 0 : 1
