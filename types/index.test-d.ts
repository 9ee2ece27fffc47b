import Fastify, { type FastifyRequest } from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import twilioStatus from '..'
import { fastifyTwilioStatus } from '..'

const app = Fastify()

// The happy path compiles, and each callback's event is narrowed to its status.
app.register(twilioStatus, {
  authToken: 'x',
  sms: {
    onDelivered: async (event, request) => {
      expectType<'delivered'>(event.MessageStatus)
      expectType<string>(event.MessageSid)
      expectType<string | undefined>(event.ErrorCode)
      expectType<string | undefined>(event.MediaUrl0)
      expectType<FastifyRequest>(request)
    },
    onAny: async (event) => {
      expectType<twilioStatus.MessageStatus | (string & {})>(event.MessageStatus)
    }
  },
  call: {
    onNoAnswer: async (event) => {
      expectType<'no-answer'>(event.CallStatus)
    }
  }
})

// Misspelt callback alongside a correct one
expectError(app.register(twilioStatus, {
  authToken: 'x',
  sms: { onDelivered: async () => {}, onDelivred: async () => {} }
}))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivred: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', call: { onNoAnwser: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', call: { onDelivered: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 123 }))
expectError(app.register(twilioStatus, { authToken: [1] }))
expectError(app.register(twilioStatus, { sms: {} }))
expectError(app.register(twilioStatus))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: 'nope' } }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { path: 1 } }))
expectError(app.register(twilioStatus, { authToken: 'x', validate: 'no' }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: async (event) => { event.MessageSid = 'y' } } }))

expectType<typeof twilioStatus>(fastifyTwilioStatus)
expectAssignable<twilioStatus.FastifyTwilioStatusOptions>({ authToken: 'x' })
expectNotAssignable<twilioStatus.FastifyTwilioStatusOptions>({ authToken: 1 })
expectType<'onNoAnswer'>(twilioStatus.callbackName('no-answer'))
