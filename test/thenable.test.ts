import t from 'tap'
import { isThenable } from '../lib/thenable'

t.test('a promise and any object with a then method are thenables', async (t) => {
  t.ok(isThenable(Promise.resolve(1)))
  t.ok(isThenable({ then () {} }), 'a thenable that is not a Promise')
})

t.test('plain values, null and a non-function then are not', async (t) => {
  for (const value of [undefined, null, 0, '', 'text', {}, { then: true }, [], () => {}]) {
    t.notOk(isThenable(value), String(value))
  }
})
