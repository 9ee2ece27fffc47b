/**
 * Type tests (tsd): the option types accept what `register` and `twilioSignature()` accept at
 * run time and reject what they reject, each callback's event is narrowed to its status and
 * names only Twilio's documented fields, and every public type is exported.
 * `npm run build && npx tsd`.
 */
import Fastify, { type FastifyRequest, type FastifyTypeProvider } from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import MessagingResponse = require('twilio/lib/twiml/MessagingResponse')
// The three import forms: default, named, and the namespace that carries the types.
import twilioStatus from '..'
import {
  fastifyTwilioStatus, twilioSignature, type CallEvent, type CloudEvent, type EventStreamsData, type EventStreamsOptions,
  type FastifyTwilioStatusOptions, type InboundMessageData, type MessageEvent, type MessageStatus, type MessageStatusData,
  type TestEventData, type TwilioParams, type TwilioSignatureOptions, type VoiceWebhookData
} from '..'
import TwilioStatus = require('..')
import { AMD_FIELDS } from '../lib/families/amd'
import { CALL_FIELDS } from '../lib/families/calls'
import { CONFERENCE_FIELDS } from '../lib/families/conferences'
import { MESSAGE_FIELDS } from '../lib/families/messages'
import { RECORDING_FIELDS } from '../lib/families/recordings'
import { REALTIME_TRANSCRIPTION_FIELDS, TRANSCRIPTION_FIELDS } from '../lib/families/transcriptions'
import type { AmdEvent, ConferenceEvent, RealtimeTranscriptionEvent, ReconciledSource, RecordingEvent, RecordingStatus, TranscriptionEvent } from '../types/index'

const app = Fastify()

// ---- The example compiles, and each callback's event is narrowed to its status.

app.register(twilioStatus, {
  authToken: 'x',
  sms: {
    onDelivered: async (event, request) => {
      expectType<'delivered'>(event.MessageStatus)
      expectType<string>(event.MessageSid)
      // Not required by the plugin, so not promised by the type.
      expectType<string | undefined>(event.To)
      expectType<string | undefined>(event.From)
      expectType<string | undefined>(event.AccountSid)
      // A misspelt field does not compile; a parameter no type names is read through TwilioParams,
      // where a name may be repeated: every value, in order.
      expectError(event.ErrorCod)
      expectError(event.SomethingNew)
      const params: TwilioParams = event
      expectType<string | readonly string[] | undefined>(params.SomethingNew)
      expectType<string | undefined>(event.ErrorCode)
      expectType<string | undefined>(event.MediaUrl0)
      expectType<string | undefined>(event.MediaContentType3)
      // The request, or the source of a status reconciliation read from Twilio's REST API.
      expectType<FastifyRequest | ReconciledSource>(request)
    },
    onUndelivered: async (event) => {
      expectType<'undelivered'>(event.MessageStatus)
      expectType<string | undefined>(event.ErrorCode)
    },
    onPartiallyDelivered: (event) => {
      expectType<'partially_delivered'>(event.MessageStatus)
    },
    onReceived: async (event) => {
      expectType<'received'>(event.MessageStatus)
      expectType<string | undefined>(event.Body)
      return '<Response><Message>Thanks!</Message></Response>'
    },
    onAny: async (event, request) => {
      // Unknown statuses reach onAny: the known union plus any string.
      expectType<MessageStatus | (string & {})>(event.MessageStatus)
      expectAssignable<typeof event.MessageStatus>('some-new-status')
      expectType<FastifyRequest | ReconciledSource>(request)
    }
  },
  call: {
    onRinging: async (event) => {
      expectType<'ringing'>(event.CallStatus)
    },
    onNoAnswer: async (event) => {
      expectType<'no-answer'>(event.CallStatus)
      expectType<string>(event.CallSid)
    },
    onInProgress: (event) => {
      expectType<'in-progress'>(event.CallStatus)
    },
    onCompleted: async (event) => {
      expectType<'completed'>(event.CallStatus)
      expectType<string | undefined>(event.CallDuration)
      expectError(event.CallDuraton)
      expectAssignable<TwilioParams>(event)
    },
    onAny: (event) => {
      expectType<TwilioStatus.CallStatus | (string & {})>(event.CallStatus)
    }
  }
})

