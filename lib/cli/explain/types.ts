/** What `explain` reads (a captured request) and what it answers (a diagnosis). */
import type { Params, RejectReason } from '../../verify/signature'

/** Where else Twilio may have called: what `--public-url` and the `X-Forwarded-*` headers say. */
export interface Hints {
  readonly publicUrl?: string
  readonly proto?: string
  readonly host?: string
  readonly prefix?: string
  readonly port?: string
}

/** `Host`, and the `X-Forwarded-*` headers Fastify reads under `trustProxy` (their last entry). */
export interface Origin {
  readonly host?: string | undefined
  readonly forwardedHost?: string | undefined
  readonly forwardedProto?: string | undefined
}

export interface ExplainInput {
  /** The URL the app checked: `scheme://host[:port]` and the request target as it arrived. */
  readonly url: string
  readonly method: 'GET' | 'POST'
  /** `X-Twilio-Signature`. */
  readonly signature: string | string[] | undefined
  /** The raw body as it arrived, when known. */
  readonly body?: string
  /** The body is JSON (signed through `bodySHA256`). */
  readonly json?: boolean
  /** The parameters: the ones the app parsed when `body` is known too, else the body's. */
  readonly params?: Params
  /** `X-Twilio-Webhooks-Signature-Settings`, when sent (a SharedKey signature). */
  readonly settings?: string
  readonly hints?: Hints
  /** The headers as captured that, without `publicUrl`, the plugin builds the signed URL's origin from. */
  readonly origin?: Origin
  /** The app's `maxParams` option: the plugin refuses a request with more parameters (default 256). */
  readonly maxParams?: number
}

export type Part = 'signature' | 'scheme' | 'host' | 'port' | 'prefix' | 'path' | 'query' | 'method' | 'json' | 'body'

export interface Finding {
  readonly part: Part
  /** What the app had. */
  readonly seen: string
  /** What Twilio signed. */
  readonly signed: string
  /** Why they differ, and what to do. */
  readonly why: string
  /** The fix in one line, printed after the findings (a `publicUrl` to set is `Diagnosis.publicUrl`). */
  readonly fix?: string
}

export interface Diagnosis {
  /** The app, with the plugin's strict parser, would accept the request as it arrived. */
  readonly verifies: boolean
  /** Why the plugin refuses it as it arrived (its warn log's `reason`); `null` when it verifies. */
  readonly reason: RejectReason | 'invalid-host' | 'malformed-body' | 'body-parser' | 'too-many-params' | null
  readonly url: string
  /** The URL Twilio signed, when found. */
  readonly signedUrl: string | null
  /** Which token signs it (0-based, in the order given), when found. */
  readonly tokenIndex: number | null
  readonly tokenCount: number
  readonly findings: readonly Finding[]
  readonly notes: readonly string[]
  /** The `publicUrl` option that would fix the URL's origin or prefix, when that is what differs. */
  readonly publicUrl: string | null
  /** How many variants of the request were verified. */
  readonly tried: number
}

export interface UrlParts {
  readonly scheme: string
  readonly host: string
  /** `''` when the URL names none. */
  readonly port: string
  readonly path: string
  /** Without the `?`; `null` when there is none. */
  readonly query: string | null
}
