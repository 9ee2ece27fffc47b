/**
 * replay: a queue's dead letters (BullMQ's failed jobs) back to wait, or listed, against a real
 * Redis; usage errors; an unreachable Redis; bullmq or ioredis missing.
 */
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import * as bullmq from 'bullmq'
import { DEFAULT_REDIS, maskUrl, replayHelp, runReplay, targetOf } from '../../lib/cli/replay'
import { startRedis, type TestRedis } from '../helpers/redis'
import { startCluster, type TestCluster } from '../helpers/redis-cluster'
import { connectionOf, newQueue, until } from '../helpers/queue'
import { cli, fakeIo } from './helpers'

let redis: TestRedis
let admin: ReturnType<TestRedis['client']>
t.before(async () => {
  redis = await startRedis()
  admin = redis.client()
})
t.teardown(async () => { await redis.stop() })

interface Teardown { teardown (fn: () => unknown): void }

const REASON = 'downstream is down\n    at the second line'

/** Add `count` events (`job1`, `job2`, …) with one attempt each, and fail them in that order. */
async function failJobs (queue: bullmq.Queue, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await queue.add('sms failed', { channel: 'sms', status: 'failed', sid: `SM${i}`, event: { MessageSid: `SM${i}` } }, { jobId: `job${i}`, attempts: 1 })
  }
  const worker = new bullmq.Worker(queue.name, async () => { throw new Error(REASON) }, { connection: connectionOf(redis), prefix: queue.opts.prefix })
  await until(async () => (await queue.getJobCounts('failed')).failed === count)
  await worker.close()
}

async function deadLetters (t: Teardown, count: number): Promise<{ queue: bullmq.Queue, name: string }> {
  const { queue, name } = newQueue(t, redis)
  await failJobs(queue, count)
  return { queue, name }
}

/** The command's connections still open on the server: none once it has finished. */
async function closed (): Promise<boolean> {
  const list = await admin.client('LIST') as string
  return !list.includes('name=fastify-twilio-status:replay ')
}

/** A loopback port nothing listens on. */
async function closedPort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

t.test('help: replay --help and help replay print the options, exit 0', async (t) => {
  const help = await cli(['replay', '--help'])
  t.same(help, { code: 0, stdout: replayHelp(), stderr: '' })
  t.same(await cli(['help', 'replay']), help)
  t.match(replayHelp(), /--redis URL[\s\S]*REDIS_URL[\s\S]*--queue NAME[\s\S]*--prefix P[\s\S]*--limit N[\s\S]*--cluster[\s\S]*--dry-run/)
})

t.test('targetOf: --redis, else REDIS_URL, else the local default; a password is never shown', async (t) => {
  t.same(targetOf({ redis: 'redis://h:1', queue: 'q', prefix: 'p' }, { REDIS_URL: 'redis://other:2' }), { url: 'redis://h:1', shown: 'redis://h:1', queue: 'q', prefix: 'p', cluster: false })
  t.same(targetOf({}, { REDIS_URL: 'rediss://u:secret@h:6380/2' }), { url: 'rediss://u:secret@h:6380/2', shown: 'rediss://u:***@h:6380/2', queue: 'twilio', prefix: undefined, cluster: false })
  t.equal(targetOf({}, {}).url, DEFAULT_REDIS)
  t.equal(targetOf({}, { REDIS_URL: '' }).url, DEFAULT_REDIS, 'an empty REDIS_URL is no URL')
  t.equal(maskUrl('redis://:hunter2@127.0.0.1:6379'), 'redis://:***@127.0.0.1:6379')
  t.equal(maskUrl(DEFAULT_REDIS), DEFAULT_REDIS)
  t.throws(() => targetOf({ redis: 'http://user:hunter2@h' }, {}), { message: '--redis is not a redis:// or rediss:// URL', exitCode: 2 })
  t.throws(() => targetOf({}, { REDIS_URL: 'hunter2@h:6379' }), { message: 'REDIS_URL is not a redis:// or rediss:// URL' })
  t.throws(() => targetOf({ redis: 'not a url' }, {}), { message: /^--redis is not/ })
})

