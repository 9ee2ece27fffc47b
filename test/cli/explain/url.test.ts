/** URLs taken apart byte for byte. */
import t from 'tap'
import { partsOf } from '../../../lib/cli/explain/url'

t.test('partsOf: userinfo dropped, an IPv6 host kept whole, its port apart', async (t) => {
  const userinfo = partsOf('https://user:pass@[::1]:8443/x?y')
  t.same(userinfo, { scheme: 'https', host: '[::1]', port: '8443', path: '/x', query: 'y' })
})
