import { createHash, createHmac } from 'node:crypto'
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring'
import fc from 'fast-check'
import t from 'tap'
// The validator alone: `require('twilio')` would load the whole REST client (TOOLCHAIN.md).
import {
  getExpectedBodyHash, getExpectedTwilioSignature, getSignatureAlgorithm, validateBody, validateRequest, validateRequestWithBody
} from 'twilio/lib/webhooks/webhooks'
import {
  type Algorithm, algorithmOf, bodyHash, candidateUrls, computeSignature, createVerifier, type Params, parseSignatureSettings,
  respelledUrls, type SignatureSettings, signatureShape, signedPayload, signingKey
} from '../../lib/verify/signature'
import { SDK_VECTORS } from '../helpers/sdk-vectors'

/** The reference: HMAC-SHA1 over the UTF-8 bytes of the signed string, base64 (docs/twilio-facts.md §1.1). */
function hmac (token: string, data: string): string {
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64')
}

function sha256Hex (body: string): string {
  return createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex')
}

// docs/twilio-facts.md §1.9: `U`, `P` (and the signed form of `P`), `B`.
const U = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const P = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }
const PS = 'CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212'
const B = '{"property": "value", "boolean": true}'
const V11 = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620'
const V12 = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
const N3P = {
  AccountSid: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  ApiVersion: '2010-04-01',
  From: '+15017250604',
  MessageSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
  MessageStatus: 'delivered',
  SmsSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
  SmsStatus: 'delivered',
  To: '+15558675310',
  RawDlrDoneDate: '2507171206'
}

interface Vector {
  readonly id: string
  readonly token: string
  /** The URL actually hashed. */
  readonly url: string
  readonly params: Record<string, string | string[]>
  /** The signed string, spelled out by hand from docs/twilio-facts.md. */
  readonly data: string
  readonly expected: string
  /** JSON vectors: the raw body whose hash is the URL's `bodySHA256`. */
  readonly body?: string
}

const VECTORS: readonly Vector[] = [
  { id: 'V1', token: '12345', url: U, params: P, data: U + PS, expected: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' },
  {
    id: 'V2',
    token: '12345',
    url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2',
    params: P,
    data: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' + PS,
    expected: 'kvajT1Ptam85bY51eRf/AJRuM3w='
  },
  {
    id: 'V3',
    token: '12345',
    url: 'http://mycompany.com:1234/myapp.php?foo=1&bar=2',
    params: P,
    data: 'http://mycompany.com:1234/myapp.php?foo=1&bar=2' + PS,
    expected: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='
  },
  {
    id: 'V4',
    token: '12345',
    url: 'http://mycompany.com:80/myapp.php?foo=1&bar=2',
    params: P,
    data: 'http://mycompany.com:80/myapp.php?foo=1&bar=2' + PS,
    expected: '0ZXoZLH/DfblKGATFgpif+LLRf4='
  },
  {
    id: 'V5',
    token: '12345',
    url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2',
    params: P,
    data: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2' + PS,
    expected: 'CukzLTc1tT5dXEDIHm/tKBanW10='
  },
  {
    id: 'V6',
    token: '12345',
    url: 'https://user@mycompany.com/myapp.php?foo=1&bar=2',
    params: P,
    data: 'https://user@mycompany.com/myapp.php?foo=1&bar=2' + PS,
    expected: '2YRLlVAflCqxaNicjMpJcSTgzSs='
  },
  {
    id: 'V7',
    token: '12345',
    url: 'https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2',
    params: P,
    data: 'https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2' + PS,
    expected: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='
  },
  {
    id: 'V8',
    token: '12345',
    url: U + '&Body=It%27s+amazing',
    params: P,
    data: U + '&Body=It%27s+amazing' + PS,
    expected: 'TfZzewPq8wqrGlMfyAud8+/IvJ0='
  },
  {
    id: 'V9',
    token: '12345',
    url: U,
    params: { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] },
    data: U + 'MessagingBinding.Address+1325xxxxxxxMessagingBinding.Address+1415xxxxxxx',
    expected: '83O6e2vORAoJHUNzJjDWN1jz+BA='
  },
  {
    id: 'V10',
    token: '12345',
    url: U,
    params: { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] },
    data: U + 'Digits1234Digits5678SidCA123SidAccountAC123',
    expected: 'IK+Dwps556ElfBT0I3Rgjkr1wJU='
  },
  {
    id: 'V13',
    token: '12345',
    url: U + '&bodySHA256=' + V11,
    params: {},
    data: U + '&bodySHA256=' + V11,
    expected: 'a9nBmqA0ju/hNViExpshrM61xv4=',
    body: B
  },
  {
    id: 'V14',
    token: '12345',
    url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=' + V12,
    params: {},
    data: 'https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=' + V12,
    expected: 'Ldidvp12m26NI7eqEvxnEpkd9Hc=',
    body: '{}'
  },
  {
    id: 'V15',
    token: '12345',
    url: 'https://mycompany.com/myapp.php?bodySHA256=' + V11,
    params: {},
    data: 'https://mycompany.com/myapp.php?bodySHA256=' + V11,
    expected: 'y77kIzt2vzLz71DgmJGsen2scGs=',
    body: B
  },
  {
    id: 'D1',
    token: '12345',
    url: 'https://example.com/myapp.php?foo=1&bar=2',
    params: { Digits: '1234', To: '+18005551212', From: '+14158675310', Caller: '+14158675310', CallSid: 'CA1234567890ABCDE' },
    data: 'https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212',
    expected: 'L/OH5YylLD5NRKLltdqwSvS0BnU='
  },
  {
    id: 'S1',
    token: 's3cr3t',
    url: 'https://example.com/path?test=param',
    params: {},
    data: 'https://example.com/path?test=param',
    expected: 'loLgTitFAoWx57yy5oEU4Hlddzw='
  },
  {
    id: 'S2',
    token: 's3cr3t',
    url: 'https://example.com:443/path?test=param',
    params: {},
    data: 'https://example.com:443/path?test=param',
    expected: 'IdwMFypqvNxti3YgvWWmfcNL26M='
  },
  {
    id: 'S3',
    token: 's3cr3t',
    url: "https://example.com/path?test=param'WithQuote",
    params: {},
    data: "https://example.com/path?test=param'WithQuote",
    expected: 'GfI7onHX/KQ2k1oVS3cUTVk4IEw='
  },
  {
    id: 'S4',
    token: 's3cr3t',
    url: 'https://example.com/path?test=param%27WithQuote',
    params: {},
    data: 'https://example.com/path?test=param%27WithQuote',
    expected: 'HkuXLxVQ7zHv9LmGpzlLuGaxhJY='
  },
  {
    id: 'N1',
    token: '12345',
    url: "https://example.com/path?name=William+O'hara",
    params: {},
    data: "https://example.com/path?name=William+O'hara",
    expected: 'ByKSxmiR/doNx8CAbkMm0UbF1sE='
  },
  {
    id: 'N2',
    token: '12345',
    url: 'https://example.com/sms?AccountSid=AC123&Body=Hello+World&From=%2B15551234567&MessageSid=SM123&To=%2B15557654321',
    params: {},
    data: 'https://example.com/sms?AccountSid=AC123&Body=Hello+World&From=%2B15551234567&MessageSid=SM123&To=%2B15557654321',
    expected: 'HRGKBhf5hruDtzyUd0+SyG2v5Xs='
  },
  {
    id: 'N3',
    token: '12345',
    url: 'https://hooks.example.com/twilio/status?tenant=a%20b',
    params: N3P,
    data: 'https://hooks.example.com/twilio/status?tenant=a%20b' +
      'AccountSidACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXApiVersion2010-04-01From+15017250604' +
      'MessageSidSM1342fe1b2c904d1ab04f0fc7a58abca9MessageStatusdeliveredRawDlrDoneDate2507171206' +
      'SmsSidSM1342fe1b2c904d1ab04f0fc7a58abca9SmsStatusdeliveredTo+15558675310',
    expected: 'bayrNQNP7adRhTeYKhYpZghfa/Q='
  },
  {
    id: 'N4',
    token: '12345',
    url: 'https://example.com/x',
    params: { NumMedia: '0', Body: '' },
    data: 'https://example.com/xBodyNumMedia0',
    expected: 'mySREWWU+hC4e1gcCEzcl4oXq4c='
  },
  {
    id: 'N5',
    token: '12345',
    url: 'https://example.com/sms',
    params: { Body: 'héllo 👋 мир', From: '+15551234567' },
    data: 'https://example.com/smsBodyhéllo 👋 мирFrom+15551234567',
    expected: 'qXz3THHzhu2JiViMLjMEZYKNmJc='
  }
]

t.test('docs/twilio-facts.md §1.9 signature vectors', async (t) => {
  for (const v of VECTORS) {
    t.test(`${v.id}: node:crypto, computeSignature and twilio all give ${v.expected}`, async (t) => {
      // (a) plain node:crypto over the string written out above
      t.equal(hmac(v.token, v.data), v.expected, 'HMAC-SHA1 over the UTF-8 signed string')
      // (b) ours
      t.equal(signedPayload(v.url, v.params), v.data, 'signedPayload builds the same string')
      t.equal(computeSignature(v.token, v.url, v.params), v.expected, 'computeSignature')
      // (c) the official package
      t.equal(getExpectedTwilioSignature(v.token, v.url, v.params), v.expected, 'twilio getExpectedTwilioSignature')
      if (v.body === undefined) {
        t.equal(validateRequest(v.token, v.expected, v.url, v.params), true, 'twilio validateRequest')
      } else {
        t.equal(validateRequestWithBody(v.token, v.expected, v.url, v.body), true, 'twilio validateRequestWithBody')
      }
      // and our verifier accepts the request Twilio made to that URL
      const signed = Object.keys(v.params).length === 0 ? null : v.params
      const verdict = createVerifier([v.token])({ signature: v.expected, url: v.url, params: signed, rawBody: v.body })
      t.equal(verdict.valid, true, 'createVerifier accepts it')
    })
  }
})

