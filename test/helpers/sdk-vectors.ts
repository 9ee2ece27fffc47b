/**
 * The request-validator test vectors of Twilio's official SDKs, as each SDK's own test states
 * them: a token, the `X-Twilio-Signature`, the URL the request was made to and its parameters
 * (or JSON body). Copied from:
 *
 * - twilio-node: `spec/validation.spec.js`, `spec/unit/webhooks/webhooks.spec.js`
 * - twilio-python: `tests/unit/test_request_validator.py`
 * - twilio-ruby: `spec/security/request_validator_spec.rb`
 * - twilio-go: `client/request_validator_test.go`
 * - twilio-java: `src/test/java/com/twilio/security/RequestValidatorTest.java`
 * - twilio-php: `tests/Twilio/Unit/RequestValidatorTest.php`
 * - twilio-csharp: `test/Twilio.Test/Security/RequestValidatorTest.cs`
 *
 * Which of them twilio 6.3.1's `validateRequest` accepts is asked of twilio itself in the tests
 * (the oracle), not written here; `sdk` is what the vector's own SDK asserts.
 */
export type VectorParams = Readonly<Record<string, string | readonly string[]>>

export interface SdkVector {
  /** The SDK and its test's name. */
  readonly id: string
  readonly token: string
  readonly signature: string
  /** The URL the request was made to: scheme, host, port, path and query as the SDK test gives it. */
  readonly url: string
  /** Form parameters; `{}` signs the URL alone (sent as a GET). */
  readonly params: VectorParams
  /** A JSON body, its hash in the URL's `bodySHA256`. */
  readonly body?: string
  /** Whether the vector's own SDK accepts it. */
  readonly sdk: boolean
}

const U = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const P = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }
const B = '{"property": "value", "boolean": true}'
const BH = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620'
const BH_EMPTY = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
const V1 = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
const V2 = 'kvajT1Ptam85bY51eRf/AJRuM3w='
const V3 = 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='
const V4 = '0ZXoZLH/DfblKGATFgpif+LLRf4='
const V13 = 'a9nBmqA0ju/hNViExpshrM61xv4='
const V15 = 'y77kIzt2vzLz71DgmJGsen2scGs='
const DUPLICATES = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }
const WITH_PORT = U.replace('.com', '.com:1234')
const HTTP = U.replace('https', 'http')
const HTTP_WITH_PORT = WITH_PORT.replace('https', 'http')
const WITH_HASH = `${U}&bodySHA256=${BH}`
const ONLY_HASH = `https://mycompany.com/myapp.php?bodySHA256=${BH}`

// twilio-node spec/unit/webhooks/webhooks.spec.js: token s3cr3t, URL alone signed.
const S = 's3cr3t'
const S1 = 'loLgTitFAoWx57yy5oEU4Hlddzw=' // https://example.com/path?test=param
const S2 = 'IdwMFypqvNxti3YgvWWmfcNL26M=' // https://example.com:443/path?test=param
const S3 = 'GfI7onHX/KQ2k1oVS3cUTVk4IEw=' // https://example.com/path?test=param'WithQuote
const S4 = 'HkuXLxVQ7zHv9LmGpzlLuGaxhJY=' // https://example.com/path?test=param%27WithQuote
const RAW_QUOTE = "https://example.com/path?test=param'WithQuote"
const ESCAPED_QUOTE = 'https://example.com/path?test=param%27WithQuote'

const GO_PARAMS = { ...P, ReasonConferenceEnded: 'test', Reason: 'Participant' }
const GO = 'vOEb5UThFn24KEfnOFLQY2AE5FY='
const GO_HTTP = 'n2xBNyzSW7rfYStDtOFiFMv7qNo='

