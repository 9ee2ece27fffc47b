/**
 * Type tests (tsd) for reconciliation: the option, the handle on the host, and the second
 * argument of message and call callbacks, which a reconciled status fills with its source.
 */
import Fastify, { type FastifyRequest } from 'fastify'
import { expectError, expectType } from 'tsd'
import twilioStatus, { createReconcileStats, type ReconciledSource, type ReconcileStats, type StatusSource, type WaitResult } from '..'

const app = Fastify()
const credentials = { accountSid: 'AC00000000000000000000000000000001', apiKey: 'SK00000000000000000000000000000001', apiSecret: 'secret' }

app.register(twilioStatus, {
  authToken: 'x',
  sms: {
    onDelivered: (event, source) => {
      expectType<StatusSource>(source)
      if ('reconciled' in source) {
        expectType<true>(source.reconciled)
        expectType<'Message' | 'Call'>(source.resource)
      } else {
        expectType<FastifyRequest>(source)
      }
      source.log.info({ sid: event.MessageSid }, 'delivered')
    }
  },
  call: { onCompleted: (_event, source) => { expectType<FastifyRequest | ReconciledSource>(source) } },
  // Other families are never reconciled: their callbacks still get the request.
  recording: { onCompleted: (_event, request) => { expectType<FastifyRequest>(request) } },
  reconcile: { credentials, after: 60_000, trackSeen: true, stats: createReconcileStats() }
})

// A host's twilio client instead of credentials.
declare const client: { messages: (sid: string) => { fetch: () => Promise<object> }, calls: (sid: string) => { fetch: () => Promise<object> } }
app.register(twilioStatus, { authToken: 'x', sms: {}, reconcile: { client } })

expectError(app.register(twilioStatus, { authToken: 'x', sms: {}, reconcile: { credentials, after: '5m' } }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: {}, reconcile: { credentials: { accountSid: 'AC1' } } }))

// The handle on the host.
expectType<Promise<WaitResult>>(app.twilioStatus.waitFor('SM1', ['delivered', 'undelivered'], { timeout: 30_000 }))
expectType<Promise<void>>(app.twilioStatus.track('CA1', { channel: 'call' }))
expectType<ReconcileStats>(app.twilioStatus.stats)
expectError(app.twilioStatus.track('CA1', { channel: 'recording' }))
