/**
 * Every error this plugin raises, each with an `FST_TWILIO_` code and an HTTP status (the README's
 * error table). A refusal skips the stack trace (`false`): docs/design.md, "Errors".
 */
import createError from '@fastify/error'

/** Register-time: an option is missing, of the wrong type, or unknown. */
export const InvalidOptionError = createError<[string]>(
  'FST_TWILIO_INVALID_OPTION', 'fastify-twilio-status: %s', 500, TypeError)

/** No `X-Twilio-Signature` header. */
export const MissingSignatureError = createError(
  'FST_TWILIO_MISSING_SIGNATURE', 'Missing X-Twilio-Signature header', 403, Error, false)

/** The header cannot be a signature (not 28 characters of base64 for SHA-1, 44 for SHA-256). */
export const MalformedSignatureError = createError(
  'FST_TWILIO_MALFORMED_SIGNATURE', 'X-Twilio-Signature is not a base64 HMAC signature', 403, Error, false)

/** No candidate URL with any configured token gives the signature. */
export const InvalidSignatureError = createError(
  'FST_TWILIO_INVALID_SIGNATURE', 'X-Twilio-Signature does not match the request', 403, Error, false)

/** `X-Twilio-Webhooks-Signature-Settings` names an algorithm other than HMAC_SHA1 and HMAC_SHA256. */
export const UnsupportedAlgorithmError = createError<[string]>(
  'FST_TWILIO_UNSUPPORTED_ALGORITHM', 'Unsupported webhook signature algorithm %s', 403, Error, false)

/** `X-Twilio-Webhooks-Signature-Settings` names a SharedKey id that is not configured. */
export const UnknownSharedKeyError = createError(
  'FST_TWILIO_UNKNOWN_SHARED_KEY', 'The request is signed with a SharedKey that is not configured', 403, Error, false)

/** `requireSharedKey` is set and the request carries an Auth Token signature. */
export const SharedKeyRequiredError = createError(
  'FST_TWILIO_SHARED_KEY_REQUIRED', 'Only SharedKey signatures are accepted here', 403, Error, false)

/** The `authToken` lookup gave no token for the request's AccountSid, or failed. */
export const UnknownAccountError = createError(
  'FST_TWILIO_UNKNOWN_ACCOUNT', 'No Auth Token for the account this request names', 403, Error, false)

/**
 * Without `publicUrl`: the request's Host (or trusted X-Forwarded-Host) is not `host[:port]`, or its
 * protocol (a trusted X-Forwarded-Proto) not http(s), so the signed URL cannot be rebuilt.
 */
export const InvalidHostError = createError(
  'FST_TWILIO_INVALID_HOST', 'The Host header is not host[:port], or the protocol not http(s): no signed URL can be built from them', 403, Error, false)

/**
 * A host route behind `twilioSignature()` received a body whose raw text was not kept: a 403, not a
 * 5xx, since the sender cannot be trusted whatever its signature says.
 */
export const RawBodyMissingError = createError(
  'FST_TWILIO_RAW_BODY_MISSING', 'The request body was not kept, so it cannot be verified against X-Twilio-Signature', 403, Error, false)

/** A host route behind `twilioSignature()` received a body Twilio never signs (neither a form nor JSON). */
export const UnsupportedBodyError = createError(
  'FST_TWILIO_UNSUPPORTED_BODY', 'Only form and JSON bodies can be verified against X-Twilio-Signature', 415, Error, false)

/**
 * `auth` is configured and the request carries no `Authorization` of a configured scheme: 401,
 * with a `WWW-Authenticate` challenge, which is what makes Twilio send its credentials.
 */
export const MissingCredentialsError = createError(
  'FST_TWILIO_MISSING_CREDENTIALS', 'The request carries no credentials of a scheme this route accepts', 401, Error, false)

/** `auth` is configured and the request's credentials are wrong or malformed: 401 with a new challenge. */
export const InvalidCredentialsError = createError(
  'FST_TWILIO_INVALID_CREDENTIALS', 'The request\'s credentials are not valid', 401, Error, false)

/** A Digest answer to a nonce that has expired: 401 with a new nonce and `stale=true`, so the client retries. */
export const StaleNonceError = createError(
  'FST_TWILIO_STALE_NONCE', 'The Digest nonce has expired', 401, Error, false)

/** A JSON body whose SHA-256 is not the `bodySHA256` the signed URL carries. */
export const BodyHashMismatchError = createError(
  'FST_TWILIO_BODY_HASH_MISMATCH', 'Request body does not match the signed bodySHA256', 403, Error, false)

