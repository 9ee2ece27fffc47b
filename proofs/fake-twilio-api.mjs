// The REST half of the fake Twilio in proofs/reconcile-chaos.mjs: Fetch Message and Fetch Call
// as lib-fake-twilio-api.cjs serves them for the tests (the same paths, checks against Twilio's
// OpenAPI description, resource and error shapes), where a resource's status follows its
// lifecycle in time, and answers fail at random: 429 with Retry-After, 500/503, and answers
// slower than the plugin's requestTimeout; `storm(ms)` answers 429 to everything for a while.
import fake from './lib-fake-twilio-api.cjs'

/**
 * `faults`: { throttle, fail, slow } rates per request, `slowMs`, `retryAfter` (seconds), `random`.
 * Requests and answers that do not fit the description are listed in `problems`.
 */
export async function startFakeTwilioApi ({ accountSid, apiKey, apiSecret, faults }) {
  const random = faults.random ?? Math.random
  /** sid → [[at, status], …] in time order: the REST status at a time is the last one begun. */
  const timelines = new Map()
  const counts = { requests: 0, ok: 0, throttled: 0, failed: 0, slow: 0, notFound: 0, perSid: new Map() }
  // perSid: sid → [[time, HTTP status], …] of its requests' answers.
  let stormUntil = 0
  const api = await fake.startFakeTwilioApi({ username: apiKey, password: apiSecret }, {
    fault () {
      const draw = random()
      if (Date.now() < stormUntil || draw < faults.throttle) {
        counts.throttled++
        return { status: 429, retryAfter: faults.retryAfter }
      }
      if (draw < faults.throttle + faults.fail) {
        counts.failed++
        return { status: random() < 0.5 ? 500 : 503 }
      }
      if (draw < faults.throttle + faults.fail + faults.slow) {
        counts.slow++
        return { delay: faults.slowMs }
      }
      return undefined
    },
    resource (sid) {
      const timeline = timelines.get(sid)
      if (timeline === undefined) return undefined
      const now = Date.now()
      let status = timeline[0][1]
      for (const [at, s] of timeline) if (at <= now) status = s
      return /^(SM|MM)/.test(sid)
        ? fake.messageResource(sid, status, { account_sid: accountSid, error_code: status === 'undelivered' ? 30003 : status === 'failed' ? 30008 : null })
        : fake.callResource(sid, status, { account_sid: accountSid, duration: status === 'completed' ? '15' : '0' })
    },
    answered (sid, statusCode) {
      if (statusCode === 200) counts.ok++
      if (statusCode === 404) counts.notFound++
      let answers = counts.perSid.get(sid)
      if (answers === undefined) counts.perSid.set(sid, answers = [])
      answers.push([Date.now(), statusCode])
    }
  })
  return {
    url: api.url,
    timelines,
    get counts () { counts.requests = api.requests.length; return counts },
    problems: api.problems,
    /** Every request answered 429 for `ms` from now. */
    storm (ms) { stormUntil = Date.now() + ms },
    close: api.close
  }
}
