/**
 * Queue mode's processing side: a BullMQ worker running the plugin's callbacks through the same
 * delivery code and a store shared by every worker. A failing callback fails the job for BullMQ to retry.
 */
import { createDelivery, type Delivery } from './delivery/delivery'
import { DeadlineError, InProgressError } from './errors'
import { withTimeout } from './timeout'
import { accountOf, FAMILIES } from './families/index'
import type { Family } from './families/family'
import { parseJsonParams } from './families/json'
import { RedisStore } from './stores/redis'
import type { RedisClient, TwilioJobContext, TwilioJobData, TwilioWorker, TwilioWorkerOptions } from '../types/index'
import { needQueuePackages } from './queue/packages'
import { normalizeWorkerOptions } from './options/worker'

type BullMQ = typeof import('bullmq')
type Job = import('bullmq').Job<TwilioJobData>

/** How long a job whose event another worker holds waits before it looks again, ms. */
const HELD_DELAY = 1000

/** The default store's client: its own connection to the worker's Redis, closed with the worker. */
function ownRedisClient (connection: unknown): RedisClient & { quit: () => Promise<unknown> } {
  if (typeof (connection as { duplicate?: unknown }).duplicate === 'function') {
    return (connection as { duplicate: () => RedisClient & { quit: () => Promise<unknown> } }).duplicate()
  }
  const { Redis } = require('ioredis') as typeof import('ioredis')
  return new Redis(connection as import('ioredis').RedisOptions)
}

/**
 * What BullMQ keeps as the job's `failedReason` and stack: the callback's own error, not only
 * `FST_TWILIO_CALLBACK_FAILED`, so the failed set (and a dashboard) says what went wrong.
 */
function jobError (err: Error): Error {
  const { cause } = err
  if (cause === undefined) return err
  const wrapped = new Error(`${err.message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause: err })
  wrapped.stack = `${wrapped.message}\n${cause instanceof Error ? cause.stack : err.stack}`
  return wrapped
}

export function createTwilioWorker (options: TwilioWorkerOptions): TwilioWorker {
  const config = normalizeWorkerOptions(options)
  needQueuePackages('fastify-twilio-status createTwilioWorker')
  const bullmq = require('bullmq') as BullMQ
  const { logger, queueStats, timeout } = config
  const client = config.delivery.store === null ? ownRedisClient(config.connection) : null
  const store = config.delivery.store ?? new RedisStore({ client: client as RedisClient })
  const deliver = createDelivery({ ...config.delivery, store })

  /** Jobs running in this process, to give back at close. */
  const running = new Map<Job, string | undefined>()

  async function processJob (job: Job, token?: string): Promise<string> {
    running.set(job, token)
    try {
      return await processEvent(job, token)
    } finally {
      running.delete(job)
    }
  }

  async function processEvent (job: Job, token?: string): Promise<string> {
    // Set by BullMQ when the job became active.
    queueStats.lag = (job.processedOn as number) - job.timestamp
    const { channel, status, sid } = job.data
    const channelConfig = config.channels.get(channel)
    if (channelConfig === undefined) throw new bullmq.UnrecoverableError(`this worker has no ${channel} callbacks`)
    // Prototype-free, as the plugin's parser makes them: a `constructor` parameter is a parameter.
    const event = Object.assign(Object.create(null) as Record<string, unknown>, job.data.event)
    // The JSON texts, parsed again as the receiver parsed them (and logged any that does not parse):
    // `parsed` is not serialized.
    const { jsonParams }: Family = FAMILIES[channel]
    if (jsonParams !== undefined) parseJsonParams(event, jsonParams)
    const context: TwilioJobContext = { log: logger.child({ jobId: job.id, sid, status }), id: job.id as string, attemptsMade: job.attemptsMade }
    if (job.data.reconciled === true) Object.assign(context, { reconciled: true })
    // The account as the receiver read it from the same parameters: the job's id was made with it.
    const delivery: Delivery = { channel: channelConfig, account: accountOf(event, '', channel), status, sid, event, request: context }
    try {
      // Past `timeout` the attempt fails; the callbacks go on, and the delivery records their outcome.
      await withTimeout(deliver(delivery), timeout, () => new DeadlineError(sid, status, timeout))
    } catch (err) {
      // Another worker holds the event (it runs it now, or died holding it until `pendingTtl`):
      // look again later without spending an attempt.
      if (err instanceof InProgressError && token !== undefined) {
        await job.moveToDelayed(Date.now() + HELD_DELAY, token)
        throw new bullmq.DelayedError()
      }
      throw jobError(err as Error)
    }
    queueStats.processed++
    if ((job.data.replays ?? 0) > 0) queueStats.replayed++
    return 'handled'
  }

  const worker = new bullmq.Worker<TwilioJobData, string>(config.queueName, processJob, {
    concurrency: config.concurrency,
    ...config.workerOptions
  } as import('bullmq').WorkerOptions)
  // BullMQ types the job as possibly undefined; a worker's own failed event always has it.
  worker.on('failed', (failedJob, err) => {
    const job = failedJob as Job
    const dead = typeof job.finishedOn === 'number'
    if (dead) queueStats.failed++
    else queueStats.retried++
    const fields = { err, jobId: job.id, sid: job.data.sid, status: job.data.status, attemptsMade: job.attemptsMade }
    if (dead) logger.error(fields, 'fastify-twilio-status: attempts exhausted, event kept in the failed set')
    else logger.warn(fields, 'fastify-twilio-status: callbacks failed, job will be retried')
  })
  worker.on('error', (err) => { logger.error({ err }, 'fastify-twilio-status: worker error') })

  return {
    worker,
    stats: config.delivery.stats,
    queueStats,
    async waitUntilReady () {
      await worker.waitUntilReady()
    },
    async close ({ timeout: grace = 10_000 } = {}) {
      // Take no more jobs; let the running ones finish within `grace`.
      await worker.pause(true)
      const end = Date.now() + grace
      while (running.size > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
      if (running.size > 0) {
        logger.warn({ grace, jobs: running.size }, 'fastify-twilio-status: jobs still running at close, given back to the queue')
        for (const [job, token] of running) {
          await job.moveToWait(token).catch((err: unknown) => { logger.error({ err, jobId: job.id }, 'fastify-twilio-status: could not give a job back; BullMQ will find it stalled') })
        }
      }
      await worker.close(true)
      await client?.quit().catch(() => {})
    }
  }
}
