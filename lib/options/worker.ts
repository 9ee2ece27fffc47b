/** `createTwilioWorker`'s options, checked once and normalised as the plugin's are. */
import type { FastifyBaseLogger } from 'fastify'
import type { ChannelConfig, DeliveryConfig } from '../config'
import { type FormChannel, CHANNELS } from '../families/index'
import { counters, fail, integer, isPlainObject, rejectUnknownKeys } from './checks'
import { checkChannel, checkStore, checkTtls, createStats } from './index'
import type { QueueStats, StatusStore, TwilioWorkerOptions } from '../../types/index'
import { checkClusterPrefix, createQueueStats } from './queue'

const FORM_CHANNELS = CHANNELS.filter((c): c is FormChannel => c !== 'eventStreams')
const KEYS = ['connection', 'queueName', 'prefix', 'concurrency', 'timeout', 'store', 'idempotency', 'ordering',
  'storeTimeout', 'stats', 'queueStats', 'logger', 'workerOptions', ...FORM_CHANNELS]

/** Errors and warnings to stderr as JSON lines, the rest dropped: the default worker logger. */
function stderrLogger (bindings: Record<string, unknown> = {}): FastifyBaseLogger {
  const write = (level: string) => (obj: unknown, msg?: string) => {
    const fields = typeof obj === 'string' ? { msg: obj } : { ...(obj as Record<string, unknown>), msg }
    const err = (fields as { err?: unknown }).err
    if (err instanceof Error) (fields as { err?: unknown }).err = { message: err.message, stack: err.stack }
    process.stderr.write(JSON.stringify({ level, time: Date.now(), ...bindings, ...fields }) + '\n')
  }
  const quiet = (): void => {}
  return {
    level: 'warn',
    fatal: write('fatal'),
    error: write('error'),
    warn: write('warn'),
    info: quiet,
    debug: quiet,
    trace: quiet,
    silent: quiet,
    child: (more: Record<string, unknown>) => stderrLogger({ ...bindings, ...more })
  } as unknown as FastifyBaseLogger
}

export interface WorkerConfig {
  readonly queueName: string
  readonly connection: unknown
  readonly concurrency: number
  readonly timeout: number
  readonly channels: ReadonlyMap<string, ChannelConfig>
  readonly delivery: Omit<DeliveryConfig, 'store'> & { readonly store: StatusStore | null }
  readonly queueStats: QueueStats
  readonly logger: FastifyBaseLogger
  readonly workerOptions: Record<string, unknown>
}

export function normalizeWorkerOptions (options: TwilioWorkerOptions): WorkerConfig {
  if (!isPlainObject(options)) fail('(worker options)', 'an object', options)
  rejectUnknownKeys('', options, KEYS)
  if (options.connection === undefined || options.connection === null) fail('connection', 'ioredis options or an ioredis instance', options.connection)
  const queueName = options.queueName ?? 'twilio'
  if (typeof queueName !== 'string' || queueName === '') fail('queueName', 'a non-empty string', queueName)
  if (options.workerOptions !== undefined && !isPlainObject(options.workerOptions)) fail('workerOptions', 'an object of BullMQ Worker options', options.workerOptions)
  if (options.prefix !== undefined && typeof options.prefix !== 'string') fail('prefix', 'a string', options.prefix)
  checkClusterPrefix('prefix', options.connection, String(options.workerOptions?.prefix ?? options.prefix ?? 'bull'), queueName)
  const logger = options.logger ?? stderrLogger({ name: 'fastify-twilio-status' })
  if (typeof logger?.error !== 'function' || typeof logger.warn !== 'function' || typeof logger.info !== 'function') fail('logger', 'a pino-like logger', logger)
  const given = options as unknown as Record<string, unknown>
  const channels = new Map<string, ChannelConfig>()
  for (const channel of FORM_CHANNELS) {
    // A worker serves no routes: a `path` here is a plugin option given to the wrong place.
    if ((given[channel] as { path?: unknown } | undefined)?.path !== undefined) fail(`${channel}.path`, 'absent: a worker has no routes', (given[channel] as { path: unknown }).path)
    const config = checkChannel(channel, given[channel])
    if (config !== null) channels.set(channel, config)
  }
  if (channels.size === 0) fail('sms/call', `given: at least one channel (${FORM_CHANNELS.join(', ')})`, undefined)
  const ttls = checkTtls(options)
  const timeout = integer('timeout', options.timeout, 30_000, 100, 3_600_000)
  // A claim that expires while its attempt may still run lets another worker run the event too.
  if (ttls.doneTtl !== null && timeout >= ttls.pendingTtl) fail('timeout', `less than idempotency.pendingTtl (${ttls.pendingTtl} ms)`, timeout)
  return {
    queueName,
    connection: options.connection,
    concurrency: integer('concurrency', options.concurrency, 1, 1, 10_000),
    timeout,
    channels,
    delivery: {
      store: options.store === undefined ? null : checkStore(options.store),
      ...ttls,
      // The worker keeps its own per-job timeout; the delivery's deadline only has to be longer.
      deadline: 2 ** 31 - 1,
      storeTimeout: integer('storeTimeout', options.storeTimeout, 1000, 10, 60_000),
      stats: counters('stats', options.stats, createStats)
    },
    queueStats: counters('queueStats', options.queueStats, createQueueStats),
    logger,
    workerOptions: {
      connection: options.connection,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...options.workerOptions
    }
  }
}
