import t from 'tap'
import { createStats } from '../../lib/delivery/stats'

t.test('createStats starts every counter at zero', async (t) => {
  t.strictSame(createStats(), { dispatched: 0, duplicates: 0, stale: 0, inProgress: 0, deadlines: 0, storeErrors: 0 })
})

t.test('each call makes a separate, writable object', async (t) => {
  const a = createStats()
  const b = createStats()
  t.not(a, b)
  a.duplicates++
  t.equal(a.duplicates, 1)
  t.equal(b.duplicates, 0)
  t.notOk(Object.isFrozen(a), 'the plugin updates it in place')
})
