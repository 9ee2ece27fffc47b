// `node --import ./bench/baseline-resolve.mjs`: in a bench server started for a baseline variant
// ((b2), (b2d)), `fastify-twilio-status` resolves to the package in BENCH_BASELINE_DIR (a checkout
// of an earlier commit, built) instead of this one, so the same server file loads the earlier code.
// The hook acts only while modules load; requests never reach it.
import { register } from 'node:module'
import { pathToFileURL } from 'node:url'
import { isMainThread } from 'node:worker_threads'

const NAME = 'fastify-twilio-status'

if (isMainThread) {
  const dir = process.env.BENCH_BASELINE_DIR
  if (!dir) throw new Error('bench/baseline-resolve.mjs needs BENCH_BASELINE_DIR, the directory of a built fastify-twilio-status')
  register(import.meta.url, { data: { parentURL: pathToFileURL(`${dir}/package.json`).href } })
}

let baseline

export function initialize (data) {
  baseline = data.parentURL
}

/** The package's own name, resolved as a self-reference from inside the baseline directory. */
export function resolve (specifier, context, next) {
  if (specifier === NAME || specifier.startsWith(`${NAME}/`)) return next(specifier, { ...context, parentURL: baseline })
  return next(specifier, context)
}
