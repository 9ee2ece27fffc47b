// `node bench/paired.mjs --baseline <built checkout> | --with-options <json or module>`: the plugin's
// own path compared between two builds (or two option sets of this build) in one process, through
// Fastify's inject (no sockets), so what is measured is the plugin and Fastify, and other work on a
// shared machine slows both sides alike. Three apps: (X) this build, the other build or options,
// and (aX) this build again, the A/A control. Each round runs a batch of requests on each, in
// an order that goes through all six permutations every six rounds; a ratio is the median of the
// per-round ratios of requests per CPU second (this process's), with min–max and a 95% bootstrap
// interval of the median. Scenarios: (2) fresh Sids, (2d) one event resent, (6a) forged.
//
//   node bench/paired.mjs --baseline <dir> [--rounds 60] [--batch 2000] [--only 2,2d,6a]
//
// A built checkout of an earlier commit: `git worktree add --detach <dir> <rev>`, link this
// clone's node_modules into it, and run `npx tsc -p tsconfig.build.json` there.
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { AUTH_TOKEN, createCallbacks, TARGET, TWIML } from './lib-callback.mjs'
import { median, PERMUTATIONS, spread } from './lib-stats.mjs'

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    'with-options': { type: 'string' },
    rounds: { type: 'string', default: '60' },
    batch: { type: 'string', default: '2000' },
    only: { type: 'string' }
  }
})
if ((args.baseline === undefined) === (args['with-options'] === undefined)) throw new Error('give --baseline <built checkout> or --with-options <json or module>')
const rounds = Number(args.rounds)
const batch = Number(args.batch)
if (!Number.isInteger(rounds) || rounds < 6 || !Number.isInteger(batch) || batch < 1) throw new Error('--rounds takes an integer ≥ 6, --batch a positive integer')

const root = fileURLToPath(new URL('..', import.meta.url))
/** The package built in `dir`, resolved as a self-reference from there. */
function load (dir) {
  const require = createRequire(join(resolve(dir), 'package.json'))
  return require(require.resolve('fastify-twilio-status'))
}
async function extraOptions () {
  const value = args['with-options']
  if (value === undefined) return {}
  if (value.trimStart().startsWith('{')) return JSON.parse(value)
  return (await import(pathToFileURL(resolve(value)).href)).default
}

/** A copy of this clone's build in a directory of its own, so that each app has its own modules (and V8 feedback). */
const copies = []
function copy () {
  const dir = mkdtempSync(join(tmpdir(), 'bench-paired-'))
  copies.push(dir)
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(dir, 'package.json'))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}
process.once('exit', () => { for (const dir of copies) rmSync(dir, { recursive: true, force: true }) })

// This build, the other (an earlier build, or this one again for other options), this build again.
const plugins = [load(root), load(args.baseline ?? copy()), load(copy())]
const extra = await extraOptions()
const otherName = args.baseline === undefined ? `with ${args['with-options']}` : `at baseline ${args.baseline}`

async function app (plugin, options) {
  const fastify = Fastify({ logger: false })
  await fastify.register(plugin, { authToken: AUTH_TOKEN, sms: { onDelivered () {} }, ...options })
  await fastify.ready()
  return fastify
}

const SCENARIOS = [
  { id: '2', name: 'fresh Sids', next: createCallbacks(), status: 200 },
  { id: '2d', name: 'one event resent', next: (() => { const one = createCallbacks()(); return () => one })(), status: 200 },
  { id: '6a', name: 'forged', next: createCallbacks({ forged: true }), status: 403 }
].filter((s) => args.only === undefined || args.only.split(',').includes(s.id))

/** `batch` requests one after another: CPU seconds of this process, and wall seconds. */
async function run (fastify, scenario, n) {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const { body, headers } = scenario.next()
    const reply = await fastify.inject({ method: 'POST', url: TARGET, headers, payload: body })
    if (reply.statusCode !== scenario.status || (scenario.status === 200 && reply.body !== TWIML)) {
      throw new Error(`(${scenario.id}): ${reply.statusCode} ${reply.body.slice(0, 120)}`)
    }
  }
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / 1e6, wall: Number(process.hrtime.bigint() - start) / 1e9 }
}

/** A spread as printed: median [95% interval] (min–max). */
function shown (values) {
  const s = spread(values)
  return `${s.median.toFixed(3)} [${s.low.toFixed(3)}–${s.high.toFixed(3)}] (${s.min.toFixed(3)}–${s.max.toFixed(3)})`
}

console.log(`paired, in one process: this build and ${otherName}, ${rounds} rounds of ${batch} requests per app`)
for (const scenario of SCENARIOS) {
  const apps = [await app(plugins[0], {}), await app(plugins[1], args.baseline === undefined ? extra : {}), await app(plugins[2], {})]
  for (const fastify of apps) await run(fastify, scenario, batch) // warm-up
  const perCpu = apps.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (const i of PERMUTATIONS[round % 6]) perCpu[i].push(batch / (await run(apps[i], scenario, batch)).cpu)
  }
  for (const fastify of apps) await fastify.close()
  // --baseline: now / baseline and now / now again; --with-options: with / without and now again / now.
  const ratio = perCpu[0].map((a, r) => args.baseline === undefined ? perCpu[1][r] / a : a / perCpu[1][r])
  const control = perCpu[0].map((a, r) => args.baseline === undefined ? perCpu[2][r] / a : a / perCpu[2][r])
  console.log(`(${scenario.id}) ${scenario.name}: ${median(perCpu[0]).toFixed(0)} requests per CPU second; ` +
    `${args.baseline === undefined ? 'with / without' : 'now / baseline'} ${shown(ratio)}; A/A ${shown(control)}  median [95% interval] (min–max)`)
}
