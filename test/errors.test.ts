import t from 'tap'
import * as errors from '../lib/errors'

type AnyError = new (...args: never[]) => Error & { code: string, statusCode: number }

// Every error, with sample arguments, its code, HTTP status and formatted message.
const TABLE: Record<keyof typeof errors, [args: unknown[], code: string, status: number, message: string]> = {
  InvalidOptionError: [['option x must be y, got z'], 'FST_TWILIO_INVALID_OPTION', 500, 'fastify-twilio-status: option x must be y, got z'],
  MissingSignatureError: [[], 'FST_TWILIO_MISSING_SIGNATURE', 403, 'Missing X-Twilio-Signature header'],
  MalformedSignatureError: [[], 'FST_TWILIO_MALFORMED_SIGNATURE', 403, 'X-Twilio-Signature is not a base64 HMAC signature'],
  UnsupportedAlgorithmError: [['HMAC_SHA512'], 'FST_TWILIO_UNSUPPORTED_ALGORITHM', 403, 'Unsupported webhook signature algorithm HMAC_SHA512'],
  UnknownSharedKeyError: [[], 'FST_TWILIO_UNKNOWN_SHARED_KEY', 403, 'The request is signed with a SharedKey that is not configured'],
  SharedKeyRequiredError: [[], 'FST_TWILIO_SHARED_KEY_REQUIRED', 403, 'Only SharedKey signatures are accepted here'],
  RawBodyMissingError: [[], 'FST_TWILIO_RAW_BODY_MISSING', 403, 'The request body was not kept, so it cannot be verified against X-Twilio-Signature'],
  UnsupportedBodyError: [[], 'FST_TWILIO_UNSUPPORTED_BODY', 415, 'Only form and JSON bodies can be verified against X-Twilio-Signature'],
  InvalidEventsError: [['the body is not a JSON array'], 'FST_TWILIO_INVALID_EVENTS', 400, 'Not an Event Streams batch: the body is not a JSON array'],
  UnknownAccountError: [[], 'FST_TWILIO_UNKNOWN_ACCOUNT', 403, 'No Auth Token for the account this request names'],
  InvalidHostError: [[], 'FST_TWILIO_INVALID_HOST', 403, 'The Host header is not host[:port], or the protocol not http(s): no signed URL can be built from them'],
  InvalidSignatureError: [[], 'FST_TWILIO_INVALID_SIGNATURE', 403, 'X-Twilio-Signature does not match the request'],
  BodyHashMismatchError: [[], 'FST_TWILIO_BODY_HASH_MISMATCH', 403, 'Request body does not match the signed bodySHA256'],
  MissingCredentialsError: [[], 'FST_TWILIO_MISSING_CREDENTIALS', 401, 'The request carries no credentials of a scheme this route accepts'],
  InvalidCredentialsError: [[], 'FST_TWILIO_INVALID_CREDENTIALS', 401, 'The request\'s credentials are not valid'],
  StaleNonceError: [[], 'FST_TWILIO_STALE_NONCE', 401, 'The Digest nonce has expired'],
  MalformedBodyError: [['bad %zz'], 'FST_TWILIO_MALFORMED_BODY', 400, 'Malformed form encoding: bad %zz'],
  TooManyParamsError: [[256], 'FST_TWILIO_TOO_MANY_PARAMS', 400, 'More than 256 parameters in the request'],
  MissingSidError: [['CallSid'], 'FST_TWILIO_MISSING_SID', 400, 'No CallSid parameter in the request'],
  MissingStatusError: [['MessageStatus'], 'FST_TWILIO_MISSING_STATUS', 400, 'No MessageStatus parameter in the request'],
  InvalidParamError: [['CallStatus'], 'FST_TWILIO_INVALID_PARAM', 400, 'Parameter CallStatus must be given once, as text'],
  CallbackFailedError: [['SM123', 'delivered'], 'FST_TWILIO_CALLBACK_FAILED', 500, 'Callback failed for SM123 (delivered)'],
  InProgressError: [['SM123', 'sent'], 'FST_TWILIO_IN_PROGRESS', 503, 'Event SM123 (sent) is being handled by another instance; retry later'],
  DeadlineError: [['SM123', 'sent', 10000], 'FST_TWILIO_DEADLINE', 503, 'Callbacks for SM123 (sent) still running after 10000 ms'],
  StoreTimeoutError: [['claim', 1000], 'FST_TWILIO_STORE_TIMEOUT', 500, 'Store claim did not answer within 1000 ms'],
  QueueUnavailableError: [['SM123', 'sent'], 'FST_TWILIO_QUEUE_UNAVAILABLE', 503, 'Event SM123 (sent) could not be queued and this instance has no callback for it'],
  MissingPackageError: [['replay', 'bullmq and ioredis', 'bullmq ioredis'], 'FST_TWILIO_MISSING_PACKAGE', 500, 'replay needs bullmq and ioredis, not installed: npm install bullmq ioredis'],
  HandleTakenError: [['twilioStatus'], 'FST_TWILIO_HANDLE_TAKEN', 500, 'fastify-twilio-status: the host already has a decorator named twilioStatus; give reconcile.name another name'],
  UntrackableSidError: [['XX1'], 'FST_TWILIO_UNTRACKABLE_SID', 500, 'Cannot track XX1: give channel "sms" or "call", one the plugin serves'],
  WaitTimeoutError: [['SM1', 'delivered|undelivered', 'sent'], 'FST_TWILIO_WAIT_TIMEOUT', 504, 'No SM1 status delivered|undelivered by the timeout; Twilio shows sent'],
  SidNotFoundError: [['SM1'], 'FST_TWILIO_SID_NOT_FOUND', 404, 'Twilio has no resource SM1 (REST API answered 404)'],
  ReconcileClosedError: [['SM1'], 'FST_TWILIO_RECONCILE_CLOSED', 503, 'The app closed while waiting for SM1']
}

t.test('every error has an FST_TWILIO_ code and an explicit 4xx/5xx status', async (t) => {
  for (const [name, Err] of Object.entries(errors) as Array<[string, AnyError]>) {
    const err = new Err()
    t.match(err.code, /^FST_TWILIO_[A-Z_]+$/, `${name} code`)
    t.ok(err.statusCode >= 400 && err.statusCode < 600, `${name} status ${err.statusCode}`)
    t.type(err, Error, `${name} is an Error`)
    t.equal(err.name, 'FastifyError', `${name} name`)
  }
})

t.test('codes are unique', async (t) => {
  const codes = Object.values(errors).map((Err) => new (Err as AnyError)().code)
  t.equal(new Set(codes).size, codes.length)
})

t.test('each error has the documented code, status and message', async (t) => {
  t.same(Object.keys(TABLE).sort(), Object.keys(errors).sort(), 'the table lists every error')
  for (const [name, [args, code, status, message]] of Object.entries(TABLE)) {
    const Err = errors[name as keyof typeof errors] as unknown as new (...a: unknown[]) => Error & { code: string, statusCode: number }
    const err = new Err(...args)
    t.equal(err.code, code, `${name} code`)
    t.equal(err.statusCode, status, `${name} status`)
    t.equal(err.message, message, `${name} message`)
  }
})

t.test('InvalidOptionError is a TypeError', async (t) => {
  t.type(new errors.InvalidOptionError('x'), TypeError)
})

t.test('CallbackFailedError carries the cause it is given', async (t) => {
  const cause = new Error('boom')
  t.equal(new errors.CallbackFailedError('SM1', 'sent', { cause }).cause, cause)
})
