/** The bin wrapper, in-process: it runs main() on the process's arguments and its I/O, and sets the exit code. */
import t from 'tap'

t.test('runs main with process.argv and processIo(), and sets process.exitCode', async (t) => {
  const argv = process.argv
  process.argv = [argv[0], 'fastify-twilio-status', 'sign', '--help']
  t.teardown(() => {
    process.argv = argv
    process.exitCode = undefined
  })
  const seen: unknown[] = []
  const io = { stdout () {} }
  t.mockRequire('../../lib/cli/index', {
    '../../lib/cli/main': {
      main: async (args: string[], given: unknown) => { seen.push(args, given); return 5 },
      processIo: () => io
    }
  })
  await new Promise((resolve) => setImmediate(resolve))
  t.same(seen, [['sign', '--help'], io])
  t.equal(process.exitCode, 5)
})
