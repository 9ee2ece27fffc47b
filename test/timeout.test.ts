/**
 * The one timeout race behind `storeTimeout`, `queue.timeout` and a worker's attempt `timeout`.
 */
import t from 'tap'
import { withTimeout } from '../lib/timeout'

const late = (): Error => new Error('too late')

t.test('answers with the work when it settles first, and clears its timer', async (t) => {
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
  const before = timers()
  t.equal(await withTimeout(Promise.resolve('done'), 60_000, late), 'done')
  await t.rejects(withTimeout(Promise.reject(new Error('its own failure')), 60_000, late), { message: 'its own failure' })
  t.equal(timers(), before, 'no timer left behind')
})

t.test('its timer does not keep the process alive while the work is pending', async (t) => {
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
  const before = timers()
  withTimeout(new Promise(() => {}), 60_000, late).catch(() => {})
  t.equal(timers(), before, 'the pending deadline does not hold the event loop (a worker closed during a hung callback exits)')
})

t.test('rejects with the given error once the time is up; the work goes on', async (t) => {
  let finished = false
  const work = new Promise<string>((resolve) => setTimeout(() => { finished = true; resolve('eventually') }, 60))
  await t.rejects(withTimeout(work, 10, late), { message: 'too late' })
  t.notOk(finished)
  t.equal(await work, 'eventually')
})
