/** What explain's tests share: one signed status callback, and ways to break it. */
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import type { diagnose } from '../../../lib/cli/explain/diagnose'
import type { ExplainInput } from '../../../lib/cli/explain/types'
import { TOKEN } from '../../helpers/sign'

export const PATH = '/twilio/sms/status'
export const PARAMS = { MessageSid: 'SM' + '1'.repeat(32), MessageStatus: 'delivered', AccountSid: 'AC' + '2'.repeat(32), Body: 'Hi there' }
export const sign = (url: string, params: Record<string, string | string[]> | null = PARAMS, token = TOKEN): string =>
  getExpectedTwilioSignature(token, url, params ?? {})
export const form = (params: Record<string, string | string[]>): string => {
  const f = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x)
  return f.toString()
}

/** A form POST the app saw at `seen`, signed by Twilio over `signedUrl`. */
export function post (seen: string, signedUrl: string, extra: Partial<ExplainInput> = {}): ExplainInput {
  return { url: seen, method: 'POST', signature: sign(signedUrl), params: PARAMS, ...extra }
}

export const parts = (d: ReturnType<typeof diagnose>): string[] => d.findings.map((f) => f.part)
