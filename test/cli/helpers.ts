/**
 * The command line in-process: `main()` with an `Io` that records what is written, so that a
 * test sees exactly what a user would, and coverage counts the TypeScript sources.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import twilioStatus from '../../lib/index'
import { main } from '../../lib/cli/main'
import type { Io } from '../../lib/cli/io'
import type { FastifyTwilioStatusOptions } from '../../types/index'
import { captureLogs, TOKEN } from '../helpers/sign'

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

export interface IoOptions {
  env?: Record<string, string | undefined>
  color?: boolean
  files?: Record<string, string>
}

/** An Io that keeps its output; `files` are what `readFile` reads (`-` is standard input). */
export function fakeIo (options: IoOptions = {}): Io & { out: string[], err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    stdout: (text) => { out.push(text) },
    stderr: (text) => { err.push(text) },
    env: options.env ?? { TWILIO_AUTH_TOKEN: TOKEN },
    color: options.color ?? false,
    readFile: async (path) => {
      const text = options.files?.[path]
      if (text === undefined) throw new Error(`no such file in the test: ${path}`)
      return text
    }
  }
}

/** Run the command line with `argv`. */
export async function cli (argv: string[], options: IoOptions = {}): Promise<Ran> {
  const io = fakeIo(options)
  const code = await main(argv, io)
  return { code, stdout: io.out.join(''), stderr: io.err.join('') }
}

export interface App {
  app: FastifyInstance
  url: string
  calls: string[]
  logs: ReturnType<typeof captureLogs>
}

/**
 * The plugin on 127.0.0.1, on a free port: every callback records `channel status sid`, and the
 * warn log is kept.
 */
export async function listen (t: { teardown (fn: () => unknown): void }, options: Partial<FastifyTwilioStatusOptions> = {}): Promise<App> {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  const calls: string[] = []
  const record = (channel: string) => (event: Record<string, unknown>) => {
    calls.push(`${channel} ${String(event.MessageStatus ?? event.CallStatus ?? event.StatusCallbackEvent ?? event.type)}`)
  }
  await app.register(twilioStatus, {
    authToken: TOKEN,
    sms: { onAny: record('sms') },
    call: { onAny: record('call') },
    conference: { onAny: record('conference') },
    eventStreams: { onAny: record('eventStreams') },
    ...options
  } as FastifyTwilioStatusOptions)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}`, calls, logs }
}
