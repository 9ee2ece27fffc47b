/**
 * The plugin context's error handler. Twilio's view of a request must not depend on the host's
 * error handler: 403 forged, 400 malformed, 500 failed, 503 deadline. Fastify's own 4xx (413,
 * 415, bad JSON) keep their status; any other error is a 500 whose message is not echoed.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

export function twilioErrorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode
  const statusCode = status !== undefined && status >= 400 && status < 600 ? status : 500
  const coded = typeof error.code === 'string' && error.code.startsWith('FST_')
  if (statusCode >= 500) request.log.error({ err: error }, error.message)
  else request.log.info({ err: error }, error.message)
  reply.code(statusCode).send(errorBody(statusCode, coded ? error : null))
}

/** The body Twilio gets for an error: a coded one's code and message, else neither. */
export function errorBody (statusCode: number, coded: { readonly code: string, readonly message: string } | null): Record<string, unknown> {
  return { statusCode, code: coded?.code, error: STATUS_CODES[statusCode], message: coded?.message ?? 'Internal Server Error' }
}