t.test('usage errors exit 2 before anything is loaded or connected', async (t) => {
  const errors: Array<[string[], RegExp]> = [
    [['--limit', '0'], /--limit takes a whole number from 1 to 1000000, got "0"/],
    [['--limit', 'all'], /--limit takes a whole number/],
    [['--queue', ''], /--queue is empty/],
    [['--prefix', ''], /--prefix is empty/],
    [['twilio'], /unexpected "twilio": replay takes only options/],
    [['--force'], /Unknown option '--force'/],
    [['--redis', 'http://user:hunter2@h'], /--redis is not a redis:\/\/ or rediss:\/\/ URL/]
  ]
  for (const [argv, message] of errors) {
    const ran = await cli(['replay', ...argv], { env: {} })
    t.equal(ran.code, 2, argv.join(' '))
    t.match(ran.stderr, message)
    t.notMatch(ran.stderr, /hunter2/)
    t.equal(ran.stdout, '')
  }
})

t.test('--dry-run lists each failed job (id, name, attempts, first line of the reason) and replays nothing', async (t) => {
  const { queue, name } = await deadLetters(t, 2)
  const ran = await cli(['replay', '--queue', name, '--dry-run', '--no-color'], { env: { REDIS_URL: redis.url } })
  t.same(ran, {
    code: 0,
    stdout: 'job2  sms failed  attempts 1  downstream is down\n' +
      'job1  sms failed  attempts 1  downstream is down\n' +
      `2 of 2 failed jobs in queue "${name}" listed; --dry-run: none replayed\n`,
    stderr: ''
  })
  t.same(await queue.getJobCounts('failed', 'wait'), { failed: 2, wait: 0 })
  t.equal((await queue.getJob('job1'))?.data.replays, undefined)
  await until(closed)
})

t.test('--dry-run shows what the queue holds but never lets it drive the terminal: control characters escaped', async (t) => {
  const { queue, name } = newQueue(t, redis)
  const fake = '\u001b[2J\u001b[H✓ replayed\r\u009b31m'
  await queue.add(`sms ${fake}`, {}, { jobId: `job${fake}`, attempts: 1 })
  const worker = new bullmq.Worker(queue.name, async () => { throw new Error(`down ${fake}\nsecond line`) }, { connection: connectionOf(redis), prefix: queue.opts.prefix })
  await until(async () => (await queue.getJobCounts('failed')).failed === 1)
  await worker.close()
  const ran = await cli(['replay', '--queue', name, '--dry-run', '--no-color'], { env: { REDIS_URL: redis.url } })
  const shown = '\\x1b[2J\\x1b[H✓ replayed\\r\\x9b31m'
  t.equal(ran.stdout.split('\n')[0], `job${shown}  sms ${shown}  attempts 1  down ${shown}`)
  t.notMatch(ran.stdout, /(?!\n)\p{Cc}/u)
  await until(closed)
})

t.test('replay moves the failed jobs back to wait, attempts reset, marked replays=1', async (t) => {
  const { queue, name } = await deadLetters(t, 2)
  const ran = await cli(['replay', '--redis', redis.url, '--queue', name], { env: {} })
  t.same(ran, { code: 0, stdout: `2 of 2 failed jobs in queue "${name}" replayed: back in wait, attempts reset\n`, stderr: '' })
  t.same(await queue.getJobCounts('failed', 'wait'), { failed: 0, wait: 2 })
  for (const id of ['job1', 'job2']) {
    const job = await queue.getJob(id)
    t.equal(job?.data.replays, 1, id)
    t.equal(job?.attemptsMade, 0, id)
  }
  const again = await cli(['replay', '--redis', redis.url, '--queue', name], { env: {} })
  t.match(again, { code: 0, stdout: /^0 of 0 failed jobs/ })
  await until(closed)
})

t.test('--limit replays (and lists) at most N, the most recently failed first', async (t) => {
  const { queue, name } = await deadLetters(t, 3)
  const listed = await cli(['replay', '--queue', name, '--dry-run', '--limit', '2'], { env: { REDIS_URL: redis.url } })
  t.match(listed.stdout, /^job3 .*\njob2 .*\n2 of 3 failed jobs/)
  const ran = await cli(['replay', '--queue', name, '--limit', '2'], { env: { REDIS_URL: redis.url } })
  t.match(ran, { code: 0, stdout: /^2 of 3 failed jobs/ })
  t.same(await queue.getJobCounts('failed', 'wait'), { failed: 1, wait: 2 })
  t.equal(await (await queue.getJob('job1'))?.getState(), 'failed')
})

t.test('--prefix finds a queue under its BullMQ key prefix', async (t) => {
  const name = `twilio-${randomUUID()}`
  const queue = new bullmq.Queue(name, { connection: connectionOf(redis), prefix: `test-${randomUUID()}` })
  t.teardown(async () => {
    await queue.obliterate({ force: true })
    await queue.close()
  })
  await failJobs(queue, 1)
  const env = { REDIS_URL: redis.url }
  t.match(await cli(['replay', '--queue', name], { env }), { code: 0, stdout: /^0 of 0 failed jobs/ }, 'not under the default prefix')
  t.match(await cli(['replay', '--queue', name, '--prefix', queue.opts.prefix as string], { env }), { code: 0, stdout: /^1 of 1 failed jobs/ })
  t.same(await queue.getJobCounts('failed', 'wait'), { failed: 0, wait: 1 })
})

