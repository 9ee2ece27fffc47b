/**
 * A real Redis for tests: `REDIS_URL` when set (`npm test` sets it), else a `redis-server` from
 * PATH started here on a free loopback port, with no persistence, and stopped by PID.
 * No Redis at all is a failure, never a skip: startRedis() rejects with how to get one.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import Redis from 'ioredis'

export interface TestRedis {
  readonly url: string
  client (): Redis
  stop (): Promise<void>
}

async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/** What to do when there is no Redis, at the start of every such error. */
export const NO_REDIS = 'no Redis for the tests: run them through `npm test` (it provides one), set REDIS_URL, or install redis-server (apt-get install redis-server)'

export interface StartRedisOptions {
  /** The server to use; default `process.env.REDIS_URL`. Empty: start one. */
  url?: string | undefined
  /** The executable started when there is no URL; default `redis-server`, looked up on PATH. */
  binary?: string
}

/** `failed()` is the reason the server we started can no longer answer, if it cannot. */
async function waitForPing (url: string, failed: () => Error | undefined = () => undefined): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const failure = failed()
    if (failure !== undefined) throw failure
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    // A refused connection while the server starts is expected: connect() rejects with it, and
    // without a listener ioredis also prints "[ioredis] Unhandled error event".
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    } finally {
      probe.disconnect()
    }
  }
  throw new Error(`redis at ${url} did not answer PING`)
}

/**
 * Reads `process.env.REDIS_URL` synchronously, before its first await. Rejects (never throws
 * inside an event listener) when the server cannot be started or does not answer.
 */
export async function startRedis (options: StartRedisOptions = {}): Promise<TestRedis> {
  const { binary = 'redis-server' } = options
  let child: ChildProcess | undefined
  let url = 'url' in options ? options.url : process.env.REDIS_URL
  let failure: Error | undefined
  if (url === undefined || url === '') {
    const port = await freePort()
    child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    // Recorded here, thrown by waitForPing: a throw in this listener would crash the tap worker.
    child.on('error', (err) => { failure ??= new Error(`${NO_REDIS} (cannot start ${binary}: ${err.message})`) })
    child.once('exit', (code, signal) => { failure ??= new Error(`${binary} exited (${signal ?? code}) before answering PING on port ${port}`) })
    url = `redis://127.0.0.1:${port}`
  }
  try {
    await waitForPing(url, () => failure)
  } catch (err) {
    if (child !== undefined && child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL')
    throw err
  }
  const clients: Redis[] = []
  return {
    url,
    client () {
      const c = new Redis(url)
      clients.push(c)
      return c
    },
    async stop () {
      await Promise.all(clients.map(async (c) => { await c.quit().catch(() => c.disconnect()) }))
      if (child !== undefined && child.exitCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
    }
  }
}
