/**
 * The public types as a consumer of the built package sees them: every type of types/ and every
 * type the README and the docs pages name is exported, and the compiler's message for a refused
 * option or a misspelt field names what is wrong. One TypeScript program over the build and a
 * consumer file that exists only in memory (inside the package, so that the package name resolves
 * to itself).
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { CALL_STATUSES } from '../lib/families/calls'

const root = resolve(__dirname, '..')
const built = ['lib/index.d.ts', 'lib/testing/index.d.ts', 'types/index.d.ts'].map((name) => join(root, 'dist', name))
const consumer = join(root, 'test', 'types-public-consumer.ts')

/** Each line below `// expect: <text>` must get an error whose message contains `<text>`; no other line may get one. */
const CONSUMER = `
import Fastify from 'fastify'
import twilioStatus, { twilioSignature } from 'fastify-twilio-status'
import { signedInject } from 'fastify-twilio-status/testing'
const app = Fastify()
// expect: Property 'authToken' is missing
app.register(twilioStatus, { sms: {} })
// expect: Property 'sms' is missing
app.register(twilioStatus, { authToken: 'x' })
// expect: Type 'undefined' is not assignable
app.register(twilioStatus, { authToken: process.env.TWILIO_AUTH_TOKEN, sms: {} })
// expect: 'onDelivred' does not exist in type 'SmsOptions'. Did you mean to write 'onDelivered'?
app.register(twilioStatus, { authToken: 'x', sms: { onDelivred: () => {} } })
// expect: Property 'ErrorCod' does not exist on type 'StatusMessageEvent<"delivered">'. Did you mean 'ErrorCode'?
app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: (event) => event.ErrorCod } })
// expect: Property 'authToken' is missing
twilioSignature({ publicUrl: 'https://hooks.example.com' })
// expect: Property 'authToken' is missing
app.register(twilioStatus, { validate: process.env.CI === 'true', sms: {} })
// expect: Type 'undefined' is not assignable to type 'AuthToken'
twilioSignature({ authToken: process.env.TWILIO_AUTH_TOKEN })
// expect: Type '"delivered"' is not assignable to type '"
signedInject({ authToken: 'x', channel: 'call', status: 'delivered' })
app.register(twilioStatus, { sharedKeys: { webhooks_sharedkey_1: 's' }, sms: {} })
app.register(twilioStatus, { validate: false, call: {} })
twilioSignature({ sharedKeys: { webhooks_sharedkey_1: 's' } })
`

let program: ts.Program

t.before(async () => {
  // `npm test` builds first; a lone run of this file builds only when nothing is built.
  if (!built.every((file) => existsSync(file))) await promisify(execFile)('npm', ['run', 'build'], { cwd: root })
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true
  }
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile, getSourceFile } = host
  host.fileExists = (file) => file === consumer || fileExists.call(host, file)
  host.readFile = (file) => file === consumer ? CONSUMER : readFile.call(host, file)
  host.getSourceFile = (file, language, ...rest) => file === consumer
    ? ts.createSourceFile(file, CONSUMER, language)
    : getSourceFile.call(host, file, language, ...rest)
  program = ts.createProgram([consumer, ...built], options, host)
})

/** The names a module exports that are types (interfaces, type aliases, classes), `export =` namespaces included. */
function exportedTypes (file: string): Set<string> {
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(file) as ts.SourceFile) as ts.Symbol
  // A re-export (`export type { X } from './x'`) is an alias: its target says whether it is a type.
  const target = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(s) : s
  return new Set(checker.getExportsOfModule(module).filter((s) => (target(s).flags & ts.SymbolFlags.Type) !== 0).map((s) => s.name))
}

/** Every interface, type alias and class declared in the build (exported or not). */
function declaredTypes (): Set<string> {
  const names = new Set<string>()
  const visit = (node: ts.Node): void => {
    if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isClassDeclaration(node)) && node.name !== undefined) {
      names.add(node.name.text)
    }
    ts.forEachChild(node, visit)
  }
  for (const file of program.getSourceFiles()) {
    if (file.fileName.startsWith(join(root, 'dist') + '/')) visit(file)
  }
  return names
}

t.test('every type of types/ is exported by the package entry', async (t) => {
  const entry = exportedTypes(built[0])
  const types = [...exportedTypes(built[2])]
  t.ok(types.length > 50, `types/ exports its types (${types.length})`)
  t.same(types.filter((name) => !entry.has(name)), [], 'none is missing from the entry')
})

t.test("the entry's TypeScript values are exactly its runtime exports", async (t) => {
  // `export =` makes TypeScript list the values a second time, beside the runtime literal that
  // Node's ESM loader reads (lib/index.ts): a value in one list only fails here.
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(built[0]) as ts.SourceFile) as ts.Symbol
  const target = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(s) : s
  const typed = checker.getExportsOfModule(module).filter((s) => (target(s).flags & ts.SymbolFlags.Value) !== 0).map((s) => s.name)
  const runtime = Object.keys(require(join(root, 'dist', 'lib', 'index.js')) as object)
  t.ok(runtime.length > 10, `the entry has its named exports (${runtime.length})`)
  t.same(typed.sort(), runtime.sort())
})

t.test('every type the README and the docs pages name is exported by the package or its testing kit', async (t) => {
  const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]
  const text = pages.map((page) => readFileSync(join(root, page), 'utf8')).join('\n')
  const named = new Set<string>()
  for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
    const imported = /^import type \{([^}]*)\} from 'fastify-twilio-status(?:\/testing)?'$/.exec(span)
    if (imported !== null) for (const name of imported[1].split(',')) named.add(name.trim())
    const type = /^([A-Z][A-Za-z0-9]*)(?:<.*>)?$/.exec(span)
    if (type !== null) named.add(type[1])
  }
  // Twilio's parameter names look like type names too: only names this package declares count.
  const declared = declaredTypes()
  const ours = [...named].filter((name) => declared.has(name))
  t.ok(ours.includes('CloudEvent') && ours.includes('MessageEvent') && ours.includes('SignedInjectOptions'), 'the pages name types of both entries')
  const exported = new Set([...exportedTypes(built[0]), ...exportedTypes(built[1])])
  t.same(ours.filter((name) => !exported.has(name)), [], 'none is missing from the exports')
})

t.test("the compiler's message names what is wrong", async (t) => {
  const file = program.getSourceFile(consumer) as ts.SourceFile
  const errors = ts.getPreEmitDiagnostics(program, file).map((d) => ({
    line: file.getLineAndCharacterOfPosition(d.start ?? 0).line,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n')
  }))
  const lines = CONSUMER.split('\n')
  const expected = lines.flatMap((text, line) => text.startsWith('// expect: ') ? [{ line: line + 1, text: text.slice(11) }] : [])
  t.ok(expected.length >= 9, 'the consumer has its mistakes')
  for (const { line, text } of expected) {
    const found = errors.filter((e) => e.line === line)
    t.ok(found.some((e) => e.message.includes(text)), `${lines[line]}: ${text}`, { found: found.map((e) => e.message) })
  }
  t.same(errors.filter((e) => !expected.some((x) => x.line === e.line)), [], 'the valid lines compile')
  // The compiler prints a union in no fixed order: the refused status's message names every call status.
  const refused = errors.find((e) => e.message.includes('Type \'"delivered"\''))?.message ?? ''
  t.same(CALL_STATUSES.filter((status) => !refused.includes(`"${status}"`)), [], 'the call statuses are listed')
})
