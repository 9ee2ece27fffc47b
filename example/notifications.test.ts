import { test } from 'tap'
import { sampleSid, signedInject } from 'fastify-twilio-status/testing'
import { buildNotificationsApp } from './notifications'

const authToken = 'notifications-token'

test('TaskRouter, Verify and Debugger events run their callback once and are answered 204', async (t) => {
  const routed: unknown[] = []
  const trusted: unknown[] = []
  const alerts: unknown[] = []
  const app = await buildNotificationsApp(authToken, {
    routeTask: async (taskSid, skill) => { routed.push([taskSid, skill]) },
    trustDevice: async (identity, factorSid) => { trusted.push([identity, factorSid]) },
    alert: (code, resourceSid) => { alerts.push([code, resourceSid]) }
  })
  t.teardown(() => app.close())

  const task = signedInject({ authToken, channel: 'taskrouter', status: 'task.created', params: { TaskAttributes: '{"skill":"billing"}' } })
  const answer = await app.inject(task)
  t.equal(answer.statusCode, 204)
  t.equal(answer.headers['content-type'], 'application/json')
  t.equal((await app.inject(task)).statusCode, 204, 'a redelivery is answered alike')
  t.same(routed, [[sampleSid('WT', 'sample'), 'billing']], 'and runs nothing')
  t.equal((await app.inject(signedInject({ authToken, channel: 'taskrouter', status: 'worker.activity.update' }))).statusCode, 204)

  t.equal((await app.inject(signedInject({ authToken, channel: 'verify', status: 'factor.verified' }))).statusCode, 204)
  t.same(trusted, [['ff483d1ff591898a9942916050d2ca3f', sampleSid('YF', 'sample')]])

  t.equal((await app.inject(signedInject({ authToken, channel: 'debugger', status: 'error' }))).statusCode, 204)
  t.same(alerts, [['11200', sampleSid('CA', 'sample')]])

  const forged = await app.inject(signedInject({ authToken: 'not-our-token', channel: 'debugger', status: 'error' }))
  t.equal(forged.statusCode, 403)
})
