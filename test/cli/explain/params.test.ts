/** explain counts parameters as the plugin does, and refuses more than maxParams as it does. */
import t from 'tap'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { render } from '../../../lib/cli/explain/render'
import type { ExplainInput } from '../../../lib/cli/explain/types'
import { styleOf } from '../../../lib/cli/io'
import { TOKEN } from '../../helpers/sign'
import { PATH, sign } from './helpers'

t.test('more parameters than maxParams: refused before any signature check, as the plugin does', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const pairs = (n: number): string => Array.from({ length: n }, (_, i) => `P${i}=v`).join('&')
  const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`P${i}`, 'v']))
  const object = (n: number): string => JSON.stringify(many(n))
  const cases: Array<[string, (n: number) => ExplainInput]> = [
    ['a form body', (n) => ({ url, method: 'POST', signature: sign(url), body: pairs(n) + '&&' })],
    ['form parameters, repeated values counted one by one', (n) => ({ url, method: 'POST', signature: sign(url), params: { ...many(n - 2), R: ['1', '2'] } })],
    ['a GET query', (n) => ({ url: `${url}?${pairs(n)}`, method: 'GET', signature: sign(url, null) })],
    ['a GET query and parameters beside it', (n) => ({ url: `${url}?${pairs(1)}`, method: 'GET', signature: sign(url, null), params: many(n - 1) })],
    ['a JSON body', (n) => ({ url, method: 'POST', json: true, signature: sign(url, null), body: object(n) })],
    ['JSON parameters', (n) => ({ url, method: 'POST', json: true, signature: sign(url, null), params: many(n) })]
  ]
  for (const [what, input] of cases) {
    const refused = diagnose(input(257), [TOKEN])
    t.equal(refused.reason, 'too-many-params', `${what}: 257 is more than the default 256`)
    t.equal(refused.tried, 0, 'no HMAC')
    t.match(refused.notes, [/^The request has 257 parameters, more than maxParams \(256\): the plugin answers it 400 FST_TWILIO_TOO_MANY_PARAMS before any signature check\. If the app sets maxParams higher, give that value with --max-params\.$/])
    t.not(diagnose(input(256), [TOKEN]).reason, 'too-many-params', `${what}: 256 is read`)
    t.not(diagnose({ ...input(257), maxParams: 257 }, [TOKEN]).reason, 'too-many-params', `${what}: the app's own maxParams`)
  }
  for (const body of ['[1,2]', 'null', 'not json']) {
    t.not(diagnose({ url, method: 'POST', json: true, signature: sign(url, null), body, maxParams: 1 }, [TOKEN]).reason, 'too-many-params', `${body}: no parameters`)
  }
  t.match(render(diagnose(cases[0][1](300), [TOKEN]), styleOf(false)), /^✗ Does not verify as the app received it: it has more parameters than the app's maxParams\.\n/)
})
