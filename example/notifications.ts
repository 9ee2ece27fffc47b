import Fastify from 'fastify'
import twilioStatus from 'fastify-twilio-status'

interface Handlers {
  routeTask (taskSid: string, skill: unknown): Promise<void>
  trustDevice (identity: string | undefined, factorSid: string | undefined): Promise<void>
  alert (code: string | undefined, resourceSid: string | undefined): void
}

// Three notification webhooks: Twilio acts on no answer, the plugin answers each as Twilio asks
// (TaskRouter: 204 with Content-Type application/json) and runs each event's callback once.
export async function buildNotificationsApp (authToken: string, { routeTask, trustDevice, alert }: Handlers) {
  const app = Fastify({ logger: { level: 'warn' } })
  await app.register(twilioStatus, {
    authToken,
    // The Workspace's EventCallbackUrl: https://your-host/twilio/taskrouter/events
    taskrouter: {
      // TaskAttributes stays the signed text; event.parsed holds it parsed, once.
      onTaskCreated: async (event) => { await routeTask(event.ResourceSid, event.parsed.TaskAttributes?.skill) },
      onWorkerActivityUpdate: (event) => { app.log.info({ worker: event.WorkerName, activity: event.WorkerActivityName }, 'activity') }
    },
    // A Verify Service's webhook: https://your-host/twilio/verify
    verify: {
      onFactorVerified: async (event) => { await trustDevice(event.entity_identity, event.factor_sid) }
    },
    // The Console Debugger's webhook: https://your-host/twilio/debugger
    debugger: {
      onError: (event) => { alert(event.parsed.Payload?.error_code, event.parsed.Payload?.resource_sid) }
    }
  })
  return app
}
