/**
 * A real Redis Cluster of three masters for tests: `REDIS_CLUSTER_NODES` (host:port,host:port,…)
 * when set (`npm test` sets it), else three `redis-server`s in cluster mode started here on free
 * loopback ports, joined with `redis-cli --cluster create`, and stopped by PID.
 * A master started here can be restarted (`restart`): it rejoins with the same node id and slots.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster, type ClusterOptions, Redis } from 'ioredis'
import { NO_REDIS } from './redis'

const run = promisify(execFile)

export interface ClusterNode { readonly host: string, readonly port: number }

export interface TestCluster {
  readonly nodes: readonly ClusterNode[]
  /** A client on the cluster, closed by `stop`; `options` are merged over the test defaults. */
  client (options?: ClusterOptions): Cluster
  /** The master that serves `key`'s slot. */
  masterOf (key: string): Promise<ClusterNode>
  /** Started here only: SHUTDOWN NOSAVE on the master at `port`; `start()` brings it back with its config file. */
  stopMaster (port: number): Promise<{ start: () => Promise<void> }>
  stop (): Promise<void>
}

export interface StartClusterOptions {
  /** The nodes to use; default `process.env.REDIS_CLUSTER_NODES`. Empty: start a cluster here. */
  readonly nodes?: string | undefined
  /** Start masters with an append-only file fsynced at every write (a restarted master keeps its keys). */
  readonly appendonly?: boolean
  /** The executable started for each master; default `redis-server`, looked up on PATH. */
  readonly binary?: string
}

/** Failure detection in a second, and the slots of healthy masters served while one is down. */
const NODE_ARGS = ['--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no']

async function freePorts (count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, async () => {
    const server = createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    return server
  }))
  const ports = servers.map((s) => (s.address() as { port: number }).port)
  await Promise.all(servers.map(async (s) => await new Promise((resolve) => s.close(resolve))))
  return ports
}

/** Each of `ports` answers `command` with a reply matching `ok`, polled every 50 ms for `ms`. */
async function waitFor (ports: readonly number[], command: string[], ok: RegExp, ms: number, failed: () => Error | undefined = () => undefined): Promise<void> {
  const end = Date.now() + ms
  for (const port of ports) {
    for (;;) {
      const failure = failed()
      if (failure !== undefined) throw failure
      const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      const reply = await probe.connect().then(async () => String(await probe.call(command[0] as string, ...command.slice(1)))).catch(() => '')
      probe.disconnect()
      if (ok.test(reply)) break
      if (Date.now() > end) throw new Error(`redis-server on port ${port} did not answer ${command.join(' ')} with ${ok} within ${ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

function parseNodes (list: string): ClusterNode[] {
  return list.split(',').map((entry) => {
    const at = entry.trim().lastIndexOf(':')
    return { host: entry.trim().slice(0, at), port: Number(entry.trim().slice(at + 1)) }
  })
}

export async function startCluster (options: StartClusterOptions = {}): Promise<TestCluster> {
  const given = 'nodes' in options ? options.nodes : process.env.REDIS_CLUSTER_NODES
  const { binary = 'redis-server' } = options
  const children = new Map<number, ChildProcess>()
  /** Masters started and not yet answering: one that exits now is a failure to start. */
  const starting = new Set<ChildProcess>()
  let dir: string | undefined
  let nodes: ClusterNode[]
  let failure: Error | undefined

  function startMaster (port: number): ChildProcess {
    const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir as string, '--save', '',
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, ...NODE_ARGS,
      ...(options.appendonly === true ? ['--appendonly', 'yes', '--appendfsync', 'always', '--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`] : ['--appendonly', 'no'])]
    const child = spawn(binary, args, { stdio: 'ignore' })
    // Recorded here, thrown by waitFor: a throw in these listeners would crash the tap worker.
    child.on('error', (err) => { failure ??= new Error(`${NO_REDIS} (cannot start ${binary}: ${err.message})`) })
    child.once('exit', (code, signal) => { if (starting.has(child)) failure ??= new Error(`${binary} exited (${signal ?? code}) before answering on port ${port}`) })
    starting.add(child)
    children.set(port, child)
    return child
  }

  async function stopChildren (): Promise<void> {
    await Promise.all([...children.values()].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    }))
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }

  if (given === undefined || given === '') {
    dir = mkdtempSync(join(tmpdir(), 'twilio-cluster-'))
    const ports = await freePorts(3)
    nodes = ports.map((port) => ({ host: '127.0.0.1', port }))
    try {
      for (const port of ports) startMaster(port)
      await waitFor(ports, ['PING'], /^PONG$/, 10_000, () => failure)
      starting.clear()
      await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
      await waitFor(ports, ['CLUSTER', 'INFO'], /cluster_state:ok/, 10_000)
    } catch (err) {
      await stopChildren()
      throw err
    }
  } else {
    nodes = parseNodes(given)
    await waitFor(nodes.map((n) => n.port), ['CLUSTER', 'INFO'], /cluster_state:ok/, 10_000)
  }

  const clients: Cluster[] = []
  const client = (more: ClusterOptions = {}): Cluster => {
    const c = new Cluster(nodes.map(({ host, port }) => ({ host, port })), more)
    clients.push(c)
    return c
  }
  return {
    nodes,
    client,
    async masterOf (key) {
      const probe = new Redis({ ...nodes[0] as ClusterNode, maxRetriesPerRequest: 1 })
      try {
        const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', key))
        const ranges = await probe.call('CLUSTER', 'SLOTS') as Array<[number, number, [string, number]]>
        const [, , [host, port]] = ranges.find(([from, to]) => slot >= from && slot <= to) as [number, number, [string, number]]
        return { host, port }
      } finally {
        probe.disconnect()
      }
    },
    async stopMaster (port) {
      const child = children.get(port)
      if (child === undefined) throw new Error(`the master on port ${port} was not started here: it cannot be restarted`)
      const exited = once(child, 'exit')
      const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 })
      admin.on('error', () => {})
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => {}) // the connection closes as it answers
      admin.disconnect()
      await exited
      // The others mark it failed (cluster-node-timeout), then serve their own slots on.
      return {
        start: async () => {
          startMaster(port)
          await waitFor(nodes.map((n) => n.port), ['CLUSTER', 'INFO'], /cluster_state:ok[\s\S]*cluster_slots_ok:16384/, 15_000, () => failure)
          starting.clear()
        }
      }
    },
    async stop () {
      await Promise.all(clients.map(async (c) => { await c.quit().catch(() => c.disconnect()) }))
      await stopChildren()
    }
  }
}
