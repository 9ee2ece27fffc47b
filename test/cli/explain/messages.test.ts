/** The notes explain writes: the query's respellings, the AccountSid a token lookup is asked about. */
import t from 'tap'
import { diagnose } from '../../../lib/cli/explain/diagnose'
import { render } from '../../../lib/cli/explain/render'
import { styleOf } from '../../../lib/cli/io'
import { OTHER_TOKEN, sha256, TOKEN } from '../../helpers/sign'
import { parts, PATH, post, sign } from './helpers'

t.test("a query whose ', : or @ Twilio's signer and HTTP client escape differently verifies, and the note names the case", async (t) => {
  const cases: Array<[string, string]> = [
    // Signed with ', sent as %27 (twilio-ruby#528), and the reverse (twilio-node's spec vectors).
    ["?name=O'hara", '?name=O%27hara'],
    ['?name=O%27hara+Jr', "?name=O'hara+Jr"],
    // A SIP caller: signed with : and @, sent as %3A and %40 (twilio-node PR #621).
    ['?Caller=sip:1234@203.0.113.7', '?Caller=sip%3A1234%40203.0.113.7']
  ]
  for (const [signedQuery, seenQuery] of cases) {
    const d = diagnose(post(`https://hooks.example.com${PATH}${seenQuery}`, `https://hooks.example.com${PATH}${signedQuery}`), [TOKEN])
    t.equal(d.verifies, true, `${seenQuery} seen, ${signedQuery} signed`)
    t.equal(d.signedUrl, `https://hooks.example.com${PATH}${signedQuery}`)
    t.same(d.findings, [])
    t.equal(d.notes.length, 1)
    t.match(d.notes[0], /arrived as .* but Twilio signed .*signer and its HTTP client do not escape ', : and @ alike.*tries both spellings, so nothing needs fixing/)
  }
  // Behind a TLS proxy too: the scheme is the finding, the escapes a note.
  const proxied = diagnose(post(`http://hooks.example.com${PATH}?name=O%27hara`, `https://hooks.example.com${PATH}?name=O'hara`), [TOKEN])
  t.same(parts(proxied), ['scheme'])
  t.match(proxied.notes, [/arrived as \?name=O%27hara but Twilio signed \?name=O'hara/])
  // A host written in upper case, signed in lower case, as twilio-node accepts it.
  const host = diagnose(post(`https://Hooks.Example.com:8443${PATH}`, `https://hooks.example.com${PATH}`), [TOKEN])
  t.equal(host.verifies, true)
  t.match(host.notes, [/the port differs/, /signed with the host in lower case \(hooks\.example\.com\)/])
  t.match(render(host, styleOf(false)), /✓ Verifies with --token #1, as https:\/\/hooks\.example\.com\/twilio/)
})

t.test('the AccountSid a note names is the one the plugin\'s token lookup would be asked about: a JSON body\'s, else the query\'s', async (t) => {
  const body = '{"AccountSid":"AC' + '7'.repeat(32) + '"}'
  const url = `https://hooks.example.com/studio?AccountSid=AC${'8'.repeat(32)}&bodySHA256=${sha256(body)}`
  const named = diagnose({ url, method: 'POST', json: true, signature: sign(url, null, OTHER_TOKEN), body }, [TOKEN])
  t.match(named.notes[0], /this one names AccountSid AC7{32}/)
  const batch = diagnose({ url, method: 'POST', json: true, signature: sign(url, null, OTHER_TOKEN), body: '[]' }, [TOKEN])
  t.match(batch.notes.join(' '), /this one names AccountSid AC8{32}/, 'a batch names none: its sink URL\'s')
})