/** Form-encoded body or query with broken percent-encoding. */
export const MalformedBodyError = createError<[string]>(
  'FST_TWILIO_MALFORMED_BODY', 'Malformed form encoding: %s', 400, Error, false)

/** A form body or query with more parameters than `maxParams`: refused before any sorting or hashing. */
export const TooManyParamsError = createError<[number]>(
  'FST_TWILIO_TOO_MANY_PARAMS', 'More than %d parameters in the request', 400, Error, false)

/** A verified request without a status parameter (or with an empty one). */
export const MissingStatusError = createError<[string]>(
  'FST_TWILIO_MISSING_STATUS', 'No %s parameter in the request', 400, Error, false)

/** An Event Streams request that is not a JSON array of CloudEvents, each with a text `id` and `type`. */
export const InvalidEventsError = createError<[string]>(
  'FST_TWILIO_INVALID_EVENTS', 'Not an Event Streams batch: %s', 400, Error, false)

/** A verified request without the Sid of its subject (`MessageSid`/`SmsSid`, `CallSid`). */
export const MissingSidError = createError<[string]>(
  'FST_TWILIO_MISSING_SID', 'No %s parameter in the request', 400, Error, false)

/**
 * A parameter Twilio documents as single-valued given more than once, or (JSON) a value that is
 * not text, a number, a boolean or a list of those.
 */
export const InvalidParamError = createError<[string]>(
  'FST_TWILIO_INVALID_PARAM', 'Parameter %s must be given once, as text', 400, Error, false)

/** One or more callbacks threw or rejected. `cause` holds the error or an AggregateError. */
export const CallbackFailedError = createError<[sid: string, status: string, options?: { cause: unknown }]>(
  'FST_TWILIO_CALLBACK_FAILED', 'Callback failed for %s (%s)', 500)

/** Another instance is handling the same event right now; a 5xx so Twilio may retry, when asked to (docs/twilio-facts.md §4.2, §8.6). */
export const InProgressError = createError<[string, string]>(
  'FST_TWILIO_IN_PROGRESS', 'Event %s (%s) is being handled by another instance; retry later', 503, Error, false)

/** Callbacks still running at the deadline; they go on, and their outcome is recorded. */
export const DeadlineError = createError<[string, string, number]>(
  'FST_TWILIO_DEADLINE', 'Callbacks for %s (%s) still running after %d ms', 503)

/** The store did not answer in time (counted as a store failure; the event is still processed). */
export const StoreTimeoutError = createError<[string, number]>(
  'FST_TWILIO_STORE_TIMEOUT', 'Store %s did not answer within %d ms', 500)

/**
 * Queue mode: the event could not be added to the queue, and this instance has no callback to run
 * it inline. A 5xx, so a callback URL that asks for `5xx` retries gets one.
 */
export const QueueUnavailableError = createError<[string, string]>(
  'FST_TWILIO_QUEUE_UNAVAILABLE', 'Event %s (%s) could not be queued and this instance has no callback for it', 503)

/**
 * Queue mode without a package it needs (bullmq, ioredis: optional peer dependencies), thrown by
 * `register` with `queue`, `createTwilioWorker` and `replay` before anything is loaded.
 */
export const MissingPackageError = createError<[who: string, missing: string, install: string]>(
  'FST_TWILIO_MISSING_PACKAGE', '%s needs %s, not installed: npm install %s', 500)

/** A second registration with `reconcile` would put its handle where one is already (`reconcile.name`). */
export const HandleTakenError = createError<[string]>(
  'FST_TWILIO_HANDLE_TAKEN', 'fastify-twilio-status: the host already has a decorator named %s; give reconcile.name another name', 500)

/** `track`/`waitFor` with a Sid whose family the plugin does not serve with reconciliation (sms, call). */
export const UntrackableSidError = createError<[string]>(
  'FST_TWILIO_UNTRACKABLE_SID', 'Cannot track %s: give channel "sms" or "call", one the plugin serves', 500, TypeError)

/** `waitFor` timed out, and the Sid fetched from Twilio's REST API then showed none of the statuses waited for. */
export const WaitTimeoutError = createError<[sid: string, statuses: string, current: string]>(
  'FST_TWILIO_WAIT_TIMEOUT', 'No %s status %s by the timeout; Twilio shows %s', 504)

/** Twilio's REST API answered 404 for a tracked Sid: it was given up. */
export const SidNotFoundError = createError<[string]>(
  'FST_TWILIO_SID_NOT_FOUND', 'Twilio has no resource %s (REST API answered 404)', 404)

/** `waitFor` pending when the app closed. */
export const ReconcileClosedError = createError<[string]>(
  'FST_TWILIO_RECONCILE_CLOSED', 'The app closed while waiting for %s', 503)
