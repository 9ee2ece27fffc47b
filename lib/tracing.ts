/**
 * OpenTelemetry spans (the spans and attributes: docs/tracing.md), made only as children of an
 * active span. Without the optional `@opentelemetry/api` every function hands back what it was given.
 */
import type * as OtelApi from '@opentelemetry/api'
import type { Callback, ChannelConfig } from './config'
import { callbackNameIn, type Channel, FAMILIES } from './families/index'
import type { Family } from './families/family'
import { isThenable } from './thenable'

type Api = typeof OtelApi
type Attributes = Readonly<Record<string, string>>

/** The instrumentation scope of the spans. */
export const TRACER_NAME = 'fastify-twilio-status'

/** `undefined` until the first attempt to load it; `null` when it is not installed. */
let api: Api | null | undefined
/** Where a delivery keeps its event's attributes for the callbacks it runs. */
let kEvent: symbol

/** `@opentelemetry/api` when it can be loaded, else `null`; tried once per process. */
export function otelApi (): Api | null {
  if (api === undefined) {
    try {
      api = require('@opentelemetry/api') as Api
      kEvent = api.createContextKey('fastify-twilio-status event')
    } catch {
      api = null
    }
  }
  return api
}

/** What a span's error status says; a thrown non-Error object is only named. */
function messageOf (err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'object' && err !== null ? 'a non-Error object' : String(err)
}

/** `inSpan`'s failure readers: a returned value is never a failure, or is the failure itself. */
const noFailure = (): undefined => undefined
const itself = (value: unknown): unknown => value

/**
 * `fn` run in a child span of `parent`, ended when `fn` returns or settles (a synchronous `fn` stays
 * synchronous); a throw, a rejection or a value `failedOf` names is an error status.
 */
function inSpan<T> (otel: Api, name: string, attributes: Attributes, parent: OtelApi.Context, record: boolean, fn: () => T, failedOf: (value: unknown) => unknown = noFailure): T {
  const span = otel.trace.getTracer(TRACER_NAME).startSpan(name, { attributes }, parent)
  const failed = (err: unknown): void => {
    if (record) span.recordException(err instanceof Error ? err : messageOf(err))
    span.setStatus({ code: otel.SpanStatusCode.ERROR, message: messageOf(err) })
    span.end()
  }
  let result: T
  try {
    result = otel.context.with(otel.trace.setSpan(parent, span), fn)
  } catch (err) {
    failed(err)
    throw err
  }
  const ended = <V>(value: V): V => {
    const failure = failedOf(value)
    if (failure === undefined) span.end()
    else failed(failure)
    return value
  }
  if (!isThenable(result)) return ended(result)
  return Promise.resolve(result).then(ended, (err: unknown) => {
    failed(err)
    throw err
  }) as T
}

/**
 * A signature check that runs in a `twilio.verify` span when there is an active span; the refusal
 * it returns is the span's error status.
 */
export function tracedCheck<R, P> (check: (request: R, parts: P) => Error | undefined | Promise<Error | undefined>): (request: R, parts: P) => Error | undefined | Promise<Error | undefined> {
  const otel = otelApi()
  if (otel === null) return check
  return function checkSignatureTraced (request, parts) {
    const parent = otel.context.active()
    if (otel.trace.getSpan(parent) === undefined) return check(request, parts)
    return inSpan(otel, 'twilio.verify', {}, parent, false, () => check(request, parts), itself)
  }
}

/** A rejected signature as an event of the active span (`twilio.verify`, when traced). */
export function signatureRejected (reason: string, err: Error): void {
  if (api == null) return
  api.trace.getActiveSpan()?.addEvent('twilio.signature.rejected', {
    'twilio.signature.reason': reason,
    'error.type': (err as Error & { code: string }).code
  })
}

interface DeliveryLike {
  readonly channel: { readonly channel: Channel }
  readonly status: string
  readonly sid: string
}

/**
 * `deliver`, putting the event's channel, status and Sid in the context its callbacks run in, and
 * on the active span unless the request is a batch (a duplicate that waits runs nothing).
 */
export function tracedDelivery<D extends DeliveryLike, R> (deliver: (delivery: D) => R): (delivery: D) => R {
  const otel = otelApi()
  if (otel === null) return deliver
  return function deliverTraced (delivery) {
    const active = otel.context.active()
    const span = otel.trace.getSpan(active)
    if (span === undefined) return deliver(delivery)
    const attributes: Attributes = { 'twilio.channel': delivery.channel.channel, 'twilio.status': delivery.status, 'twilio.sid': delivery.sid }
    if ((FAMILIES[delivery.channel.channel] as Family).batch !== true) span.setAttributes(attributes)
    return otel.context.with(active.setValue(kEvent, attributes), deliver, undefined, delivery)
  }
}

/** A callback that runs in a `twilio.callback <name>` span when a traced delivery runs it. */
function tracedCallback (otel: Api, name: string, fn: Callback): Callback {
  const spanName = `twilio.callback ${name}`
  return function callbackTraced (event, request) {
    const active = otel.context.active()
    const attributes = active.getValue(kEvent) as Attributes | undefined
    if (attributes === undefined) return fn(event, request)
    return inSpan(otel, spanName, { ...attributes, 'twilio.callback': name }, active, true, () => fn(event, request))
  }
}

/** The channels, their callbacks traced (the same channels without `@opentelemetry/api`). */
export function tracedChannels (channels: readonly ChannelConfig[]): readonly ChannelConfig[] {
  const otel = otelApi()
  if (otel === null) return channels
  const wrap = (name: string, fn: Callback | undefined): Callback | undefined => fn === undefined ? undefined : tracedCallback(otel, name, fn)
  return channels.map((channel) => ({
    ...channel,
    byStatus: new Map(Array.from(channel.byStatus, ([status, fn]) => [status, wrap(callbackNameIn(channel.channel, status), fn) as Callback])),
    onAny: wrap('onAny', channel.onAny),
    onStale: wrap('onStale', channel.onStale)
  }))
}