// Rotation, `publicUrl`, `validate`, Fastify's own register options, one channel only.
app.register(twilioStatus, { authToken: ['current', 'previous'], publicUrl: 'https://hooks.example.com', call: {} })
app.register(twilioStatus, { authToken: 'x', validate: false, prefix: '/hooks', sms: { path: '/sms' } })

// ---- How requests are verified: an authToken, or sharedKeys alone, or validation off; the
// same for twilioSignature(), which has no validate option.

const sharedKeys = { webhooks_sharedkey_1: 'secret' }
const lookup = async (accountSid: string | undefined) => accountSid === 'AC1' ? ['a', 'b'] : null
app.register(twilioStatus, { sharedKeys, sms: {} })
app.register(twilioStatus, { sharedKeys, requireSharedKey: true, sms: {} })
app.register(twilioStatus, { authToken: 'x', sharedKeys, requireSharedKey: true, call: {} })
app.register(twilioStatus, { authToken: 'x', sharedKeys, requireSharedKey: false, call: {} })
app.register(twilioStatus, { authToken: lookup, sms: {} })
app.register(twilioStatus, { validate: false, sms: {} })
app.register(twilioStatus, { validate: false, sharedKeys, requireSharedKey: true, sms: {} })
// With validation off a token may be absent: one given (even undefined) is still checked when present.
app.register(twilioStatus, { validate: false, authToken: process.env.TWILIO_AUTH_TOKEN, sms: {} })
app.register(twilioStatus, { authToken: process.env.TWILIO_AUTH_TOKEN, sharedKeys, sms: {} })
expectType<TwilioSignatureOptions>({} as Parameters<typeof twilioSignature>[0])
twilioSignature({ authToken: 'x' })
twilioSignature({ authToken: ['current', 'previous'], publicUrl: 'https://hooks.example.com' })
twilioSignature({ authToken: lookup })
twilioSignature({ sharedKeys })
twilioSignature({ sharedKeys, requireSharedKey: true })
twilioSignature({ authToken: 'x', sharedKeys, requireSharedKey: true })
expectError(twilioSignature({}))
expectError(twilioSignature({ publicUrl: 'https://hooks.example.com' }))
expectError(twilioSignature({ authToken: process.env.TWILIO_AUTH_TOKEN }))
// A computed requireSharedKey is a boolean, which may be false: it compiles with a token alone
// (true without sharedKeys is refused at register time).
const requireSharedKey = process.env.REQUIRE_SHARED_KEY === '1'
twilioSignature({ authToken: 'x', requireSharedKey })
expectError(twilioSignature({ requireSharedKey: true }))
expectError(twilioSignature({ authToken: 'x', validate: false }))
expectError(twilioSignature({ validate: false }))

// ---- What the plugin serves: any one family, or webhooks, is enough.

app.register(twilioStatus, { authToken: 'x', recording: {} })
app.register(twilioStatus, { authToken: 'x', transcription: {} })
app.register(twilioStatus, { authToken: 'x', realtimeTranscription: {} })
app.register(twilioStatus, { authToken: 'x', amd: {} })
app.register(twilioStatus, { authToken: 'x', conference: {} })
app.register(twilioStatus, { authToken: 'x', eventStreams: {} })
app.register(twilioStatus, { authToken: 'x', webhooks: [{ url: '/voice/incoming', handler: () => '<Response/>' }] })
app.register(twilioStatus, { sharedKeys, webhooks: [{ url: '/voice/menu', method: ['GET', 'POST'], handler: async (request) => request.body.Digits }] })
// Every family the runtime knows is one of them.
type ServedKeys<U> = U extends unknown ? keyof U : never
expectType<ServedKeys<TwilioStatus.PluginServes>>(null as unknown as TwilioStatus.Channel | 'webhooks')

