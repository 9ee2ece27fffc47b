// Redis for the proofs and, through test/helpers/redis-cluster.ts, the tests, started from
// Debian's redis-server as scripts/test.mjs starts it: one Redis, or a Redis Cluster of three masters in
// cluster mode on free loopback ports joined with `redis-cli --cluster create`, stopped by PID.
// A master started here can be restarted (SHUTDOWN NOSAVE, then started again with its cluster
// config file and, with `appendonly`, its append-only file, so it rejoins with its slots and keys).
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'

const run = promisify(execFile)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export async function freePorts (count) {
  const servers = await Promise.all(Array.from({ length: count }, async () => {
    const server = net.createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    return server
  }))
  const ports = servers.map((s) => s.address().port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

/** Each of `ports` answers `command` with a reply matching `ok`, polled every 50 ms for `ms`. */
export async function until (ports, command, ok, ms, failed = () => undefined) {
  const end = Date.now() + ms
  for (const port of ports) {
    for (;;) {
      const failure = failed()
      if (failure !== undefined) throw failure
      const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      const reply = await probe.connect().then(async () => String(await probe.call(...command))).catch(() => '')
      probe.disconnect()
      if (ok.test(reply)) break
      if (Date.now() > end) throw new Error(`redis-server on port ${port} did not answer ${command.join(' ')} with ${ok} within ${ms} ms`)
      await sleep(50)
    }
  }
}

const cannotStartRedis = (binary, err) => new Error(`cannot start ${binary}: ${err.message} (install it: apt-get install redis-server)`)

function spawnServer (args, onError, binary = 'redis-server', cannotStart = cannotStartRedis) {
  const child = spawn(binary, args, { stdio: 'ignore' })
  child.on('error', (err) => onError(cannotStart(binary, err)))
  return child
}

async function stopChild (child) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

/** One Redis without persistence on a free port: `{ url, stop }`. */
export async function startRedis () {
  const [port] = await freePorts(1)
  let failure
  const child = spawnServer(['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], (err) => { failure ??= err })
  await until([port], ['PING'], /^PONG$/, 10_000, () => failure)
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) }
}

/**
 * Three masters in cluster mode (a one-second node timeout; healthy masters serve on while one is
 * down): `{ nodes, stopMaster(port), restartMaster(port, downMs), stop }`. `binary` is the
 * executable started for each master; `cannotStart(binary, err)` the error when it cannot be spawned.
 */
export async function startCluster ({ appendonly = true, binary = 'redis-server', cannotStart = cannotStartRedis } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twilio-cluster-'))
  const ports = await freePorts(3)
  const children = new Map()
  /** Masters started and not yet answering: one that exits now is a failure to start. */
  const starting = new Set()
  let failure
  const startMaster = (port) => {
    const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '',
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no',
      ...(appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always', '--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`] : ['--appendonly', 'no'])]
    // Recorded here, thrown by until: a throw in these listeners would crash the process.
    const child = spawnServer(args, (err) => { failure ??= err }, binary, cannotStart)
    child.once('exit', (code, signal) => { if (starting.has(child)) failure ??= new Error(`${binary} exited (${signal ?? code}) before answering on port ${port}`) })
    starting.add(child)
    children.set(port, child)
  }
  const stop = async () => {
    await Promise.all([...children.values()].map(stopChild))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const port of ports) startMaster(port)
    await until(ports, ['PING'], /^PONG$/, 10_000, () => failure)
    starting.clear()
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
    await until(ports, ['CLUSTER', 'INFO'], /cluster_state:ok/, 10_000)
  } catch (err) {
    await stop()
    throw err
  }
  /** SHUTDOWN NOSAVE on the master at `port`; `start()` brings it back with its config file and resolves when every slot is served. */
  const stopMaster = async (port) => {
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
        await until(ports, ['CLUSTER', 'INFO'], /cluster_state:ok[\s\S]*cluster_slots_ok:16384/, 20_000, () => failure)
        starting.clear()
      }
    }
  }
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    stopMaster,
    /** The master at `port` stopped, `downMs` down, then started again. */
    async restartMaster (port, downMs) {
      const { start } = await stopMaster(port)
      await sleep(downMs)
      await start()
    },
    stop
  }
}

/** The nodes of REDIS_CLUSTER_NODES (host:port,host:port,…). */
export function parseNodes (list) {
  return list.split(',').map((entry) => {
    const at = entry.trim().lastIndexOf(':')
    return { host: entry.trim().slice(0, at), port: Number(entry.trim().slice(at + 1)) }
  })
}
