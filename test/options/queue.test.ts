/**
 * The plugin's `queue` option, checked at register time.
 */
import t from 'tap'
import { checkClusterPrefix, checkQueue, createQueueStats, hashTag } from '../../lib/options/queue'
import { build } from '../helpers/app'
import { TOKEN } from '../helpers/sign'

const fakeQueue = { add: async () => ({}) }

t.test('queue: a Queue, or an object with one; defaults; job options merged over them', async (t) => {
  t.equal(checkQueue(undefined), null)
  const plain = checkQueue(fakeQueue)
  t.equal(plain?.queue, fakeQueue)
  t.same(plain?.jobOptions, { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: false })
  t.equal(plain?.timeout, 2000)
  const stats = createQueueStats()
  const full = checkQueue({ queue: fakeQueue, attempts: 3, backoff: 50, timeout: 100, jobOptions: { removeOnComplete: true, priority: 2 }, stats })
  t.match(full, { timeout: 100, stats, jobOptions: { attempts: 3, backoff: { delay: 50 }, removeOnComplete: true, priority: 2 } })
})

t.test('queue: bad values are refused at register', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['redis', /option queue must be a BullMQ Queue or/],
    [{ queue: {} }, /option queue\.queue must be a BullMQ Queue/],
    [{ queue: fakeQueue, attemps: 3 }, /unknown option queue\.attemps; did you mean attempts\?/],
    [{ queue: fakeQueue, attempts: 0 }, /option queue\.attempts must be an integer from 1 to 100/],
    [{ queue: fakeQueue, backoff: -1 }, /queue\.backoff/],
    [{ queue: fakeQueue, timeout: 1 }, /queue\.timeout/],
    [{ queue: fakeQueue, jobOptions: 'x' }, /queue\.jobOptions must be an object/],
    [{ queue: fakeQueue, stats: { enqueued: 0 } }, /queue\.stats must be an object made by createQueueStats\(\)/],
    [{ queue: fakeQueue, stats: null }, /queue\.stats/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => checkQueue(value), { code: 'FST_TWILIO_INVALID_OPTION', message }, String(message))
  }
  await t.rejects(build(t, { authToken: TOKEN, sms: {}, queue: 'redis' as never }), { code: 'FST_TWILIO_INVALID_OPTION' })
})

t.test('hashTag reads a key\'s hash tag as Redis Cluster does: first { to the next }, not empty', async (t) => {
  t.equal(hashTag('{twilio}:q:wait'), 'twilio')
  t.equal(hashTag('bull:{twilio}:wait'), 'twilio', 'in the queue name')
  t.equal(hashTag('{a}{b}'), 'a', 'the first one')
  t.equal(hashTag('{{a}}'), '{a', 'from the first {')
  t.equal(hashTag('bull:twilio'), undefined)
  t.equal(hashTag('{}:twilio'), undefined, 'an empty tag is no tag')
  t.equal(hashTag('{twilio:wait'), undefined, 'never closed')
  t.equal(hashTag('}a{'), undefined)
})

t.test('a queue whose connection is not a Cluster needs no hash tag', async (t) => {
  t.doesNotThrow(() => checkClusterPrefix('queue.queue', { host: '127.0.0.1' }, 'bull', 'twilio'))
  t.doesNotThrow(() => checkClusterPrefix('queue.queue', undefined, 'bull', 'twilio'))
  t.throws(() => checkClusterPrefix('queue.queue', { isCluster: true }, 'bull', 'twilio'), { code: 'FST_TWILIO_INVALID_OPTION' })
})