// The plugin takes no part in the host's server or type provider: http2 and typed apps register it alike.
Fastify({ http2: true }).register(twilioStatus, { authToken: 'x', sms: { onSent: (event) => { expectType<'sent'>(event.MessageStatus) } } })
interface TypedProvider extends FastifyTypeProvider { validator: this['schema'] extends string ? string : unknown }
Fastify().withTypeProvider<TypedProvider>().register(twilioStatus, { authToken: 'x', sms: {} })

// Options written out first keep the narrowing, and `satisfies` gives them excess property checks.
const options = {
  authToken: 'x',
  sms: { onSent: (event) => { expectType<'sent'>(event.MessageStatus) } }
} satisfies FastifyTwilioStatusOptions
app.register(twilioStatus, options)
expectError({ authToken: 'x', sms: { onSent: () => {}, onSnet: () => {} } } satisfies FastifyTwilioStatusOptions)

// Events are readonly: callbacks see what Twilio signed.
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: (event) => { event.MessageSid = 'y' } } }))
expectError(app.register(twilioStatus, { authToken: 'x', call: { onBusy: (event) => { event.CallStatus = 'busy' } } }))
declare const someEvent: MessageEvent<'failed'>
expectError(someEvent.ErrorCode = '30003')
expectError(someEvent.AnyParamTwilioAddsLater = 'x')
const someParams: TwilioParams = someEvent
expectError(someParams.AnyParamTwilioAddsLater = 'x')

// ---- What callbacks may return: void, TwiML as a string or an object with toString (such as
// twilio's MessagingResponse), or a promise of those. onAny's result is ignored, whatever it is.

const twiml = new MessagingResponse()
twiml.message('Thanks!')
class Reply { toString (): string { return '<Response/>' } }
const seen: MessageEvent[] = []
app.register(twilioStatus, {
  authToken: 'x',
  sms: {
    onQueued: () => {},
    onSending: () => undefined,
    onSent: () => '<Response/>',
    onDelivered: () => twiml,
    onReceived: () => new Reply(),
    onAccepted: async () => {},
    onScheduled: async () => '<Response/>',
    onRead: async () => twiml,
    onCanceled: async () => new Reply(),
    onAny: (event) => seen.push(event)
  },
  call: {
    onInitiated: async () => new Reply(),
    onAny: async () => 'OK'
  }
})

// ---- Compile errors for the options `register` rejects at run time.

