/** How a request's signature is checked: the plugin's verification options and the `twilioSignature()` hook. */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Readable } from 'node:stream'

/**
 * The Auth Token(s) of the account a request names, for an app that serves several accounts
 * (each subaccount signs with its own token). Nothing (or an empty list) refuses the request
 * with 403 `FST_TWILIO_UNKNOWN_ACCOUNT`, as does a throw or a rejection (which is also logged).
 */
export type AuthTokenLookup = (accountSid: string | undefined, request: FastifyRequest) =>
  string | readonly string[] | null | undefined | Promise<string | readonly string[] | null | undefined>

/** The Auth Token Twilio signs with, several during a rotation, or a lookup by `AccountSid`. */
export type AuthToken = string | readonly string[] | AuthTokenLookup

/** SharedKey secrets by key id (`webhooks_sharedkey_…`). */
export type SharedKeys = Readonly<Record<string, string>>

/** A username and password Twilio is configured to send (HTTP Basic or Digest). */
export interface HttpCredential {
  readonly username: string
  readonly password: string
}

/** Users Twilio may authenticate as: several during a rotation (any one passes), with the challenge's realm. */
export type HttpUsers = readonly HttpCredential[] | { readonly users: readonly HttpCredential[], readonly realm?: string }

/**
 * How Twilio authenticates itself besides (or instead of) signing: the Webhooks configuration
 * API's HTTP Basic, HTTP Digest and OAuth 2.0 client credentials, and password-protected URLs
 * (`https://user:pass@host/…`). Any configured scheme passes; a request with none is answered 401
 * with a `WWW-Authenticate` challenge per scheme (docs/security.md, "HTTP authentication").
 */
export interface WebhookAuth {
  /** HTTP Basic (RFC 7617). Realm default `twilio`. */
  readonly basic?: HttpUsers
  /**
   * HTTP Digest (RFC 7616), `qop="auth"`: nonces are stateless (an HMAC keyed by the realm and
   * users), so instances configured alike accept each other's, for `nonceTtl` ms (default 300000).
   * `algorithms` offered, preferred first: default `['SHA-256', 'MD5']`.
   */
  readonly digest?: HttpUsers | {
    readonly users: readonly HttpCredential[]
    readonly realm?: string
    readonly algorithms?: ReadonlyArray<'SHA-256' | 'MD5'>
    readonly nonceTtl?: number
  }
  /**
   * `Authorization: Bearer <token>`: the access token Twilio obtains from your authorization
   * server (OAuth 2.0 client credentials). Static tokens (any one passes), or `verify`, called
   * when none matches: `true` accepts; anything else, a throw or a rejection refuses with 401.
   */
  readonly bearer?: readonly string[] | {
    readonly tokens?: readonly string[]
    readonly verify?: (token: string, request: FastifyRequest) => boolean | Promise<boolean>
  }
}

/** Every verification option, each optional: {@link VerifyOptions} says which are required together. */
export interface VerifyFields {
  /**
   * The Auth Token Twilio signs with, or several during rotation (any one validates; put the
   * current one first), or a lookup by the request's `AccountSid` (subaccounts): the body's
   * top-level one, else the signed URL's `?AccountSid=` (an Event Streams sink URL).
   */
  readonly authToken?: AuthToken
  /**
   * SharedKey secrets by key id (`webhooks_sharedkey_…`), for webhooks Twilio signs with a
   * SharedKey (they carry `X-Twilio-Webhooks-Signature-Settings`). Several during a rotation.
   */
  readonly sharedKeys?: SharedKeys
  /** Refuse Auth Token signatures: only SharedKey-signed requests verify. Needs `sharedKeys`. Default `false`. */
  readonly requireSharedKey?: boolean
  /**
   * The origin (or base URL) Twilio calls, e.g. `https://hooks.example.com`, when the app sits
   * behind a proxy or tunnel. The request target is appended to it. Without it the URL is built
   * from `request.protocol` and `request.host`, which honour Fastify's `trustProxy`.
   */
  readonly publicUrl?: string
  /**
   * Twilio's HTTP authentication (Basic, Digest, Bearer), checked before the signature. With
   * `authToken` or `sharedKeys` too, both must pass; alone, it replaces the signature check.
   */
  readonly auth?: WebhookAuth
}

/**
 * How a request's signature is checked, shared by the plugin and `twilioSignature()`: with
 * `sharedKeys` (and an `authToken` too, unless `requireSharedKey`), or with an `authToken` alone;
 * with `auth`, Twilio's credentials too, or alone.
 * `requireSharedKey` stays a `boolean` (a computed one may be `false`); `true` without
 * `sharedKeys` is refused at register time. (The `authToken` case is written last: when options
 * fit neither, the compiler's message names the last one.)
 */
export type VerifyOptions =
  | VerifyFields & Required<Pick<VerifyFields, 'auth'>>
  | VerifyFields & Required<Pick<VerifyFields, 'sharedKeys'>>
  | VerifyFields & Required<Pick<VerifyFields, 'authToken'>>

/** Options of `twilioSignature()`, the hook for a host's own Twilio routes. */
export type TwilioSignatureOptions = VerifyOptions

/** A preHandler hook, with the preParsing hook JSON routes also need (to keep the raw body). */
export interface TwilioSignatureHook {
  (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
  /** Keeps a JSON body's raw text, which `bodySHA256` is computed over. Other bodies pass untouched. */
  readonly preParsing: (request: FastifyRequest, reply: FastifyReply, payload: Readable, done: (err: Error | null, body?: Readable) => void) => void
}
