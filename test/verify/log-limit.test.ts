/**
 * The bounds on log lines a sender can cause: `clip` for the text it chose, `createLogLimiter`
 * for how many lines of a kind a minute. Time is Node's mocked `Date`.
 */
import { mock } from 'node:test'
import t from 'tap'
import type { FastifyBaseLogger } from 'fastify'
import { clip, createLogLimiter, LOG_INTERVAL, warnLimited } from '../../lib/verify/log-limit'

t.test('clip keeps text up to its limit and cuts longer text there, marked with …', async (t) => {
  t.equal(clip('a'.repeat(64)), 'a'.repeat(64))
  t.equal(clip('a'.repeat(65)), 'a'.repeat(64) + '…')
  t.equal(clip('abcdef', 3), 'abc…')
  t.equal(clip(''), '')
})

t.test('the limiter admits `burst` lines of a kind a minute, then leaves lines out and counts them for the next one admitted', async (t) => {
  mock.timers.enable({ apis: ['Date'] })
  t.teardown(() => mock.timers.reset())
  t.equal(LOG_INTERVAL, 60_000)
  const admit = createLogLimiter(3)
  t.same([admit('a'), admit('a'), admit('a'), admit('a'), admit('a')], [0, 0, 0, -1, -1], 'three, then none')
  t.same([admit('b'), admit(1)], [0, 0], 'each kind on its own')
  mock.timers.tick(LOG_INTERVAL - 1)
  t.equal(admit('a'), -1, 'not before the minute is out')
  mock.timers.tick(1)
  t.same([admit('a'), admit('a'), admit('a'), admit('a')], [3, 0, 0, -1], 'the first of the next minute says three were left out')
  mock.timers.tick(10 * LOG_INTERVAL)
  t.equal(admit('a'), 1, 'a count waits for the next line, however late')
})

t.test('a window starts with the first line after the last one ended, not on a fixed clock', async (t) => {
  mock.timers.enable({ apis: ['Date'] })
  t.teardown(() => mock.timers.reset())
  const admit = createLogLimiter(1)
  mock.timers.tick(30_000)
  t.equal(admit('a'), 0)
  mock.timers.tick(40_000)
  t.equal(admit('a'), -1, '70 s on the clock, 40 s into the window')
  mock.timers.tick(20_000)
  t.equal(admit('a'), 1)
})

t.test('warnLimited writes a warn line within the burst, none past it, and the next one says how many were left out', async (t) => {
  mock.timers.enable({ apis: ['Date'] })
  t.teardown(() => mock.timers.reset())
  const lines: Array<[unknown, string]> = []
  const log = { warn: (fields: unknown, message: string) => { lines.push([fields, message]) } } as unknown as FastifyBaseLogger
  const admit = createLogLimiter(1)
  for (let i = 0; i < 3; i++) warnLimited(admit, 'a', log, { reason: 'a' }, 'refused')
  t.same(lines, [[{ reason: 'a' }, 'refused']])
  mock.timers.tick(LOG_INTERVAL)
  warnLimited(admit, 'a', log, { reason: 'a' }, 'refused')
  t.same(lines[1], [{ reason: 'a', suppressed: 2 }, 'refused'])
})
