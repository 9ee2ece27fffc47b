/**
 * Type tests (tsd) for the testing kit, `fastify-twilio-status/testing`, imported by its public
 * name: what `signTwilioRequest` returns per request kind, and that `signedInject` and
 * `signedRouteInject` give options `app.inject()` accepts.
 */
import Fastify from 'fastify'
import { expectAssignable, expectError, expectType } from 'tsd'
import {
  sampleCallEvent, sampleMessageEvent, sampleSid, signedEventStreamsInject, signedInject, signedRouteInject, signTwilioRequest,
  type NewStatus, type SignedInjectOptions, type SignedJsonRequest, type SignedRouteOptions, type SigningOptions, type TwilioFormParams,
  type TwilioInjectOptions
} from 'fastify-twilio-status/testing'

const app = Fastify()
const authToken = 'x'
const url = 'https://hooks.example.com/twilio/sms/status'

expectType<string>(signTwilioRequest({ authToken, url, params: { MessageStatus: 'sent', MediaUrl0: ['a', 'b'] } }))
expectType<string>(signTwilioRequest({ authToken, url }))
expectType<string>(signTwilioRequest({ authToken, url: url + '?MessageStatus=sent', method: 'GET' }))
expectType<SignedJsonRequest>(signTwilioRequest({ authToken, url, json: { MessageStatus: 'sent' } }))
expectError(signTwilioRequest({ authToken, url, method: 'GET', params: { a: 'b' } }))
expectError(signTwilioRequest({ authToken: 1, url }))
expectError(signTwilioRequest({ authToken, url, params: { a: 1 } }))
expectError(signTwilioRequest({ authToken, url, method: 'PUT' }))

const injected = signedInject({ authToken, channel: 'sms', status: 'delivered' })
expectType<TwilioInjectOptions>(injected)
expectAssignable<PromiseLike<unknown>>(app.inject(injected))
expectAssignable<PromiseLike<unknown>>(app.inject(signedInject({ authToken, channel: 'call', status: 'no-answer', sid: sampleSid('CA', 1), method: 'GET' })))
signedInject({ authToken, channel: 'sms', status: 'some-new-status', json: true, prefix: '/hooks', protocol: 'https', params: { ErrorCode: undefined } })
expectError(signedInject({ authToken, channel: 'fax', status: 'sent' }))
expectError(signedInject({ authToken, channel: 'eventStreams', status: 'com.twilio.messaging.message.sent' }))
// The status is the channel's own, or one no family documents (a status Twilio adds later):
// another family's status does not compile.
expectError(signedInject({ authToken, channel: 'call', status: 'delivered' }))
expectError(signedInject({ authToken, channel: 'sms', status: 'no-answer' }))
expectError(signedInject({ authToken, channel: 'amd', status: 'completed' }))
expectError(signedInject({ authToken, channel: 'recording', status: 'participant-join' }))
signedInject({ authToken, channel: 'call', status: 'brand_new' })
signedInject({ authToken, channel: 'recording', status: 'absent' })
signedInject({ authToken, channel: 'transcription', status: 'failed' })
signedInject({ authToken, channel: 'realtimeTranscription', status: 'transcription-content' })
signedInject({ authToken, channel: 'amd', status: 'machine_end_beep' })
signedInject({ authToken, channel: 'conference', status: 'participant-join' })
declare const someStatus: string
signedInject({ authToken, channel: 'call', status: someStatus })
expectType<SignedInjectOptions['status']>(someStatus)
expectType<NewStatus<'delivered'>>(null as never)
expectType<'brand_new'>(null as unknown as NewStatus<'brand_new'>)
expectError(signedInject({ channel: 'sms', status: 'sent' }))
expectError(signedInject({ authToken, channel: 'sms', status: 'sent', method: 'PUT' }))
expectError(signedInject({ authToken, channel: 'sms', status: 'sent', protocol: 'ftp' }))
expectError(signedInject({ authToken, channel: 'sms', status: 'sent', params: { To: 1 } }))
expectError(signedInject({ authToken, channel: 'sms', status: 'sent', unknown: true }))

// The app's verification options, given once to the app and to the kit.
const verify: SigningOptions = { authToken, publicUrl: 'https://hooks.example.com/base' }
signedInject({ ...verify, channel: 'sms', status: 'sent' })
signedEventStreamsInject({ ...verify, events: [] })
expectError(signedInject({ authToken, channel: 'sms', status: 'sent', publicUrl: new URL('https://hooks.example.com') }))

// Any route of the host's own: a form POST, a GET or a JSON body.
expectType<TwilioInjectOptions>(signedRouteInject({ ...verify, path: '/voice/menu', params: { Digits: '1', MediaUrl0: ['a', 'b'] } }))
expectAssignable<PromiseLike<unknown>>(app.inject(signedRouteInject({ authToken, method: 'GET', path: '/voice/status', params: { CallStatus: 'completed' } })))
signedRouteInject({ authToken, path: '/studio', json: { step: 1 } })
signedRouteInject({ authToken: 'secret', sharedKey: { id: 'webhooks_sharedkey_1', algorithm: 'HMAC_SHA1' }, path: '/voice/menu' })
expectAssignable<SignedRouteOptions>({ authToken, path: '/voice/menu', method: 'POST' as const })
expectError(signedRouteInject({ authToken, params: { Digits: '1' } }))
expectError(signedRouteInject({ authToken, path: '/studio', method: 'GET', json: {} }))
expectError(signedRouteInject({ authToken, path: '/studio', json: {}, params: { a: 'b' } }))
expectError(signedRouteInject({ authToken, path: '/voice/menu', method: 'PUT' }))
expectError(signedRouteInject({ authToken, path: '/voice/menu', params: { Digits: 1 } }))
expectError(signedRouteInject({ authToken, path: '/voice/menu', protocol: 'ftp' }))
expectError(signedRouteInject({ authToken, path: '/voice/menu', channel: 'sms' }))

expectType<TwilioFormParams>(sampleMessageEvent('delivered'))
expectType<TwilioFormParams>(sampleCallEvent('completed', { CallDuration: '42' }))
expectAssignable<Record<string, string | string[]>>(sampleMessageEvent('received', { Body: 'hi' }))
expectType<string>(sampleSid('SM', 1))
