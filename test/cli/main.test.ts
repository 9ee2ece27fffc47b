/** The command line's entry: commands, help, usage errors and their exit statuses. */
import t from 'tap'
import { CliError, EXIT, EXIT_MEANINGS } from '../../lib/cli/args'
import { main, processIo, usage } from '../../lib/cli/main'
import { cli, fakeIo } from './helpers'

t.test('help: the usage on standard output, exit 0', async (t) => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const ran = await cli(argv)
    t.same(ran, { code: 0, stdout: usage(), stderr: '' }, argv.join(' '))
  }
  t.match(usage(), /trigger <channel> <status>[\s\S]*sign --url URL[\s\S]*explain \[--file FILE\][\s\S]*replay \[--dry-run\][\s\S]*never\nprinted[\s\S]*0 success, 1 an answer other than 2xx/)
  for (const command of ['trigger', 'sign', 'explain', 'replay']) {
    const ran = await cli(['help', command])
    t.equal(ran.code, 0)
    t.match(ran.stdout, new RegExp(`^Usage: fastify-twilio-status ${command}`))
  }
})

t.test('help lists every exit status, from the table the commands exit with (70 included)', async (t) => {
  const text = usage().replace(/\n(?=\S)/g, ' ').replace(/\s+/g, ' ')
  for (const [name, code] of Object.entries(EXIT)) {
    t.ok(text.includes(`${code} ${EXIT_MEANINGS[name as keyof typeof EXIT]}`), `${code} (${name})`)
  }
  t.match(text, /Exit status: 0 success, 1 an answer other than 2xx, .*, 70 an internal error \(a bug in the command line: please report it\)\. Run/)
  t.ok(usage().split('\n').every((line) => line.length <= 96), 'wrapped')
})

t.test('an error message quoting input cannot drive the terminal', async (t) => {
  const io = { ...fakeIo(), readFile: async (): Promise<string> => { throw new CliError('cannot read \u001b[2J\r\u009b: nope') } }
  t.equal(await main(['explain', '--file', 'x'], io), 2)
  t.equal(io.err[0], 'fastify-twilio-status: cannot read \\x1b[2J\\r\\x9b: nope\n')
  const bug = { ...fakeIo(), readFile: async (): Promise<string> => { throw new TypeError('bad \u001b[2J') } }
  t.equal(await main(['explain', '--file', 'x'], bug), 70)
  t.match(bug.err.join(''), /^fastify-twilio-status: unexpected error: TypeError: bad \\x1b\[2J\n {4}at /, 'a stack keeps its lines')
  const method = await cli(['explain', '-f', 'c.json'], { files: { 'c.json': JSON.stringify({ url: 'https://h/x', method: 'P\u001b[2J' }) } })
  t.equal(method.stderr.split('\n')[0], 'fastify-twilio-status: the capture\'s method is P\\x1b[2J: Twilio sends GET and POST')
})

t.test('usage errors: one line and a pointer to --help on standard error, exit 2', async (t) => {
  const none = await cli([])
  t.same(none, { code: 2, stdout: '', stderr: usage() })
  const unknown = await cli(['deploy'])
  t.same(unknown, { code: 2, stdout: '', stderr: 'fastify-twilio-status: unknown command "deploy": the commands are trigger, sign, explain and replay\nRun "fastify-twilio-status --help" for usage.\n' })
  const topic = await cli(['help', 'deploy'])
  t.match(topic, { code: 2, stderr: /no help for "deploy"/ })
  const proto = await cli(['constructor'])
  t.equal(proto.code, 2, 'a name on Object.prototype is no command')
})

t.test('main re-exports processIo for the bin', async (t) => {
  t.equal(typeof processIo().readFile, 'function')
})

t.test('a bug is reported with its stack, exit 70; main never rejects', async (t) => {
  const io = { ...fakeIo(), readFile: async () => { throw new TypeError('boom') } }
  const code = await main(['explain', '--file', 'x'], io)
  t.equal(code, 70)
  t.match(io.err.join(''), /^fastify-twilio-status: unexpected error: TypeError: boom\n {4}at /)
  const odd = { ...fakeIo(), readFile: async () => { throw 'a string' } } // eslint-disable-line no-throw-literal
  t.equal(await main(['explain', '--file', 'x'], odd), 70)
  t.match(odd.err.join(''), /unexpected error: a string/)
})
