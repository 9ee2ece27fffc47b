/**
 * A real Redis Cluster of three masters for tests: `REDIS_CLUSTER_NODES` (host:port,host:port,…)
 * when set (`npm test` sets it), else three `redis-server`s in cluster mode started here on free
 * loopback ports by proofs/lib-redis.mjs (the proofs' implementation; this is its typed wrapper).
 * A master started here can be restarted (`stopMaster`): it rejoins with the same node id and slots.
 */
import { Cluster, type ClusterOptions, Redis } from 'ioredis'
import type { StartedCluster } from '../../proofs/lib-redis.mjs'
import { NO_REDIS } from './redis'

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

export async function startCluster (options: StartClusterOptions = {}): Promise<TestCluster> {
  const given = 'nodes' in options ? options.nodes : process.env.REDIS_CLUSTER_NODES
  // The proofs' implementation (an ES module, so imported, not required).
  const lib = await import('../../proofs/lib-redis.mjs')
  let started: StartedCluster | undefined
  let nodes: ClusterNode[]
  if (given === undefined || given === '') {
    const binary = options.binary ?? 'redis-server'
    started = await lib.startCluster({
      appendonly: options.appendonly === true,
      binary,
      cannotStart: (_, err) => new Error(`${NO_REDIS} (cannot start ${binary}: ${err.message})`)
    })
    nodes = started.nodes
  } else {
    nodes = lib.parseNodes(given)
    await lib.until(nodes.map((n) => n.port), ['CLUSTER', 'INFO'], /cluster_state:ok/, 10_000)
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
      if (started === undefined) throw new Error(`the master on port ${port} was not started here: it cannot be restarted`)
      return await started.stopMaster(port)
    },
    async stop () {
      await Promise.all(clients.map(async (c) => { await c.quit().catch(() => c.disconnect()) }))
      await started?.stop()
    }
  }
}
