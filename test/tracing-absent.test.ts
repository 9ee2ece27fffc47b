/**
 * Without `@opentelemetry/api` installed (hidden from `require` here): the plugin and the
 * `twilioSignature` hook load and work as before, nothing is wrapped, and the package is never
 * loaded.
 */
import Module from 'node:module'
import t from 'tap'
import Fastify from 'fastify'
import twilioStatus from '../lib/index'
import { otelApi, signatureRejected, tracedChannels, tracedCheck, tracedDelivery } from '../lib/tracing'
import { twilioSignature } from '../lib/http/hook'
import { formPost, OTHER_TOKEN, smsParams, TOKEN } from './helpers/sign'

const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string }
const resolve = loader._resolveFilename
let asked = 0
loader._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    asked++
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' })
  }
  return resolve.call(this, request, ...rest)
}
t.teardown(() => { loader._resolveFilename = resolve })

const loaded = (): string[] => Object.keys(require.cache).filter((file) => file.includes('@opentelemetry'))

t.test('the plugin works without @opentelemetry/api, which is looked for once', async (t) => {
  signatureRejected('mismatch', new Error('before any lookup')) // nothing to record on, nothing thrown
  const calls: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, { authToken: TOKEN, sms: { onDelivered: () => { calls.push('onDelivered') }, onAny: () => { calls.push('onAny') } } })
  app.post('/voice', { preHandler: twilioSignature({ authToken: TOKEN }) }, async () => 'ok')
  await app.ready()

  t.equal((await app.inject(formPost(smsParams('delivered')))).statusCode, 200)
  t.equal((await app.inject(formPost(smsParams('delivered'), { token: OTHER_TOKEN }))).statusCode, 403)
  t.same(calls, ['onDelivered', 'onAny'])
  t.equal(asked, 1, 'one require attempt for the plugin and the hook together')
  t.equal(otelApi(), null)
  t.same(loaded(), [], 'no OpenTelemetry module loaded')
})

t.test('without it, the tracing functions hand back what they are given', async (t) => {
  const channels = [{ channel: 'sms' as const, path: '/sms', byStatus: new Map(), onAny: undefined, onStale: undefined, known: new Set<string>() }]
  t.equal(tracedChannels(channels), channels)
  const deliver = async (): Promise<string> => ''
  t.equal(tracedDelivery(deliver), deliver)
  const check = (): undefined => undefined
  t.equal(tracedCheck(check), check)
  t.doesNotThrow(() => { signatureRejected('mismatch', new Error('forged')) })
})
