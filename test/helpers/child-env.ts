/**
 * The environment of a child process a test starts: tsc, npm, the built package (dist/), a proof.
 * tap hooks every spawn so the child loads its process-info module and, unless the environment
 * says `_TAPJS_PROCESSINFO_COVERAGE_=0`, runs under V8's precise coverage; `NODE_OPTIONS: ''`
 * alone does not stop it (the hook puts its loader back). Coverage counts lib/*.ts only
 * (test/coverage-map.mjs), which no child loads, so in a child it only slows the run (tsc by
 * about 40%) and leaves a coverage file for tap to read.
 */
export function childEnv (extra: NodeJS.ProcessEnv = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, NODE_OPTIONS: '', _TAPJS_PROCESSINFO_COVERAGE_: '0', ...extra }
}
