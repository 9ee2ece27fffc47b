/**
 * The Fastify adapter, wiring only: options → an encapsulated context with the plugin's body
 * parsers, error handler and signature hook (`./http/body`), the status routes and any TwiML
 * webhook routes the host declares (`./http/routes`), delivery (`./delivery`), and spans when
 * the host uses OpenTelemetry (`./tracing`). With `reconcile`, the handle goes on the host itself
 * (`./reconcile`), beside that context.
 */
import type { FastifyInstance } from 'fastify'
import type { FastifyTwilioStatusOptions } from '../types/index'
import type { Config } from './config'
import { HandleTakenError } from './errors'
import { Reconciler } from './reconcile/reconciler'
import { createDeliver, createDelivery } from './delivery/delivery'
import { eventStreamsHandler } from './http/event-streams'
import { acknowledging, decisionHandler, statusHandler, webhookHandler } from './http/routes'
import type { Family } from './families/family'
import { accountParamOf, FAMILIES } from './families/index'
import { EVENT_STREAMS_DEADLINE } from './families/event-streams'
import { twilioErrorHandler } from './http/error-handler'
import { normalizeOptions } from './options'
import { enqueueing } from './queue/enqueue'
import { tracedChannels, tracedDelivery } from './tracing'
import { twilioBodies } from './http/body'
import { createSignatureCheck } from './verify/check'

/**
 * Runs in the host's own context (registered without encapsulation): only the `reconcile` handle
 * and its lifecycle hooks land there; everything else goes into the encapsulated child below,
 * registered with the host's register options (`prefix`, `logLevel`, …).
 */
async function fastifyTwilioStatus (fastify: FastifyInstance, options: FastifyTwilioStatusOptions): Promise<void> {
  const config = normalizeOptions(options)
  let reconciler: Reconciler | null = null
  if (config.reconcile !== null) {
    const { name } = config.reconcile
    if (fastify.hasDecorator(name)) throw new HandleTakenError(name)
    const started = new Reconciler(config.reconcile, config.channels, fastify.log, undefined, config.delivery.pendingTtl)
    fastify.decorate(name, started.handle())
    fastify.addHook('onReady', async () => { started.start() })
    fastify.addHook('onClose', async () => { await started.close() })
    reconciler = started
  }
  fastify.register(async function twilioStatusRoutes (context) { routes(context, config, reconciler) }, options as unknown as Record<string, unknown>)
}

/** The encapsulated context: parsers, error handler, signature hook and routes. */
function routes (fastify: FastifyInstance, config: Config, reconciler: Reconciler | null): void {
  const inline = tracedDelivery(createDeliver(config.delivery))
  const queued = config.queue === null ? inline : enqueueing(config.queue, inline)
  const deliver = reconciler === null ? queued : reconciler.observe(queued)
  const { parsedOf, verifyTwilioSignature, verifierFor } = twilioBodies(fastify, config.maxParams, config.validate ? createSignatureCheck(config.verify) : null)
  if (verifyTwilioSignature === null) {
    fastify.log.warn('fastify-twilio-status: validate is false, X-Twilio-Signature is NOT checked; anyone can call these routes')
  }
  fastify.setErrorHandler(twilioErrorHandler)

  const common = { bodyLimit: config.bodyLimit, exposeHeadRoute: false, preHandler: verifyTwilioSignature ?? undefined }
  for (const channel of tracedChannels(config.channels)) {
    if (channel.channel === 'eventStreams') {
      // Its own delivery, to answer within Event Streams' shorter wait.
      const quick = tracedDelivery(createDelivery({ ...config.delivery, deadline: Math.min(config.delivery.deadline, EVENT_STREAMS_DEADLINE) }))
      fastify.route({ ...common, method: 'POST', url: channel.path, handler: eventStreamsHandler(channel, parsedOf, quick) })
      continue
    }
    const decision = (FAMILIES[channel.channel] as Family).decision
    if (decision !== undefined) {
      // Its own delivery, to answer within Twilio's wait; decisions run inline in queue mode (`replyStatuses`).
      const quick = tracedDelivery(createDeliver({ ...config.delivery, deadline: Math.min(config.delivery.deadline, decision.deadline) }))
      const handler = decisionHandler(channel, parsedOf, config.queue === null ? quick : enqueueing(config.queue, quick), decision)
      fastify.route({ ...common, method: ['POST', 'GET'], url: channel.path, handler })
    } else {
      const preHandler = verifierFor(accountParamOf(channel.channel)) ?? undefined
      fastify.route({ ...common, preHandler, method: ['POST', 'GET'], url: channel.path, handler: acknowledging(channel, statusHandler(channel, parsedOf, deliver)) })
    }
  }
  for (const webhook of config.webhooks) {
    fastify.route({ ...common, method: [...webhook.method], url: webhook.url, handler: webhookHandler(webhook, parsedOf) })
  }
}

export { fastifyTwilioStatus }
