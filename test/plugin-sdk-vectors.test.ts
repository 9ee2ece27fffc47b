/**
 * The official SDKs' request-validator vectors (test/helpers/sdk-vectors.ts) over real HTTP, on
 * the three kinds of route the plugin guards: a status route, a declared `webhooks` route, and a
 * host route behind the exported `twilioSignature()` hook. Each request goes on the wire with the
 * vector's request target byte for byte (node:http, not inject), to an app whose `publicUrl` is
 * the vector's origin. The plugin must accept it exactly when twilio 6.3.1's `validateRequest`
 * (the oracle) accepts the URL the app received, quote and port respellings included
 * (docs/twilio-facts.md §1.10).
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import { getExpectedTwilioSignature, validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks'
import twilioStatus, { twilioSignature } from '../lib/index'
import { codeOf } from './helpers/app'
import { SDK_VECTORS, type SdkVector } from './helpers/sdk-vectors'
import { encodeForm, type Params, send, type SignedRequest } from './helpers/sign'

const KINDS = ['status route', 'webhooks route', 'host route'] as const
type Kind = typeof KINDS[number]

/** A signature refusal, as the plugin and the hook answer it. */
const REFUSALS = ['FST_TWILIO_INVALID_SIGNATURE', 'FST_TWILIO_MALFORMED_SIGNATURE', 'FST_TWILIO_BODY_HASH_MISMATCH']

interface Target {
  /** `scheme://host[:port]`, without the userinfo a request never carries. */
  readonly origin: string
  readonly host: string
  /** The route's path (Fastify matches the decoded path). */
  readonly path: string
  /** The request target: path and query, as sent. */
  readonly target: string
}

/**
 * Where a vector's request goes, as an HTTP client sends it: no userinfo (Twilio strips it before
 * signing, docs/twilio-facts.md §1.5) and non-ASCII characters percent-encoded as UTF-8 (Node's
 * HTTP parser refuses raw ones). The vectors with either are signed over a URL no server receives.
 */
