/**
 * The fenced blocks of the README and the docs pages, each with the marker comment on the line
 * above it, if any (`<!-- example: example/app.ts -->`, `<!-- install: queue -->`,
 * `<!-- file: tsconfig.json -->`), and the relative links of a page's prose.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface DocBlock {
  /** The page, relative to the docs root: `README.md`, `docs/queue.md`. */
  readonly page: string
  /** The line of the opening fence, from 1. */
  readonly line: number
  readonly lang: string
  /** The marker's kind (`example`, `excerpt`, `install`, `file`), or null without one. */
  readonly kind: string | null
  /** What the marker names: a file, or an install path. */
  readonly name: string | null
  readonly code: string
}

const MARKER = /^<!-- ([a-z]+): (\S+) -->$/

/** README.md, then docs/*.md in name order. */
export function docPages (root: string): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)]
}

/** A page's fenced blocks, and its prose (its lines, those of the blocks blanked). */
export function parsePage (root: string, page: string): { blocks: DocBlock[], prose: string[] } {
  const lines = readFileSync(join(root, page), 'utf8').split('\n')
  const blocks: DocBlock[] = []
  const prose: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})(\S*)/.exec(lines[i] as string)
    if (open === null) {
      prose.push(lines[i] as string)
      continue
    }
    const [, indent = '', fence = '', lang = ''] = open
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !(lines[j] as string).trimStart().startsWith(fence); j++) body.push((lines[j] as string).slice(indent.length))
    const marker = MARKER.exec((lines[i - 1] ?? '').trim())
    blocks.push({ page, line: i + 1, lang, kind: marker?.[1] ?? null, name: marker?.[2] ?? null, code: body.map((line) => line + '\n').join('') })
    // A blank prose line for each line of the block, so prose[n] is line n + 1 of the page.
    for (let k = i; k <= j && k < lines.length; k++) prose.push('')
    i = j
  }
  return { blocks, prose }
}

/** Every block of every page. */
export function allBlocks (root: string): DocBlock[] {
  return docPages(root).flatMap((page) => parsePage(root, page).blocks)
}

/** The targets of a page's relative links and images (inline code left out); absolute URLs and bare anchors are not relative. */
export function relativeLinks (root: string, page: string): string[] {
  const found: string[] = []
  for (const raw of parsePage(root, page).prose) {
    const line = raw.replace(/`[^`]*`/g, '``')
    for (const [, target] of line.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\)/g)) found.push(target as string)
    for (const [, target] of line.matchAll(/<img\s[^>]*src="([^"]+)"/g)) found.push(target as string)
    const reference = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line)
    if (reference !== null) found.push(reference[1] as string)
  }
  return found.filter((target) => target !== '' && !target.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(target))
}
