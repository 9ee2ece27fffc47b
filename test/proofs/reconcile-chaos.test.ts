/**
 * proofs/reconcile-chaos.mjs (`npm run chaos:reconcile`) at a tiny scale, so the proof keeps
 * working: 60 tracked Sids on one shared Redis (REDIS_URL when set) and on a Redis Cluster of
 * three masters started by the proof itself, since it restarts one master mid-run (restarting a
 * master of a cluster other files share would disturb them). It loads the build (dist/).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { childEnv } from '../helpers/child-env'

const run = promisify(execFile)
// Two topologies, four instance processes and a cluster of its own: about 30 s on a busy 2-core machine.
t.setTimeout(120_000)
const root = join(__dirname, '..', '..')

t.test('the reconcile chaos proof passes at 60 Sids on a shared Redis and on a Redis Cluster with a master restarted', async (t) => {
  if (!existsSync(join(root, 'dist', 'lib', 'index.js'))) await run('npm', ['run', 'build'], { cwd: root })
  const env = childEnv()
  delete env.REDIS_CLUSTER_NODES
  const args = ['proofs/reconcile-chaos.mjs', '--n', '60', '--after', '2000', '--interval', '250', '--rate', '60', '--timeout-s', '40']
  const { stdout } = await run(process.execPath, args, { cwd: root, env, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string, stderr?: string }) => {
    t.fail(`the proof exited non-zero:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
    return { stdout: err.stdout ?? '' }
  })
  t.equal(stdout.match(/final status callbacks: 60 ran exactly once, 0 never, 0 more than once, 0 other final statuses ran/g)?.length, 2, 'each topology: every final status ran once')
  t.equal(stdout.match(/pairs run twice or more: 0/g)?.length, 2, 'each topology: no status ran twice')
  t.equal(stdout.match(/waitFor: 60 of 60 resolved \(60 with the final status, \d+ reconciled; 30 of 30 on the instance that did not receive the callbacks\), 0 rejected/g)?.length, 2, 'each topology: every waitFor resolved')
  t.match(stdout, /PASS \[cluster\] a master was restarted mid-run/)
  t.notMatch(stdout, /^FAIL /m)
})
