/**
 * The Fastify adapter, wiring only: options → an encapsulated context with the plugin's body
 * parsers, error handler and signature hook (`./http/body`), the status routes and any TwiML
 * webhook routes the host declares (`./http/routes`), delivery (`./delivery`), and spans when
 * the host uses OpenTelemetry (`./tracing`).
 */
import type { FastifyInstance } from 'fastify'
import type { FastifyTwilioStatusOptions } from '../types/index'
import { createDeliver, createDelivery } from './delivery/delivery'
import { eventStreamsHandler } from './http/event-streams'
import { statusHandler, webhookHandler } from './http/routes'
import { EVENT_STREAMS_DEADLINE } from './families/event-streams'
import { twilioErrorHandler } from './http/error-handler'
import { normalizeOptions } from './options'
import { enqueueing } from './queue/enqueue'
import { tracedChannels, tracedDelivery } from './tracing'
import { twilioBodies } from './http/body'
import { createSignatureCheck } from './verify/check'

async function fastifyTwilioStatus (fastify: FastifyInstance, options: FastifyTwilioStatusOptions): Promise<void> {
  const config = normalizeOptions(options)
  const inline = tracedDelivery(createDeliver(config.delivery))
  const deliver = config.queue === null ? inline : enqueueing(config.queue, inline)
  const { parsedOf, verifyTwilioSignature } = twilioBodies(fastify, config.maxParams, config.validate ? createSignatureCheck(config.verify) : null)
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
    } else {
      fastify.route({ ...common, method: ['POST', 'GET'], url: channel.path, handler: statusHandler(channel, parsedOf, deliver) })
    }
  }
  for (const webhook of config.webhooks) {
    fastify.route({ ...common, method: [...webhook.method], url: webhook.url, handler: webhookHandler(webhook, parsedOf) })
  }
}

export { fastifyTwilioStatus }
