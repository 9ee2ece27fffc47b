/**
 * The packages queue mode needs: each missing one named, with the command that installs it, before
 * anything is loaded. Their real absence, in the receiver, the worker and the CLI: missing-packages.test.ts.
 */
import t from 'tap'
import { MissingPackageError } from '../../lib/errors'
import { needQueuePackages, QUEUE_PACKAGES } from '../../lib/queue/packages'

const notFound = (id: string): never => {
  throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
}

t.test('queue mode needs bullmq and ioredis, both found here', async (t) => {
  t.same(QUEUE_PACKAGES, ['bullmq', 'ioredis'])
  t.doesNotThrow(() => { needQueuePackages('queue mode') })
})

t.test('each missing package is named, with the npm install command for exactly those', async (t) => {
  t.throws(() => { needQueuePackages('queue mode', notFound) }, new MissingPackageError('queue mode', 'bullmq and ioredis', 'bullmq ioredis'))
  t.throws(() => { needQueuePackages('queue mode', notFound) }, { code: 'FST_TWILIO_MISSING_PACKAGE', message: 'queue mode needs bullmq and ioredis, not installed: npm install bullmq ioredis' })
  t.throws(() => { needQueuePackages('the worker', (id) => id === 'bullmq' ? notFound(id) : id) }, { message: 'the worker needs bullmq, not installed: npm install bullmq' })
  t.throws(() => { needQueuePackages('the worker', (id) => id === 'ioredis' ? notFound(id) : id) }, { message: 'the worker needs ioredis, not installed: npm install ioredis' })
})

t.test('a package that is there but cannot be resolved is not reported as missing: its own error is thrown', async (t) => {
  const broken = Object.assign(new Error('Invalid package config'), { code: 'ERR_INVALID_PACKAGE_CONFIG' })
  t.throws(() => { needQueuePackages('queue mode', () => { throw broken }) }, broken)
})