export const SDK_VECTORS: readonly SdkVector[] = [
  // twilio-node spec/validation.spec.js
  { id: 'node: should succeed with the correct signature', token: '12345', signature: V1, url: U, params: P, sdk: true },
  { id: 'node: should fail when given the wrong signature', token: '12345', signature: 'WRONG_SIGNATURE', url: U, params: P, sdk: false },
  { id: 'node: should validate request body when given', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'node: should validate request body when empty', token: '12345', signature: 'Ldidvp12m26NI7eqEvxnEpkd9Hc=', url: `${U}&bodySHA256=${BH_EMPTY}`, params: {}, body: '{}', sdk: true },
  { id: 'node: should validate request body with only sha param', token: '12345', signature: V15, url: ONLY_HASH, params: {}, body: B, sdk: true },
  { id: 'node: should fail validation if given body but no bodySHA256 param', token: '12345', signature: V1, url: U, params: {}, body: B, sdk: false },
  { id: 'node: should validate https urls with ports by stripping them', token: '12345', signature: V1, url: WITH_PORT, params: P, sdk: true },
  { id: 'node: should validate http urls with ports', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true },
  { id: 'node: should validate https urls without ports by adding standard port 443', token: '12345', signature: V2, url: U, params: P, sdk: true },
  { id: 'node: should validate http urls without ports by adding standard port 80', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'node: should validate urls with credentials', token: '12345', signature: 'CukzLTc1tT5dXEDIHm/tKBanW10=', url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'node: should validate urls with just username', token: '12345', signature: '2YRLlVAflCqxaNicjMpJcSTgzSs=', url: 'https://user@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'node: should validate urls with credentials by adding port', token: '12345', signature: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=', url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'node: should validate urls with special characters', token: '12345', signature: 'TfZzewPq8wqrGlMfyAud8+/IvJ0=', url: `${U}&Body=It's+amazing`, params: P, sdk: true },
  { id: 'node: should validate request body with an array parameter', token: '12345', signature: '83O6e2vORAoJHUNzJjDWN1jz+BA=', url: U, params: { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }, sdk: true },
  { id: 'node: ... with an array parameter regardless of the position of values', token: '12345', signature: '83O6e2vORAoJHUNzJjDWN1jz+BA=', url: U, params: { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] }, sdk: true },
  { id: 'node: should validate request body with multiple params and values', token: '12345', signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', url: U, params: DUPLICATES, sdk: true },
  { id: 'node middleware: should send 403 for invalid signatures', token: '12345', signature: V1, url: `${U}&somethingUnexpected=true`, params: P, sdk: false },

  // twilio-node spec/unit/webhooks/webhooks.spec.js
  { id: 'node webhooks: the signature URL does not match the target URL', token: S, signature: S1, url: 'https://example.com/path?test=param2', params: {}, sdk: false },
  { id: 'node webhooks: signed with port, the target url contains the port', token: S, signature: S2, url: 'https://example.com:443/path?test=param', params: {}, sdk: true },
  { id: 'node webhooks: signed with port, the target url does not contain the port', token: S, signature: S2, url: 'https://example.com/path?test=param', params: {}, sdk: true },
  { id: 'node webhooks: signed without port, the target url does not contain the port', token: S, signature: S1, url: 'https://example.com/path?test=param', params: {}, sdk: true },
  { id: 'node webhooks: signed without port, the target url contains the port', token: S, signature: S1, url: 'https://example.com:443/path?test=param', params: {}, sdk: true },
  { id: 'node webhooks: unescaped quote signed, the target url contains the unescaped quote', token: S, signature: S3, url: RAW_QUOTE, params: {}, sdk: true },
  { id: 'node webhooks: unescaped quote signed, the target url contains the escaped quote', token: S, signature: S3, url: ESCAPED_QUOTE, params: {}, sdk: true },
  { id: 'node webhooks: escaped quote signed, the target url contains the unescaped quote', token: S, signature: S4, url: RAW_QUOTE, params: {}, sdk: true },
  { id: 'node webhooks: escaped quote signed, the target url contains the escaped quote', token: S, signature: S4, url: ESCAPED_QUOTE, params: {}, sdk: true },
  // The same three respellings where the request also carries the port Twilio did not sign.
  { id: 'node webhooks (at :443): unescaped quote signed, escaped quote requested', token: S, signature: S3, url: 'https://example.com:443/path?test=param%27WithQuote', params: {}, sdk: true },
  { id: 'node webhooks (at :443): escaped quote signed, unescaped quote requested', token: S, signature: S4, url: "https://example.com:443/path?test=param'WithQuote", params: {}, sdk: true },
  { id: 'node (at :443): should validate urls with special characters', token: '12345', signature: 'TfZzewPq8wqrGlMfyAud8+/IvJ0=', url: "https://mycompany.com:443/myapp.php?foo=1&bar=2&Body=It's+amazing", params: P, sdk: true },

  // twilio-python tests/unit/test_request_validator.py
  { id: 'python: test_validation', token: '12345', signature: V1, url: U, params: P, sdk: true },
  { id: 'python: test_validation_removes_port_on_https', token: '12345', signature: V1, url: WITH_PORT, params: P, sdk: true },
  { id: 'python: test_validation_removes_port_on_http', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true },
  { id: 'python: test_validation_adds_port_on_https', token: '12345', signature: V2, url: U, params: P, sdk: true },
  { id: 'python: test_validation_adds_port_on_http', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'python: test_validation_of_body_succeeds', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'python: test_compute_signature_duplicate_multi_dict', token: '12345', signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', url: U, params: DUPLICATES, sdk: true },

  // twilio-ruby spec/security/request_validator_spec.rb
  { id: 'ruby: should validate an authentic Twilio request', token: '12345', signature: V1, url: U, params: P, sdk: true },
  { id: 'ruby: should not validate a request with wrong signature', token: '12345', signature: 'fake_signature', url: U, params: P, sdk: false },
  { id: 'ruby: should validate requests with body correctly', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'ruby: should validate with no other GET parameters', token: '12345', signature: V15, url: ONLY_HASH, params: {}, body: B, sdk: true },
  { id: 'ruby: should fail validation with body but no signature', token: '12345', signature: V1, url: U, params: {}, body: B, sdk: false },
  { id: 'ruby: should fail validation with body but no query parameters', token: '12345', signature: V1, url: 'https://mycompany.com/myapp.php', params: {}, body: B, sdk: false },
  { id: 'ruby: should validate https urls with ports by stripping them', token: '12345', signature: V1, url: WITH_PORT, params: P, sdk: true },
  { id: 'ruby: should validate http urls with ports', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true },
  { id: 'ruby: should validate https urls without ports by adding standard port 443', token: '12345', signature: V2, url: U, params: P, sdk: true },
  { id: 'ruby: should validate http urls without ports by adding standard port 80', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'ruby: should validate urls with credentials', token: '12345', signature: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=', url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'ruby: should validate urls with just username', token: '12345', signature: 'aZfj4hyX1MLZhSS6QIL18Vn2/RA=', url: 'https://user@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },

  // twilio-go client/request_validator_test.go
  { id: 'go: returns true when validation succeeds', token: '12345', signature: GO, url: U, params: GO_PARAMS, sdk: true },
  { id: 'go: returns false when validation fails', token: '12345', signature: 'WRONG SIGNATURE', url: U, params: GO_PARAMS, sdk: false },
  { id: 'go: https and port is specified but signature is generated without it', token: '12345', signature: GO, url: WITH_PORT, params: GO_PARAMS, sdk: true },
  { id: 'go: http and port is specified but signature is generated without it', token: '12345', signature: GO_HTTP, url: HTTP, params: GO_PARAMS, sdk: true },
  { id: 'go: http and port is specified and signature is generated with it', token: '12345', signature: GO_HTTP, url: HTTP_WITH_PORT, params: GO_PARAMS, sdk: true },
  { id: 'go: return false when params are sorted incorrectly', token: '12345', signature: '95+Bu0JVPi0r/SsESZCVf0dWAjw=', url: U, params: GO_PARAMS, sdk: false },
  { id: 'go: ValidateBody succeeds with json body', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'go: ValidateBody succeeds with form body', token: '12345', signature: 'NBdBDr/T/lgjI+tlgpXjKZQZs/k=', url: U, params: { property: 'value', boolean: 'true' }, sdk: true },
  { id: 'go: ValidateBody fails with json body', token: '12345', signature: GO, url: U, params: {}, body: B, sdk: false },
  { id: 'go: ValidateBody with no other parameters', token: '12345', signature: V15, url: ONLY_HASH, params: {}, body: B, sdk: true },

  // twilio-java src/test/java/com/twilio/security/RequestValidatorTest.java
  { id: 'java: testValidate', token: '12345', signature: V1, url: U, params: P, sdk: true },
  { id: 'java: testFailsWhenIncorrect', token: '12345', signature: 'NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=', url: U, params: P, sdk: false },
  { id: 'java: testValidateWithBody', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'java: testValidateWithNoOtherParameters', token: '12345', signature: V15, url: ONLY_HASH, params: {}, body: B, sdk: true },
  { id: 'java: testValidateBodyWithoutSignature', token: '12345', signature: V1, url: U, params: {}, body: B, sdk: false },
  { id: 'java: testValidateRemovesPortHttps', token: '12345', signature: V1, url: WITH_PORT, params: P, sdk: true },
  { id: 'java: testValidateRemovesPortHttp', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true },
  { id: 'java: testValidateAddsPortHttps', token: '12345', signature: V2, url: U, params: P, sdk: true },
  { id: 'java: testValidateAddsPortHttp', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'java: testValidateWithEmptyParams', token: '12345', signature: 'zYQTYrRWXE7LtzbG4PfP7/bkkGo=', url: U, params: {}, sdk: true },
  { id: 'java: testValidateWithNoQueryParams', token: '12345', signature: '1xaxFBvyzXYvWplzNOSs28HWO94=', url: 'https://mycompany.com/myapp.php', params: P, sdk: true },
  { id: 'java: testValidateIgnoresNonTwilioQueryParams', token: '12345', signature: 'hYkNsTBttoNGkyCS0p+wWmQoRTg=', url: `${U}&type=thiswontbeusedinthesignaturegeneratorandsoshouldbeignored`, params: P, sdk: true },
  { id: 'java: testValidateWithUrlEncodedQueryParams', token: '12345', signature: 'er2tvAP1Wx+iuTTE2BPgvEaN1cs=', url: 'https://mycompany.com/myapp.php?foo=hello%20world&bar=test%2Bvalue', params: P, sdk: true },
  { id: 'java: testValidateWithSpecialCharactersInParams', token: '12345', signature: 'dCPiR4WtQ6QFN6pJh81CtlCcWLQ=', url: U, params: { Message: 'Hello & goodbye! @#$%^*()', From: '+1 (415) 867-5309', Special: 'unicode: ñáéíóú' }, sdk: true },
  { id: 'java: testValidateWithEmptyParameterValues', token: '12345', signature: '9HHp/OqQMEwdrVebHDdA/+tqjX8=', url: U, params: { Digits: '', CallSid: 'CA1234567890ABCDE', EmptyParam: '' }, sdk: true },
  // Java's null values are signed as empty strings, and a form sends them so.
  { id: 'java: testValidateWithNullParameterValues', token: '12345', signature: 'L9lTTwIlxM1xGAtLRwhOSZggRhM=', url: U, params: { Digits: '', CallSid: 'CA1234567890ABCDE', NullParam: '' }, sdk: true },
  { id: 'java: testValidateParameterKeySorting', token: '12345', signature: 'enveUe73ZTVLAekHxez3Qx6JuuQ=', url: U, params: { Zebra: 'last', Alpha: 'first', Beta: 'second', Gamma: 'third' }, sdk: true },
  { id: 'java: testValidateWithInternationalCharactersInUrl', token: '12345', signature: 'G/Hx6mqqnjUNlPAoi2Sp9bGst0g=', url: 'https://mycompany.com/webhook/España?año=2023', params: P, sdk: true },
  { id: 'java: testValidateWithCaseSensitiveParameterKeys', token: '12345', signature: 'jDK7WKT8wiNrwggd4ceTv4e1MJ4=', url: U, params: { callSid: 'lowercase', CallSid: 'uppercase', CALLSID: 'allcaps' }, sdk: true },
  { id: 'java: testValidateWithMalformedUrlStillWorks', token: '12345', signature: 'A9lH3u16NjyiiM/+wylw5rirFUs=', url: 'https://mycompany.com:443//myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'java: testValidateWithDifferentProtocols', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'java: testValidateFailsWithWrongSignature', token: '12345', signature: 'IncorrectSignatureValue123=', url: U, params: P, sdk: false },
  { id: 'java: testValidateFailsWithEmptySignature', token: '12345', signature: '', url: U, params: P, sdk: false },

  // twilio-php tests/Twilio/Unit/RequestValidatorTest.php
  { id: 'php: testValidate', token: '12345', signature: V1, url: U, params: P, sdk: true },
  { id: 'php: testFailsWhenIncorrect', token: '12345', signature: 'FAIL', url: U, params: P, sdk: false },
  { id: 'php: testValidateWithArrayAndDuplicates', token: '12345', signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', url: U, params: DUPLICATES, sdk: true },
  { id: 'php: testValidateWithBody', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'php: testValidateBodyWithoutSignature', token: '12345', signature: V1, url: U, params: {}, body: B, sdk: false },
  { id: 'php: testValidateRemovesPortHttps', token: '12345', signature: V1, url: WITH_PORT, params: P, sdk: true },
  { id: 'php: testValidateRemovesPortHttp', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true },
  { id: 'php: testValidateAddsPortHttps', token: '12345', signature: V2, url: U, params: P, sdk: true },
  { id: 'php: testValidateAddsPortHttp', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'php: testBuildUrlCreds', token: '12345', signature: 'CukzLTc1tT5dXEDIHm/tKBanW10=', url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'php: testBuildUrlWithUser', token: '12345', signature: '2YRLlVAflCqxaNicjMpJcSTgzSs=', url: 'https://user@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'php: testBuildUrlCredsAddsPort', token: '12345', signature: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=', url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },

  // twilio-csharp test/Twilio.Test/Security/RequestValidatorTest.cs
  { id: 'csharp: TestValidateDictionary', token: '12345', signature: V1, url: U, params: P, sdk: true },
  { id: 'csharp: TestValidateDictionaryMixedCase', token: '12345', signature: 'g9IN/x4Cft2g517EjYvEvM/W7LU=', url: 'https://MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'csharp: TestValidateDictionaryMixedCaseWithPort', token: '12345', signature: 'PCqOZm8cnu/L6+u5i5fuEd+Iac4=', url: 'https://MyCompany.com:1234/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'csharp: TestValidateDictionaryMixedCaseAddsPortHttp', token: '12345', signature: 'XY7AlKOKL6im4yWyX84gldUrtis=', url: 'http://MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'csharp: TestValidateCredentialsArePreserved', token: '12345', signature: 'PJ08CxXr7KLPjEQCTc8LkUSMwSM=', url: 'http://username:password@MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'csharp: TestValidateCredentialsArePreservedUpperCaseScheme', token: '12345', signature: 'hy/l8pca+LFms4cvRdv8uiP6NGc=', url: 'HTTP://username:password@MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'csharp: TestValidateCredentialsArePreservedMixedCaseCreds', token: '12345', signature: 'SkTSKyDJH9kUlhItI0slbgZ1UsI=', url: 'http://Username:Password@MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: true },
  { id: 'csharp: TestValidateDictionaryMixedCaseWithIncorrectSignature', token: '12345', signature: V1, url: 'https://MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: false },
  { id: 'csharp: TestValidateDictionaryMixedCaseWithPortWithIncorrectSignature', token: '12345', signature: V1, url: 'https://MyCompany.com:1234/myapp.php?foo=1&bar=2', params: P, sdk: false },
  { id: 'csharp: TestValidateDictionaryMixedCaseAddsPortHttpWithIncorrectSignature', token: '12345', signature: V1, url: 'http://MyCompany.com/myapp.php?foo=1&bar=2', params: P, sdk: false },
  { id: 'csharp: TestValidateFailsWhenIncorrect', token: '12345', signature: 'NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=', url: U, params: P, sdk: false },
  { id: 'csharp: TestValidateWithBody', token: '12345', signature: V13, url: WITH_HASH, params: {}, body: B, sdk: true },
  { id: 'csharp: TestValidateWithOnlyHash', token: '12345', signature: V15, url: ONLY_HASH, params: {}, body: B, sdk: true },
  { id: 'csharp: TestValidateWithBodyWithoutSignature', token: '12345', signature: V1, url: U, params: {}, body: B, sdk: false },
  { id: 'csharp: TestValidateRemovesPortHttps', token: '12345', signature: V1, url: WITH_PORT, params: P, sdk: true },
  { id: 'csharp: TestValidateRemovesPortHttp', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true },
  { id: 'csharp: TestValidateAddsPortHttps', token: '12345', signature: V2, url: U, params: P, sdk: true },
  { id: 'csharp: TestValidateAddsPortHttp', token: '12345', signature: V4, url: HTTP, params: P, sdk: true },
  { id: 'csharp: TestValidateAddsCustomPortHttps', token: '12345', signature: 'CYn1h0gLBdNxDGkKJg6hYohgeD8=', url: WITH_PORT, params: P, sdk: true },
  { id: 'csharp: TestValidateAddsCustomPortHttp', token: '12345', signature: V3, url: HTTP_WITH_PORT, params: P, sdk: true }
]
