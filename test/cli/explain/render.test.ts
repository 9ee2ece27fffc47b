/** The diagnosis as text: plain or coloured, and never a control character from the request. */
import t from 'tap'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { render } from '../../../lib/cli/explain/render'
import { styleOf } from '../../../lib/cli/io'
import { OLD_TOKEN, OTHER_TOKEN, TOKEN } from '../../helpers/sign'
import { PARAMS, PATH, post, sign } from './helpers'

t.test('render: no control character from the request reaches the terminal', async (t) => {
  const fake = '\u001b[2J\u001b[H✓ Verifies\r\n\u009b31m\u007f\u0007'
  const url = `https://hooks.example.com${PATH}?x=${fake}`
  const params = { ...PARAMS, AccountSid: fake, [fake]: ' spaced ' }
  for (const d of [
    diagnose({ url, method: 'POST', signature: sign('https://elsewhere.example.com/'), params }, [TOKEN, OTHER_TOKEN]),
    diagnose({ url, method: 'POST', signature: sign(url, params), params }, [OTHER_TOKEN, TOKEN]),
    diagnose({ url, method: 'POST', signature: sign(url.replace('https', 'http'), params), params, hints: { publicUrl: `http://h${fake}/` } }, [TOKEN])
  ]) {
    for (const color of [false, true]) {
      const text = render(d, styleOf(color))
      const data = color ? text.replace(new RegExp(`${'\u001b'}\\[\\d+m`, 'g'), '') : text
      t.notMatch(data, /(?!\n)\p{Cc}/u, 'nothing but line breaks, and colour of its own')
      t.ok(data.includes('x=\\x1b[2J\\x1b[H✓ Verifies\\r\\n\\x9b31m\\x7f\\x07'), 'the data shown, escaped')
    }
  }
})

t.test('render: plain, and coloured on a terminal', async (t) => {
  const d = diagnose(post(`http://hooks.example.com${PATH}`, `https://hooks.example.com/api${PATH}`), [TOKEN, OLD_TOKEN])
  const text = render(d, styleOf(false))
  t.match(text, /^✗ Does not verify as the app received it: no token given signs this URL and these parameters\.\n {2}URL checked: http:\/\/hooks\.example\.com\/twilio\/sms\/status\n✓ Twilio signed https:\/\/hooks\.example\.com\/api\/twilio\/sms\/status, with --token #1 of 2\.\n\nWhat differs:\n {2}scheme/)
  t.match(text, /Fix: register the plugin with publicUrl: 'https:\/\/hooks\.example\.com\/api'/)
  t.notOk(text.includes('\u001b['), 'no escape codes')
  t.ok(render(d, styleOf(true)).includes('\u001b[31m✗ Does not verify\u001b[39m'), 'red on a terminal')
  const plain = render(diagnose(post(`https://hooks.example.com${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN]), styleOf(false))
  t.equal(plain, `✓ Verifies with --token #1, as https://hooks.example.com${PATH}\n`)
})