t.test('docs/twilio-facts.md §1.9 body hash vectors (V11, V12, D2)', async (t) => {
  const hashes = [
    { id: 'V11', body: B, expected: V11 },
    { id: 'V12', body: '{}', expected: V12 },
    { id: 'D2', body: '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}', expected: '5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9' }
  ]
  for (const h of hashes) {
    t.equal(sha256Hex(h.body), h.expected, `${h.id}: node:crypto SHA-256`)
    t.equal(bodyHash(h.body), h.expected, `${h.id}: bodyHash`)
    t.equal(getExpectedBodyHash(h.body), h.expected, `${h.id}: twilio getExpectedBodyHash`)
    t.equal(validateBody(h.body, h.expected), true, `${h.id}: twilio validateBody`)
  }
})

t.test('signedPayload', async (t) => {
  t.test('null params (GET, JSON) sign the URL alone, like {}', async (t) => {
    t.equal(signedPayload(U, null), U)
    t.equal(computeSignature('12345', U, null), computeSignature('12345', U, {}))
  })

  t.test('sorts names by code unit: upper case first, a prefix before its extensions', async (t) => {
    const params = { b: '1', ReasonConferenceEnded: '2', a: '3', Reason: '4', B: '5', Ä: '6' }
    t.equal(signedPayload('', params), 'B5Reason4ReasonConferenceEnded2a3b1Ä6')
    t.equal(computeSignature('k', U, params), getExpectedTwilioSignature('k', U, params))
  })

  t.test('sorts by name only, never by name+value (twilio-go#139)', async (t) => {
    // Sorting "Reason"+"z" against "ReasonConferenceEnded"+"a" by the joined text would swap them.
    t.equal(signedPayload('', { ReasonConferenceEnded: 'a', Reason: 'z' }), 'ReasonzReasonConferenceEndeda')
  })

  t.test('a repeated name contributes each distinct value once, values sorted', async (t) => {
    t.equal(signedPayload('', { To: ['b', 'a', 'b', ''] }), 'ToToaTob')
  })

  t.test('values are appended decoded, never re-encoded', async (t) => {
    t.equal(signedPayload('', { Body: "It's a +1 & 50% ☃" }), "BodyIt's a +1 & 50% ☃")
  })

  t.test('a GET request signs the URL only: passing its query again as params fails (N2)', async (t) => {
    const v = VECTORS.find((x) => x.id === 'N2') as Vector
    const query = { AccountSid: 'AC123', Body: 'Hello World', From: '+15551234567', MessageSid: 'SM123', To: '+15557654321' }
    const verify = createVerifier(['12345'])
    t.equal(verify({ signature: v.expected, url: v.url, params: null }).valid, true)
    t.match(verify({ signature: v.expected, url: v.url, params: query }), { valid: false, reason: 'mismatch' })
    t.equal(validateRequest('12345', v.expected, v.url, query), false, 'twilio agrees')
  })
})

t.test('candidateUrls', async (t) => {
  t.test('strips any explicit port and keeps the URL as received', async (t) => {
    t.same(candidateUrls('https://h.example:8443/x?y=1'), ['https://h.example/x?y=1', 'https://h.example:8443/x?y=1'])
    t.same(candidateUrls('http://h.example:80/x'), ['http://h.example/x', 'http://h.example:80/x'])
  })

  t.test('adds :443 for https and :80 for http when there is no port', async (t) => {
    t.same(candidateUrls('https://h.example/x'), ['https://h.example/x', 'https://h.example:443/x'])
    t.same(candidateUrls('http://h.example/x'), ['http://h.example/x', 'http://h.example:80/x'])
  })

  t.test('reads the scheme case-insensitively and keeps its case', async (t) => {
    t.same(candidateUrls('HTTPS://h.example/x'), ['HTTPS://h.example/x', 'HTTPS://h.example:443/x'])
    t.same(candidateUrls('Http://h.example/x'), ['Http://h.example/x', 'Http://h.example:80/x'])
  })

  t.test('treats colons inside an IPv6 literal as part of the host', async (t) => {
    t.same(candidateUrls('http://[::1]:8080/x'), ['http://[::1]/x', 'http://[::1]:8080/x'])
    t.same(candidateUrls('https://[::1]/x'), ['https://[::1]/x', 'https://[::1]:443/x'])
    t.same(candidateUrls('https://[2001:db8::1]'), ['https://[2001:db8::1]', 'https://[2001:db8::1]:443'])
  })

  t.test('looks for the port after user:pass@, not in the credentials', async (t) => {
    t.same(candidateUrls('https://user:pass@h.example/x'), ['https://user:pass@h.example/x', 'https://user:pass@h.example:443/x'])
    t.same(candidateUrls('https://user:pass@h.example:443/x'), ['https://user:pass@h.example/x', 'https://user:pass@h.example:443/x'])
    t.same(candidateUrls('http://user:p:ss@[::1]:81/x'), ['http://user:p:ss@[::1]/x', 'http://user:p:ss@[::1]:81/x'])
  })

  t.test('ends the host at the path, the query or a fragment', async (t) => {
    t.same(candidateUrls('https://h.example'), ['https://h.example', 'https://h.example:443'])
    t.same(candidateUrls('https://h.example?a=b:c'), ['https://h.example?a=b:c', 'https://h.example:443?a=b:c'])
    t.same(candidateUrls('https://h.example:1#x:y'), ['https://h.example#x:y', 'https://h.example:1#x:y'])
  })

  t.test('leaves colons and @ in the path and query alone', async (t) => {
    const url = "https://h.example/sip:user@host:5060?to=sip:a@b:5060&n=O'hara+x"
    t.same(candidateUrls(url), [url, "https://h.example:443/sip:user@host:5060?to=sip:a@b:5060&n=O'hara+x"])
  })

  t.test('returns a URL without a scheme twice, unchanged, even with :// later in it', async (t) => {
    t.same(candidateUrls('/twilio/status?x=1'), ['/twilio/status?x=1', '/twilio/status?x=1'])
    t.same(candidateUrls('example.com/cb?next=https://other:8080/'), ['example.com/cb?next=https://other:8080/', 'example.com/cb?next=https://other:8080/'])
    t.same(candidateUrls('://h:1/x'), ['://h:1/x', '://h:1/x'])
  })
})

