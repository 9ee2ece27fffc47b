/**
 * A family of Twilio callbacks as data. A new family is one such object in `./index.ts`; routes,
 * options, callback names, dedupe and ordering follow from it.
 */
export interface Family {
  /** The default route (POST and GET). */
  readonly path: string
  /** The parameters that carry the status, in the order read; the first is the canonical one. */
  readonly statusParams: readonly string[]
  /**
   * The status of a request that carries none of `statusParams` but one of `by`: what a request
   * of this family with no status field is (an inbound message, docs/twilio-facts.md §2.4).
   */
  readonly statusless?: { readonly status: string, readonly by: readonly string[] }
  /** The parameters that carry the subject's Sid, in the order read; the first is canonical. */
  readonly sidParams: readonly string[]
  /** Every documented status; each gets a callback named after it (`no-answer` → `onNoAnswer`). */
  readonly statuses: readonly string[]
  /** Every documented field, each sent at most once (a repeat is refused with 400). */
  readonly fields: readonly string[]
  /** Documented fields Twilio may send more than once (a group MMS's `MessagingBinding.Address`). */
  readonly repeatedFields?: readonly string[]
  /** Fields that repeat once per item, such as `MediaUrl0`, `MediaUrl1`, …: single-valued too. */
  readonly numberedFields?: RegExp
  /**
   * Beyond the Sid and the status, what tells two events apart (the idempotency key), in order:
   * a call's `SequenceNumber`, a conference participant's `CallSid`. Signed fields only.
   */
  readonly keyParams: readonly string[]
  /**
   * How events of one subject are ordered when `ordering` is on: by a sequence parameter, or by
   * a rank per status (a status without a rank is not ordered); `null`: not ordered.
   */
  readonly order: { readonly sequence: string } | { readonly ranks: Readonly<Record<string, number>> } | null
  /** Callback names where a status does not make a good one (`callbackName` otherwise). */
  readonly names?: Readonly<Record<string, string>>
  /**
   * Statuses whose reply Twilio acts on: the TwiML a callback returns answers the sender (an
   * inbound message's `onReceived`). Queue mode runs them inline, since the reply cannot wait.
   */
  readonly replyStatuses?: readonly string[]
  /** One request carries a batch of JSON events (Event Streams), not one event's parameters. */
  readonly batch?: true
  /**
   * Statuses Twilio sends once per Sid, keyed by Sid and status only, without `keyParams`: a
   * reconciled status (read from the REST API, which has no `SequenceNumber`) shares their key.
   */
  readonly once?: readonly string[]
  /**
   * A notification family: Twilio acts on no reply, so every verified event is answered with this
   * status and no body (TaskRouter's events: 204 `application/json`); absent, TwiML.
   */
  readonly ack?: { readonly status: number, readonly type?: string }
  /** The parameter naming the account, when not `AccountSid` (Verify's `account_sid`). */
  readonly accountParam?: string
  /**
   * Parameters carrying JSON as text, by shape: parsed once into `event.parsed`; one that is not
   * JSON of its shape is left out of it and logged, never refused (docs/design.md).
   */
  readonly jsonParams?: Readonly<Record<string, JsonShape>>
  /** Statuses are matched lower-cased: the Debugger's `Level` is `Error` in Twilio's table, `ERROR` in its example. */
  readonly lowerStatus?: true
  /**
   * No Sid names the event (a Conversations pre-event names what does not exist yet): its
   * identity, and so its idempotency key, is a digest of every signed parameter except these.
   */
  readonly identity?: { readonly except: readonly string[] }
  /** Statuses whose callback's return value is a decision Twilio waits for (docs/decisions.md). */
  readonly decision?: Decision
}

/** The JSON a text parameter carries: an object, or a list of objects (Conversations' `Media`). */
export type JsonShape = 'object' | 'objects'

/** An HTTP answer to Twilio: its status code and its `application/json` body (`''`: none). */
export interface DecisionReply {
  readonly statusCode: number
  readonly body: string
  /** For the log only, never sent or stored: a rejection's reason. */
  readonly note?: string
}

/**
 * A decision reply, as data: which statuses decide, Twilio's wait, how a callback's return value
 * becomes the answer, and the answer when the callback fails or is late.
 */
export interface Decision {
  /** The statuses whose callback decides; the family's other statuses are notifications (empty 200). */
  readonly statuses: readonly string[]
  /** The deadline, ms: Twilio's wait minus room for the network. */
  readonly deadline: number
  /** The answer for a callback's return value; throws a TypeError on a value that is not a decision. */
  readonly answer: (result: unknown, status: string) => DecisionReply
  /** The answer when the callback failed or is late; `null`: the coded 5xx, so Twilio takes its own failure path. */
  readonly fallback: DecisionReply | null
}
