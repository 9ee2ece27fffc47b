// Types of lib-redis.mjs, for test/helpers/redis-cluster.ts.
export interface ClusterNode { readonly host: string, readonly port: number }

export function freePorts (count: number): Promise<number[]>
/** Each of `ports` answers `command` with a reply matching `ok`, polled every 50 ms for `ms`. */
export function until (ports: readonly number[], command: string[], ok: RegExp, ms: number, failed?: () => Error | undefined): Promise<void>
export function startRedis (): Promise<{ url: string, stop: () => Promise<void> }>

export interface StartedCluster {
  readonly nodes: ClusterNode[]
  stopMaster (port: number): Promise<{ start: () => Promise<void> }>
  restartMaster (port: number, downMs: number): Promise<void>
  stop (): Promise<void>
}
export function startCluster (options?: { appendonly?: boolean, binary?: string, cannotStart?: (binary: string, err: Error) => Error }): Promise<StartedCluster>
/** The nodes of REDIS_CLUSTER_NODES (host:port,host:port,…). */
export function parseNodes (list: string): ClusterNode[]
