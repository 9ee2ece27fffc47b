/**
 * Type tests (tsd) of queue mode: a BullMQ `Queue` is what the `queue` option takes, a worker's
 * callbacks get the same narrowed events with the job's context in place of the request, and a
 * wrong option is an error. `npm run build && npx tsd`.
 */
import Fastify from 'fastify'
import { Queue } from 'bullmq'
import { Cluster } from 'ioredis'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import twilioStatus, { createQueueStats, createTwilioWorker, queueLag, replayFailed, type QueueStats, type TwilioJobContext, type TwilioWorker } from '..'

const connection = { host: '127.0.0.1', port: 6379 }
const queue = new Queue('twilio', { connection })
const app = Fastify()

app.register(twilioStatus, { authToken: 'token', queue, sms: {} })
app.register(twilioStatus, { authToken: 'token', queue: { queue, attempts: 3, backoff: 500, timeout: 1000, jobOptions: { priority: 1 }, stats: createQueueStats() }, sms: {} })
expectError(app.register(twilioStatus, { authToken: 'token', queue: { attempts: 3 }, sms: {} }))
expectError(app.register(twilioStatus, { authToken: 'token', queue: { queue, attempts: '3' }, sms: {} }))
expectError(app.register(twilioStatus, { authToken: 'token', queue: 'redis://localhost', sms: {} }))

const worker = createTwilioWorker({
  connection: { ...connection, maxRetriesPerRequest: null },
  concurrency: 5,
  ordering: true,
  sms: {
    onDelivered: async (event, job) => {
      expectType<'delivered'>(event.MessageStatus)
      expectType<string>(event.MessageSid)
      expectType<TwilioJobContext>(job)
      expectType<number>(job.attemptsMade)
      expectType<true | undefined>(job.reconciled)
    },
    onAny: (event) => { expectType<string>(event.MessageSid) }
  },
  call: {
    onCompleted: (event) => { expectType<'completed'>(event.CallStatus) }
  }
})
expectType<TwilioWorker>(worker)

// On a Redis Cluster: an ioredis Cluster for the Queue, the worker and the RedisStore, no cast.
const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], { redisOptions: { maxRetriesPerRequest: null } })
app.register(twilioStatus, { authToken: 'token', queue: new Queue('twilio', { connection: cluster, prefix: '{twilio}' }), store: new twilioStatus.RedisStore({ client: cluster }), sms: {} })
expectType<TwilioWorker>(createTwilioWorker({ connection: cluster, prefix: '{twilio}', sms: {} }))
expectAssignable<twilioStatus.RedisClient>(cluster)
expectType<QueueStats>(worker.queueStats)
expectType<Promise<void>>(worker.close({ timeout: 1000 }))

expectError(createTwilioWorker({ connection, sms: { onDelivred: () => {} } }))
expectError(createTwilioWorker({ connection, sms: { path: '/x' } }))
expectError(createTwilioWorker({ connection, concurrency: '5' }))
expectError(createTwilioWorker({ sms: {} }))

expectType<Promise<number>>(replayFailed(queue, { limit: 10 }))
expectType<Promise<number>>(queueLag(queue))
expectAssignable<Parameters<typeof replayFailed>[0]>(queue)
expectNotAssignable<Parameters<typeof replayFailed>[0]>({ add: async () => {} })