t.test('an unreachable Redis exits 3 at once, its password masked', async (t) => {
  const port = await closedPort()
  const started = Date.now()
  const ran = await cli(['replay', '--redis', `redis://:hunter2@127.0.0.1:${port}`], { env: {} })
  t.ok(Date.now() - started < 2000, 'no retries')
  t.same(ran, { code: 3, stdout: '', stderr: `fastify-twilio-status: cannot reach Redis at redis://:***@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n` })
})

t.test('a peer that hangs up at once exits 3 after one attempt', async (t) => {
  let connections = 0
  const server = createServer((socket) => {
    connections++
    socket.destroy()
  }).listen(0, '127.0.0.1')
  t.teardown(() => { server.close() })
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const ran = await cli(['replay', '--redis', `redis://127.0.0.1:${port}`], { env: {} })
  t.match(ran, { code: 3, stdout: '', stderr: new RegExp(`^fastify-twilio-status: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: `) })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(connections, 1, 'no reconnection')
})

t.test('a command Redis refuses after connecting (a key of the wrong type) exits 1; the connection is closed', async (t) => {
  const name = `twilio-${randomUUID()}`
  await admin.set(`bull:${name}:failed`, 'not a sorted set')
  t.teardown(() => admin.del(`bull:${name}:failed`))
  const ran = await cli(['replay', '--queue', name], { env: { REDIS_URL: redis.url } })
  t.equal(ran.code, 1)
  t.match(ran.stderr, /^fastify-twilio-status: Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGTYPE /)
  await until(closed)
})

t.test('Redis lost after connecting exits 3, without reconnecting; the failed jobs stay', async (t) => {
  const { queue, name } = await deadLetters(t, 1)
  const upstream = new URL(redis.url)
  let connections = 0
  // Forwards to the tests' Redis, and hangs up at the first script BullMQ runs (after the
  // connection is ready and its version checked).
  const proxy = createServer((socket) => {
    connections++
    const server = connect(Number(upstream.port), upstream.hostname)
    server.pipe(socket)
    socket.on('data', (chunk: Buffer) => {
      if (/eval/i.test(chunk.toString('latin1'))) {
        socket.destroy()
        server.destroy()
      } else {
        server.write(chunk)
      }
    })
    socket.on('error', () => {})
    server.on('error', () => {})
  }).listen(0, '127.0.0.1')
  t.teardown(() => { proxy.close() })
  await once(proxy, 'listening')
  const through = new URL(redis.url)
  through.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`
  const ran = await cli(['replay', '--redis', through.href, '--queue', name], { env: {} })
  t.same(ran, { code: 3, stdout: '', stderr: `fastify-twilio-status: Redis at ${maskUrl(through.href)} went away: Connection is closed.\n` })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(connections, 1, 'no reconnection')
  t.same(await queue.getJobCounts('failed'), { failed: 1 })
})

t.test('bullmq or ioredis missing: a usage error naming the missing ones and the install command; another load failure is not hidden', async (t) => {
  const notFound = (id: string): never => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
  }
  const loaded: string[] = []
  const load = (resolve: (id: string) => string, get: (id: string) => unknown = notFound) =>
    Object.assign((id: string) => { loaded.push(id); return get(id) }, { resolve })
  const io = fakeIo({ env: {} })
  await t.rejects(runReplay(['--dry-run'], io, load(notFound)), { message: 'replay needs bullmq and ioredis, not installed: npm install bullmq ioredis', exitCode: 2 })
  await t.rejects(runReplay([], io, load((id) => id === 'bullmq' ? id : notFound(id))), { message: 'replay needs ioredis, not installed: npm install ioredis', exitCode: 2 })
  t.same(loaded, [], 'nothing is loaded until both are found')
  // There but unreadable, or there and failing to load (a dependency of its own missing): its own error.
  await t.rejects(runReplay([], io, load(() => { throw new SyntaxError('Unexpected token') })), SyntaxError)
  await t.rejects(runReplay([], io, load((id) => id, () => notFound('msgpackr'))), { message: "Cannot find module 'msgpackr'", code: 'MODULE_NOT_FOUND' })
  t.same([io.out, io.err], [[], []])
  // --help needs neither.
  t.equal(await runReplay(['--help'], io, load(notFound)), 0)
})

t.test('--cluster: a prefix (and queue name) without a hash tag, or a database number, is a usage error naming the fix, before connecting', async (t) => {
  // A closed port: a connection attempt would exit 3, not 2.
  const port = await closedPort()
  const url = `redis://:hunter2@127.0.0.1:${port}`
  const errors: Array<[string[], string]> = [
    [[], '--cluster: on a Redis Cluster, BullMQ needs a hash tag in the queue\'s prefix so that its keys share a slot; give the prefix the app\'s Queue and workers use, e.g. --prefix \'{bull}\' (got prefix "bull" and queue "twilio")'],
    [['--prefix', 'app', '--queue', 'sms'], 'e.g. --prefix \'{app}\' (got prefix "app" and queue "sms")'],
    [['--prefix', '{}'], 'e.g. --prefix \'{{}}\' (got prefix "{}"'],
    [['--redis', `${url}/2`, '--prefix', '{bull}'], '--cluster: a Redis Cluster has only database 0; drop /2 from the URL']
  ]
  for (const [argv, message] of errors) {
    const ran = await cli(['replay', '--cluster', '--redis', url, ...argv], { env: {} })
    t.equal(ran.code, 2, argv.join(' '))
    t.ok(ran.stderr.includes(message), ran.stderr)
    t.notMatch(ran.stderr, /hunter2/)
    t.equal(ran.stdout, '')
  }
  t.match(targetOf({ cluster: true, prefix: '{app}' }, { REDIS_URL: `${url}/0` }), { cluster: true, prefix: '{app}' }, 'db 0 is the cluster\'s one database')
  t.throws(() => targetOf({ cluster: true, prefix: 'app' }, { REDIS_URL: url }), { message: /^--cluster: on a Redis Cluster/, exitCode: 2 })
  t.match(targetOf({ cluster: true, prefix: 'app', queue: '{twilio}' }, { REDIS_URL: url }), { cluster: true, queue: '{twilio}' }, 'a hash tag in the queue name is BullMQ\'s other way')
})

