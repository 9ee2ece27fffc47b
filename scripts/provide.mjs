// What `npm test` and `npm run chaos` need from the machine, found or installed: a program on
// PATH, else Debian's package that provides it, installed with `apt-get update` then
// `apt-get install -y` as root or through `sudo -n` (never prompts).
//
// TEST_REDIS_NO_INSTALL=1 skips the installs (to check the failure lines without installing).
import { spawnSync } from 'node:child_process'
import { accessSync, constants as fs } from 'node:fs'
import { delimiter, join } from 'node:path'

/** The executable `name` in the first directory of PATH that has one, or undefined. */
export function onPath (name, PATH = process.env.PATH ?? '') {
  for (const dir of PATH.split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, name)
    try {
      accessSync(file, fs.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** How to run a command as root here without a prompt: [] as root, through `sudo -n`, or undefined. */
function asRoot () {
  if (process.getuid?.() === 0) return []
  // sudo resets the environment: `env` sets DEBIAN_FRONTEND for apt-get again.
  if (onPath('sudo') !== undefined && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive']
  return undefined
}

/**
 * Installs the Debian package `pkg` that provides `binary`; resolves with `{ found }`, its path,
 * or `{ reason }` it could not. `run(command, args, options)` resolves with an exit status;
 * `stopped()` names a signal received meanwhile, if any.
 */
export async function installPackage (pkg, binary, { run, log, stopped = () => undefined }) {
  if (process.env.TEST_REDIS_NO_INSTALL === '1') return { reason: 'not installed: TEST_REDIS_NO_INSTALL=1' }
  if (onPath('apt-get') === undefined) return { reason: 'no apt-get to install it with' }
  const prefix = asRoot()
  if (prefix === undefined) return { reason: 'installing it needs root or passwordless sudo' }
  log(`${binary} is not on PATH: installing ${pkg} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const apt = async (...args) => {
    const [command, ...rest] = [...prefix, 'apt-get', ...args]
    return await run(command, rest, { env, stdio: ['ignore', 'ignore', 'inherit'] })
  }
  let status = await apt('update', '-qq')
  if (stopped() !== undefined) return { reason: `stopped by ${stopped()}` }
  if (status !== 0) return { reason: `apt-get update failed with status ${status}` }
  status = await apt('install', '-y', '-qq', pkg)
  if (status !== 0) return { reason: `apt-get install ${pkg} failed with status ${status}` }
  // Debian installs it in /usr/bin, which a minimal PATH may lack.
  const found = onPath(binary) ?? onPath(binary, ['/usr/bin', '/usr/sbin', '/bin'].join(delimiter))
  return found === undefined ? { reason: `apt-get installed ${pkg} but ${binary} is nowhere to be found` } : { found }
}
