/**
 * `replay`: put a queue's dead letters back to wait (`replayFailed`), or list them (`--dry-run`).
 * bullmq and ioredis are loaded only here, so the other commands start without them.
 */
import { once } from 'node:events'
import { MissingPackageError } from '../errors'
import { hashTag } from '../options/queue'
import { needQueuePackages, type Resolve } from '../queue/packages'
import { replayFailed } from '../queue/replay'
import { CliError, EXIT, numberOf, parseCommand, stringOf, type Values } from './args'
import { type Io, printable } from './io'

type Queue = import('bullmq').Queue
type Redis = import('ioredis').Redis | import('ioredis').Cluster
type Ioredis = typeof import('ioredis')

/** `require` (with its `resolve`), or a stand-in in tests. */
export type Load = ((id: string) => unknown) & { readonly resolve: Resolve }

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379'

const OPTIONS = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  prefix: { type: 'string' },
  limit: { type: 'string' },
  cluster: { type: 'boolean' },
  'dry-run': { type: 'boolean' }
} as const

/** Fail fast rather than wait for a Redis that is not there: one bounded attempt, every command bounded. */
const CONNECTION = {
  lazyConnect: true,
  connectTimeout: 2000,
  retryStrategy: () => null,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  commandTimeout: 5000,
  connectionName: 'fastify-twilio-status:replay'
}

/**
 * The same bounds on a Redis Cluster: one bounded attempt at the slots from the node given, no
 * reconnection to the cluster or a node (ioredis's default for nodes), each node's commands bounded.
 */
function clusterOf (ioredis: Ioredis, url: string): import('ioredis').Cluster {
  const { lazyConnect, retryStrategy, enableOfflineQueue, ...node } = CONNECTION
  const { username, password, protocol } = new URL(url)
  // The URL is the node asked for the slots; every node reached (that one too) gets redisOptions.
  // An empty username or password is none, as in a URL given to ioredis.
  return new ioredis.Cluster([url], {
    lazyConnect,
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    slotsRefreshTimeout: CONNECTION.connectTimeout,
    redisOptions: {
      ...node,
      username: decodeURIComponent(username),
      password: decodeURIComponent(password),
      ...(protocol === 'rediss:' ? { tls: {} } : {})
    }
  })
}

export function replayHelp (): string {
  return `Usage: fastify-twilio-status replay [options]

Put a queue's dead letters back: the jobs whose attempts are spent (BullMQ's failed set) go
back to wait with their attempts reset and data.replays counted, for the workers to run again.

Options:
  --redis URL   the queue's Redis: redis://[[user]:password@]host[:port][/db], or rediss://
                (default: the REDIS_URL environment variable, else ${DEFAULT_REDIS})
  --queue NAME  the queue's name, as the app's Queue and createTwilioWorker give it
                (default twilio)
  --prefix P    the queue's BullMQ key prefix, when it sets one (default BullMQ's own, bull)
  --limit N     replay at most N jobs, the most recently failed first (default 1000)
  --cluster     the queue is on a Redis Cluster: --redis names one of its nodes (no /db: a
                cluster has only db 0), and --prefix must hold the hash tag the app's Queue
                uses, e.g. --prefix '{bull}'
  --dry-run     list the failed jobs (id, name, attempts made, first line of the failure) and
                replay none
  --no-color    accepted for symmetry: replay prints no colour

Needs bullmq and ioredis (npm install bullmq ioredis). A password in the URL is never printed.

Exit status: 0 done, 1 Redis refused a command, 2 usage error or bullmq/ioredis missing, 3 Redis could
not be reached or went away.

Examples:
  fastify-twilio-status replay --dry-run
  fastify-twilio-status replay --redis redis://:secret@redis.internal:6379 --limit 100
  fastify-twilio-status replay --cluster --redis redis://10.0.0.1:7000 --prefix '{twilio}'
`
}

export interface Target {
  readonly url: string
  /** `url` with its password masked, to print. */
  readonly shown: string
  readonly queue: string
  readonly prefix?: string
  /** `url` is one node of a Redis Cluster. */
  readonly cluster: boolean
}

/** `url` with its password, if any, replaced by `***`. */
export function maskUrl (url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.href
}

/** `text` without the URL's password: a server may echo a command's arguments in its error (an unknown AUTH, say). */
function withoutPassword (text: string, url: string): string {
  const password = decodeURIComponent(new URL(url).password)
  return password === '' ? text : text.replaceAll(password, '***')
}

/** Where the queue is: `--redis`, else `REDIS_URL` (unless empty), else the local default. */
export function targetOf (values: Values, env: Readonly<Record<string, string | undefined>>): Target {
  const given = stringOf(values, 'redis')
  const url = given ?? (env.REDIS_URL || DEFAULT_REDIS)
  // The value itself is not echoed: it may hold a password.
  if (!URL.canParse(url) || !/^rediss?:$/i.test(new URL(url).protocol)) throw new CliError(`${given === undefined ? 'REDIS_URL' : '--redis'} is not a redis:// or rediss:// URL`)
  for (const flag of ['queue', 'prefix']) {
    if (stringOf(values, flag) === '') throw new CliError(`--${flag} is empty`)
  }
  const target = { url, shown: maskUrl(url), queue: stringOf(values, 'queue') ?? 'twilio', prefix: stringOf(values, 'prefix'), cluster: values.cluster === true }
  if (target.cluster) checkCluster(target)
  return target
}