t.test('createVerifier: which URL was signed', async (t) => {
  const verify = createVerifier(['12345'])

  t.test('accepts V1 (signed without port) at :1234 and at :443, via the port-stripped candidate', async (t) => {
    for (const url of ['https://mycompany.com:1234/myapp.php?foo=1&bar=2', 'https://mycompany.com:443/myapp.php?foo=1&bar=2']) {
      t.same(verify({ signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params: P }), { valid: true, url: U, tokenIndex: 0 }, url)
      t.equal(validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, P), true, `twilio agrees at ${url}`)
    }
  })

  t.test('accepts V2 (signed with :443) at a URL without port only via the add-port candidate', async (t) => {
    const verdict = verify({ signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=', url: U, params: P })
    t.same(verdict, { valid: true, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', tokenIndex: 0 })
    t.not(computeSignature('12345', U, P), 'kvajT1Ptam85bY51eRf/AJRuM3w=', 'the URL as received does not give it')
    t.equal(validateRequest('12345', 'kvajT1Ptam85bY51eRf/AJRuM3w=', U, P), true, 'twilio agrees')
  })

  t.test('accepts V14 (JSON, signed with :443) at a URL without port only via the add-port candidate', async (t) => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=' + V12
    const verdict = verify({ signature: 'Ldidvp12m26NI7eqEvxnEpkd9Hc=', url, params: null, rawBody: '{}' })
    t.same(verdict, { valid: true, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=' + V12, tokenIndex: 0 })
    t.not(computeSignature('12345', url, null), 'Ldidvp12m26NI7eqEvxnEpkd9Hc=')
    t.equal(validateRequestWithBody('12345', 'Ldidvp12m26NI7eqEvxnEpkd9Hc=', url, '{}'), true, 'twilio agrees')
  })

  t.test('accepts V4 (http, signed with :80) at an http URL without port', async (t) => {
    const url = 'http://mycompany.com/myapp.php?foo=1&bar=2'
    t.same(verify({ signature: '0ZXoZLH/DfblKGATFgpif+LLRf4=', url, params: P }),
      { valid: true, url: 'http://mycompany.com:80/myapp.php?foo=1&bar=2', tokenIndex: 0 })
    t.equal(validateRequest('12345', '0ZXoZLH/DfblKGATFgpif+LLRf4=', url, P), true, 'twilio agrees')
  })

  t.test('rejects V2 (signed with :443) at an http URL: http adds :80', async (t) => {
    const url = 'http://mycompany.com/myapp.php?foo=1&bar=2'
    t.match(verify({ signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=', url, params: P }), { valid: false, reason: 'mismatch' })
    t.equal(validateRequest('12345', 'kvajT1Ptam85bY51eRf/AJRuM3w=', url, P), false, 'twilio agrees')
  })

  t.test('rejects V3 (signed with :1234) at another port: only the default port is ever added', async (t) => {
    const url = 'http://mycompany.com:8080/myapp.php?foo=1&bar=2'
    t.match(verify({ signature: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', url, params: P }), { valid: false, reason: 'mismatch' })
    t.equal(validateRequest('12345', 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', url, P), false, 'twilio agrees')
  })

  t.test('accepts V7 (credentials and :443) at the same URL without port, as twilio does', async (t) => {
    const url = 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2'
    t.same(verify({ signature: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=', url, params: P }),
      { valid: true, url: 'https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2', tokenIndex: 0 })
    t.equal(validateRequest('12345', 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=', url, P), true, 'twilio agrees')
  })

  t.test('accepts V6 (username, signed without port) at :443', async (t) => {
    const url = 'https://user@mycompany.com:443/myapp.php?foo=1&bar=2'
    t.same(verify({ signature: '2YRLlVAflCqxaNicjMpJcSTgzSs=', url, params: P }),
      { valid: true, url: 'https://user@mycompany.com/myapp.php?foo=1&bar=2', tokenIndex: 0 })
    t.equal(validateRequest('12345', '2YRLlVAflCqxaNicjMpJcSTgzSs=', url, P), true, 'twilio agrees')
  })

  t.test('accepts a signature over an IPv6 host with its port stripped', async (t) => {
    const signature = hmac('12345', 'http://[::1]/twilio/sms/status' + 'MessageStatussent')
    t.same(verify({ signature, url: 'http://[::1]:8080/twilio/sms/status', params: { MessageStatus: 'sent' } }),
      { valid: true, url: 'http://[::1]/twilio/sms/status', tokenIndex: 0 })
    t.equal(validateRequest('12345', signature, 'http://[::1]:8080/twilio/sms/status', { MessageStatus: 'sent' }), true)
  })

  t.test('accepts an uppercase scheme as https when adding the default port', async (t) => {
    const signature = hmac('12345', 'HTTPS://mycompany.com:443/x')
    t.same(verify({ signature, url: 'HTTPS://mycompany.com/x', params: null }),
      { valid: true, url: 'HTTPS://mycompany.com:443/x', tokenIndex: 0 })
  })
})

t.test('createVerifier: reason missing', async (t) => {
  t.test('rejects a request without the header and reports the URLs it would have tried', async (t) => {
    t.same(createVerifier(['12345'])({ signature: undefined, url: U, params: P }),
      { valid: false, reason: 'missing', urls: [U, 'https://mycompany.com:443/myapp.php?foo=1&bar=2'] })
    t.equal(validateRequest('12345', undefined as unknown as string, U, P), false, 'twilio agrees')
  })
})

t.test('createVerifier: reason malformed', async (t) => {
  const V1 = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
  const verify = createVerifier(['12345'])
  type Tap = typeof t
  function check (t: Tap, signature: string | string[], why: string) {
    t.same(verify({ signature, url: U, params: P }),
      { valid: false, reason: 'malformed', urls: [U, 'https://mycompany.com:443/myapp.php?foo=1&bar=2'] }, why)
  }

  t.test('rejects a header of the wrong length', async (t) => {
    check(t, '', 'empty')
    check(t, V1.slice(0, -1), '27 characters')
    check(t, V1 + '=', '29 characters')
    check(t, ' ' + V1, 'leading space (never trimmed)')
    check(t, Buffer.from(V1, 'base64').toString('hex'), 'hex instead of base64')
    t.equal(validateRequest('12345', ' ' + V1, U, P), false, 'twilio agrees')
  })

  t.test('rejects 28 characters that are not base64 of 20 bytes', async (t) => {
    check(t, '!'.repeat(28), 'no base64 characters')
    check(t, 'RSOYDt4T1cUTdK1PDd93/VVr8B8A', 'no padding: 21 bytes')
  })

  t.test('rejects non-canonical base64 whose bytes decode the same as the signature', async (t) => {
    // '9' differs from '8' only in the 2 bits base64 drops at the end of 20 bytes; '_' is the
    // base64url '/', which Buffer also decodes. Twilio compares strings, so these never match.
    for (const variant of ['RSOYDt4T1cUTdK1PDd93/VVr8B9=', 'RSOYDt4T1cUTdK1PDd93_VVr8B8=']) {
      t.ok(Buffer.from(variant, 'base64').equals(Buffer.from(V1, 'base64')), `${variant} decodes to the V1 bytes`)
      check(t, variant, variant)
      t.equal(validateRequest('12345', variant, U, P), false, `twilio rejects ${variant}`)
    }
  })

  t.test('rejects the header given as an array, even of the valid signature', async (t) => {
    check(t, [V1], 'one element')
    check(t, [V1, V1], 'repeated header')
  })
})

function without (params: Record<string, string>, name: string): Record<string, string> {
  const copy = { ...params }
  delete copy[name]
  return copy
}

t.test('createVerifier: reason mismatch, one field changed from a valid signed fixture (N3)', async (t) => {
  const token = '12345'
  const url = 'https://hooks.example.com/twilio/status?tenant=a%20b'
  const signature = 'bayrNQNP7adRhTeYKhYpZghfa/Q='
  const verify = createVerifier([token])

  t.test('the fixture itself is accepted', async (t) => {
    t.same(verify({ signature, url, params: N3P }), { valid: true, url, tokenIndex: 0 })
  })

  const changes: ReadonlyArray<[string, { url?: string, params?: Params | null, signature?: string, token?: string }]> = [
    ['rejects the fixture signature over http instead of https', { url: 'http://hooks.example.com/twilio/status?tenant=a%20b' }],
    ['rejects the fixture signature at another host', { url: 'https://hooks.example.org/twilio/status?tenant=a%20b' }],
    ['rejects the fixture signature with a trailing slash Twilio did not sign', { url: 'https://hooks.example.com/twilio/status/?tenant=a%20b' }],
    ['rejects the fixture signature with another query value', { url: 'https://hooks.example.com/twilio/status?tenant=a%20c' }],
    ['rejects the fixture signature without the query', { url: 'https://hooks.example.com/twilio/status' }],
    ['rejects the fixture signature when a status value changed', { params: { ...N3P, MessageStatus: 'undelivered' } }],
    ['rejects the fixture signature when a parameter was added', { params: { ...N3P, ErrorCode: '30003' } }],
    ['rejects the fixture signature when a parameter was removed', { params: without(N3P, 'RawDlrDoneDate') }],
    ['rejects the fixture signature when a name changed case', { params: { ...without(N3P, 'From'), from: N3P.From } }],
    ['rejects the fixture signature when a value gained a space', { params: { ...N3P, To: N3P.To + ' ' } }],
    ['rejects the fixture signature when a value was repeated with another one', { params: { ...N3P, To: [N3P.To, '+15550000000'] } }],
    ['rejects the fixture signature when the parameters are left out', { params: null }],
    ['rejects a signature made with another token', { token: '54321' }],
    ['rejects a signature one character off', { signature: 'cayrNQNP7adRhTeYKhYpZghfa/Q=' }],
    ['rejects a well-formed signature of another request (V1)', { signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }]
  ]
  for (const [name, change] of changes) {
    t.test(name, async (t) => {
      const reqUrl = change.url ?? url
      const params = change.params === undefined ? N3P : change.params
      const sig = change.signature ?? (change.token === undefined ? signature : hmac(change.token, signedPayload(url, N3P)))
      t.same(verify({ signature: sig, url: reqUrl, params }), { valid: false, reason: 'mismatch', urls: candidateUrls(reqUrl) })
      t.equal(validateRequest(token, sig, reqUrl, params ?? {}), false, 'twilio agrees')
    })
  }
})

t.test('createVerifier: reason body-hash (JSON, V13 fixture)', async (t) => {
  const url = U + '&bodySHA256=' + V11
  const signature = 'a9nBmqA0ju/hNViExpshrM61xv4='
  const verify = createVerifier(['12345'])

  t.test('the fixture itself is accepted', async (t) => {
    t.same(verify({ signature, url, params: null, rawBody: B }), { valid: true, url, tokenIndex: 0 })
  })

  t.test('rejects a raw body tampered by one space', async (t) => {
    const tampered = B.replace('": "', '":  "')
    t.same(verify({ signature, url, params: null, rawBody: tampered }), { valid: false, reason: 'body-hash', urls: candidateUrls(url) })
    t.equal(validateRequestWithBody('12345', signature, url, tampered), false, 'twilio agrees')
  })

  t.test('rejects a raw body when the signed URL has a query without bodySHA256', async (t) => {
    const sig = hmac('12345', U)
    t.same(verify({ signature: sig, url: U, params: null, rawBody: '{}' }), { valid: false, reason: 'body-hash', urls: candidateUrls(U) })
    t.equal(validateRequestWithBody('12345', sig, U, '{}'), false, 'twilio agrees')
  })

  t.test('rejects a raw body when the signed URL has no query at all', async (t) => {
    const plain = 'https://mycompany.com/myapp.php'
    const sig = hmac('12345', plain)
    t.match(verify({ signature: sig, url: plain, params: null, rawBody: '{}' }), { valid: false, reason: 'body-hash' })
    t.equal(validateRequestWithBody('12345', sig, plain, '{}'), false, 'twilio agrees')
  })

  t.test('rejects a bodySHA256 in upper-case hex (compared as text, like twilio)', async (t) => {
    const upper = U + '&bodySHA256=' + V11.toUpperCase()
    const sig = hmac('12345', upper)
    t.match(verify({ signature: sig, url: upper, params: null, rawBody: B }), { valid: false, reason: 'body-hash' })
    t.equal(validateRequestWithBody('12345', sig, upper, B), false, 'twilio agrees')
  })

  t.test('rejects a truncated bodySHA256', async (t) => {
    const short = U + '&bodySHA256=' + V11.slice(0, 63)
    const sig = hmac('12345', short)
    t.match(verify({ signature: sig, url: short, params: null, rawBody: B }), { valid: false, reason: 'body-hash' })
    t.equal(validateRequestWithBody('12345', sig, short, B), false, 'twilio agrees')
  })

  t.test('reports a bad signature as mismatch before looking at the body', async (t) => {
    t.match(verify({ signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params: null, rawBody: 'tampered' }), { valid: false, reason: 'mismatch' })
  })
})

t.test('createVerifier: token rotation', async (t) => {
  const verify = createVerifier(['current', 'previous'])
  const url = 'https://hooks.example.com/twilio/sms/status'
  const params = { MessageSid: 'SM1', MessageStatus: 'sent' }

  t.test('reports index 0 for a request signed with the first token', async (t) => {
    t.same(verify({ signature: computeSignature('current', url, params), url, params }), { valid: true, url, tokenIndex: 0 })
  })

  t.test('reports index 1 for a request signed with the second token, on either candidate URL', async (t) => {
    t.same(verify({ signature: computeSignature('previous', url, params), url, params }), { valid: true, url, tokenIndex: 1 })
    t.same(verify({ signature: computeSignature('previous', url, params), url: 'https://hooks.example.com:9999/twilio/sms/status', params }),
      { valid: true, url, tokenIndex: 1 })
  })

  t.test('rejects a token not in the list', async (t) => {
    t.match(verify({ signature: computeSignature('revoked', url, params), url, params }), { valid: false, reason: 'mismatch' })
  })

  t.test('an empty token list accepts nothing', async (t) => {
    t.match(createVerifier([])({ signature: computeSignature('current', url, params), url, params }), { valid: false, reason: 'mismatch' })
  })

  t.test('uses the token as UTF-8 key bytes, case-sensitive', async (t) => {
    const sig = hmac('tökén', url)
    t.same(createVerifier(['TÖKÉN', 'tökén'])({ signature: sig, url, params: null }), { valid: true, url, tokenIndex: 1 })
  })
})

t.test('the signed string has no separators: moving a character from a name to its value keeps the signature', async (t) => {
  // {a: 'bc'} and {ab: 'c'} both sign "…abc". A property of Twilio's scheme, shared with twilio-node.
  const sig = computeSignature('12345', U, { a: 'bc' })
  t.equal(createVerifier(['12345'])({ signature: sig, url: U, params: { ab: 'c' } }).valid, true)
  t.equal(validateRequest('12345', sig, U, { ab: 'c' }), true, 'twilio agrees')
})

// What twilio 6.x tries after the URL as received (±port), docs/twilio-facts.md §1.6:
// `new URL(url)` (which lower-cases the host and escapes `'` as %27, é as %C3%A9, …) and that URL
// with its query re-encoded by the legacy `querystring` module (`+` → %20, %27 → ', : → %3A).
function twilioNormalisedCandidates (url: string): string[] {
  function legacy (u: string): string {
    const q = u.indexOf('?')
    return q === -1 || q === u.length - 1 ? u : u.slice(0, q) + '?' + stringifyQuery(parseQuery(u.slice(q + 1)))
  }
  const [without, withPort] = candidateUrls(new URL(url).toString())
  return [without, withPort, legacy(without), legacy(withPort)]
}

/** Every URL our verifier tries for `url`, in order: as received, then its respellings, each ±port. */
function ourCandidates (url: string): string[] {
  return [url, ...respelledUrls(url)].flatMap(candidateUrls)
}

/** twilio's candidates that are not ours, and ours that are not twilio's (docs/twilio-facts.md §1.10). */
function differences (url: string): { twilioOnly: string[], oursOnly: string[] } {
  const ours = ourCandidates(url)
  const theirs = [...candidateUrls(url), ...twilioNormalisedCandidates(url)]
  return { twilioOnly: theirs.filter((c) => !ours.includes(c)), oursOnly: ours.filter((c) => !theirs.includes(c)) }
}

t.test('respelledUrls: the other spellings Twilio may have signed (docs/twilio-facts.md §1.10)', async (t) => {
  const rows: ReadonlyArray<[string, string, string[]]> = [
    ['none for an ordinary URL', 'https://h.example/twilio/sms/status?tenant=a%20b&x=1+2', []],
    ['none without a query', 'https://h.example/twilio/sms/status', []],
    ["none for ' : @ or %27 in the path: only the query is respelled", "https://h.example/O'hara/sip:a@b/%27%3A%40?x=1", []],
    ["a raw ' escaped, as new URL() writes it", "https://h.example/p?name=O'hara", ['https://h.example/p?name=O%27hara']],
    ["%27 unescaped, as Twilio's signer writes it", 'https://h.example/p?name=O%27hara', ["https://h.example/p?name=O'hara"]],
    ['%3A and %40 unescaped, either case (twilio-node PR #621)', 'https://h.example/p?Caller=sip%3A1234%40h&x=%3a', ['https://h.example/p?Caller=sip:1234@h&x=:']],
    ['raw : and @ are left as they are', 'https://h.example/p?Caller=sip:1234@h', []],
    ["both ' and an escape: one spelling each way", "https://h.example/p?a='&b=%27", ['https://h.example/p?a=%27&b=%27', "https://h.example/p?a='&b='"]],
    ['other escapes are kept', "https://h.example/p?a=%20%2B%2527'", ['https://h.example/p?a=%20%2B%2527%27']],
    ['an upper-case scheme and host lower-cased, as new URL() does', 'HTTPS://Hooks.Example.COM:8443/P?Q=1', ['https://hooks.example.com:8443/P?Q=1']],
    ['the userinfo keeps its case', 'https://User:Pass@MyCompany.com/x', ['https://User:Pass@mycompany.com/x']],
    ["an upper-case host and a ': one spelling for both", "http://MyCompany.com/x?n=O'hara", ['http://mycompany.com/x?n=O%27hara']],
    ['a URL without a scheme: only its query', "/twilio/x?n=O'hara&m=%40", ['/twilio/x?n=O%27hara&m=%40', "/twilio/x?n=O'hara&m=@"]]
  ]
  for (const [name, url, expected] of rows) t.same(respelledUrls(url), expected, name)
})

t.test("createVerifier: a query whose ', : or @ Twilio's signer and HTTP client escape differently (docs/twilio-facts.md §1.10)", async (t) => {
  const verify = createVerifier(['12345'])
  const verifyS = createVerifier(['s3cr3t'])
  const raw = "https://example.com/path?test=param'WithQuote"
  const escaped = 'https://example.com/path?test=param%27WithQuote'
  const s3 = 'GfI7onHX/KQ2k1oVS3cUTVk4IEw='
  const s4 = 'HkuXLxVQ7zHv9LmGpzlLuGaxhJY='

  t.test("accepts S3 (signed with ') requested with %27, as twilio does", async (t) => {
    t.same(verifyS({ signature: s3, url: escaped, params: null }), { valid: true, url: raw, tokenIndex: 0 })
    t.equal(validateRequest('s3cr3t', s3, escaped, {}), true, 'twilio agrees')
  })

  t.test("accepts S4 (signed with %27) requested with ', as twilio does", async (t) => {
    t.same(verifyS({ signature: s4, url: raw, params: null }), { valid: true, url: escaped, tokenIndex: 0 })
    t.equal(validateRequest('s3cr3t', s4, raw, {}), true, 'twilio agrees')
  })

  t.test('accepts S3 and S4 at each spelling with :443 too, through the respelling without its port', async (t) => {
    const at443 = (url: string): string => url.replace('example.com', 'example.com:443')
    t.same(verifyS({ signature: s3, url: at443(escaped), params: null }), { valid: true, url: raw, tokenIndex: 0 })
    t.same(verifyS({ signature: s4, url: at443(raw), params: null }), { valid: true, url: escaped, tokenIndex: 0 })
  })

  t.test("accepts V8 (Body=It%27s+amazing signed) requested as It's+amazing, as twilio does", async (t) => {
    const url = U + "&Body=It's+amazing"
    t.same(verify({ signature: 'TfZzewPq8wqrGlMfyAud8+/IvJ0=', url, params: P }), { valid: true, url: U + '&Body=It%27s+amazing', tokenIndex: 0 })
    t.equal(validateRequest('12345', 'TfZzewPq8wqrGlMfyAud8+/IvJ0=', url, P), true, 'twilio agrees')
  })

  t.test("accepts an inbound SMS GET whose Body Twilio signed with ' and sent as %27 (twilio-ruby#528), which twilio refuses", async (t) => {
    const sent = 'https://example.com/sms?AccountSid=AC123&Body=It%27s+here&From=%2B15551234567'
    const signedUrl = "https://example.com/sms?AccountSid=AC123&Body=It's+here&From=%2B15551234567"
    const signature = hmac('12345', signedUrl)
    t.same(verify({ signature, url: sent, params: null }), { valid: true, url: signedUrl, tokenIndex: 0 })
    // twilio's querystring candidate unescapes %27 but also writes the space as %20.
    t.equal(validateRequest('12345', signature, sent, {}), false, 'twilio 6.3.1 refuses it')
  })

  t.test('accepts a SIP caller Twilio signed with : and @ and sent as %3A and %40 (twilio-node PR #621), which twilio refuses', async (t) => {
    const sent = 'https://example.com/voice/audio?Caller=sip%3A1234567890%40209.182.172.181&CallSid=CA1'
    const signedUrl = 'https://example.com/voice/audio?Caller=sip:1234567890@209.182.172.181&CallSid=CA1'
    const signature = hmac('12345', signedUrl)
    t.same(verify({ signature, url: sent, params: null }), { valid: true, url: signedUrl, tokenIndex: 0 })
    t.equal(validateRequest('12345', signature, sent, {}), false, 'twilio 6.3.1 refuses it (PR #621 was reverted by #642)')
  })

  t.test('accepts a request to an upper-case host signed over the lower-case one, as twilio does (twilio-csharp vectors)', async (t) => {
    const url = 'https://MyCompany.com:1234/myapp.php?foo=1&bar=2'
    t.same(verify({ signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params: P }), { valid: true, url: U, tokenIndex: 0 })
    t.equal(validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, P), true, 'twilio agrees')
  })

  t.test('reports every URL tried: two per spelling', async (t) => {
    const forged = 'A'.repeat(27) + '='
    const url = "https://h.example/p?a='&b=%3A"
    t.same(verify({ signature: forged, url, params: null }), {
      valid: false,
      reason: 'mismatch',
      urls: [url, "https://h.example:443/p?a='&b=%3A", 'https://h.example/p?a=%27&b=%3A', 'https://h.example:443/p?a=%27&b=%3A',
        "https://h.example/p?a='&b=:", "https://h.example:443/p?a='&b=:"]
    })
    const ordinary = 'https://h.example/p?a=1+2&b=%20&c=%2B'
    t.same(verify({ signature: forged, url: ordinary, params: null }),
      { valid: false, reason: 'mismatch', urls: [ordinary, 'https://h.example:443/p?a=1+2&b=%20&c=%2B'] }, 'an ordinary URL: two')
  })

  t.test('never respells anything else: a+b for a%20b stays refused, which twilio accepts through querystring', async (t) => {
    const url = 'https://hooks.example.com/twilio/status?tenant=a+b'
    t.match(verify({ signature: 'bayrNQNP7adRhTeYKhYpZghfa/Q=', url, params: N3P }), { valid: false, reason: 'mismatch' })
    t.equal(validateRequest('12345', 'bayrNQNP7adRhTeYKhYpZghfa/Q=', url, N3P), true)
    t.same(differences(url).twilioOnly.filter((c) => c.includes('a%20b')), ['https://hooks.example.com/twilio/status?tenant=a%20b', 'https://hooks.example.com:443/twilio/status?tenant=a%20b'])
  })

  t.test("never respells the path: /O%27hara for /O'hara stays refused, by us and by twilio", async (t) => {
    const signature = hmac('12345', "https://h.example/O'hara?x=1")
    t.match(verify({ signature, url: 'https://h.example/O%27hara?x=1', params: null }), { valid: false, reason: 'mismatch' })
    t.equal(validateRequest('12345', signature, 'https://h.example/O%27hara?x=1', {}), false, 'twilio agrees')
  })

  t.test("accepts N1 (raw ' and +) at the URL as received, which twilio 5.x rejected", async (t) => {
    const url = "https://example.com/path?name=William+O'hara"
    t.same(verify({ signature: 'ByKSxmiR/doNx8CAbkMm0UbF1sE=', url, params: null }), { valid: true, url, tokenIndex: 0 })
  })
})

t.test('the official SDKs\' validator vectors: our verdict is twilio validateRequest\'s (test/helpers/sdk-vectors.ts)', async (t) => {
  let accepted = 0
  for (const v of SDK_VECTORS) {
    const params = v.body !== undefined || Object.keys(v.params).length === 0 ? null : v.params
    const verdict = createVerifier([v.token])({ signature: v.signature, url: v.url, params, rawBody: v.body })
    const theirs = v.body === undefined ? validateRequest(v.token, v.signature, v.url, v.params as Params) : validateRequestWithBody(v.token, v.signature, v.url, v.body)
    t.equal(verdict.valid, theirs, `${v.id}: ${theirs ? 'accepted' : 'refused'}`)
    if (theirs) accepted++
    // Two C# vectors expect a refusal of a lower-case-host signature that twilio-node accepts.
    if (theirs !== v.sdk) t.match(v.id, /^csharp: TestValidateDictionaryMixedCase(WithPort)?WithIncorrectSignature$/, `${v.id}: only the C# host-case vectors part from twilio`)
  }
  t.ok(accepted > 90, `${accepted} of ${SDK_VECTORS.length} accepted`)
})

// Property tests against twilio's validateRequest.
const NAMES = [
  'Reason', 'ReasonConferenceEnded', 'reason', 'REASON', 'Body', 'body', 'To', 'to', 'From', 'MessageSid',
  'MessageStatus', 'MessagingBinding.Address', 'a', 'ab', 'A', '', '__proto__', 'constructor', 'toString', 'Ä', 'é'
]
const nameArb = fc.oneof(fc.constantFrom(...NAMES), fc.string({ unit: 'grapheme', maxLength: 6 }))
const valueArb = fc.oneof(
  fc.constantFrom('', ' ', "O'hara", '+15551234567', 'a b', '%20', '+', 'héllo 👋 мир', '1234', 'x'),
  fc.string({ unit: 'grapheme', maxLength: 10 })
)
// Arrays as a repeated form name produces them, with duplicates likely.
const paramValueArb = fc.oneof(valueArb, fc.array(fc.oneof(valueArb, fc.constantFrom('1234', '1234', '5678')), { minLength: 2, maxLength: 5 }))
const paramsArb = fc.array(fc.tuple(nameArb, paramValueArb), { maxLength: 8 }).map((entries) => {
  // Prototype-free, as parseForm returns them, so `__proto__` is a plain name.
  const params: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of entries) params[name] = value
  return params
})
const urlPartsArb = fc.record({
  scheme: fc.constantFrom('https', 'http', 'HTTPS', 'Http'),
  host: fc.constantFrom('example.com', 'mycompany.com', 'hooks.example.com', '127.0.0.1', '[::1]', 'localhost', 'MyCompany.com'),
  port: fc.constantFrom('', '', ':443', ':80', ':8080', ':1234'),
  path: fc.array(fc.constantFrom('twilio', 'sms', 'status', 'a%20b', "O'hara", 'user@host', 'sip:a', 'x+y', '~', 'é', ''), { maxLength: 3 })
    .map((segments) => '/' + segments.join('/')),
  query: fc.option(fc.array(fc.constantFrom(
    "name=William+O'hara", 'x=%20y', 'sip=user@example.com:5060', "q='+'", 'a=1', 'a=2', 'plus=%2B', 'empty=', 'flag',
    '=', '', 'b=c=d', 'at=@', 'colon=:', 'star=*', 'excl=!', 'sp=a b', 'pct=%7e', 'u=é', 'apos=It%27s+here',
    'sip=sip%3A1234%40h', 'lc=%3a', 'quote=%2527'
  ), { maxLength: 5 }).map((pairs) => '?' + pairs.join('&')), { nil: '' })
})
const tokenArb = fc.oneof(fc.constantFrom('12345', 's3cr3t'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }))
const MUTATIONS = [
  'value', 'add', 'remove', 'name-case', 'token', 'url-char', 'trailing-slash', 'scheme', 'duplicate', 'normalised', 'legacy-querystring',
  'client-escaped'
] as const

/** The URL Twilio's signer wrote when its HTTP client sent `url`'s %27, %3A and %40 (docs/twilio-facts.md §1.10). */
function signerSpelling (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q) + url.slice(q).replace(/%27/g, "'").replace(/%3a/gi, ':').replace(/%40/g, '@')
}

/**
 * Our verdict is twilio's except where the candidates differ (docs/twilio-facts.md §1.10): a
 * signature over one of twilio's normalised URLs that is not ours, or over one of our
 * respellings that is not twilio's.
 */
function agrees (url: string, signature: string, sign: (url: string) => string, ours: boolean, theirs: boolean, counts: { twilioOnly: number, oursOnly: number }): boolean {
  const { twilioOnly, oursOnly } = differences(url)
  const onlyTwilio = twilioOnly.some((c) => sign(c) === signature)
  const onlyOurs = oursOnly.some((c) => sign(c) === signature)
  if (onlyTwilio) counts.twilioOnly++
  if (onlyOurs) counts.oursOnly++
  return ours === ((theirs && !onlyTwilio) || onlyOurs)
}

function withoutPort (parts: { scheme: string, host: string, path: string, query: string }): string {
  return `${parts.scheme}://${parts.host}${parts.path}${parts.query}`
}

t.test('property: computeSignature equals twilio getExpectedTwilioSignature', async (t) => {
  fc.assert(fc.property(tokenArb, urlPartsArb, paramsArb, (token, parts, params) => {
    const url = `${parts.scheme}://${parts.host}${parts.port}${parts.path}${parts.query}`
    return computeSignature(token, url, params) === getExpectedTwilioSignature(token, url, params)
  }), { numRuns: 200 })
  t.pass('200 generated requests')
})

t.test('property: a correctly signed request is accepted by us and by twilio', async (t) => {
  fc.assert(fc.property(tokenArb, urlPartsArb, paramsArb, fc.constantFrom('as-received', 'no-port', 'default-port'),
    (token, parts, params, signedAs) => {
      const url = `${parts.scheme}://${parts.host}${parts.port}${parts.path}${parts.query}`
      // What Twilio may have signed (§1.5), built from the parts, not by candidateUrls: the URL
      // without port, or as requested, or (only when none was given) with the scheme's default.
      const defaultPort = parts.scheme.toLowerCase() === 'https' ? ':443' : ':80'
      const signedUrl = signedAs === 'no-port'
        ? withoutPort(parts)
        : signedAs === 'default-port' && parts.port === ''
          ? `${parts.scheme}://${parts.host}${defaultPort}${parts.path}${parts.query}`
          : url
      const signature = getExpectedTwilioSignature(token, signedUrl, params)
      const ours = createVerifier([token])({ signature, url, params })
      const theirs = validateRequest(token, signature, url, params)
      return ours.valid && ours.url === signedUrl && ours.tokenIndex === 0 && theirs
    }), { numRuns: 200 })
  t.pass('200 generated requests')
})

t.test('property: for a mutated request our verdict equals twilio, up to the candidates only one of us tries', async (t) => {
  let rejected = 0
  const counts = { twilioOnly: 0, oursOnly: 0 }
  fc.assert(fc.property(tokenArb, urlPartsArb, paramsArb, fc.constantFrom(...MUTATIONS), (token, parts, params, mutation) => {
    const url = `${parts.scheme}://${parts.host}${parts.port}${parts.path}${parts.query}`
    let signedUrl = url
    // Prototype-free like `params`, so assigning `__proto__` defines a plain property.
    let signedParams: Record<string, string | string[]> = Object.assign(Object.create(null), params)
    let signedToken = token
    const names = Object.keys(params)
    const first = names[0]
    switch (mutation) {
      case 'value':
        if (first === undefined) signedParams = { Body: 'x' }
        else signedParams[first] = typeof params[first] === 'string' ? params[first] + '!' : [...params[first], '!!']
        break
      case 'add': signedParams['X-Added'] = ''; break
      case 'remove':
        if (first === undefined) signedParams = { a: '' }
        else delete signedParams[first]
        break
      case 'name-case':
        if (first === undefined || first.toUpperCase() === first.toLowerCase()) signedParams.Q = ''
        else {
          signedParams[first === first.toUpperCase() ? first.toLowerCase() : first.toUpperCase()] = params[first]
          delete signedParams[first]
        }
        break
      case 'token': signedToken = token + 'x'; break
      case 'url-char': signedUrl = url.replace('://', '://w'); break
      case 'trailing-slash': signedUrl = withoutPort({ ...parts, path: parts.path + '/' }); break
      case 'scheme': signedUrl = withoutPort({ ...parts, scheme: parts.scheme.toLowerCase() === 'https' ? 'http' : 'https' }); break
      // Adding a duplicate of a value already there changes nothing: both must still accept.
      case 'duplicate':
        if (first !== undefined) signedParams[first] = [...[params[first]].flat(), [params[first]].flat()[0]]
        break
      case 'normalised': signedUrl = new URL(url).toString(); break
      case 'legacy-querystring': signedUrl = twilioNormalisedCandidates(url)[2]; break
      case 'client-escaped': signedUrl = signerSpelling(url); break
    }
    const signature = getExpectedTwilioSignature(signedToken, signedUrl, signedParams)
    const ours = createVerifier([token])({ signature, url, params }).valid
    const theirs = validateRequest(token, signature, url, params)
    if (!ours) rejected++
    return agrees(url, signature, (c) => getExpectedTwilioSignature(token, c, params), ours, theirs, counts)
  }), { numRuns: 300 })
  // Not vacuous: most mutations are rejected, and each documented difference occurs.
  t.ok(rejected > 150, `${rejected} of 300 mutated requests rejected`)
  t.ok(counts.twilioOnly > 0, `${counts.twilioOnly} accepted by twilio only (its normalised URL)`)
  t.ok(counts.oursOnly > 0, `${counts.oursOnly} accepted by us only (%3A, %40 unescaped)`)
})

t.test('a verifier keeps working past its cache of origins: any Host header, correct verdicts', async (t) => {
  const verify = createVerifier(['12345'])
  for (let i = 0; i < 80; i++) {
    const url = `https://host${i}.example.com:8443/sms?i=${i}`
    const signature = computeSignature('12345', url, { MessageStatus: 'sent' })
    t.equal(verify({ signature, url, params: { MessageStatus: 'sent' } }).valid, true, url)
    t.equal(verify({ signature, url: url + '0', params: { MessageStatus: 'sent' } }).valid, false)
  }
})

t.test('a verifier given a URL without a scheme tries it as is, once per candidate', async (t) => {
  const verify = createVerifier(['12345'])
  const url = '/twilio/sms/status?x=1'
  const signature = computeSignature('12345', url, {})
  t.same(verify({ signature, url, params: {} }), { valid: true, url, tokenIndex: 0 })
  t.same(verify({ signature, url: url + '2', params: {} }), { valid: false, reason: 'mismatch', urls: [url + '2', url + '2'] })
})

// SharedKey signatures (docs/twilio-facts.md §8): the same signed string, HMAC-SHA1 or HMAC-SHA256 keyed
// by the SharedKey secret, the algorithm named in X-Twilio-Webhooks-Signature-Settings.
const HASH_OF: Readonly<Record<Algorithm, string>> = { HMAC_SHA1: 'sha1', HMAC_SHA256: 'sha256' }
const LENGTH_OF: Readonly<Record<Algorithm, number>> = { HMAC_SHA1: 28, HMAC_SHA256: 44 }

function otherAlgorithm (algorithm: Algorithm): Algorithm {
  return algorithm === 'HMAC_SHA1' ? 'HMAC_SHA256' : 'HMAC_SHA1'
}

/** The same URL with `:443` after the authority (the URL of a request that kept the port). */
function withPort443 (url: string): string {
  return url.replace(/^(https:\/\/[^/?#]+)/, '$1:443')
}

// docs/twilio-facts.md §8.7: `s`, `K`, `F`, `Q` (and the signed form of `Q`), the D2 body and `J`.
const SK_SECRET = 'sk_test_secret_0123456789abcdef'
const SK_ID = 'webhooks_sharedkey_01jz0000000000000000000000'
const F = 'https://hooks.example.com/twilio/status?tenant=acme'
const ZEROS = '0'.repeat(32)
const Q = {
  AccountSid: 'AC' + ZEROS,
  ApiVersion: '2010-04-01',
  From: '+15017250604',
  MessageSid: 'SM' + ZEROS,
  MessageStatus: 'delivered',
  SmsSid: 'SM' + ZEROS,
  SmsStatus: 'delivered',
  To: '+15558675310'
}
const QS = `AccountSidAC${ZEROS}ApiVersion2010-04-01From+15017250604MessageSidSM${ZEROS}` +
  `MessageStatusdeliveredSmsSidSM${ZEROS}SmsStatusdeliveredTo+15558675310`
const D2_BODY = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}'
const D2 = '5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9'
const J = 'https://hooks.example.com/twilio/json?bodySHA256=' + D2

interface SharedKeyVector extends Vector {
  readonly algorithm: Algorithm
}

const SK_VECTORS: readonly SharedKeyVector[] = [
  { id: 'SK1', algorithm: 'HMAC_SHA1', token: SK_SECRET, url: F, params: Q, data: F + QS, expected: 'pYdVf5yxqHKOjryJXOBsKImjSaU=' },
  { id: 'SK2', algorithm: 'HMAC_SHA256', token: SK_SECRET, url: F, params: Q, data: F + QS, expected: '6rF0QgisWIb8eTYAXWAGAGBFSWvBsnLjqNM0e+smCZ4=' },
  { id: 'SK3', algorithm: 'HMAC_SHA1', token: SK_SECRET, url: J, params: {}, data: J, expected: '7LfGXrbUIf1xXHg2PSJOc0MGieY=', body: D2_BODY },
  { id: 'SK4', algorithm: 'HMAC_SHA256', token: SK_SECRET, url: J, params: {}, data: J, expected: '+DDGFS+b9lGhrtiTgsKXg1Be52vwYmKi9LjpzeAn7Vc=', body: D2_BODY },
  { id: 'X1', algorithm: 'HMAC_SHA256', token: '12345', url: U, params: P, data: U + PS, expected: '033hgUJA9M/hXIZsYjwkerEP/DBm35nEri5FhCYjA5s=' },
  {
    id: 'X2',
    algorithm: 'HMAC_SHA256',
    token: '12345',
    url: U + '&bodySHA256=' + V11,
    params: {},
    data: U + '&bodySHA256=' + V11,
    expected: '+UOCWf84gdgo/5Hpg4m5/EgKnJA2/TbOw5sPNVr3bPk=',
    body: B
  }
]

/** twilio's check of one vector: validateRequest for a form, validateRequestWithBody for JSON. */
function twilioAccepts (v: Vector, signature: string, url: string, algorithm?: string, body = v.body, params = v.params): boolean {
  return body === undefined
    ? validateRequest(v.token, signature, url, params, algorithm)
    : validateRequestWithBody(v.token, signature, url, body, algorithm)
}

t.test('docs/twilio-facts.md §8.7 SharedKey signature vectors', async (t) => {
  for (const v of SK_VECTORS) {
    const other = otherAlgorithm(v.algorithm)
    const signed = Object.keys(v.params).length === 0 ? null : v.params
    const verify = createVerifier()
    const key = signingKey(v.token, v.algorithm)

    t.test(`${v.id}: node:crypto, computeSignature and twilio all give ${v.expected} with ${v.algorithm}`, async (t) => {
      // (a) plain node:crypto over the string written out above
      const reference = createHmac(HASH_OF[v.algorithm], v.token).update(Buffer.from(v.data, 'utf8')).digest('base64')
      t.equal(reference, v.expected, `${v.algorithm} over the UTF-8 signed string`)
      t.equal(v.expected.length, LENGTH_OF[v.algorithm], `${LENGTH_OF[v.algorithm]} base64 characters`)
      if (v.body !== undefined) t.equal(sha256Hex(v.body), new URL(v.url).searchParams.get('bodySHA256'), 'the URL carries the body hash')
      // (b) ours
      t.equal(signedPayload(v.url, v.params), v.data, 'signedPayload builds the same string')
      t.equal(computeSignature(v.token, v.url, v.params, v.algorithm), v.expected, 'computeSignature')
      t.same(verify({ signature: v.expected, url: v.url, params: signed, rawBody: v.body }, [key]),
        { valid: true, url: v.url, tokenIndex: 0 }, 'createVerifier accepts it with signingKey(secret, algorithm)')
      // (c) the official package, with the algorithm given and as read from the settings header
      t.equal(getExpectedTwilioSignature(v.token, v.url, v.params, v.algorithm), v.expected, 'twilio getExpectedTwilioSignature')
      t.equal(twilioAccepts(v, v.expected, v.url, v.algorithm), true, 'twilio validates it')
      const header = `key=${SK_ID},algorithm=${v.algorithm}`
      t.equal(getSignatureAlgorithm(header), v.algorithm, 'twilio reads the algorithm from the header')
      t.same(parseSignatureSettings(header), { key: SK_ID, algorithm: v.algorithm }, 'and so do we, with the key id')
    })

    t.test(`${v.id}: is rejected under ${other}, by us and by twilio`, async (t) => {
      t.not(computeSignature(v.token, v.url, v.params, other), v.expected)
      t.same(verify({ signature: v.expected, url: v.url, params: signed, rawBody: v.body }, [signingKey(v.token, other)]),
        { valid: false, reason: 'malformed', urls: candidateUrls(v.url) }, 'the wrong length for the other algorithm')
      t.equal(twilioAccepts(v, v.expected, v.url, other), false, 'twilio rejects it')
    })

    t.test(`${v.id}: without an algorithm (the Auth Token default, SHA-1) it is ${v.algorithm === 'HMAC_SHA1' ? 'accepted' : 'rejected'}`, async (t) => {
      const sha1 = v.algorithm === 'HMAC_SHA1'
      t.equal(createVerifier([v.token])({ signature: v.expected, url: v.url, params: signed, rawBody: v.body }).valid, sha1, 'ours')
      t.equal(twilioAccepts(v, v.expected, v.url), sha1, 'twilio')
    })

    t.test(`${v.id}: is accepted at the same URL with :443, via the port-stripped candidate`, async (t) => {
      const url = withPort443(v.url)
      t.not(url, v.url)
      t.same(verify({ signature: v.expected, url, params: signed, rawBody: v.body }, [key]), { valid: true, url: v.url, tokenIndex: 0 })
      t.equal(twilioAccepts(v, v.expected, url, v.algorithm), true, 'twilio agrees')
    })

    t.test(`${v.id}: is rejected when ${v.body === undefined ? 'a parameter value' : 'the body'} changed, by us and by twilio`, async (t) => {
      if (v.body === undefined) {
        const first = Object.keys(v.params)[0]
        const params = { ...v.params, [first]: v.params[first] + 'x' }
        t.match(verify({ signature: v.expected, url: v.url, params }, [key]), { valid: false, reason: 'mismatch' })
        t.equal(twilioAccepts(v, v.expected, v.url, v.algorithm, undefined, params), false, 'twilio agrees')
      } else {
        const tampered = v.body.replace(':', ': ')
        t.match(verify({ signature: v.expected, url: v.url, params: null, rawBody: tampered }, [key]), { valid: false, reason: 'body-hash' })
        t.equal(twilioAccepts(v, v.expected, v.url, v.algorithm, tampered), false, 'twilio agrees')
      }
    })
  }
})

t.test('signingKey keeps the secret as UTF-8 key bytes and defaults to HMAC-SHA1', async (t) => {
  t.same(signingKey('tökén'), { key: Buffer.from('tökén', 'utf8'), algorithm: 'HMAC_SHA1' })
  t.same(signingKey('s', 'HMAC_SHA256'), { key: Buffer.from('s'), algorithm: 'HMAC_SHA256' })
})

t.test('algorithmOf knows HMAC_SHA1 and HMAC_SHA256 in any case, as twilio does, and nothing else', async (t) => {
  const cases: ReadonlyArray<[string, Algorithm | null]> = [
    ['HMAC_SHA1', 'HMAC_SHA1'], ['HMAC_SHA256', 'HMAC_SHA256'], ['hmac_sha1', 'HMAC_SHA1'], ['Hmac_Sha256', 'HMAC_SHA256'],
    // toUpperCase maps the long s (U+017F) to S, in twilio as here: the two still agree.
    ['hmac_\u017Fha256', 'HMAC_SHA256'],
    ['HMAC_SHA512', null], ['', null], [' HMAC_SHA1', null], ['HMAC-SHA1', null], ['SHA1', null], ['HMAC_SHA256=', null]
  ]
  for (const [name, expected] of cases) {
    t.equal(algorithmOf(name), expected, JSON.stringify(name))
    t.equal(twilioSupports(name), expected !== null, `twilio ${expected === null ? 'refuses' : 'supports'} ${JSON.stringify(name)}`)
  }
})

/** Whether twilio 6.3.1 supports an algorithm name (asked without its console warning). */
function twilioSupports (algorithm: string): boolean {
  // An empty name means the default, SHA-1, to twilio; the header parser never returns one.
  if (algorithm === '') return false
  try {
    getExpectedTwilioSignature('k', 'https://example.com/', {}, algorithm)
    return true
  } catch {
    return false
  }
}

/** twilio never reads `key=`: the same loop as its getSignatureAlgorithm, for the name `key`. */
function referenceKey (header: string): string | undefined {
  for (const part of header.split(',')) {
    const separator = part.indexOf('=')
    if (separator !== -1 && part.slice(0, separator).trim() === 'key') {
      const value = part.slice(separator + 1).trim()
      if (value) return value
    }
  }
  return undefined
}

t.test('parseSignatureSettings against twilio getSignatureAlgorithm (docs/twilio-facts.md §8.2 grammar)', async (t) => {
  const rows: ReadonlyArray<[string, string | string[] | undefined, SignatureSettings | null, Algorithm | null]> = [
    ['an absent header is an Auth Token signature', undefined, null, null],
    ['an empty header is an Auth Token signature', '', null, null],
    ['no algorithm part means HMAC_SHA1 with the key named', `key=${SK_ID}`, { key: SK_ID, algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['an empty algorithm= means HMAC_SHA1', `key=${SK_ID},algorithm=`, { key: SK_ID, algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['key and algorithm=HMAC_SHA256', `key=${SK_ID},algorithm=HMAC_SHA256`, { key: SK_ID, algorithm: 'HMAC_SHA256' }, 'HMAC_SHA256'],
    ['parts in any order', `algorithm=HMAC_SHA256,key=${SK_ID}`, { key: SK_ID, algorithm: 'HMAC_SHA256' }, 'HMAC_SHA256'],
    ['spaces around names and values are trimmed', ' key = x , algorithm = HMAC_SHA256 ', { key: 'x', algorithm: 'HMAC_SHA256' }, 'HMAC_SHA256'],
    ['the name Algorithm is not algorithm (case-sensitive names)', 'Algorithm=HMAC_SHA256', { key: undefined, algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['a lower-case value is kept as written and validates as SHA-256', 'algorithm=hmac_sha256', { key: undefined, algorithm: 'hmac_sha256' }, 'HMAC_SHA256'],
    ['a ; separator does not split parts', `key=${SK_ID};algorithm=HMAC_SHA256`, { key: `${SK_ID};algorithm=HMAC_SHA256`, algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['HMAC_SHA512 is returned as written, and unsupported', 'algorithm=HMAC_SHA512', { key: undefined, algorithm: 'HMAC_SHA512' }, null],
    ['the first non-empty algorithm wins', 'algorithm=,algorithm=HMAC_SHA256,algorithm=HMAC_SHA1', { key: undefined, algorithm: 'HMAC_SHA256' }, 'HMAC_SHA256'],
    ['the first non-empty key wins', 'key=,key=a,key=b', { key: 'a', algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['a part splits at its first =', 'algorithm=HMAC_SHA256=x,key==k', { key: '=k', algorithm: 'HMAC_SHA256=x' }, null],
    ['a non-empty header without any name=value part is still a SharedKey signature, SHA-1', 'HMAC_SHA256', { key: undefined, algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['a header of spaces is still a SharedKey signature (twilio tests presence the same way)', '  ', { key: undefined, algorithm: 'HMAC_SHA1' }, 'HMAC_SHA1'],
    ['a header given twice is read as its values joined by commas', [`key=${SK_ID}`, 'algorithm=HMAC_SHA256'], { key: SK_ID, algorithm: 'HMAC_SHA256' }, 'HMAC_SHA256'],
    ['an empty list of headers is an absent header', [], null, null],
    ['a list of one empty header is an absent header', [''], null, null]
  ]
  for (const [name, header, expected, algorithm] of rows) {
    t.test(name, async (t) => {
      const text = Array.isArray(header) ? header.join(',') : header
      const settings = parseSignatureSettings(header)
      t.same(settings, expected, 'parseSignatureSettings')
      const theirs = getSignatureAlgorithm(text)
      if (settings === null) {
        t.equal(theirs, 'HMAC_SHA1', 'twilio: the legacy Auth Token signature')
        return
      }
      t.equal(settings.algorithm, theirs, 'the algorithm twilio reads')
      t.equal(algorithmOf(settings.algorithm), algorithm, 'algorithmOf')
      t.equal(twilioSupports(theirs), algorithm !== null, 'supported by twilio exactly when by us')
      if (algorithm !== null) {
        t.equal(computeSignature(SK_SECRET, F, Q, algorithm), getExpectedTwilioSignature(SK_SECRET, F, Q, theirs), 'the same HMAC')
      }
    })
  }
})

// Generated settings headers: the names that matter, near misses, spaces, `;`, empty values.
const settingsNameArb = fc.oneof(
  { arbitrary: fc.constantFrom('key', 'algorithm', 'algorithm', 'Algorithm', 'ALGORITHM', 'algorithms', 'Key', ''), weight: 4 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 }
)
const settingsValueArb = fc.oneof(
  {
    arbitrary: fc.constantFrom('HMAC_SHA1', 'HMAC_SHA256', 'HMAC_SHA256', 'hmac_sha256', 'Hmac_Sha1', 'HMAC_SHA512', 'hmac_\u017Fha1', '', SK_ID, 'k=v', 'a;b'),
    weight: 4
  },
  { arbitrary: fc.string({ maxLength: 8 }), weight: 1 }
)
const spaceArb = fc.constantFrom('', '', ' ', '  ', '\t')
const settingsPartArb = fc.oneof(
  fc.tuple(spaceArb, settingsNameArb, spaceArb, fc.constantFrom('=', '=', '= ', ' ='), spaceArb, settingsValueArb, spaceArb)
    .map((pieces) => pieces.join('')),
  // A part without `=`, or just noise.
  fc.tuple(spaceArb, settingsValueArb, spaceArb).map((pieces) => pieces.join(''))
)
const settingsHeaderArb = fc.oneof(
  { arbitrary: fc.constant(''), weight: 1 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 2 },
  {
    arbitrary: fc.array(fc.tuple(settingsPartArb, fc.constantFrom(',', ',', ', ', ';', ' ,')), { maxLength: 6 })
      .map((parts) => parts.map(([part, separator], i) => (i === 0 ? '' : separator) + part).join('')),
    weight: 12
  }
)

t.test('property: parseSignatureSettings reads the algorithm twilio reads, for every non-empty header', async (t) => {
  let sharedKey = 0
  let supported = 0
  let sha256 = 0
  fc.assert(fc.property(settingsHeaderArb, (header) => {
    const settings = parseSignatureSettings(header)
    const theirs = getSignatureAlgorithm(header)
    if (header === '') return settings === null && theirs === 'HMAC_SHA1'
    if (settings === null) return false
    sharedKey++
    const algorithm = algorithmOf(settings.algorithm)
    if (algorithm !== null) supported++
    if (algorithm === 'HMAC_SHA256') sha256++
    return settings.algorithm === theirs &&
      settings.key === referenceKey(header) &&
      (algorithm !== null) === twilioSupports(theirs) &&
      (algorithm === null || computeSignature(SK_SECRET, F, Q, algorithm) === getExpectedTwilioSignature(SK_SECRET, F, Q, theirs))
  }), { numRuns: 1000 })
  // Not vacuous: most headers are SharedKey ones, and both supported and unsupported names occur.
  t.ok(sharedKey > 700, `${sharedKey} non-empty headers`)
  t.ok(supported > 100 && supported < sharedKey, `${supported} with a supported algorithm`)
  t.ok(sha256 > 10, `${sha256} naming SHA-256`)
})

t.test('property: an absent or empty settings header is null, whatever shape it comes in', async (t) => {
  fc.assert(fc.property(fc.constantFrom(undefined, '', [], [''], ['', '']), (header) => {
    // ['', ''] joins to ',': a header, which twilio reads as SHA-1 and we as a SharedKey signature.
    const text = Array.isArray(header) ? header.join(',') : header
    return (parseSignatureSettings(header) === null) === (text === undefined || text === '')
  }))
  t.pass('absent and empty headers')
})

const ALGORITHMS = ['HMAC_SHA1', 'HMAC_SHA256'] as const
const SK_MUTATIONS = ['none', 'flip-char', 'other-secret', 'other-algorithm', 'reshaped-other', 'value', 'normalised', 'client-escaped'] as const

/** A signature of the other algorithm cut or padded to `algorithm`'s length, keeping its base64 shape. */
function reshaped (signature: string, algorithm: Algorithm): string {
  const free = LENGTH_OF[algorithm] - 2
  return signature.slice(0, -1).slice(0, free).padEnd(free, 'A') + 'A='
}

t.test('property: with either algorithm our verdict equals twilio validateRequest, up to its normalised URL candidates', async (t) => {
  const counts = { accepted: 0, rejected: 0, twilioOnly: 0, oursOnly: 0 }
  fc.assert(fc.property(tokenArb, urlPartsArb, paramsArb, fc.constantFrom(...ALGORITHMS), fc.constantFrom(...SK_MUTATIONS), fc.nat(),
    (secret, parts, params, algorithm, mutation, n) => {
      const url = `${parts.scheme}://${parts.host}${parts.port}${parts.path}${parts.query}`
      // Twilio signed either the URL as requested or the URL without its port.
      const signedUrl = n % 2 === 0 ? url : withoutPort(parts)
      let signature = getExpectedTwilioSignature(secret, signedUrl, params, algorithm)
      switch (mutation) {
        case 'none': break
        case 'flip-char': {
          // Any character but the last two (the padding and its restricted neighbour): still well-formed.
          const i = n % (signature.length - 2)
          signature = signature.slice(0, i) + (signature[i] === 'A' ? 'B' : 'A') + signature.slice(i + 1)
          break
        }
        case 'other-secret': signature = getExpectedTwilioSignature(secret + 'x', signedUrl, params, algorithm); break
        case 'other-algorithm': signature = getExpectedTwilioSignature(secret, signedUrl, params, otherAlgorithm(algorithm)); break
        case 'reshaped-other':
          signature = reshaped(getExpectedTwilioSignature(secret, signedUrl, params, otherAlgorithm(algorithm)), algorithm)
          break
        case 'value': {
          const changed: Record<string, string | string[]> = Object.assign(Object.create(null), params, { Body: String(params.Body ?? '') + '!' })
          signature = getExpectedTwilioSignature(secret, signedUrl, changed, algorithm)
          break
        }
        case 'normalised': signature = getExpectedTwilioSignature(secret, new URL(url).toString(), params, algorithm); break
        case 'client-escaped': signature = getExpectedTwilioSignature(secret, signerSpelling(signedUrl), params, algorithm); break
      }
      const verdict = createVerifier()({ signature, url, params }, [signingKey(secret, algorithm)])
      const theirs = validateRequest(secret, signature, url, params, algorithm)
      if (verdict.valid) counts.accepted++
      else counts.rejected++
      // The Auth Token path (default keys, SHA-1) gives the same verdict as an explicit SHA-1 key.
      const sameAsDefault = algorithm !== 'HMAC_SHA1' || createVerifier([secret])({ signature, url, params }).valid === verdict.valid
      return agrees(url, signature, (c) => getExpectedTwilioSignature(secret, c, params, algorithm), verdict.valid, theirs, counts) &&
        sameAsDefault &&
        (mutation !== 'none' || verdict.valid) &&
        (mutation !== 'other-algorithm' || (!verdict.valid && verdict.reason === 'malformed')) &&
        (!['flip-char', 'other-secret', 'reshaped-other'].includes(mutation) || (!verdict.valid && verdict.reason === 'mismatch' && !theirs))
    }), { numRuns: 400 })
  // Not vacuous: both verdicts occur, and some requests hit the documented difference.
  t.ok(counts.accepted > 20, `${counts.accepted} accepted`)
  t.ok(counts.rejected > 200, `${counts.rejected} rejected`)
  t.ok(counts.twilioOnly > 0, `${counts.twilioOnly} accepted by twilio only (its normalised URL)`)
  t.ok(counts.oursOnly > 0, `${counts.oursOnly} accepted by us only (%3A, %40 unescaped)`)
})

t.test('a long body (its signed parameters encoded once for every HMAC) verifies and is refused exactly as twilio decides', async (t) => {
  const params: Record<string, string> = { CallSid: 'CA1234567890ABCDE', Body: 'Grüße 👋 '.repeat(40) }
  for (let i = 0; i < 120; i++) params[`X${String(i).padStart(3, '0')}`] = `v${i} ü`
  t.ok(signedPayload('', params).length > 1024, 'signed parameters longer than 1024 characters: encoded once')
  const tokens = ['11111111111111111111111111111111', '22222222222222222222222222222222', '33333333333333333333333333333333']
  const verify = createVerifier(tokens)
  const url = 'https://example.com/hook?x=1'
  for (const [signedUrl, label] of [[url, 'the URL as given'], ['https://example.com:443/hook?x=1', 'the URL with its port']] as const) {
    for (const [i, token] of tokens.entries()) {
      const signature = getExpectedTwilioSignature(token, signedUrl, params)
      t.ok(validateRequest(token, signature, url, params), `twilio accepts: ${label}, token ${i}`)
      t.match(verify({ signature, url, params }), { valid: true, tokenIndex: i }, `ours accepts: ${label}, token ${i}`)
      t.match(verify({ signature, url, params: { ...params, X000: 'v0 u' } }), { valid: false, reason: 'mismatch' }, `one changed value is refused: ${label}, token ${i}`)
    }
  }
  t.match(verify({ signature: getExpectedTwilioSignature('44444444444444444444444444444444', url, params), url, params }), { valid: false, reason: 'mismatch', urls: [url, 'https://example.com:443/hook?x=1'] })
})

t.test('signatureShape names the algorithm a signature\'s length and alphabet fit, or null: SHA-1 28 characters, SHA-256 44', async (t) => {
  const url = 'https://example.com/hook'
  t.equal(signatureShape(getExpectedTwilioSignature('token', url, {}, 'HMAC_SHA1')), 'HMAC_SHA1')
  t.equal(signatureShape(getExpectedTwilioSignature('token', url, {}, 'HMAC_SHA256')), 'HMAC_SHA256')
  for (const signature of ['', 'x', 'A'.repeat(28), 'A'.repeat(27) + '=\n', 'A'.repeat(26) + 'B=', '-'.repeat(27) + '=', 'A'.repeat(43) + '==', 'A'.repeat(27) + '= ']) {
    t.equal(signatureShape(signature), null, JSON.stringify(signature))
  }
})