// A misspelt callback, on its own or next to a correct one.
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivred: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: async () => {}, onDelivred: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', call: { onNoAnwser: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', call: { onRinging: async () => {}, onRingin: async () => {} } }))
// A message status's callback under call, and a call status's under sms.
expectError(app.register(twilioStatus, { authToken: 'x', call: { onDelivered: async () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onNoAnswer: async () => {} } }))
// A token that is not a string (or list of strings), or none at all.
expectError(app.register(twilioStatus, { authToken: 123, sms: {} }))
expectError(app.register(twilioStatus, { authToken: [1], sms: {} }))
expectError(app.register(twilioStatus, { authToken: ['x', 2], sms: {} }))
expectError(app.register(twilioStatus, { authToken: process.env.TWILIO_AUTH_TOKEN, sms: {} }))
expectError(app.register(twilioStatus, { sms: {} }))
expectError(app.register(twilioStatus, { validate: true, sms: {} }))
expectError(app.register(twilioStatus, {}))
expectError(app.register(twilioStatus))
// Options kept in a variable: a boolean there is widened, and still compiles beside a token;
// validation off must be the literal false (write it inline, `as const`, or `satisfies`).
const kept = { authToken: 'x', requireSharedKey: false, validate: process.env.NODE_ENV !== 'test', sms: {} }
app.register(twilioStatus, kept)
app.register(twilioStatus, { authToken: 'x', requireSharedKey, sms: {} })
const off = { validate: false, sms: {} } satisfies FastifyTwilioStatusOptions
app.register(twilioStatus, off)
expectError(app.register(twilioStatus, { validate: process.env.NODE_ENV === 'test', sms: {} }))
expectError(app.register(twilioStatus, { authToken: 'x', sharedKeys: 'secret', sms: {} }))
expectError(app.register(twilioStatus, { sharedKeys: { webhooks_sharedkey_1: 1 }, sms: {} }))
// Nothing to serve: no family and no webhooks.
expectError(app.register(twilioStatus, { authToken: 'x' }))
expectError(app.register(twilioStatus, { authToken: 'x', prefix: '/hooks', publicUrl: 'https://hooks.example.com' }))
expectError(app.register(twilioStatus, { validate: false }))
expectNotAssignable<FastifyTwilioStatusOptions>({ authToken: 'x' })
expectNotAssignable<FastifyTwilioStatusOptions>({ authToken: 'x', sms: undefined })
// A callback that is not a function, or whose parameters do not fit.
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: 'nope' } }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onAny: true } }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: { onDelivered: (event: CallEvent) => event.CallSid } }))
// Wrong option types.
expectError(app.register(twilioStatus, { authToken: 'x', sms: { path: 1 } }))
expectError(app.register(twilioStatus, { authToken: 'x', call: { path: 1 } }))
expectError(app.register(twilioStatus, { authToken: 'x', validate: 'no', sms: {} }))
expectError(app.register(twilioStatus, { authToken: 'x', publicUrl: new URL('https://hooks.example.com'), sms: {} }))
expectError(app.register(twilioStatus, { authToken: 'x', bodyLimit: '64kb', sms: {} }))
expectError(app.register(twilioStatus, { authToken: 'x', sms: 'yes' }))
expectError(app.register(twilioStatus, { authToken: 'x', unknownOption: true, sms: {} }))

// ---- Exports: the default and named imports are the same plugin, and the namespace carries
// the types and helpers.

expectType<typeof twilioStatus>(fastifyTwilioStatus)
expectType<typeof twilioStatus>(TwilioStatus.default)
expectType<typeof twilioStatus>(TwilioStatus.fastifyTwilioStatus)
app.register(fastifyTwilioStatus, { authToken: 'x', sms: { onFailed: (event) => { expectType<'failed'>(event.MessageStatus) } } })
app.register(TwilioStatus, { authToken: 'x', call: { onBusy: (event) => { expectType<'busy'>(event.CallStatus) } } })
expectError(app.register(fastifyTwilioStatus, { authToken: 'x', sms: { onDelivred: async () => {} } }))

declare const delivered: TwilioStatus.MessageEvent<'delivered'>
expectType<'delivered'>(delivered.MessageStatus)
expectType<MessageEvent<'delivered'>>(delivered)
expectAssignable<TwilioStatus.FastifyTwilioStatusOptions>({ authToken: 'x', sms: {} })
expectNotAssignable<TwilioStatus.FastifyTwilioStatusOptions>({ authToken: 1, sms: {} })
expectType<FastifyTwilioStatusOptions>({} as TwilioStatus.FastifyTwilioStatusOptions)
expectType<TwilioStatus.StatusCallback<TwilioStatus.CallEvent<'no-answer'>, TwilioStatus.StatusSource> | undefined>(
  ({} as TwilioStatus.CallOptions).onNoAnswer)

// Status lists are readonly tuples; every type derives from them.
expectType<readonly ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed',
  'read', 'canceled', 'partially_delivered', 'receiving', 'received']>(twilioStatus.MESSAGE_STATUSES)
expectType<readonly ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer',
  'canceled']>(twilioStatus.CALL_STATUSES)
