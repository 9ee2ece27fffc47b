/**
 * A local stand-in for Twilio's REST API: Fetch Message and Fetch Call (API 2010-04-01), shaped
 * by Twilio's OpenAPI description (test/fixtures/twilio-api/), checking every request and answer
 * against it; answers can be scripted per Sid. One copy, shared with the proofs:
 * proofs/lib-fake-twilio-api.cjs (types in its .d.cts).
 */
export { ACCOUNT_SID, API_KEY, API_SECRET, callResource, type FakeRequest, type FakeTwilioApi, messageResource, type Scripted, startFakeTwilioApi, validate } from '../../proofs/lib-fake-twilio-api.cjs'
