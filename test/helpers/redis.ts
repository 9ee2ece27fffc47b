/**
 * A real Redis for tests: `REDIS_URL` when set (CI starts one on 127.0.0.1), else a
 * `redis-server` started here on a free loopback port, with no persistence, and stopped by PID.
 * No Redis at all is a failure, never a skip.
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

async function waitForPing (url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
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

export async function startRedis (): Promise<TestRedis> {
  let child: ChildProcess | undefined
  let url = process.env.REDIS_URL
  if (url === undefined || url === '') {
    const port = await freePort()
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    child.on('error', (err) => { throw new Error(`cannot start redis-server (install it: apt-get install redis-server): ${err.message}`) })
    url = `redis://127.0.0.1:${port}`
  }
  await waitForPing(url)
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
