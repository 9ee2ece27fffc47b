/** sign: the signature the twilio package (the oracle) computes, for a form POST, a GET and a JSON body. */
import t from 'tap'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { curlCommand, encodeForm, shellQuote, signInput } from '../../lib/cli/sign'
import { sha256, TOKEN } from '../helpers/sign'
import { cli } from './helpers'

const URL = 'https://hooks.example.com/twilio/sms/status'
const PARAMS = { MessageSid: 'SM1', MessageStatus: 'delivered', Body: "It's 5 + 5", Tag: ['b', 'a'] }

t.test('signInput: form POST, GET and JSON, as twilio signs them', async (t) => {
  const post = signInput({ token: TOKEN, url: URL, method: 'POST', params: PARAMS })
  t.equal(post.signature, getExpectedTwilioSignature(TOKEN, URL, PARAMS))
  t.same(post, { signature: post.signature, url: URL, method: 'POST', body: encodeForm(PARAMS), contentType: 'application/x-www-form-urlencoded' })

  const get = signInput({ token: TOKEN, url: URL, method: 'GET', params: { A: '1 2' } })
  t.equal(get.url, `${URL}?A=1+2`, 'the parameters in the query, spaces as + as Twilio writes them')
  t.equal(get.signature, getExpectedTwilioSignature(TOKEN, get.url, {}))
  t.equal(signInput({ token: TOKEN, url: `${URL}?x=1`, method: 'GET', params: { A: '1' } }).url, `${URL}?x=1&A=1`)
  t.equal(signInput({ token: TOKEN, url: URL, method: 'GET', params: {} }).url, URL)

  const json = signInput({ token: TOKEN, url: URL, method: 'JSON', params: {}, body: '{"a": 1}' })
  t.equal(json.url, `${URL}?bodySHA256=${sha256('{"a": 1}')}`)
  t.equal(json.signature, getExpectedTwilioSignature(TOKEN, json.url, {}))
  t.same([json.body, json.contentType], ['{"a": 1}', 'application/json'])
  t.equal(signInput({ token: TOKEN, url: URL, method: 'JSON', params: { a: '1' } }).body, '{"a":"1"}', 'the --param pairs as a JSON object')

  t.throws(() => signInput({ token: TOKEN, url: '/relative', method: 'POST', params: {} }), /--url is a full http\(s\) URL/)
  t.throws(() => signInput({ token: TOKEN, url: URL, method: 'POST', params: {}, body: 'x' }), /--body and --body-file go with --method JSON/)
})

t.test('shellQuote and curlCommand', async (t) => {
  t.equal(shellQuote('plain-word_1.2/x:y@z'), 'plain-word_1.2/x:y@z')
  t.equal(shellQuote("it's"), "'it'\\''s'")
  t.equal(shellQuote('a b'), "'a b'")
  const post = signInput({ token: TOKEN, url: URL, method: 'POST', params: { Body: "It's" } })
  t.equal(curlCommand(post), `curl -sS -X POST ${URL} -H 'X-Twilio-Signature: ${post.signature}' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary Body=It%27s`)
  const get = signInput({ token: TOKEN, url: URL, method: 'GET', params: { A: '1' } })
  t.equal(curlCommand(get), `curl -sS -X GET '${URL}?A=1' -H 'X-Twilio-Signature: ${get.signature}'`)
})

t.test('sign, the command', async (t) => {
  const ran = await cli(['sign', '--url', URL, '--param', 'MessageSid=SM1', '--param', 'MessageStatus=delivered'])
  t.same(ran, { code: 0, stdout: getExpectedTwilioSignature(TOKEN, URL, { MessageSid: 'SM1', MessageStatus: 'delivered' }) + '\n', stderr: '' })

  const get = await cli(['sign', '--url', URL, '--method', 'GET', '--param', 'A=1', '--token', 'other'], { env: {} })
  t.equal(get.stdout, getExpectedTwilioSignature('other', `${URL}?A=1`, {}) + '\n')
  t.equal(get.stderr, `request URL: ${URL}?A=1\n`, 'the changed URL on standard error')

  const file = await cli(['sign', '--url', URL, '--method', 'JSON', '--body-file', 'b.json'], { files: { 'b.json': '{}\n' } })
  t.equal(file.stdout, getExpectedTwilioSignature(TOKEN, `${URL}?bodySHA256=${sha256('{}\n')}`, {}) + '\n')

  const curl = await cli(['sign', '--url', URL, '--method', 'JSON', '--body', '{}', '--curl'])
  t.match(curl.stdout, /^curl -sS -X POST 'https:\/\/hooks\.example\.com\/twilio\/sms\/status\?bodySHA256=[0-9a-f]{64}' -H 'X-Twilio-Signature: .{27}=' -H 'Content-Type: application\/json' --data-binary '\{\}'\n$/)
  t.equal(curl.stderr, '')

  const help = await cli(['sign', '-h'])
  t.match(help.stdout, /^Usage: fastify-twilio-status sign --url URL/)

  const errors: Array<[string[], RegExp]> = [
    [['sign'], /sign needs --url/],
    [['sign', 'x'], /unexpected "x"/],
    [['sign', '--url', URL, '--body', '{}', '--body-file', 'f'], /not both/],
    [['sign', '--url', URL, '--method', 'JSON', '--body', '{}', '--param', 'A=1'], /--body \(or --body-file\) or --param pairs, not both/],
    [['sign', '--url', URL, '--body', 'x'], /go with --method JSON/]
  ]
  for (const [argv, message] of errors) {
    const e = await cli(argv)
    t.equal(e.code, 2, argv.join(' '))
    t.match(e.stderr, message)
  }
  const noToken = await cli(['sign', '--url', URL], { env: {} })
  t.match(noToken, { code: 2, stderr: /no Auth Token/ })
})
