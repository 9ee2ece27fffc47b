/**
 * What the reconciliation tests share: a poll until a condition holds, the plugin's reconcile
 * credentials for the local stand-in for Twilio's REST API, a signed message callback of its
 * account, and two instances on one shared store key space.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import twilioStatus, { RedisStore } from '../../lib/index'
import type { RedisStoreOptions } from '../../types/index'
import { ACCOUNT_SID, API_KEY, API_SECRET, type FakeTwilioApi, startFakeTwilioApi } from './fake-twilio-api'
import { CALL_PATH, callParams, formPost, smsParams, TOKEN } from './sign'

/**
 * Starts the fake Twilio REST API and a server (`start`: a Redis or a Redis Cluster) for a test
 * file, stopped after its tests: call it in `t.before`.
 */
export async function startForFile<S extends { stop: () => Promise<void> }> (t: tap.Test, start: () => Promise<S>): Promise<[FakeTwilioApi, S]> {
  const api = await startFakeTwilioApi()
  const server = await start()
  t.teardown(async () => {
    await api.close()
    await server.stop()
  })
  return [api, server]
}

/** Polls `check` every 5 ms; throws after `ms`. */
export async function until (check: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(5)
  }
}

/** The reconcile credentials of the fake API's account. */
export function credentialsFor (api: FakeTwilioApi) {
  return { accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: api.url }
}

/** How many REST requests named `sid`. */
export function requestsFor (api: FakeTwilioApi, sid: string): number {
  return api.requests.filter((r) => r.path.includes(sid)).length
}

/** A real message callback for `messageSid`, of the fake API's account. */
export function smsCallback (messageSid: string, status: string) {
  return formPost(smsParams(status, { MessageSid: messageSid, SmsSid: messageSid, AccountSid: ACCOUNT_SID }))
}

/** A real call callback for `callSid`, of the fake API's account. */
export function callCallback (callSid: string, status: string, sequence: string) {
  return formPost(callParams(status, { CallSid: callSid, AccountSid: ACCOUNT_SID, SequenceNumber: sequence }), { target: CALL_PATH })
}

export interface Ran { instance: string, sid: string, status: string, reconciled: boolean }

/** Two instances on one key space, a RedisStore each on a client of its own; `ran` lists every callback run, by instance. */
export async function pair (t: tap.Test, api: FakeTwilioApi, client: () => RedisStoreOptions['client'], after = 40, more: Record<string, unknown> = {}) {
  const prefix = `rec:${randomUUID()}:`
  const ran: Ran[] = []
  const apps: FastifyInstance[] = []
  for (const instance of ['A', 'B']) {
    const rec = (event: Record<string, unknown>, source: unknown): void => {
      ran.push({ instance, sid: String(event.MessageSid ?? event.CallSid), status: String(event.MessageStatus ?? event.CallStatus), reconciled: (source as { reconciled?: boolean }).reconciled === true })
    }
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(twilioStatus, {
      authToken: TOKEN,
      store: new RedisStore({ client: client(), prefix }),
      sms: { onDelivered: rec, onUndelivered: rec, onSent: rec },
      call: { onCompleted: rec, onBusy: rec },
      reconcile: { credentials: credentialsFor(api), after, interval: 10, ...more }
    })
    await app.ready()
    apps.push(app)
  }
  return { a: apps[0] as FastifyInstance, b: apps[1] as FastifyInstance, ran }
}
