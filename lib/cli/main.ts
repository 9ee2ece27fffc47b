/**
 * The command line, as a function of its arguments and its I/O (`./io`), so that tests run it
 * in-process as a user runs the built `bin` (`./index`). Exit statuses: `EXIT` in `./args`.
 */
import { CliError, EXIT, EXIT_MEANINGS } from './args'
import { explainHelp, runExplain } from './explain'
import { type Io, printable, wrapText } from './io'
import { replayHelp, runReplay } from './replay'
import { runSign, signHelp } from './sign'
import { runTrigger, triggerHelp } from './trigger'

export { processIo } from './io'
export type { Io } from './io'

const COMMANDS: Readonly<Record<string, { run: (argv: readonly string[], io: Io) => Promise<number>, help: () => string }>> = {
  trigger: { run: runTrigger, help: triggerHelp },
  sign: { run: runSign, help: signHelp },
  explain: { run: runExplain, help: explainHelp },
  replay: { run: runReplay, help: replayHelp }
}

/** `trigger, sign, explain and replay`, for messages naming them all. */
const COMMAND_LIST = `${Object.keys(COMMANDS).slice(0, -1).join(', ')} and ${Object.keys(COMMANDS).at(-1) as string}`

export function usage (): string {
  return `Usage: fastify-twilio-status <command> [options]

Commands:
  trigger <channel> <status>     send a running app a realistic, signed Twilio callback and
                                 print its answer (--lifecycle: a whole sequence)
  sign --url URL [--param K=V]…  print the X-Twilio-Signature for a URL and parameters
  explain [--file FILE]          say whether a captured request verifies, and what differs
                                 from what Twilio signed when it does not
  replay [--dry-run]             put a queue's dead letters (BullMQ's failed jobs) back to wait,
                                 or list them (needs bullmq and ioredis)
  help [command]                 this text, or a command's

The token comes from --token or the TWILIO_AUTH_TOKEN environment variable; it is never
printed. No twilio package is needed.

${wrapText(`Exit status: ${Object.entries(EXIT_MEANINGS).map(([name, means]) => `${EXIT[name as keyof typeof EXIT]} ${means}`).join(', ')}.`, 0, 92)}

Run "fastify-twilio-status <command> --help" for a command's options.
`
}

/** Run the command line; resolves with the exit status (never rejects). */
export async function main (argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name === undefined) {
      io.stderr(usage())
      return EXIT.usage
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined
      if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) throw new CliError(`no help for ${JSON.stringify(topic)}: the commands are ${COMMAND_LIST}`)
      io.stdout(topic === undefined ? usage() : COMMANDS[topic].help())
      return EXIT.ok
    }
    if (!Object.hasOwn(COMMANDS, name)) throw new CliError(`unknown command ${JSON.stringify(name)}: the commands are ${COMMAND_LIST}`)
    return await COMMANDS[name].run(rest, io)
  } catch (err) {
    if (!(err instanceof CliError)) {
      // A bug, not a mistake of the user's: the stack helps a report.
      io.stderr(`fastify-twilio-status: unexpected error: ${printable((err as Error).stack ?? String(err), true)}\n`)
      return EXIT.software
    }
    // A message may quote the user's input or a capture's: no control character reaches the terminal.
    io.stderr(`fastify-twilio-status: ${printable(err.message)}\n`)
    if (err.exitCode === EXIT.usage) io.stderr('Run "fastify-twilio-status --help" for usage.\n')
    return err.exitCode
  }
}
