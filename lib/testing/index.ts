/**
 * The testing kit (`fastify-twilio-status/testing`): sign requests as Twilio does, and build signed
 * `inject` options. Pure (`node:crypto` only), so a host's tests load nothing production would not.
 */
import type { ChannelStatuses } from '../../types/index'
import { FAMILIES, type FormChannel } from '../families/index'
import { bodyHash, computeSignature } from '../verify/signature'
import { sampleEvent } from './family-samples'
import { appendQuery, KIT, signedRequest, type SigningOptions, type TwilioInjectOptions } from './inject'
import type { ParamOverrides } from './samples'

export { sampleCallEvent, sampleMessageEvent, sampleSid } from './samples'
export {
  sampleAmdEvent, sampleCloudEvent, sampleConferenceEvent, sampleEvent, sampleRealtimeTranscriptionEvent,
  sampleRecordingEvent, sampleTranscriptionEvent
} from './family-samples'
export { sampleAssignmentEvent, sampleConversationsEvent } from './decision-samples'
export type { ParamOverrides, TwilioFormParams } from './samples'
export { signedRouteInject } from './inject'
export { sampleDebuggerEvent, sampleTaskRouterEvent, sampleVerifyEvent } from './notification-samples'
export type {
  SharedKeySigning, SignedRouteFormOptions, SignedRouteGetOptions, SignedRouteJsonOptions, SignedRouteOptions, SigningOptions,
  TwilioInjectOptions
} from './inject'

/** Sign a form-encoded POST: the URL, then the body parameters (docs/twilio-facts.md §1.1, §1.2). */
export interface SignFormOptions {
  /** The Auth Token Twilio signs with. */
  readonly authToken: string
  /** The full URL Twilio requests, query string included. */
  readonly url: string
  /** The body parameters. Default: none. */
  readonly params?: Readonly<Record<string, string | readonly string[]>>
  readonly method?: 'POST'
  readonly json?: undefined
}

/** Sign a GET: Twilio puts every parameter in the URL's query string and signs the URL alone (docs/twilio-facts.md §1.3). */
export interface SignGetOptions {
  readonly authToken: string
  /** The full URL, parameters already in its query string. */
  readonly url: string
  readonly method: 'GET'
  /** Not allowed: a GET's parameters are part of `url`, and signing them again would double-count them. */
  readonly params?: undefined
  readonly json?: undefined
}

/** Sign a JSON POST: Twilio adds `bodySHA256` to the URL and signs that URL alone (docs/twilio-facts.md §1.4). */
export interface SignJsonOptions {
  readonly authToken: string
  /** The URL as configured, without `bodySHA256` (it is added). */
  readonly url: string
  /** The body: a value to `JSON.stringify`, or JSON text sent as is. */
  readonly json: unknown
  readonly method?: 'POST'
  readonly params?: undefined
}

/** A signed JSON request: send `body` to `url` (which now carries `bodySHA256`) with `signature`. */
export interface SignedJsonRequest {
  readonly url: string
  /** The `X-Twilio-Signature` header. */
  readonly signature: string
  /** The exact body that was hashed. */
  readonly body: string
}

/** Twilio never signs a URL fragment (connection overrides such as `#rc=3` live there, docs/twilio-facts.md §4.2). */
function withoutFragment (url: string): string {
  const hash = url.indexOf('#')
  return hash === -1 ? url : url.slice(0, hash)
}

/**
 * The `X-Twilio-Signature` Twilio would send for a form POST (default), a GET, or `json` (the result
 * then also gives the URL with `bodySHA256` and the body). The URL is signed as given, minus any `#fragment`.
 */
