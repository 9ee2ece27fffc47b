/** Queue mode: the parts of BullMQ the plugin and its workers use, jobs, and their counters. */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { AmdOptions, CallOptions, ConferenceOptions, RealtimeTranscriptionOptions, RecordingOptions, SmsOptions, TranscriptionOptions } from './callbacks'
import type { DebuggerOptions, TaskRouterOptions, VerifyPushOptions } from './callbacks'
import type { Stats } from './delivery'
import type { FormChannel } from './statuses'
import type { IdempotencyOptions, OrderingOptions, StatusStore } from './stores'

/**
 * The part of a BullMQ `Queue` the plugin uses to enqueue. Structural, so that these types never
 * need bullmq installed: a `new Queue(name, { connection })` fits.
 */
export interface TwilioQueue {
  add (name: string, data: TwilioJobData, opts?: Record<string, unknown>): Promise<unknown>
}

/** The `queue` option in full. */
export interface QueueOptions {
  readonly queue: TwilioQueue
  /** Attempts per event before it stays in the failed set (the dead letters), 1–100. Default 8. */
  readonly attempts?: number
  /** First retry delay, ms, doubled at each attempt (BullMQ's exponential backoff). Default 1000. */
  readonly backoff?: number
  /** How long Redis may take to acknowledge an add before the event is processed inline, ms. Default 2000. */
  readonly timeout?: number
  /** More BullMQ job options, merged over the defaults (`removeOnComplete`, `priority`, …). */
  readonly jobOptions?: Readonly<Record<string, unknown>>
  /** Counters updated in place (`enqueued`, `fallbacks`); make one with `createQueueStats()`. */
  readonly stats?: QueueStats
}

/** A queued event: what the receiver verified, as the worker gets it. */
export interface TwilioJobData {
  readonly channel: FormChannel
  readonly status: string
  readonly sid: string
  /** Twilio's parameters, as the plugin parsed them (a repeated name is an array). */
  readonly event: Readonly<Record<string, string | readonly string[]>>
  /** How often `replayFailed` has put it back. */
  readonly replays?: number
  /** Read from Twilio's REST API by `reconcile`, not received as a callback. */
  readonly reconciled?: true
}

/** What a worker's callback gets in place of the request. */
export interface TwilioJobContext {
  /** The worker's logger, bound to the job id, Sid and status. */
  readonly log: FastifyBaseLogger
  /** The BullMQ job id (the event's idempotency key, percent-encoded). */
  readonly id: string
  /** Attempts made before this one (0 on the first). */
  readonly attemptsMade: number
  /** Present for an event read from Twilio's REST API by `reconcile`, not received as a callback. */
  readonly reconciled?: true
}

/** Queue mode's counters, updated in place (the receiver's `queue.stats`, a worker's `queueStats`). */
export interface QueueStats {
  /** Events added to the queue by this receiver (a redelivery's add counts, though BullMQ keeps one job). */
  enqueued: number
  /** Events processed inline because the add failed or timed out. */
  fallbacks: number
  /** Jobs whose callbacks succeeded (or found the event handled already). */
  processed: number
  /** Failed attempts that will be retried. */
  retried: number
  /** Jobs whose attempts are exhausted: now in the failed set. */
  failed: number
  /** Replayed jobs that then succeeded. */
  replayed: number
  /** How long the last job started by this worker had waited in the queue, ms. */
  lag: number
}

/** A channel's callbacks as a worker runs them: the same events, the job's context for the request. */
export type WorkerCallbacks<O> = {
  readonly [K in keyof O as K extends 'path' ? never : K]: O[K] extends ((event: infer E, request: FastifyRequest) => unknown) | undefined
    ? (event: E, job: TwilioJobContext) => unknown
    : O[K]
}

