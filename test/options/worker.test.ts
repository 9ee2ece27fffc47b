/**
 * `createTwilioWorker`'s options, checked when the worker is created, and its default logger.
 */
import t from 'tap'
import { normalizeWorkerOptions } from '../../lib/options/worker'
import { MemoryStore } from '../../lib/stores/memory'
import type { TwilioWorkerOptions } from '../../types/index'

t.test('worker options: checked, with defaults', async (t) => {
  const base = { connection: { host: '127.0.0.1' }, sms: {} }
  const config = normalizeWorkerOptions(base)
  t.match(config, { queueName: 'twilio', concurrency: 1, timeout: 30_000, delivery: { store: null, doneTtl: 86_400_000, pendingTtl: 60_000, orderingTtl: null, storeTimeout: 1000 } })
  t.same(config.workerOptions, { connection: base.connection })
  t.same([...config.channels.keys()], ['sms'])
  const store = new MemoryStore()
  const full = normalizeWorkerOptions({ ...base, queueName: 'q', prefix: 'p', concurrency: 5, timeout: 120_000, store, idempotency: false, ordering: true, storeTimeout: 50, workerOptions: { stalledInterval: 5000 }, call: {} })
  t.match(full, { queueName: 'q', concurrency: 5, timeout: 120_000, delivery: { store, doneTtl: null, orderingTtl: 86_400_000, storeTimeout: 50 } })
  t.same(full.workerOptions, { connection: base.connection, prefix: 'p', stalledInterval: 5000 })

  const cases: Array<[unknown, RegExp]> = [
    [null, /\(worker options\) must be an object/],
    [{ ...base, conection: 1 }, /unknown option conection; did you mean connection\?/],
    [{ sms: {} }, /option connection must be ioredis options/],
    [{ ...base, connection: null }, /option connection/],
    [{ ...base, queueName: '' }, /option queueName must be a non-empty string/],
    [{ ...base, workerOptions: 1 }, /option workerOptions must be an object/],
    [{ ...base, prefix: 1 }, /option prefix must be a string/],
    [{ ...base, logger: {} }, /option logger must be a pino-like logger/],
    [{ ...base, logger: { error () {} } }, /option logger/],
    [{ ...base, logger: { error () {}, warn () {} } }, /option logger/],
    [{ connection: {} }, /at least one channel \(sms, call, recording/],
    [{ ...base, sms: { onDelivred () {} } }, /unknown option sms\.onDelivred/],
    [{ ...base, eventStreams: {} }, /unknown option eventStreams/],
    [{ ...base, sms: { path: '/sms' } }, /option sms\.path must be absent: a worker has no routes/],
    [{ ...base, concurrency: 0 }, /option concurrency/],
    [{ ...base, timeout: 10 }, /option timeout/],
    [{ ...base, timeout: 60_000 }, /option timeout must be less than idempotency\.pendingTtl \(60000 ms\)/],
    [{ ...base, store: {} }, /option store must be a store/],
    [{ ...base, queueStats: {} }, /option queueStats must be an object made by createQueueStats/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => normalizeWorkerOptions(value as TwilioWorkerOptions), { code: 'FST_TWILIO_INVALID_OPTION', message }, String(message))
  }
})

t.test('the default worker logger writes warnings and errors to stderr as JSON lines', async (t) => {
  const { logger } = normalizeWorkerOptions({ connection: {}, sms: {} })
  const lines: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((chunk: string) => { lines.push(String(chunk)); return true }) as typeof process.stderr.write
  try {
    logger.info('not written')
    logger.debug('not written')
    logger.trace('not written')
    logger.silent('not written')
    logger.warn('plain text')
    logger.child({ jobId: 'j1' }).error({ err: new Error('boom'), sid: 'SM1' }, 'failed')
    logger.fatal({ err: 'not an Error' }, 'fatal')
  } finally {
    process.stderr.write = write
  }
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  t.match(parsed, [
    { level: 'warn', msg: 'plain text', name: 'fastify-twilio-status' },
    { level: 'error', msg: 'failed', jobId: 'j1', sid: 'SM1', err: { message: 'boom', stack: /boom/ } },
    { level: 'fatal', err: 'not an Error' }
  ])
  t.equal(logger.level, 'warn')
})
