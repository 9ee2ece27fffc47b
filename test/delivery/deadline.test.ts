/**
 * The shared deadline timer. Time is faked with Node's mock timers (tap 21 ships no clock).
 */
import { mock } from 'node:test'
import t from 'tap'
import { Deadlines } from '../../lib/delivery/deadline'

t.beforeEach(() => { mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 }) })
t.afterEach(() => { mock.timers.reset() })

t.test('a watch expires once its deadline has passed, within one tick (deadline / 20)', async (t) => {
  const deadlines = new Deadlines(1000)
  let expired = 0
  deadlines.watch(() => { expired++ })
  mock.timers.tick(999)
  t.equal(expired, 0, 'not before the deadline')
  mock.timers.tick(50)
  t.equal(expired, 1, 'noticed at the next tick after it')
  mock.timers.tick(5000)
  t.equal(expired, 1, 'only once')
})

t.test('an unwatched request never expires', async (t) => {
  const deadlines = new Deadlines(1000)
  let expired = 0
  const watch = deadlines.watch(() => { expired++ })
  mock.timers.tick(500)
  deadlines.unwatch(watch)
  mock.timers.tick(2000)
  t.equal(expired, 0)
})

t.test('watches expire oldest first, each at its own deadline', async (t) => {
  const deadlines = new Deadlines(100)
  const order: string[] = []
  deadlines.watch(() => { order.push('first') })
  mock.timers.tick(60)
  deadlines.watch(() => { order.push('second') })
  mock.timers.tick(45)
  t.same(order, ['first'], 'the younger one is not due yet')
  mock.timers.tick(60)
  t.same(order, ['first', 'second'])
})

t.test('the timer stops when nothing is watched and starts again for the next watch', async (t) => {
  const deadlines = new Deadlines(200)
  let expired = 0
  deadlines.watch(() => { expired++ })
  mock.timers.tick(210)
  t.equal(expired, 1)
  mock.timers.tick(10_000)
  deadlines.watch(() => { expired++ })
  mock.timers.tick(199)
  t.equal(expired, 1, 'a new watch gets its whole deadline')
  mock.timers.tick(10)
  t.equal(expired, 2)
})

t.test('the tick is a twentieth of the deadline, between 5 and 250 ms', async (t) => {
  for (const [deadline, lateBy] of [[100, 5], [1000, 50], [14_000, 250]]) {
    const deadlines = new Deadlines(deadline)
    let expired = false
    deadlines.watch(() => { expired = true })
    mock.timers.tick(deadline - 1)
    t.notOk(expired, `${deadline} ms: not early`)
    mock.timers.tick(lateBy)
    t.ok(expired, `${deadline} ms: at most ${lateBy} ms late`)
  }
})
