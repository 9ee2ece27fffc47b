import Fastify from 'fastify'
import twilioStatus from 'fastify-twilio-status'

interface Routing {
  /** The worker's phone, or undefined for a worker who takes tasks in the browser. */
  phoneOf (workerSid: string | undefined): Promise<string | undefined>
  /** The activity a worker who refuses a task goes to. */
  readonly breakActivitySid: string
}

const BANNED = /\b(?:password|ssn)\b/i

// Conversations pre-events moderate; TaskRouter's assignment callback places each task.
export async function buildDecisionsApp (authToken: string, { phoneOf, breakActivitySid }: Routing) {
  const app = Fastify({ logger: { level: 'warn' } })
  await app.register(twilioStatus, {
    authToken,
    conversations: {
      // The answer is the decision: allow (undefined), reject, or the fields to replace.
      onMessageAdd: (event) => {
        if (BANNED.test(event.Body ?? '')) return { reject: true, reason: 'asked for a secret' }
        if (event.Author?.startsWith('+') === true) return { attributes: JSON.stringify({ channel: 'sms' }) }
      },
      onConversationAdd: (event) => ({ friendly_name: `Support: ${String(event['MessagingBinding.AuthorAddress'] ?? 'chat')}` }),
      // A post-event: a notification, answered with an empty 200.
      onMessageAdded: (event) => { app.log.info({ sid: event.MessageSid, attributes: event.parsed.Attributes }, 'message') }
    },
    taskrouterAssignment: {
      onAssignment: async (event) => {
        // The JSON text parsed once; absent when it is not a JSON object (logged at warn).
        if (event.parsed.TaskAttributes?.type !== 'call') return { instruction: 'reject', activity_sid: breakActivitySid }
        const phone = await phoneOf(event.WorkerSid)
        // No phone: decide later, from the worker's browser, through the Reservation's REST API.
        if (phone === undefined) return {}
        return { instruction: 'dequeue', to: phone, from: '+15017250604', timeout: 20 }
      }
    }
  })
  return app
}
