/** The parameters explain reads another way: a GET's, a value a parser trimmed, guessed back within a bound. */
import t from 'tap'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { TRIM_GUESSES } from '../../../lib/cli/explain/messages'
import { OTHER_TOKEN, TOKEN } from '../../helpers/sign'
import { form, PARAMS, PATH, post, sign } from './helpers'

t.test('method: a GET\'s parameters sent as a body, or counted twice', async (t) => {
  const getUrl = `https://hooks.example.com${PATH}?${form(PARAMS)}`
  const asBody = diagnose(post(`https://hooks.example.com${PATH}`, getUrl, { signature: sign(getUrl, null) }), [TOKEN])
  t.match(asBody.findings, [{ part: 'method', signed: 'GET, the parameters in the query string' }])
  t.equal(asBody.signedUrl, getUrl)

  const twice = diagnose({ url: getUrl, method: 'POST', signature: sign(getUrl, null), params: PARAMS }, [TOKEN])
  t.match(twice.findings, [{ part: 'method', why: /Counting them again/ }])

  const bare = diagnose({ url: `https://hooks.example.com${PATH}`, method: 'GET', signature: sign(getUrl, null), params: PARAMS }, [TOKEN])
  t.match(bare.findings, [{ part: 'method', seen: 'a GET URL without its parameters' }])

  const get = diagnose({ url: getUrl, method: 'GET', signature: sign(getUrl, null) }, [TOKEN])
  t.equal(get.verifies, true, 'a GET as received')
})

t.test('without the raw body, a trimmed value is guessed back', async (t) => {
  const sent = { ...PARAMS, Body: 'Hi there ' }
  const url = `https://hooks.example.com${PATH}`
  const d = diagnose({ url, method: 'POST', signature: sign(url, sent), params: { ...PARAMS, Body: 'Hi there' } }, [TOKEN])
  t.match(d.findings, [{ part: 'body', seen: 'Body="Hi there"', signed: 'Body="Hi there "', why: /trimmed/ }])
  const repeated = diagnose({ url, method: 'POST', signature: sign(url, PARAMS), params: { ...PARAMS, Tag: ['a', 'b'] } }, [TOKEN])
  t.equal(repeated.signedUrl, null, 'a repeated value is not guessed')
})

t.test('trimmed values are guessed back for up to TRIM_GUESSES parameters only: each guess costs an HMAC over all of them', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`P${i}`, `v${i}`]))
  const at = many(TRIM_GUESSES)
  const guessed = diagnose({ url, method: 'POST', signature: sign(url, { ...at, P7: 'v7 ' }), params: at }, [TOKEN])
  t.match(guessed.findings, [{ part: 'body', seen: 'P7="v7"', signed: 'P7="v7 "' }], `${TRIM_GUESSES} parameters: guessed`)
  const over = many(TRIM_GUESSES + 1)
  const skipped = diagnose({ url, method: 'POST', signature: sign(url, { ...over, P7: 'v7 ' }), params: over }, [TOKEN])
  t.equal(skipped.signedUrl, null, `${TRIM_GUESSES + 1} parameters: not guessed`)
  const wrong = (params: Record<string, string>): number => diagnose({ url, method: 'POST', signature: sign(url, params, OTHER_TOKEN), params }, [TOKEN]).tried
  t.ok(wrong(at) >= wrong(over) + 3 * TRIM_GUESSES, 'three guesses a parameter, and none past the bound')
  t.match(skipped.notes.at(-1), new RegExp(`Give the raw body .*with more than ${TRIM_GUESSES} parameters values a parser may have trimmed are not guessed back\\.$`))
  const few = diagnose({ url, method: 'POST', signature: sign(url, { ...PARAMS, Body: 'x' }), params: PARAMS }, [TOKEN])
  t.match(few.notes.at(-1), /cannot be undone from parsed parameters\.$/, 'no word about guesses that were made')
})
