/**
 * `twilioSignature(options)`: the plugin's verification as hooks for a host's own routes (the
 * incoming-call URL, `<Gather>` actions, Studio's HTTP requests). The same checks, coded 403s,
 * warn log, `publicUrl`/`trustProxy` handling, rotation, SharedKeys and token lookup as the
 * status routes; the host's own body parser supplies the parameters.
 */
import { PassThrough, type Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { TwilioSignatureHook, TwilioSignatureOptions } from '../../types/index'
import { InvalidOptionError, RawBodyMissingError } from '../errors'
import { rejectUnknownKeys } from '../option-checks'
import { normalizeVerifyOptions, VERIFY_KEYS } from './options'
import { targetOf } from './public-url'
import type { Params } from './signature'
import { createSignatureCheck } from './check'

function isJson (request: FastifyRequest): boolean {
  const type = request.headers['content-type']
  return typeof type === 'string' && /^application\/json\b/i.test(type)
}

export function twilioSignature (options: TwilioSignatureOptions): TwilioSignatureHook {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('twilioSignature options must be an object')
  rejectUnknownKeys('twilioSignature.', options as unknown as Record<string, unknown>, VERIFY_KEYS)
  const check = createSignatureCheck(normalizeVerifyOptions(options as unknown as Record<string, unknown>, true))
  const raws = new WeakMap<FastifyRequest, string>()

  function keepRawJson (request: FastifyRequest, _reply: FastifyReply, payload: Readable, done: (err: Error | null, body?: Readable) => void): void {
    if (!isJson(request)) return done(null, payload)
    // Fastify resolves every route's limit (its own, the instance's, or 1 MiB).
    const limit = request.routeOptions.bodyLimit as number
    const chunks: Buffer[] = []
    let size = 0
    const tee = new PassThrough() as PassThrough & { receivedEncodedLength?: number }
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length
      tee.receivedEncodedLength = size
      // Past the limit Fastify answers 413; nothing more is kept.
      if (size <= limit) chunks.push(chunk)
    })
    payload.on('end', () => { if (size <= limit) raws.set(request, Buffer.concat(chunks).toString('utf8')) })
    payload.on('error', (err) => tee.destroy(err))
    payload.pipe(tee)
    done(null, tee)
  }

  function verifyTwilioSignature (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const json = isJson(request)
    const body = request.body
    const params = (typeof body === 'object' && body !== null ? body : {}) as Params
    let raw: string | undefined
    if (json) {
      raw = raws.get(request)
      // Without the raw text the body could not be bound to the signature: refuse, do not guess.
      if (raw === undefined) return done(new RawBodyMissingError())
    }
    const checked = check(request, {
      target: targetOf(request),
      signed: request.method === 'GET' || json ? null : params,
      raw,
      accountSid: json || request.method === 'GET' ? (request.query as Record<string, unknown> | undefined)?.AccountSid ?? params.AccountSid : params.AccountSid
    })
    if (checked === undefined || checked instanceof Error) done(checked)
    else checked.then(done, done)
  }

  return Object.assign(verifyTwilioSignature, { preParsing: keepRawJson })
}