export interface TwilioWorkerOptions {
  /**
   * ioredis options (with `maxRetriesPerRequest: null`, as BullMQ requires) or an ioredis instance:
   * a `Redis`, or a `Cluster` (with `redisOptions: { maxRetriesPerRequest: null }`).
   */
  readonly connection: unknown
  /** The queue's name, as given to the receiver's `Queue`. Default `twilio`. */
  readonly queueName?: string
  /** BullMQ key prefix, if the queue uses one. On a Redis Cluster, required with a hash tag (`{twilio}`), the same as the `Queue`'s. */
  readonly prefix?: string
  /** Jobs run at once by this worker. Default 1. */
  readonly concurrency?: number
  /** An attempt still running after this long fails (and is retried), ms. Default 30000. */
  readonly timeout?: number
  /**
   * Shared by every worker for idempotency and ordering. Default: a `RedisStore` on the worker's
   * own connection. A `MemoryStore` is right only for a single worker process.
   */
  readonly store?: StatusStore
  readonly idempotency?: boolean | IdempotencyOptions
  readonly ordering?: boolean | OrderingOptions
  /** Treat a store call as failed after this long, ms. Default 1000. */
  readonly storeTimeout?: number
  /** Delivery counters (`dispatched`, `duplicates`, `stale`, …); make one with `createStats()`. */
  readonly stats?: Stats
  /** Queue counters (`processed`, `retried`, `failed`, `replayed`, `lag`); make one with `createQueueStats()`. */
  readonly queueStats?: QueueStats
  /** A pino-like logger. Default: warnings and errors to stderr as JSON lines. */
  readonly logger?: FastifyBaseLogger
  /** More BullMQ `Worker` options (`lockDuration`, `stalledInterval`, `limiter`, …). */
  readonly workerOptions?: Readonly<Record<string, unknown>>
  readonly sms?: WorkerCallbacks<SmsOptions>
  readonly call?: WorkerCallbacks<CallOptions>
  readonly recording?: WorkerCallbacks<RecordingOptions>
  readonly transcription?: WorkerCallbacks<TranscriptionOptions>
  readonly realtimeTranscription?: WorkerCallbacks<RealtimeTranscriptionOptions>
  readonly amd?: WorkerCallbacks<AmdOptions>
  readonly conference?: WorkerCallbacks<ConferenceOptions>
  readonly taskrouter?: WorkerCallbacks<TaskRouterOptions>
  readonly verify?: WorkerCallbacks<VerifyPushOptions>
  readonly debugger?: WorkerCallbacks<DebuggerOptions>
}

/** The part of a BullMQ `Worker` a host usually touches. */
export interface BullWorkerLike {
  on (event: string, listener: (...args: never[]) => void): unknown
  isRunning (): boolean
}

export interface TwilioWorker {
  /** The BullMQ `Worker` itself (cast it to bullmq's `Worker` for its whole API). */
  readonly worker: BullWorkerLike
  readonly stats: Stats
  readonly queueStats: QueueStats
  /** Resolves once the worker is connected to Redis. */
  waitUntilReady (): Promise<void>
  /**
   * Graceful shutdown: take no new jobs, let running ones finish within `timeout` ms (default
   * 10000), give the rest back to the queue for another worker, then close.
   */
  close (options?: { readonly timeout?: number }): Promise<void>
}

/** A failed job as `replayFailed` reads it. */
export interface FailedJobLike {
  readonly data: TwilioJobData
  updateData (data: TwilioJobData): Promise<unknown>
  retry (state: 'failed', opts: { resetAttemptsMade: boolean, resetAttemptsStarted: boolean }): Promise<unknown>
}

/** The part of a BullMQ `Queue` that `replayFailed` and `queueLag` read. */
export interface TwilioQueueReader {
  getFailed (start: number, end: number): Promise<Array<FailedJobLike | undefined>>
  getJobs (types: Array<'wait'>, start: number, end: number, asc: boolean): Promise<Array<{ readonly timestamp: number } | undefined>>
}
