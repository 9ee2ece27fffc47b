/**
 * A Fastify app with the plugin registered (closed when the test ends), and callbacks that
 * record what they were called with.
 */
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import twilioStatus from '../../lib/index'
import type { FastifyTwilioStatusOptions, StatusSource } from '../../types/index'

export interface Recorded {
  name: string
  event: Record<string, unknown>
  request: FastifyRequest
}

/** A callback for any family: message and call callbacks may get a reconciled status's source. */
export type Recorder = (event: Record<string, unknown>, request: StatusSource) => void

/** `record(name)` is a callback that records its calls under `name`. */
export function recorder (): { calls: Recorded[], record: (name: string) => Recorder, names: () => string[] } {
  const calls: Recorded[] = []
  return {
    calls,
    // These tests deliver real requests only: the source is the request.
    record: (name) => (event, request) => { calls.push({ name, event, request: request as FastifyRequest }) },
    names: () => calls.map((call) => call.name)
  }
}

interface Teardown {
  teardown (fn: () => unknown): void
}

/**
 * Register the plugin (with register options such as `prefix`) and wait until ready; `host`
 * adds the host app's own hooks and routes first.
 */
export async function build (
  t: Teardown, options: FastifyTwilioStatusOptions & { prefix?: string }, server: FastifyServerOptions = {},
  host?: (app: FastifyInstance) => void
): Promise<FastifyInstance> {
  const app = Fastify(server)
  t.teardown(() => app.close())
  host?.(app)
  await app.register(twilioStatus, options)
  await app.ready()
  return app
}

/** Status text of a coded error reply. */
export function codeOf (body: string): unknown {
  return (JSON.parse(body) as { code?: unknown }).code
}

/** An empty TwiML document: Twilio does nothing more. */
export const EMPTY_TWIML = /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Response\s*(\/>|><\/Response>)$/
