// How every plugin server (bench/servers/plugin*.mjs) loads the package and its options, the same
// way whichever build it measures: the package in BENCH_PLUGIN_DIR (bench/run.mjs gives each server
// a directory holding a build: a copy of this clone's, or an earlier commit's for --baseline), else
// this clone's; and BENCH_PLUGIN_OPTIONS (JSON, or the path of a module whose default export is an
// object) merged over the server's own plugin options, top-level keys replaced.
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const NAME = 'fastify-twilio-status'
const here = dirname(fileURLToPath(import.meta.url))

/** The package's module namespace (`default` is the plugin), resolved as a self-reference from its directory. */
export async function loadPlugin () {
  const dir = resolve(process.env.BENCH_PLUGIN_DIR || join(here, '..'))
  const file = createRequire(join(dir, 'package.json')).resolve(NAME)
  return import(pathToFileURL(file).href)
}

/** The server's plugin options with BENCH_PLUGIN_OPTIONS merged over them. */
export async function pluginOptions (own) {
  const extra = process.env.BENCH_PLUGIN_OPTIONS
  if (!extra) return own
  if (extra.trimStart().startsWith('{')) return { ...own, ...JSON.parse(extra) }
  const module = await import(pathToFileURL(resolve(extra)).href)
  return { ...own, ...module.default }
}
