// Loads lib/'s TypeScript once through tsx (`node --import=tsx scripts/warm-tsx.mjs`), before
// tap starts: tsx caches each file's transform by its path and content, so in a new checkout the
// test processes would otherwise each transform lib/ again until the cache fills (docs/contributing.md,
// "Test time"). The command-line entry is left out: importing it runs the command.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const lib = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib')
const files = readdirSync(lib, { recursive: true })
  .filter((file) => file.endsWith('.ts') && file !== join('cli', 'index.ts'))
for (const file of files) await import(pathToFileURL(join(lib, file)).href)
