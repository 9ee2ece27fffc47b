/**
 * A decision (docs/decisions.md) as the reply string delivery returns and the store keeps: the
 * status code's three digits, then the JSON body, so a redelivery gets the same answer.
 */
import type { DecisionReply } from '../families/family'

export function encodeDecision ({ statusCode, body }: DecisionReply): string {
  return String(statusCode) + body
}

const ENCODED = /^[1-5]\d\d/

/** The decision a reply string holds, or `null` when it holds none (TwiML, `''`). */
export function decodeDecision (reply: string): DecisionReply | null {
  if (!ENCODED.test(reply)) return null
  return { statusCode: Number(reply.slice(0, 3)), body: reply.slice(3) }
}