expectError(twilioStatus.MESSAGE_STATUSES.push('new'))
expectType<TwilioStatus.MessageStatus>({} as typeof twilioStatus.MESSAGE_STATUSES[number])
expectType<'onNoAnswer'>(twilioStatus.callbackName('no-answer'))
expectType<'onPartiallyDelivered'>(twilioStatus.callbackName('partially_delivered'))
expectType<'onDelivered'>(TwilioStatus.callbackName('delivered'))
expectType<'onAccepted' | 'onScheduled' | 'onQueued' | 'onSending' | 'onSent' | 'onDelivered' | 'onUndelivered' |
  'onFailed' | 'onRead' | 'onCanceled' | 'onPartiallyDelivered' | 'onReceiving' | 'onReceived'>(
  {} as keyof TwilioStatus.MessageStatusCallbacks)
expectType<'onQueued' | 'onInitiated' | 'onRinging' | 'onInProgress' | 'onCompleted' | 'onBusy' | 'onFailed' |
  'onNoAnswer' | 'onCanceled'>({} as keyof TwilioStatus.CallStatusCallbacks)

// The default import carries the namespace too: its aliases and types resolve through it.
expectType<typeof twilioStatus>(twilioStatus.default)
expectType<typeof twilioStatus>(twilioStatus.fastifyTwilioStatus)
declare const viaDefault: twilioStatus.MessageEvent<'delivered'>
expectType<'delivered'>(viaDefault.MessageStatus)
expectAssignable<twilioStatus.FastifyTwilioStatusOptions>({ authToken: 'x', call: {} })

// Reliability options: stores, stats, ordering and the stale callback are typed too.
{
  const app = Fastify()
  const stats = twilioStatus.createStats()
  expectType<number>(stats.storeErrors)
  app.register(twilioStatus, {
    authToken: 'x',
    idempotency: { ttl: 60_000, pendingTtl: 30_000 },
    ordering: true,
    store: new twilioStatus.MemoryStore({ maxEntries: 10 }),
    deadline: 5000,
    stats,
    call: { onStale: (event) => { expectType<string>(event.CallSid) } }
  })
  expectAssignable<twilioStatus.StatusStore>(new twilioStatus.RedisStore({ client: { eval: async () => null, evalsha: async () => null } }))
  expectError(app.register(twilioStatus, { authToken: 'x', sms: {}, idempotency: 'yes' }))
  expectError(app.register(twilioStatus, { authToken: 'x', sms: {}, store: {} }))
  expectError(app.register(twilioStatus, { authToken: 'x', sms: { onStael: () => {} } }))
  expectType<string>(twilioStatus.statusCallbackUrl('https://h/x', { retryCount: 2, retryPolicy: ['5xx'] }))
  expectError(twilioStatus.statusCallbackUrl('https://h/x', { retryPolicy: ['sometimes'] }))
}

// ---- The runtime list of single-valued fields (a repeat is refused) is exactly what the event
// types declare as one string, so the types cannot drift from what the plugin enforces.

type DeclaredFields<T> = keyof { [K in keyof T as string extends K ? never : K extends `Media${string}` ? never : K]: T[K] }
expectType<DeclaredFields<MessageEvent>>(null as unknown as typeof MESSAGE_FIELDS[number])
expectType<DeclaredFields<CallEvent>>(null as unknown as typeof CALL_FIELDS[number])

// ---- Every family's callback gets its event narrowed to its status, and its fields match the runtime list.

