import t from 'tap'
import { dispatch } from '../../lib/dispatch/dispatch'
import type { Callback } from '../../lib/config'

const event = Object.freeze({ MessageSid: 'SM123', MessageStatus: 'delivered' })
const request = Object.freeze({ id: 'req-1' })

/** A callback that records its calls and answers with `answer()`. */
function spy (answer: () => unknown = () => undefined) {
  const calls: Array<[unknown, unknown]> = []
  const fn: Callback = (e, r) => {
    calls.push([e, r])
    return answer()
  }
  return { fn, calls }
}

/** A promise and the functions that settle it, to hold a callback open. */
function deferred<T> () {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

t.test('passes the event and the request to the status callback and to onAny', async (t) => {
  const own = spy()
  const any = spy()
  await dispatch(own.fn, any.fn, 'SM123', 'delivered', event, request)
  t.same(own.calls, [[event, request]])
  t.same(any.calls, [[event, request]])
  t.equal(own.calls[0][0], event, 'the same event object, not a copy')
})

t.test("resolves with the status callback's return value", async (t) => {
  t.equal(await dispatch(() => '<Response/>', undefined, 'SM123', 'delivered', event, request), '<Response/>')
})

t.test("resolves with what the status callback's promise resolves to", async (t) => {
  t.equal(await dispatch(async () => '<Response><Message>hi</Message></Response>', () => 'ignored', 'SM123', 'delivered', event, request),
    '<Response><Message>hi</Message></Response>')
})

t.test("ignores onAny's return value", async (t) => {
  t.equal(await dispatch(() => undefined, () => '<Response/>', 'SM123', 'delivered', event, request), undefined)
})

t.test('runs onAny alone when the status has no callback (an unknown status)', async (t) => {
  const any = spy(() => '<Response/>')
  t.equal(await dispatch(undefined, any.fn, 'SM123', 'future_status', event, request), undefined)
  t.same(any.calls, [[event, request]])
})

t.test('resolves with undefined when there is no callback at all', async (t) => {
  t.equal(await dispatch(undefined, undefined, 'SM123', 'delivered', event, request), undefined)
})

t.test('runs onAny when the status callback throws synchronously, then rejects with FST_TWILIO_CALLBACK_FAILED', async (t) => {
  const boom = new Error('boom')
  const any = spy()
  const err = await dispatch(() => { throw boom }, any.fn, 'SM123', 'delivered', event, request).catch((e: unknown) => e)
  t.equal(any.calls.length, 1)
  t.match(err, {
    name: 'FastifyError',
    code: 'FST_TWILIO_CALLBACK_FAILED',
    statusCode: 500,
    message: 'Callback failed for SM123 (delivered)'
  })
  t.equal((err as Error).cause, boom, 'cause is the original error')
})

t.test('runs onAny when the status callback rejects', async (t) => {
  const boom = new Error('rejected')
  const any = spy()
  const err = await dispatch(async () => { throw boom }, any.fn, 'CA1', 'no-answer', event, request).catch((e: unknown) => e)
  t.equal(any.calls.length, 1)
  t.match(err, { code: 'FST_TWILIO_CALLBACK_FAILED', message: 'Callback failed for CA1 (no-answer)' })
  t.equal((err as Error).cause, boom)
})

t.test('runs the status callback when onAny throws synchronously', async (t) => {
  const boom = new Error('onAny threw')
  const own = spy(() => '<Response/>')
  const err = await dispatch(own.fn, () => { throw boom }, 'SM123', 'sent', event, request).catch((e: unknown) => e)
  t.equal(own.calls.length, 1)
  t.match(err, { code: 'FST_TWILIO_CALLBACK_FAILED' })
  t.equal((err as Error).cause, boom)
})

t.test('runs the status callback to the end when onAny rejects first', async (t) => {
  const boom = new Error('onAny rejected')
  const gate = deferred<string>()
  let ownFinished = false
  const pending = dispatch(async () => {
    const value = await gate.promise
    ownFinished = true
    return value
  }, async () => { throw boom }, 'SM123', 'sent', event, request).catch((e: unknown) => e)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(ownFinished, false, 'still waiting for the status callback')
  gate.resolve('<Response/>')
  const err = await pending
  t.equal(ownFinished, true)
  t.equal((err as Error).cause, boom)
})

t.test('gathers two failures into an AggregateError cause holding both', async (t) => {
  const ownErr = new Error('own')
  const anyErr = new TypeError('any')
  const err = await dispatch(async () => { throw ownErr }, () => { throw anyErr }, 'SM123', 'failed', event, request)
    .catch((e: unknown) => e) as Error
  t.match(err, { code: 'FST_TWILIO_CALLBACK_FAILED', statusCode: 500 })
  t.type(err.cause, AggregateError)
  const cause = err.cause as AggregateError
  // onAny fails first (synchronously), the status callback's rejection after it.
  t.equal(cause.message, '2 callbacks failed: any; own', 'each cause is named in the message that is logged')
  t.equal(cause.errors.length, 2)
  t.ok(cause.errors.includes(ownErr), 'has the status callback error')
  t.ok(cause.errors.includes(anyErr), 'has the onAny error')
})

t.test('names thrown non-Error values in the gathered message without calling their toString', async (t) => {
  const bare = Object.create(null) as object
  const err = await dispatch(() => { throw 'plain text' }, () => { throw bare }, 'SM123', 'sent', event, request) // eslint-disable-line no-throw-literal
    .catch((e: unknown) => e) as Error
  t.equal((err.cause as AggregateError).message, '2 callbacks failed: plain text; a non-Error object')
})

t.test('keeps a thrown non-Error value as the cause', async (t) => {
  const notAnError: unknown = 'a string'
  const err = await dispatch(() => { throw notAnError }, undefined, 'SM123', 'sent', event, request)
    .catch((e: unknown) => e) as Error
  t.equal(err.cause, 'a string')
})

t.test('a slow status callback does not delay the start of onAny', async (t) => {
  const gate = deferred<string>()
  let anyStarted = false
  let settled = false
  const pending = dispatch(() => gate.promise, () => { anyStarted = true }, 'SM123', 'delivered', event, request)
  pending.then(() => { settled = true }, () => { settled = true })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(anyStarted, true, 'onAny ran while the status callback is pending')
  t.equal(settled, false, 'dispatch waits for the status callback')
  gate.resolve('<Response/>')
  t.equal(await pending, '<Response/>')
})

t.test('waits for a slow onAny before resolving', async (t) => {
  const gate = deferred<void>()
  let settled = false
  const pending = dispatch(() => 'own', () => gate.promise, 'SM123', 'delivered', event, request)
  pending.then(() => { settled = true }, () => { settled = true })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(settled, false)
  gate.resolve()
  t.equal(await pending, 'own')
})

t.test('starts the status callback before onAny', async (t) => {
  const order: string[] = []
  await dispatch(() => { order.push('own') }, () => { order.push('any') }, 'SM123', 'delivered', event, request)
  t.same(order, ['own', 'any'])
})