export function signTwilioRequest (options: SignFormOptions | SignGetOptions): string
export function signTwilioRequest (options: SignJsonOptions): SignedJsonRequest
export function signTwilioRequest (options: SignFormOptions | SignGetOptions | SignJsonOptions): string | SignedJsonRequest {
  const url = withoutFragment(options.url)
  if (options.json !== undefined) {
    const body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json)
    const signedUrl = appendQuery(url, `bodySHA256=${bodyHash(body)}`)
    return { url: signedUrl, signature: computeSignature(options.authToken, signedUrl, null), body }
  }
  if (options.method === 'GET') {
    if (options.params !== undefined) {
      throw new TypeError(`${KIT}: a GET is signed on its URL alone; put the parameters in the URL's query string, not in params`)
    }
    return computeSignature(options.authToken, url, null)
  }
  return computeSignature(options.authToken, url, options.params ?? {})
}

/** What {@link signedInject} sends, besides who signs and for which URL. */
interface SignedInjectBase extends SigningOptions {
  /** Changes to the sample payload: a value replaces or adds a parameter, `undefined` removes it. */
  readonly params?: ParamOverrides
  /** Shorthand for the channel's Sid (`MessageSid` or `CallSid`); `params` win over it. */
  readonly sid?: string
  /** The channel's route, as given to the plugin's `path` option; may carry a query string. */
  readonly path?: string
  /** The `prefix` the plugin was registered under. */
  readonly prefix?: string
  /** `POST` (default) sends the parameters as a body; `GET` puts them in the query string. */
  readonly method?: 'POST' | 'GET'
  /** Send the parameters as a JSON body, signed with `bodySHA256` (POST only). */
  readonly json?: boolean
}

/** A status no family documents (one Twilio adds later, which reaches `onAny`): `never` for a documented one. */
export type NewStatus<S extends string> = S extends ChannelStatuses[FormChannel] ? never : S

/**
 * Options for {@link signedInject}: which channel and status, plus how the app is set up. The
 * status is one of the channel's own, or one no family documents; another family's status
 * (`'delivered'` on `call`) does not compile.
 */
export type SignedInjectOptions<C extends FormChannel = FormChannel, S extends string = string> = SignedInjectBase & {
  readonly channel: C
  readonly status: ChannelStatuses[C] | NewStatus<S>
}

/**
 * Options for `app.inject()` that deliver a signed status callback: the sample payload for `channel`
 * and `status`, changed by `params`. Give it the app's `publicUrl` when the app sets one.
 *
 * @example
 * const res = await app.inject(signedInject({ authToken, publicUrl, channel: 'sms', status: 'delivered' }))
 */
export function signedInject<C extends FormChannel, S extends string> (options: SignedInjectOptions<C, S>): TwilioInjectOptions {
  const { channel, method = 'POST', json = false } = options
  const overrides = options.sid === undefined ? options.params : { [FAMILIES[channel].sidParams[0]]: options.sid, ...options.params }
  const event = sampleEvent(channel, options.status, overrides)
  const route = (options.prefix ?? '') + (options.path ?? FAMILIES[channel].path)
  return signedRequest(options, { route, method, params: event, json: json ? JSON.stringify(event) : undefined })
}

/** Options for {@link signedEventStreamsInject}. */
export interface SignedEventStreamsOptions extends SigningOptions {
  /** The batch: CloudEvents (see `sampleCloudEvent`), sent as one JSON array. */
  readonly events: readonly unknown[]
  /** The sink's route, as given to the plugin's `eventStreams.path`. */
  readonly path?: string
  /** The `prefix` the plugin was registered under. */
  readonly prefix?: string
}

/**
 * Options for `app.inject()` that deliver an Event Streams batch as a webhook sink receives it:
 * a JSON array, `bodySHA256` added to the URL, the URL signed.
 */
export function signedEventStreamsInject (options: SignedEventStreamsOptions): TwilioInjectOptions {
  const route = (options.prefix ?? '') + (options.path ?? FAMILIES.eventStreams.path)
  return signedRequest(options, { route, method: 'POST', params: {}, json: JSON.stringify(options.events) })
}