/** What a Redis Cluster requires that one Redis does not: database 0, and BullMQ's hash tag (https://docs.bullmq.io/patterns/redis-cluster). */
function checkCluster ({ url, queue, prefix = 'bull' }: Target): void {
  const db = new URL(url).pathname.slice(1)
  if (db !== '' && db !== '0') throw new CliError(`--cluster: a Redis Cluster has only database 0; drop /${db} from the URL`)
  if (hashTag(`${prefix}:${queue}`) === undefined) {
    throw new CliError(`--cluster: on a Redis Cluster, BullMQ needs a hash tag in the queue's prefix so that its keys share a slot; give the prefix the app's Queue and workers use, e.g. --prefix '{${prefix}}' (got prefix ${JSON.stringify(prefix)} and queue ${JSON.stringify(queue)})`)
  }
}

/** bullmq and ioredis (optional peer dependencies), or a usage error naming the missing ones and how to install them. */
function loadQueuePackages (load: Load): { Queue: typeof import('bullmq').Queue, ioredis: Ioredis } {
  try {
    needQueuePackages('replay', load.resolve)
  } catch (err) {
    if (!(err instanceof MissingPackageError)) throw err
    throw new CliError(err.message)
  }
  return { Queue: (load('bullmq') as typeof import('bullmq')).Queue, ioredis: load('ioredis') as Ioredis }
}

const ignore = (): void => {}

async function connect (client: Redis, target: Target): Promise<void> {
  try {
    // connect() rejects with a bare "Connection is closed."; the cause (ECONNREFUSED, ETIMEDOUT,
    // WRONGPASS) is emitted as 'error', which rejects once() first.
    await Promise.all([once(client, 'ready'), client.connect()])
  } catch (err) {
    // A cluster's is "Failed to refresh slots cache.", with the last node's error (a refused AUTH, say).
    const { message, lastNodeError } = err as Error & { lastNodeError?: Error }
    const why = `${message}${lastNodeError === undefined ? '' : ` (${lastNodeError.message})`}`
    throw new CliError(`cannot reach Redis at ${target.shown}: ${withoutPassword(why, target.url)}`, EXIT.unreachable)
  }
}

/** List (`dryRun`) or replay the failed jobs; prints what was done. */
async function work (queue: Queue, target: Target, limit: number, dryRun: boolean, io: Io): Promise<void> {
  const total = await queue.getFailedCount()
  const where = `failed jobs in queue "${target.queue}"`
  if (!dryRun) {
    const replayed = await replayFailed(queue, { limit })
    io.stdout(`${replayed} of ${total} ${where} replayed: back in wait, attempts reset\n`)
    return
  }
  // The range replayFailed takes; a job removed meanwhile comes back undefined.
  const jobs = (await queue.getFailed(0, limit - 1)).filter((job) => job !== undefined)
  // A job's id, name and failure are whatever was written to Redis: shown, never obeyed by the terminal.
  for (const job of jobs) io.stdout(printable(`${job.id}  ${job.name}  attempts ${job.attemptsMade}  ${job.failedReason.split('\n')[0]}`) + '\n')
  io.stdout(`${jobs.length} of ${total} ${where} listed; --dry-run: none replayed\n`)
}

/** `replay`: exit 0 once the failed jobs are replayed (or listed). */
export async function runReplay (argv: readonly string[], io: Io, load: Load = require): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS)
  if (values.help === true) {
    io.stdout(replayHelp())
    return EXIT.ok
  }
  if (positionals.length > 0) throw new CliError(`unexpected ${JSON.stringify(positionals[0])}: replay takes only options`)
  const target = targetOf(values, io.env)
  const limit = numberOf(values, 'limit', 1000, 1, 1_000_000)
  const { Queue, ioredis } = loadQueuePackages(load)
  const client = target.cluster ? clusterOf(ioredis, target.url) : new ioredis.Redis(target.url, CONNECTION)
  // Every failure reaches us as a rejected command; without a listener ioredis prints each one.
  client.on('error', ignore)
  try {
    await connect(client, target)
    // A connection given to BullMQ is ours to close, never the Queue's.
    const queue = new Queue(target.queue, { connection: client, ...(target.prefix === undefined ? {} : { prefix: target.prefix }) })
    queue.on('error', ignore)
    try {
      await work(queue, target, limit, values['dry-run'] === true, io)
    } catch (err) {
      // A connection lost on the way is Redis out of reach; anything else is Redis refusing.
      const lost = client.status !== 'ready'
      throw new CliError(`Redis at ${target.shown}${lost ? ' went away' : ''}: ${withoutPassword((err as Error).message, target.url)}`, lost ? EXIT.unreachable : EXIT.failed)
    } finally {
      await queue.close().catch(ignore)
    }
  } finally {
    client.disconnect()
  }
  return EXIT.ok
}