t.test('--cluster: an unreachable node exits 3 at once, without retries, its password masked (redis:// and rediss://)', async (t) => {
  const port = await closedPort()
  for (const scheme of ['redis', 'rediss']) {
    const started = Date.now()
    const ran = await cli(['replay', '--cluster', '--redis', `${scheme}://user:hunter2@127.0.0.1:${port}`, '--prefix', '{bull}'], { env: {} })
    t.ok(Date.now() - started < 2000, 'no retries')
    t.same(ran, { code: 3, stdout: '', stderr: `fastify-twilio-status: cannot reach Redis at ${scheme}://user:***@127.0.0.1:${port}: Failed to refresh slots cache. (Connection is closed.)\n` })
  }
})

t.test('a server that echoes the password in an error (AUTH unknown to it) never gets it printed, on one Redis or --cluster', async (t) => {
  // Answers every command as a Redis that does not know it: with its arguments.
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      const lines = chunk.toString('latin1').split('\r\n')
      let reply = ''
      for (let i = 0; lines[i]?.startsWith('*') === true; i += 1 + 2 * Number(lines[i]?.slice(1))) {
        const args = Array.from({ length: Number(lines[i]?.slice(1)) }, (_, k) => lines[i + 2 + 2 * k])
        reply += `-ERR unknown command '${args[0]}', with args beginning with: ${args.slice(1).map((arg) => `'${arg}' `).join('')}\r\n`
      }
      socket.write(reply)
    })
  }).listen(0, '127.0.0.1')
  t.teardown(() => { server.close() })
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const url = `redis://user:hunter2@127.0.0.1:${port}`
  const single = await cli(['replay', '--redis', url], { env: {} })
  t.same(single, { code: 3, stdout: '', stderr: `fastify-twilio-status: cannot reach Redis at redis://user:***@127.0.0.1:${port}: ERR unknown command 'auth', with args beginning with: 'user' '***' \n` })
  const cluster = await cli(['replay', '--cluster', '--redis', url, '--prefix', '{bull}'], { env: {} })
  t.same(cluster, { code: 3, stdout: '', stderr: `fastify-twilio-status: cannot reach Redis at redis://user:***@127.0.0.1:${port}: Failed to refresh slots cache. (ERR unknown command 'auth', with args beginning with: 'user' '***' )\n` })
})