app.register(twilioStatus, {
  authToken: 'x',
  recording: {
    onCompleted: (event) => {
      expectType<'completed'>(event.RecordingStatus)
      expectType<string>(event.RecordingSid)
      expectType<string | undefined>(event.RecordingUrl)
      expectError(event.RecordingURL)
    },
    onAbsent: (event) => { expectType<'absent'>(event.RecordingStatus) },
    onAny: (event) => { expectType<RecordingStatus | (string & {})>(event.RecordingStatus) }
  },
  transcription: {
    onCompleted: (event) => {
      expectType<'completed'>(event.TranscriptionStatus)
      expectType<string | undefined>(event.TranscriptionText)
      expectError(event.TranscriptionTxt)
    }
  },
  realtimeTranscription: {
    onTranscriptionContent: (event) => {
      expectType<'transcription-content'>(event.TranscriptionEvent)
      expectType<string | undefined>(event.TranscriptionData)
      expectType<string | undefined>(event.SequenceId)
      expectError(event.SequenceID)
    }
  },
  amd: {
    onMachineEndBeep: (event) => {
      expectType<'machine_end_beep'>(event.AnsweredBy)
      expectType<string | undefined>(event.MachineDetectionDuration)
      expectError(event.MachineDetectionDurration)
    },
    onHuman: (event) => { expectType<'human'>(event.AnsweredBy) }
  },
  conference: {
    onParticipantJoin: (event) => {
      expectType<'participant-join'>(event.StatusCallbackEvent)
      expectType<string>(event.ConferenceSid)
      expectType<string | undefined>(event.CallSid)
      expectError(event.ConferenceSId)
      // Every event is a TwilioParams, through which a parameter no type names is read.
      const params: TwilioParams = event
      expectType<string | readonly string[] | undefined>(params.ParticipantRole)
    },
    onConferenceEnd: (event) => { expectType<'conference-end'>(event.StatusCallbackEvent) }
  }
})
expectError(app.register(twilioStatus, { authToken: 'x', amd: { onMachine: () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', conference: { onParticipantJoin: (event: ConferenceEvent<'participant-leave'>) => { expectType<string>(event.ConferenceSid) } } }))

expectType<DeclaredFields<RecordingEvent>>(null as unknown as typeof RECORDING_FIELDS[number])
expectType<DeclaredFields<TranscriptionEvent>>(null as unknown as typeof TRANSCRIPTION_FIELDS[number])
expectType<DeclaredFields<RealtimeTranscriptionEvent>>(null as unknown as typeof REALTIME_TRANSCRIPTION_FIELDS[number])
expectType<DeclaredFields<AmdEvent>>(null as unknown as typeof AMD_FIELDS[number])
expectType<DeclaredFields<ConferenceEvent>>(null as unknown as typeof CONFERENCE_FIELDS[number])

// ---- Event Streams: each callback gets its CloudEvent with the data of its type.
app.register(twilioStatus, {
  authToken: 'x',
  eventStreams: {
    onMessageDelivered: (event) => {
      expectType<'com.twilio.messaging.message.delivered'>(event.type)
      expectType<string>(event.data.messageSid)
      expectType<number | undefined>(event.data.errorCode)
    },
    onCallCompleted: (event) => { expectType<Readonly<Record<string, string>> | undefined>(event.data.request?.parameters) },
    onTestEvent: (event) => { expectType<string>(event.data.test_id) },
    onAny: (event) => { expectType<string>(event.id) }
  }
})
expectError(app.register(twilioStatus, { authToken: 'x', eventStreams: { onMessageDelivred: () => {} } }))
expectError(app.register(twilioStatus, { authToken: 'x', eventStreams: { onMessageDelivered: (event) => event.data.messageSdi } }))

// The Event Streams types are exported: the sink's options, the CloudEvent and each type's data.
declare const streamOptions: EventStreamsOptions
expectType<TwilioStatus.AnyCallback<CloudEvent> | undefined>(streamOptions.onAny)
declare const deliveredEvent: CloudEvent<'com.twilio.messaging.message.delivered'>
expectType<MessageStatusData>(deliveredEvent.data)
expectType<InboundMessageData>(null as unknown as EventStreamsData<'com.twilio.messaging.inbound-message.received'>)
expectType<VoiceWebhookData>(null as unknown as EventStreamsData<'com.twilio.voice.status-callback.call.completed'>)
expectType<TestEventData>(null as unknown as EventStreamsData<'com.twilio.eventstreams.test-event'>)
// A field no data type names is read through a plain record.
const deliveredData: Readonly<Record<string, unknown>> = deliveredEvent.data
expectType<unknown>(deliveredData.channelToAddress)
expectError(deliveredEvent.data.channelToAddress)

// ---- WhatsApp and RCS (docs/twilio-facts.md §2.5): an inbound message and a status callback
// carry different fields, and `From` is any address, a business-scoped user id included.

app.register(twilioStatus, {
  authToken: 'x',
  sms: {
    onReceived: (event) => {
      expectType<'received'>(event.MessageStatus)
      expectType<string | undefined>(event.From)
      expectType<string | undefined>(event.ProfileName)
      expectType<string | undefined>(event.ButtonPayload)
      expectType<string | undefined>(event.ReferralCtwaClid)
      expectType<string | undefined>(event.ChannelMetadata)
      expectType<string | undefined>(event.MessageType)
      expectType<string | undefined>(event.ExternalUserId)
      expectType<undefined>(event.EventType)
      expectType<undefined>(event.ErrorCode)
    },
    onRead: (event) => {
      expectType<'read'>(event.MessageStatus)
      expectType<string | undefined>(event.EventType)
      expectType<string | undefined>(event.ChannelPrefix)
      expectType<string | undefined>(event.ChannelInstallSid)
      expectType<undefined>(event.ProfileName)
      expectType<undefined>(event.ButtonPayload)
      expectType<string | undefined>(event.Body)
    },
    onAny: (event) => {
      // Every field of either kind can be read; a status the plugin does not know carries both.
      expectType<string | undefined>(event.Body)
      expectType<string | undefined>(event.EventType)
      expectError(event.ProfileNmae)
    }
  }
})
declare const inboundOrRead: MessageEvent<'received' | 'read'>
if (inboundOrRead.MessageStatus === 'read') expectType<undefined>(inboundOrRead.ButtonText)
else expectType<string | undefined>(inboundOrRead.ButtonText)
expectAssignable<MessageEvent<'received'>>({ MessageStatus: 'received', MessageSid: 'SM1', From: 'whatsapp:US.13491208655302741918' })
expectAssignable<MessageEvent<'read'>>({ MessageStatus: 'read', MessageSid: 'SM1', To: 'whatsapp:US.ENT.11815799212886844830', EventType: 'READ' })
expectNotAssignable<MessageEvent<'delivered'>>({ MessageStatus: 'delivered', MessageSid: 'SM1', ProfileName: 'Sheena' })
expectNotAssignable<MessageEvent<'received'>>({ MessageStatus: 'received', MessageSid: 'SM1', ErrorCode: '30003' })

// ---- auth: Twilio's HTTP Basic, Digest and Bearer credentials, besides or instead of a signature.

app.register(twilioStatus, { auth: { basic: [{ username: 'twilio', password: 'p' }] }, sms: {} })
app.register(twilioStatus, {
  authToken: 'x',
  auth: {
    basic: { users: [{ username: 'twilio', password: 'new' }, { username: 'twilio', password: 'old' }], realm: 'hooks' },
    digest: { users: [{ username: 'twilio', password: 'p' }], algorithms: ['SHA-256', 'MD5'], nonceTtl: 60_000 },
    bearer: { tokens: ['t'], verify: async (token, request) => { expectType<string>(token); expectType<FastifyRequest>(request); return true } }
  },
  call: {}
})
twilioSignature({ auth: { bearer: ['t1', 't2'] } })
twilioSignature({ authToken: 'x', auth: { digest: [{ username: 'twilio', password: 'p' }] } })
expectError(twilioSignature({ auth: { digest: { users: [{ username: 'twilio', password: 'p' }], algorithms: ['SHA-512'] } } }))
expectError(twilioSignature({ auth: { basic: [{ username: 'twilio' }] } }))
expectError(twilioSignature({ auth: { bearer: { verify: (token: number) => token > 0 } } }))
