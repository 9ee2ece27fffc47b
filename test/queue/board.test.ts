/**
 * The README's Bull Board inspector, in a real headless Chromium: behind basic authentication, it
 * shows a failed Twilio event with its error; Retry on the page runs it again and it completes.
 * Screenshots, if any, go to the OS temporary directory, never to the repository.
 */
import t from 'tap'
import Fastify from 'fastify'
import puppeteer from 'puppeteer-core'
import { mountQueueBoard } from '../../example/bull-board'
import twilioStatus from '../../lib/index'
import { RedisStore } from '../../lib/stores/redis'
import { createTwilioWorker } from '../../lib/worker'
import { startRedis, type TestRedis } from '../helpers/redis'
import { chromiumPath } from '../helpers/chromium'
import { connectionOf, newQueue, silent, until } from '../helpers/queue'
import { formPost, smsParams, TOKEN } from '../helpers/sign'

let redis: TestRedis
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

t.test('Bull Board behind authentication: see a failed Twilio event and its error, retry it, see it complete', async (t) => {
  const { queue, name, prefix } = newQueue(t, redis)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, { authToken: TOKEN, queue: { queue, attempts: 1 }, sms: {} })
  await mountQueueBoard(app, queue, 'ops', 's3cret')
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  let failing = true
  const worker = createTwilioWorker({
    connection: connectionOf(redis),
    queueName: name,
    logger: silent,
    store: new RedisStore({ client: redis.client(), prefix }),
    sms: { onUndelivered: () => { if (failing) throw new Error('CRM unreachable: ECONNREFUSED') } }
  })
  t.teardown(() => worker.close())

  const params = smsParams('undelivered')
  t.equal((await app.inject(formPost(params))).statusCode, 200)
  await until(() => worker.queueStats.failed === 1)

  // Without credentials: 401, nothing of the board.
  const anonymous = await fetch(`${base}/admin/queues`)
  t.equal(anonymous.status, 401)
  t.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="queues"')

  const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  await page.authenticate({ username: 'ops', password: 's3cret' })

  const failedUrl = `${base}/admin/queues/queue/${encodeURIComponent(name)}?status=failed`
  await page.goto(failedUrl, { waitUntil: 'networkidle0' })
  await page.waitForFunction('document.body.innerText.includes(\'CRM unreachable: ECONNREFUSED\')', { timeout: 15_000 })
  const failedText = await page.evaluate('document.body.innerText') as string
  t.match(failedText, /sms undelivered/, 'the job is named by channel and status')
  t.match(failedText, /CRM unreachable: ECONNREFUSED/, 'with its error')

  failing = false
  // The board's Retry button, and its confirmation.
  page.on('dialog', (dialog) => { dialog.accept().catch(() => {}) })
  const click = async (label: string): Promise<number> => await page.evaluate(`(() => {
    const buttons = [...document.querySelectorAll('button')].filter((b) => b.textContent.trim().toLowerCase() === ${JSON.stringify(label)})
    buttons[0]?.click()
    return buttons.length
  })()`) as number
  const retried = await click('retry all')
  await new Promise((resolve) => setTimeout(resolve, 300))
  await click('confirm')
  t.ok(retried >= 1, 'a Retry button is on the page')
  await until(() => worker.queueStats.processed === 1)
  t.same(await queue.getJobCounts('failed', 'completed'), { failed: 0, completed: 1 })

  await page.goto(`${base}/admin/queues/queue/${encodeURIComponent(name)}?status=completed`, { waitUntil: 'networkidle0' })
  await page.waitForFunction('document.body.innerText.includes(\'sms undelivered\')', { timeout: 15_000 })
  t.match(await page.evaluate('document.body.innerText') as string, /sms undelivered/, 'the event is listed as completed')
})