t.test('--cluster against one Redis that is not a cluster node exits 3, saying so', async (t) => {
  const ran = await cli(['replay', '--cluster', '--prefix', '{bull}'], { env: { REDIS_URL: redis.url } })
  t.same(ran, { code: 3, stdout: '', stderr: `fastify-twilio-status: cannot reach Redis at ${redis.url}: Failed to refresh slots cache. (ERR This instance has cluster support disabled)\n` })
  await until(closed)
})

t.test('--cluster: a queue on a Redis Cluster of three masters, from any one of its nodes', async (t) => {
  let cluster: TestCluster
  let masters: () => Promise<string[]>
  t.before(async () => {
    cluster = await startCluster()
    const probe = cluster.client()
    await probe.ping()
    masters = async () => await Promise.all(probe.nodes('master').map(async (node) => await node.client('LIST') as string))
  })
  t.teardown(async () => { await cluster.stop() })

  /** The command's connections still open on any master: none once it has finished. */
  const closedOnCluster = async (): Promise<boolean> => (await masters()).every((list) => !/ name=\S*fastify-twilio-status:replay /.test(list))

  /** A queue with a hash-tagged prefix of its own, `count` dead letters in it, and the URL of a node that does not hold them. */
  async function clusterDeadLetters (t: Teardown, count: number): Promise<{ queue: bullmq.Queue, prefix: string, url: string }> {
    const prefix = `{t-${randomUUID()}}`
    const queue = new bullmq.Queue('twilio', { connection: cluster.client(), prefix })
    t.teardown(async () => {
      await queue.obliterate({ force: true }).catch(() => {})
      await queue.close()
    })
    for (let i = 1; i <= count; i++) await queue.add('sms failed', { sid: `SM${i}` }, { jobId: `job${i}`, attempts: 1 })
    const worker = new bullmq.Worker('twilio', async () => { throw new Error(REASON) }, { connection: cluster.client({ redisOptions: { maxRetriesPerRequest: null } }), prefix })
    await until(async () => (await queue.getJobCounts('failed')).failed === count)
    await worker.close()
    const holder = await cluster.masterOf(`${prefix}:twilio:failed`)
    const other = cluster.nodes.find((node) => node.port !== holder.port || node.host !== holder.host) as { host: string, port: number }
    return { queue, prefix, url: `redis://${other.host}:${other.port}` }
  }

  t.test('--cluster --dry-run lists the dead letters and replays none; the connections to every master are closed', async (t) => {
    const { queue, prefix, url } = await clusterDeadLetters(t, 2)
    const ran = await cli(['replay', '--cluster', '--prefix', prefix, '--dry-run'], { env: { REDIS_URL: url } })
    t.same(ran, {
      code: 0,
      stdout: 'job2  sms failed  attempts 1  downstream is down\n' +
        'job1  sms failed  attempts 1  downstream is down\n' +
        '2 of 2 failed jobs in queue "twilio" listed; --dry-run: none replayed\n',
      stderr: ''
    })
    t.same(await queue.getJobCounts('failed', 'wait'), { failed: 2, wait: 0 })
    await until(closedOnCluster)
  })

  t.test('--cluster replays the dead letters: back in wait, attempts reset, data.replays 1; the connections to every master are closed', async (t) => {
    const { queue, prefix, url } = await clusterDeadLetters(t, 2)
    const ran = await cli(['replay', '--cluster', '--redis', url, '--prefix', prefix], { env: {} })
    t.same(ran, { code: 0, stdout: '2 of 2 failed jobs in queue "twilio" replayed: back in wait, attempts reset\n', stderr: '' })
    t.same(await queue.getJobCounts('failed', 'wait'), { failed: 0, wait: 2 })
    for (const id of ['job1', 'job2']) {
      const job = await queue.getJob(id)
      t.equal(job?.data.replays, 1, id)
      t.equal(job?.attemptsMade, 0, id)
    }
    await until(closedOnCluster)
  })

  t.test('--cluster: a command the cluster refuses (a key of the wrong type) exits 1; the connections are closed', async (t) => {
    const prefix = `{t-${randomUUID()}}`
    const admin = cluster.client()
    await admin.set(`${prefix}:twilio:failed`, 'not a sorted set')
    t.teardown(() => admin.del(`${prefix}:twilio:failed`))
    const { host, port } = cluster.nodes[0] as { host: string, port: number }
    const ran = await cli(['replay', '--cluster', '--prefix', prefix], { env: { REDIS_URL: `redis://${host}:${port}` } })
    t.equal(ran.code, 1)
    t.match(ran.stderr, /^fastify-twilio-status: Redis at redis:\/\/[\d.]+:\d+\/?: WRONGTYPE /)
    await until(closedOnCluster)
  })
})