function targetOf (url: string): Target {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)([^?#]*)(.*)$/i.exec(url) as RegExpExecArray
  const wire = (text: string): string => text.replace(/[^\x21-\x7e]+/g, encodeURIComponent)
  return { origin: match[1] + match[2], host: match[2], path: match[3], target: wire(match[3] + match[4]) }
}

const TWIML = '<Response><Say>verified</Say></Response>'

async function serve (t: { teardown (fn: () => unknown): void }, kind: Kind, publicUrl: string, path: string, token: string): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (kind === 'status route') {
    await app.register(twilioStatus, { authToken: token, publicUrl, call: { path, onAny: () => {} } })
  } else if (kind === 'webhooks route') {
    await app.register(twilioStatus, { authToken: token, publicUrl, webhooks: [{ url: path, method: ['GET', 'POST'], handler: () => TWIML }] })
  } else {
    const hook = twilioSignature({ authToken: token, publicUrl })
    await app.register(formbody)
    app.route({ method: ['GET', 'POST'], url: path, preParsing: hook.preParsing, preHandler: hook, handler: async () => TWIML })
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

/** The request a vector describes: a JSON POST, a form POST, or a GET (the URL alone signed). */
function requestOf (v: SdkVector, to: Target, signature: string): SignedRequest {
  const headers: Record<string, string> = { host: to.host, 'x-twilio-signature': signature }
  if (v.body !== undefined) return { method: 'POST', url: to.target, headers: { ...headers, 'content-type': 'application/json' }, payload: v.body }
  if (Object.keys(v.params).length === 0) return { method: 'GET', url: to.target, headers }
  return { method: 'POST', url: to.target, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: encodeForm(v.params as Params) }
}

function twilioAccepts (v: SdkVector, url: string): boolean {
  return v.body === undefined
    ? validateRequest(v.token, v.signature, url, v.params as Params)
    : validateRequestWithBody(v.token, v.signature, url, v.body)
}

t.test('every SDK vector twilio validateRequest accepts is accepted over real HTTP, and every other one refused, on all three route kinds', async (t) => {
  const apps = new Map<string, Promise<number>>()
  function portOf (kind: Kind, to: Target, token: string): Promise<number> {
    const key = `${kind} ${to.origin} ${to.path} ${token}`
    let port = apps.get(key)
    if (port === undefined) {
      port = serve(t, kind, to.origin, to.path, token).then((app) => (app.server.address() as AddressInfo).port)
      apps.set(key, port)
    }
    return port
  }
  const counts = { accepted: 0, refused: 0, unreceivable: 0 }
  for (const v of SDK_VECTORS) {
    const to = targetOf(v.url)
    // What the app receives: the origin Twilio called (its publicUrl) and the target as sent.
    const received = to.origin + to.target
    const theirs = twilioAccepts(v, received)
    if (theirs) counts.accepted++
    else counts.refused++
    if (received !== v.url && theirs !== twilioAccepts(v, v.url)) counts.unreceivable++
    for (const kind of KINDS) {
      const port = await portOf(kind, to, v.token)
      const res = await send(port, requestOf(v, to, v.signature))
      const label = `${kind}: ${v.id}`
      if (theirs) {
        if (kind === 'status route') {
          // Verified, then answered by the family: 200, or 400 for a vector without a status.
          t.ok(res.statusCode === 200 || (res.statusCode === 400 && codeOf(res.body) === 'FST_TWILIO_MISSING_STATUS'), `${label}: accepted, like twilio (${res.statusCode} ${res.body.slice(0, 60)})`)
        } else {
          t.equal(res.statusCode, 200, `${label}: accepted, like twilio`)
          t.equal(res.body, TWIML, `${label}: the handler ran`)
        }
        // The same request signed with another token is refused: the check did run on it.
        const forged = getExpectedTwilioSignature(v.token + 'x', v.url, v.body === undefined ? v.params as Params : {})
        const refused = await send(port, requestOf(v, to, forged))
        t.equal(refused.statusCode, 403, `${label}: with another token's signature, refused`)
      } else {
        t.equal(res.statusCode, 403, `${label}: refused, like twilio`)
        t.ok(REFUSALS.includes(codeOf(res.body) as string), `${label}: ${String(codeOf(res.body))}`)
      }
    }
  }
  // Not vacuous: most vectors are accepted, the SDKs' negative ones are refused, and only those
  // signed over a URL with userinfo or raw non-ASCII are accepted at their own URL but not at the
  // one a server receives.
  t.equal(counts.accepted + counts.refused, SDK_VECTORS.length)
  t.ok(counts.accepted > 80, `${counts.accepted} accepted`)
  t.ok(counts.refused > 20, `${counts.refused} refused`)
  t.equal(counts.unreceivable, SDK_VECTORS.filter((v) => /:\/\/[^/]*@|[^\x21-\x7e]/.test(v.url) && v.sdk).length, 'credentials and raw non-ASCII')
})

t.test("twilio-node's quote vectors are accepted at the other spelling of the quote, over HTTP on every route kind", async (t) => {
  // twilio-node spec/unit/webhooks/webhooks.spec.js and spec/validation.spec.js: signed with `'`
  // and requested with `%27`, the reverse, and `Body=It's+amazing` signed over `It%27s`.
  const respelled = SDK_VECTORS.filter((v) => v.id.startsWith('node') && /quote requested|contains the (un)?escaped quote|special characters/.test(v.id))
  t.equal(respelled.length, 8, 'the four quote cases, V8, and the three refused before at :443')
  for (const v of respelled) {
    const to = targetOf(v.url)
    t.equal(twilioAccepts(v, to.origin + to.target), true, `twilio accepts ${v.id}`)
    for (const kind of KINDS) {
      const app = await serve(t, kind, to.origin, to.path, v.token)
      const res = await send((app.server.address() as AddressInfo).port, requestOf(v, to, v.signature))
      t.not(res.statusCode, 403, `${kind}: ${v.id}`)
      await app.close()
    }
  }
})
