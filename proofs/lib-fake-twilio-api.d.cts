// Types of lib-fake-twilio-api.cjs, for test/helpers/fake-twilio-api.ts.
export interface Schema {
  type?: string
  nullable?: boolean
  enum?: unknown[]
  pattern?: string
  minLength?: number
  maxLength?: number
  properties?: Record<string, Schema>
  $ref?: string
}
export type Resource = Record<string, unknown>
/** A scripted answer: a status (with Retry-After seconds for 429/503), or a delay before the normal one. */
export type Scripted = { status: 404 | 429 | 500 | 503, retryAfter?: number } | { delay: number }
export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly at: number
}
export interface FakeTwilioApi {
  readonly url: string
  readonly requests: FakeRequest[]
  /** Requests or answers that do not fit the description: a test expects none. */
  readonly problems: string[]
  readonly resources: Map<string, Resource>
  /** Answers for a Sid, used up in order before the resource is answered. */
  script (sid: string, ...answers: Scripted[]): void
  /** Answer every request with this (`null`: normally again). */
  always (answer: Scripted | null): void
  /** Most requests seen in flight at once. */
  readonly peak: () => number
  close (): Promise<void>
}
export interface FakeTwilioApiHooks {
  fault?: (sid: string) => Scripted | undefined
  resource?: (sid: string) => Resource | undefined
  answered?: (sid: string, statusCode: number) => void
}
/** What of `value` does not fit `schema` (the keywords the description uses), as messages. */
export function validate (schema: Schema, value: unknown, where?: string): string[]
export const ACCOUNT_SID: string
export const API_KEY: string
export const API_SECRET: string
/** A Message resource as Twilio answers it, every field of the description present. */
export function messageResource (sid: string, status: string, extra?: Resource): Resource
/** A Call resource as Twilio answers it. */
export function callResource (sid: string, status: string, extra?: Resource): Resource
export function startFakeTwilioApi (credentials?: { username: string, password: string }, hooks?: FakeTwilioApiHooks): Promise<FakeTwilioApi>
