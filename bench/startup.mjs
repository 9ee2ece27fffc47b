// `npm run bench:startup`: what loading the plugin adds to loading Fastify, in time and RSS.
// Each case runs in fresh child processes, interleaved, many times; medians are reported.
// Inside each child, time and RSS are taken after Fastify is loaded and again after the plugin:
// that step is the plugin's cost, free of process-to-process noise. The difference of the
// medians across processes (load time from the first require, whole-process wall time, final
// RSS) is printed beside it. Target (issue 4): the plugin adds ≤ 10 ms and ≤ 3 MB RSS.
//
//   node bench/startup.mjs [--runs 30]
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '30' } } })
const runs = Number(args.runs)

// In the child: `t0` before the first require, `mark()` between Fastify and the plugin (the step's
// own time and RSS growth, measured in the same process), `report` once everything has run.
const head = 'const t0 = performance.now(); let t1 = t0; let r1 = 0; const mark = () => { t1 = performance.now(); r1 = process.memoryUsage().rss };'
const report = 'const t2 = performance.now(); const r2 = process.memoryUsage().rss; ' +
  'console.log(JSON.stringify({ ms: t2 - t0, rss: r2, step: t2 - t1, stepRss: r2 - r1 }))'
const options = "{ authToken: 'x', sms: { onDelivered () {} } }"
const CASES = [
  { id: 'fastify', text: "require('fastify')", code: `${head} require('fastify'); mark(); ${report}` },
  { id: 'plugin', text: "require('fastify'); require('fastify-twilio-status')", code: `${head} require('fastify'); mark(); require('fastify-twilio-status'); ${report}` },
  { id: 'fastify-ready', text: 'fastify(), ready()', code: `${head} const app = require('fastify')(); mark(); app.ready().then(() => { ${report} })` },
  {
    id: 'plugin-ready',
    text: 'fastify(), require + register the plugin, ready()',
    code: `${head} const app = require('fastify')(); mark(); app.register(require('fastify-twilio-status'), ${options}); app.ready().then(() => { ${report} })`
  },
  { id: 'twilio', text: "require('fastify'); require('twilio') (comparison)", code: `${head} require('fastify'); mark(); require('twilio'); ${report}` }
]

function once (c) {
  const started = process.hrtime.bigint()
  const child = spawnSync(process.execPath, ['-e', c.code], { cwd: root, encoding: 'utf8' })
  const wall = Number(process.hrtime.bigint() - started) / 1e6
  if (child.status !== 0) throw new Error(`${c.id}: ${child.stderr}`)
  return { ...JSON.parse(child.stdout), wall }
}

function median (values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

for (const c of CASES) { once(c); c.samples = [] } // warm the file system cache
for (let r = 0; r < runs; r++) {
  for (let k = 0; k < CASES.length; k++) CASES[(k + r) % CASES.length].samples.push(once(CASES[(k + r) % CASES.length]))
}
const m = Object.fromEntries(CASES.map((c) => [c.id, {
  ms: median(c.samples.map((s) => s.ms)),
  rss: median(c.samples.map((s) => s.rss)) / 2 ** 20,
  wall: median(c.samples.map((s) => s.wall)),
  step: median(c.samples.map((s) => s.step)),
  stepRss: median(c.samples.map((s) => s.stepRss)) / 2 ** 20
}]))

console.log(`start-up, median of ${runs} fresh processes per case, Node ${process.version}\n`)
console.log(`${'case'.padEnd(52)} ${'load ms'.padStart(8)} ${'RSS MiB'.padStart(8)} ${'process ms'.padStart(11)}   in-process step after Fastify`)
for (const c of CASES) {
  const x = m[c.id]
  const step = c.id === 'fastify' ? '' : `   ${x.step.toFixed(1)} ms, ${x.stepRss.toFixed(1)} MiB`
  console.log(`${c.text.padEnd(52)} ${x.ms.toFixed(1).padStart(8)} ${x.rss.toFixed(1).padStart(8)} ${x.wall.toFixed(1).padStart(11)}${step}`)
}

// In-process steps decide (one process, so no process-to-process noise); the difference of the
// medians across processes is shown beside them.
const added = (a, b) => ({
  ms: m[a].ms - m[b].ms,
  rss: m[a].rss - m[b].rss,
  wall: m[a].wall - m[b].wall,
  step: m[a].step - (b === 'fastify' ? 0 : m[b].step),
  stepRss: m[a].stepRss - (b === 'fastify' ? 0 : m[b].stepRss)
})
const verdict = (x) => x.step <= 10 && x.stepRss <= 3 ? 'PASS' : 'MISS'
const line = (label, x) => `${verdict(x)}  ${label}: +${x.step.toFixed(1)} ms and +${x.stepRss.toFixed(1)} MiB RSS in process; ` +
  `difference of medians across processes ${x.ms.toFixed(1)} ms (whole process ${x.wall.toFixed(1)} ms), ${x.rss.toFixed(1)} MiB`
console.log('')
console.log(line('require the plugin', added('plugin', 'fastify')))
console.log(line('require + register + ready', added('plugin-ready', 'fastify-ready')))
const twilio = added('twilio', 'fastify')
console.log(`      for comparison, require('twilio') adds ${twilio.step.toFixed(1)} ms and ${twilio.stepRss.toFixed(1)} MiB RSS in process`)
console.log('      target (issue 4): the plugin adds at most 10 ms and 3 MB RSS to loading Fastify')
