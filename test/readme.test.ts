import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { statusCallbackUrl } from '../lib/delivery/retry'
import { signedInject } from '../lib/testing/index'
import { buildApp } from '../example/app'

const root = join(__dirname, '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

t.test('every README example is the runnable file it names, verbatim', async (t) => {
  const marker = /<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```\n/g
  const found = [...readme.matchAll(marker)]
  t.ok(found.length >= 2, 'README embeds the usage and the host-app test examples')
  for (const [, file, code] of found) {
    t.equal(code, readFileSync(join(root, file), 'utf8'), `${file} matches its README block`)
  }
})

t.test('the README usage example dispatches by status and answers an inbound SMS with its TwiML', async (t) => {
  const { app, delivered } = await buildApp('readme-token')
  t.teardown(() => app.close())
  const common = { authToken: 'readme-token', publicUrl: 'https://hooks.example.com' } as const

  const ok = await app.inject(signedInject({ ...common, channel: 'sms', status: 'delivered', sid: 'SM' + 'a'.repeat(32) }))
  t.equal(ok.statusCode, 200)
  t.same(delivered, ['SM' + 'a'.repeat(32)])

  const inbound = await app.inject(signedInject({ ...common, channel: 'sms', status: 'received', params: { Body: 'hi <3' } }))
  t.equal(inbound.statusCode, 200)
  t.match(inbound.headers['content-type'], /^text\/xml/)
  t.equal(inbound.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks for "hi &#60;3"</Message></Response>')

  const ringing = await app.inject(signedInject({ ...common, channel: 'call', status: 'ringing' }))
  t.equal(ringing.statusCode, 200)

  const forged = await app.inject(signedInject({ ...common, authToken: 'not-the-token', channel: 'sms', status: 'delivered' }))
  t.equal(forged.statusCode, 403)
})

t.test('the README retry example prints what statusCallbackUrl returns', async (t) => {
  const url = statusCallbackUrl('https://hooks.example.com/twilio/call/status', { retryCount: 3, retryPolicy: ['5xx', 'ct'] })
  t.equal(url, 'https://hooks.example.com/twilio/call/status#rc=3&rp=5xx,ct')
  t.ok(readme.includes(`// → '${url}'`), 'README shows the same URL')
})
