/** Signed `fastify.inject()` options for any route, signed for the URL the app will rebuild. */
import { checkPublicUrl, signedUrl } from '../verify/public-url'
import { bodyHash, computeSignature, type Params } from '../verify/signature'

export const KIT = 'fastify-twilio-status/testing'

/** Sign as a SharedKey webhook: `authToken` is then the SharedKey secret (docs/twilio-facts.md §8). */
export interface SharedKeySigning {
  /** The key id sent in `X-Twilio-Webhooks-Signature-Settings`. */
  readonly id: string
  /** Default `HMAC_SHA256`. */
  readonly algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256'
}

/** Who signs, and for which URL: set these as the app under test sets its verification options. */
export interface SigningOptions {
  /** The Auth Token the app under test was registered with (the SharedKey secret with `sharedKey`). */
  readonly authToken: string
  /** Sign with a SharedKey instead of the Auth Token. */
  readonly sharedKey?: SharedKeySigning
  /** `Host` header. Default `localhost:80`, what `inject` itself would send. */
  readonly host?: string
  /**
   * The scheme the app sees. `https` adds `X-Forwarded-Proto: https`, which counts only when the
   * app trusts its proxy (Fastify's `trustProxy`). Default `http`.
   */
  readonly protocol?: 'http' | 'https'
  /**
   * The app's `publicUrl` option, when it sets one (an origin or a base URL with a path): the
   * signed URL is then `publicUrl` followed by the request target, as the app rebuilds it, and
   * `host` and `protocol` do not count. An app with `publicUrl` refuses a request signed without it.
   */
  readonly publicUrl?: string
}

/**
 * A signed request: options for `app.inject()`, and equally the parts of a plain HTTP request
 * (`url` is the request target to put on the request line).
 */
export interface TwilioInjectOptions {
  readonly method: 'POST' | 'GET'
  readonly url: string
  readonly headers: Record<string, string>
  /** The body; absent on GET. */
  readonly payload?: string
}

interface SignedRouteBase extends SigningOptions {
  /** The request target: the route's path as the app receives it, with any query string of its own. */
  readonly path: string
}

/** A form POST to one of your routes: `params` are the body, signed after the URL. */
export interface SignedRouteFormOptions extends SignedRouteBase {
  readonly method?: 'POST'
  /** The form parameters; a name with an array of values is repeated. Default: none. */
  readonly params?: Params
  readonly json?: undefined
}

/** A GET to one of your routes: `params` join the query string, and the URL alone is signed. */
export interface SignedRouteGetOptions extends SignedRouteBase {
  readonly method: 'GET'
  /** The parameters Twilio puts in the query string. Default: none. */
  readonly params?: Params
  readonly json?: undefined
}

/** A JSON POST to one of your routes: `bodySHA256` joins the URL, which alone is signed. */
export interface SignedRouteJsonOptions extends SignedRouteBase {
  readonly method?: 'POST'
  /** The body: a value to `JSON.stringify`, or JSON text sent as is. */
  readonly json: unknown
  readonly params?: undefined
}

/** Options for {@link signedRouteInject}. */
export type SignedRouteOptions = SignedRouteFormOptions | SignedRouteGetOptions | SignedRouteJsonOptions

/** What a kit function sends: a route, and form or query parameters or a JSON body. */
export interface Delivery {
  readonly route: string
  readonly method: 'POST' | 'GET'
  readonly params: Params
  /** The JSON body text; the parameters are then not sent. */
  readonly json?: string
}

export function appendQuery (url: string, query: string): string {
  return url + (url.includes('?') ? '&' : '?') + query
}

function encodeForm (params: Params): string {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    for (const v of typeof value === 'string' ? [value] : value) form.append(name, v)
  }
  return form.toString()
}

/**
 * The request target as `inject` will send it: light-my-request re-encodes it through `new URL()`
 * (`'` → `%27`), so that form is the one signed.
 */
function requestTarget (route: string, query: string): string {
  if (typeof route !== 'string' || !route.startsWith('/') || route.startsWith('//') || route.includes('#')) {
    throw new TypeError(`${KIT}: path must start with a single "/" and have no #fragment, got ${JSON.stringify(route)}`)
  }
  const url = new URL(query === '' ? route : appendQuery(route, query), 'http://localhost')
  return url.pathname + url.search
}

/** `publicUrl` as the app's own option makes it, or `null`: what the plugin refuses, the kit refuses too. */
function publicUrlBase (value: unknown): string | null {
  if (value === undefined) return null
  const checked = typeof value === 'string' ? checkPublicUrl(value) : { expected: 'a string' }
  if ('expected' in checked) throw new TypeError(`${KIT}: publicUrl must be ${checked.expected}, as the app's publicUrl option, got ${JSON.stringify(value)}`)
  return checked.base
}

/** The `inject` options for `delivery`, signed as Twilio would for the URL the app rebuilds. */
export function signedRequest (signing: SigningOptions, delivery: Delivery): TwilioInjectOptions {
  const { method, params, json } = delivery
  if (method !== 'POST' && method !== 'GET') throw new TypeError(`${KIT}: method must be POST or GET (Twilio sends no other), got ${JSON.stringify(method)}`)
  if (json !== undefined && method === 'GET') throw new TypeError(`${KIT}: json sends a body, so it needs method POST`)
  let url = requestTarget(delivery.route, method === 'GET' ? encodeForm(params) : '')
  const headers: Record<string, string> = { host: signing.host ?? 'localhost:80' }
  if (signing.protocol === 'https') headers['x-forwarded-proto'] = 'https'
  let payload: string | undefined
  if (json !== undefined) {
    payload = json
    url = appendQuery(url, `bodySHA256=${bodyHash(json)}`)
    headers['content-type'] = 'application/json'
  } else if (method === 'POST') {
    payload = encodeForm(params)
    headers['content-type'] = 'application/x-www-form-urlencoded'
  }
  const signed = signedUrl(publicUrlBase(signing.publicUrl), { protocol: signing.protocol ?? 'http', host: headers.host }, url)
  const { sharedKey } = signing
  const algorithm = sharedKey?.algorithm ?? (sharedKey === undefined ? 'HMAC_SHA1' : 'HMAC_SHA256')
  headers['x-twilio-signature'] = computeSignature(signing.authToken, signed, payload === undefined || json !== undefined ? null : params, algorithm)
  if (sharedKey !== undefined) headers['x-twilio-webhooks-signature-settings'] = `key=${sharedKey.id},algorithm=${algorithm}`
  return payload === undefined ? { method, url, headers } : { method, url, headers, payload }
}

/**
 * Options for `app.inject()` that call one of your own routes as Twilio would (a form POST, a GET or
 * JSON), signed for the URL the app rebuilds. Give it the app's `publicUrl` when the app sets one.
 *
 * @example
 * const res = await app.inject(signedRouteInject({ authToken, publicUrl, path: '/voice/menu', params: { Digits: '1' } }))
 */
export function signedRouteInject (options: SignedRouteOptions): TwilioInjectOptions {
  const { method = 'POST', params, json } = options
  if (json !== undefined && params !== undefined) {
    throw new TypeError(`${KIT}: json is the whole body; put its fields in json, not in params`)
  }
  const body = json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json)
  return signedRequest(options, { route: options.path, method, params: params ?? {}, json: body })
}
