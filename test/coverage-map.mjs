// Coverage is measured on the TypeScript sources in lib/ only: tests that load the built
// package (dist/) to prove the published entry points work must not count it twice.
import { readdirSync } from 'node:fs'

const sources = readdirSync(new URL('../lib/', import.meta.url), { recursive: true })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `lib/${f}`)

export default function coverageMap () {
  return sources
}
