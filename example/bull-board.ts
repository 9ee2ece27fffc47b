import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { Queue } from 'bullmq'

// Bull Board at /admin/queues, behind HTTP basic authentication: the Twilio queue's recent,
// failed and retried events with their errors, and a button to retry them.
export async function mountQueueBoard (app: FastifyInstance, queue: Queue, user: string, password: string) {
  const expected = Buffer.from('Basic ' + Buffer.from(`${user}:${password}`).toString('base64'))
  await app.register(async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      const given = Buffer.from(request.headers.authorization ?? '')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return await reply.code(401).header('www-authenticate', 'Basic realm="queues"').send('authentication required')
      }
    })
    const board = new FastifyAdapter()
    board.setBasePath('/admin/queues')
    createBullBoard({ queues: [new BullMQAdapter(queue, { readOnlyMode: false })], serverAdapter: board })
    await admin.register(board.registerPlugin(), { prefix: '/admin/queues' })
  })
}
