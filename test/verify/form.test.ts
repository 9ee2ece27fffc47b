import t from 'tap'
import { MalformedBodyError } from '../../lib/errors'
import { parseForm } from '../../lib/verify/form'

t.test('decodes + as a space and %2B as a plus', async (t) => {
  t.same(parseForm('Body=Hello+World&From=%2B15551234567'), { Body: 'Hello World', From: '+15551234567' })
  t.same(parseForm('a=%2B+&b=++'), { a: '+ ', b: '  ' })
})

t.test('decodes + in names too', async (t) => {
  t.same(parseForm('Messaging+Binding=1&a%2Bb=2'), { 'Messaging Binding': '1', 'a+b': '2' })
})

t.test('keeps a percent-encoded & and = inside the value', async (t) => {
  t.same(parseForm('a=%26b%3Dc&d=e=f'), { a: '&b=c', d: 'e=f' })
})

t.test('passes text without + or % through untouched', async (t) => {
  t.same(parseForm("Body=It's~*!()@:/?"), { Body: "It's~*!()@:/?" })
})

t.test('collects a repeated name into an array, in the order sent', async (t) => {
  t.same(parseForm('To=3&From=x&To=1&To=2&To=1'), { To: ['3', '1', '2', '1'], From: 'x' })
  t.same(parseForm('MessagingBinding.Address=%2B1415&MessagingBinding.Address=%2B1325'),
    { 'MessagingBinding.Address': ['+1415', '+1325'] })
})

t.test('skips empty segments', async (t) => {
  t.same(parseForm(''), {})
  t.same(parseForm('&'), {})
  t.same(parseForm('&&a=1&&b=2&'), { a: '1', b: '2' })
})

t.test("gives a name without '=' the empty string, as it does 'name='", async (t) => {
  t.same(parseForm('flag&Body=&x'), { flag: '', Body: '', x: '' })
  t.same(parseForm('a&a=1'), { a: ['', '1'] })
})

t.test("keeps a pair with an empty name under ''", async (t) => {
  t.same(parseForm('=x&a=1'), { '': 'x', a: '1' })
})

t.test('decodes UTF-8 percent-encoding and keeps raw unicode', async (t) => {
  t.same(parseForm('Body=h%C3%A9llo+%F0%9F%91%8B+%D0%BC%D0%B8%D1%80'), { Body: 'héllo 👋 мир' })
  t.same(parseForm('Body=héllo 👋&%C3%A9=1'), { Body: 'héllo 👋', é: '1' })
})

t.test('trims nothing: spaces, tabs and newlines reach the signature as sent', async (t) => {
  t.same(parseForm(' a = b &c=+x+&d=%20y%20&e=%09%0A'), { ' a ': ' b ', c: ' x ', d: ' y ', e: '\t\n' })
})

t.test('returns a prototype-free object: __proto__, constructor and toString are plain names', async (t) => {
  const params = parseForm('__proto__=x&constructor=y&toString=z&hasOwnProperty=w&__proto__[polluted]=1&constructor=v')
  // Its prototype is an empty object whose own prototype is null: no Object.prototype in the chain.
  t.same(Object.getOwnPropertyNames(Object.getPrototypeOf(params)), [])
  t.equal(Object.getPrototypeOf(Object.getPrototypeOf(params)), null)
  t.notOk(params instanceof Object)
  t.same(Object.keys(params), ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__proto__[polluted]'])
  t.equal(Object.getOwnPropertyDescriptor(params, '__proto__')?.value, 'x')
  t.same(params.constructor, ['y', 'v'])
  t.equal(params.toString, 'z')
  t.equal(Object.prototype.hasOwnProperty.call(params, '__proto__'), true)
  const probe: Record<string, unknown> = {}
  t.equal(probe.polluted, undefined, 'Object.prototype is not polluted')
  t.equal(probe.x, undefined)
  t.equal(typeof probe.toString, 'function')
})

t.test('does not read a name that exists only on Object.prototype as an earlier value', async (t) => {
  // With a plain object, `params.toString` would be a function before the first toString pair.
  t.same(parseForm('toString=a&valueOf=b'), Object.assign(Object.create(null), { toString: 'a', valueOf: 'b' }))
  t.same(parseForm('toString=a&toString=b').toString, ['a', 'b'])
})

t.test('throws FST_TWILIO_MALFORMED_BODY (400) on broken percent-encoding', async (t) => {
  const broken = ['Body=%', 'Body=%2', 'Body=%zz', 'Body=100%', 'Body=%E0%A4%A', 'Body=%C3', 'Body=%FF', '%=1', 'a%ZZb=1', 'ok=1&Body=%G1']
  for (const input of broken) {
    t.throws(() => parseForm(input), {
      name: 'FastifyError',
      code: 'FST_TWILIO_MALFORMED_BODY',
      statusCode: 400,
      message: /^Malformed form encoding: invalid percent-encoding in parameter \d+$/
    }, input)
  }
  t.throws(() => parseForm('Body=%zz'), MalformedBodyError)
})

t.test('names the broken pair by its place, never echoing the sender\'s text', async (t) => {
  t.throws(() => parseForm('Body=ok+%zz'), { message: 'Malformed form encoding: invalid percent-encoding in parameter 1' })
  const err = t.throws(() => parseForm('a=1&&b=2&Body=' + 'secret'.repeat(20) + '%')) as Error
  t.equal(err.message, 'Malformed form encoding: invalid percent-encoding in parameter 3')
  t.notMatch(err.message, /secret/)
})

t.test('refuses more than maxParams pairs with FST_TWILIO_TOO_MANY_PARAMS (400), counting repeats', async (t) => {
  t.same(parseForm('a=1&b=2&a=3', 3), { a: ['1', '3'], b: '2' })
  t.throws(() => parseForm('a=1&b=2&a=3&c=4', 3), { code: 'FST_TWILIO_TOO_MANY_PARAMS', statusCode: 400, message: 'More than 3 parameters in the request' })
  t.same(parseForm('&&a=1&&', 1), { a: '1' }, 'empty segments are not parameters')
  // The bound is checked before decoding the pair past it: broken encoding there is never read.
  t.throws(() => parseForm('a=1&b=%zz', 1), { code: 'FST_TWILIO_TOO_MANY_PARAMS' })
})

t.test('reports each repeated name once', async (t) => {
  const repeated: string[] = []
  parseForm('To=1&From=x&To=2&To=3&From=y&Body=z', Infinity, repeated)
  t.same(repeated, ['To', 'From'])
})
