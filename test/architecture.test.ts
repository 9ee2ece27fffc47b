/**
 * docs/architecture.md is the map of lib/ and types/: its layers table names every file's layer,
 * top to bottom. This test reads the map from the page and the imports from the sources, so the
 * two cannot drift: every file sits in exactly one layer, no file imports a layer above its own
 * (or a sibling of the same layer), and no file imports itself back through a circle. An upward
 * import the page lists under "Known exceptions" is tolerated until it is gone, and a listed one
 * that no longer occurs must be struck off.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import t from 'tap'
import ts from 'typescript'

const root = join(__dirname, '..')
const page = readFileSync(join(root, 'docs/architecture.md'), 'utf8')

/** The rows of the table under a `## heading`, each row's cells trimmed. */
function tableUnder (heading: string): string[][] {
  const start = page.indexOf(`\n## ${heading}\n`)
  if (start === -1) throw new Error(`docs/architecture.md has no "## ${heading}" section`)
  const end = page.indexOf('\n## ', start + 1)
  const lines = page.slice(start, end === -1 ? undefined : end).split('\n').filter((line) => line.startsWith('|'))
  return lines.slice(2).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
}

const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])

/** Layers top to bottom, each a list of entries: a folder (`lib/http/`) or a file (`lib/plugin.ts`). */
const layers = tableUnder('Layers').map((cells) => ({ name: cells[0], entries: ticked(cells[1]) }))

/** Known upward imports, `from` → `to`, each a file path. */
const exceptions = tableUnder('Known exceptions').map((cells) => `${ticked(cells[0])[0]} -> ${ticked(cells[1])[0]}`)

function sources (dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test-d.ts'))
    .map((name) => posix.join(dir, name.split('\\').join('/')))
    .sort()
}

const files = [...sources('lib'), ...sources('types')]

/** Relative imports that name no source file. */
const unresolved: string[] = []

/** Every relative import, re-export, `import()` type and `require()` of a file, resolved to a source. */
function importsOf (file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true)
  const out: string[] = []
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith('.')) continue
    const base = posix.normalize(posix.join(posix.dirname(file), fileName))
    const found = [`${base}.ts`, `${base}/index.ts`].find((candidate) => files.includes(candidate))
    if (found === undefined) unresolved.push(`${file} -> ${fileName}`)
    else out.push(found)
  }
  return out
}

const graph = new Map(files.map((file) => [file, importsOf(file)]))

/** The layer index and the entry a file belongs to. */
function placeOf (file: string): { layer: number, entry: string } | undefined {
  for (const [layer, { entries }] of layers.entries()) {
    for (const entry of entries) {
      if (entry.endsWith('/') ? file.startsWith(entry) : file === entry) return { layer, entry }
    }
  }
  return undefined
}

t.test('every relative import names a source file', async (t) => {
  t.same(unresolved, [], 'imports the graph cannot follow')
})

t.test('the map names real paths, each once', async (t) => {
  t.ok(layers.length > 5, 'the layers table is read from the page')
  const all = layers.flatMap(({ entries }) => entries)
  t.same(all.filter((entry, i) => all.indexOf(entry) !== i), [], 'no path is in two layers')
  for (const entry of all) t.ok(existsSync(join(root, entry)), `${entry} exists`)
})

t.test('every source file of lib/ and types/ is in exactly one layer of the map', async (t) => {
  const unplaced = files.filter((file) => placeOf(file) === undefined)
  t.same(unplaced, [], 'files the map does not place')
  for (const file of files) {
    const holders = layers.flatMap(({ entries }) => entries).filter((entry) => entry.endsWith('/') ? file.startsWith(entry) : file === entry)
    if (holders.length > 1) t.fail(`${file} is named by ${holders.join(' and ')}`)
  }
})

/** Imports that go up the map, or sideways to another entry of the same layer. */
function upwardImports (): string[] {
  const found: string[] = []
  for (const [file, imports] of graph) {
    const from = placeOf(file)
    if (from === undefined) continue
    for (const target of imports) {
      const to = placeOf(target)
      if (to === undefined || to.entry === from.entry) continue
      if (to.layer <= from.layer) found.push(`${file} -> ${target}`)
    }
  }
  return found.sort()
}

t.test('no file imports a layer above its own, beyond the known exceptions', async (t) => {
  const upward = upwardImports()
  t.same(upward.filter((edge) => !exceptions.includes(edge)), [], 'upward imports docs/architecture.md does not list')
  t.same(exceptions.filter((edge) => !upward.includes(edge)), [], 'listed exceptions that no longer occur: strike them off the page')
})

/** Strongly connected components of the file graph with more than one file, or a file importing itself. */
function circles (): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  let next = 0
  function visit (file: string): void {
    index.set(file, next)
    low.set(file, next++)
    stack.push(file)
    onStack.add(file)
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target)
        low.set(file, Math.min(low.get(file)!, low.get(target)!))
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== file)
    if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort())
  }
  for (const file of files) if (!index.has(file)) visit(file)
  return found
}

t.test('no file imports itself back through a circle', async (t) => {
  t.same(circles(), [], 'import circles between files')
})

t.test('the checks catch what they are for', async (t) => {
  const saved = new Map(graph)
  try {
    graph.set('lib/errors.ts', [...graph.get('lib/errors.ts')!, 'lib/plugin.ts'])
    t.ok(upwardImports().includes('lib/errors.ts -> lib/plugin.ts'), 'an import up the map is found')
    graph.set('lib/plugin.ts', [...graph.get('lib/plugin.ts')!, 'lib/plugin.ts'])
    t.ok(circles().some((component) => component.includes('lib/plugin.ts')), 'a circle is found')
  } finally {
    for (const [file, imports] of saved) graph.set(file, imports)
  }
})
