/**
 * WhatsApp and RCS on the messaging route, over real HTTP: parameters from Twilio's inbound and
 * status-callback tables (docs/twilio-facts.md §2.3-§2.5), signed by the twilio package, with
 * senders that are not phone numbers (business-scoped user ids, `rcs:` agents).
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import MessagingResponse = require('twilio/lib/twiml/MessagingResponse')
import twilioStatus from '../lib/index'
import type { MessageEvent } from '../types/index'
import { encodeForm, type Params, send, sign, SMS_PATH, TOKEN } from './helpers/sign'

const ACCOUNT = 'AC00000000000000000000000000000021'
// Meta's examples of a business-scoped user id and of a parent one (docs/twilio-facts.md §2.5).
const BSUID = 'US.13491208655302741918'
const PARENT_BSUID = 'US.ENT.11815799212886844830'
const BUSINESS = 'whatsapp:+14155238886'

/** A WhatsApp quick-reply tap from a user who shares no number: the inbound table's parameters. */
function whatsappInbound (messageSid: string, from: string): Params {
  return {
    SmsMessageSid: messageSid,
    NumMedia: '0',
    ProfileName: 'Sheena',
    MessageType: 'button',
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: 'Confirm',
    To: BUSINESS,
    NumSegments: '1',
    ButtonText: 'Confirm',
    ButtonPayload: 'confirm-order-42',
    ButtonType: 'REPLY',
    OriginalRepliedMessageSender: BUSINESS,
    OriginalRepliedMessageSid: 'SM0000000000000000000000000000fe21',
    Forwarded: 'false',
    FrequentlyForwarded: 'false',
    ExternalUserId: from,
    ChannelMetadata: JSON.stringify({ type: 'whatsapp', data: { context: { ProfileName: 'Sheena' } } }),
    MessageSid: messageSid,
    AccountSid: ACCOUNT,
    From: from,
    ApiVersion: '2010-04-01'
  }
}

t.test('WhatsApp and RCS over real HTTP, senders that are not phone numbers', async (t) => {
  const received: Array<MessageEvent<'received'>> = []
  const read: Array<MessageEvent<'read'>> = []
  const any: MessageEvent[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(twilioStatus, {
    authToken: TOKEN,
    sms: {
      onReceived: (event) => {
        received.push(event)
        // Typed: the inbound fields are strings, the status-callback ones absent.
        const profile: string | undefined = event.ProfileName
        const payload: string | undefined = event.ButtonPayload
        return new MessagingResponse().message(`Thanks ${profile ?? ''}: ${payload ?? ''}`).toString()
      },
      onRead: (event) => { read.push(event) },
      onAny: (event) => { any.push(event) }
    }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  const url = `http://${host}${SMS_PATH}`
  const post = (params: Params) => send(port, {
    method: 'POST',
    url: SMS_PATH,
    headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-twilio-signature': sign(url, params) },
    payload: encodeForm(params)
  })

  await t.test('an inbound from a business-scoped user id reaches onReceived once, typed, and gets its TwiML', async (t) => {
    const params = whatsappInbound('SM0000000000000000000000000000a021', `whatsapp:${BSUID}`)
    const res = await post(params)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/xml/)
    t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks Sheena: confirm-order-42</Message></Response>')
    t.equal(received.length, 1)
    const event = received[0]
    t.equal(event.MessageStatus, 'received', 'statusless inbound, read from SmsStatus')
    t.equal(event.From, `whatsapp:${BSUID}`, 'From kept as sent: not a phone number')
    t.equal(event.ExternalUserId, `whatsapp:${BSUID}`)
    t.equal(event.ButtonType, 'REPLY')
    t.equal(event.MessageType, 'button')
    t.same(JSON.parse(event.ChannelMetadata as string), { type: 'whatsapp', data: { context: { ProfileName: 'Sheena' } } }, 'JSON text as sent')

    // Twilio redelivers with the same MessageSid: the same TwiML, no second run.
    const again = await post(params)
    t.equal(again.statusCode, 200)
    t.equal(again.body, res.body, 'a redelivery gets the first answer')
    t.equal(received.length, 1, 'onReceived ran once')
  })

  await t.test('the same user id in a parent (US.ENT.) form, and two messages of one user, are each their own event', async (t) => {
    const before = received.length
    const parent = await post(whatsappInbound('SM0000000000000000000000000000b021', `whatsapp:${PARENT_BSUID}`))
    const next = await post(whatsappInbound('SM0000000000000000000000000000c021', `whatsapp:${BSUID}`))
    t.equal(parent.statusCode, 200)
    t.equal(next.statusCode, 200)
    t.same(received.slice(before).map((event) => [event.MessageSid, event.From]), [
      ['SM0000000000000000000000000000b021', `whatsapp:${PARENT_BSUID}`],
      ['SM0000000000000000000000000000c021', `whatsapp:${BSUID}`]
    ], 'keyed by MessageSid, whatever the sender looks like')
  })

  await t.test('a WhatsApp read receipt (ChannelPrefix, ChannelInstallSid, EventType=READ) reaches onRead', async (t) => {
    const messageSid = 'SM0000000000000000000000000000d021'
    const res = await post({
      ChannelPrefix: 'whatsapp',
      ApiVersion: '2010-04-01',
      MessageStatus: 'read',
      SmsSid: messageSid,
      SmsStatus: 'read',
      ChannelInstallSid: 'XE00000000000000000000000000000021',
      To: `whatsapp:${BSUID}`,
      From: BUSINESS,
      MessageSid: messageSid,
      EventType: 'READ',
      AccountSid: ACCOUNT
    })
    t.equal(res.statusCode, 200)
    t.equal(read.length, 1)
    t.equal(read[0].MessageStatus, 'read')
    t.equal(read[0].EventType, 'READ')
    t.equal(read[0].ChannelInstallSid, 'XE00000000000000000000000000000021')
    t.equal(read[0].To, `whatsapp:${BSUID}`)
  })

  await t.test('an RCS status from an rcs: agent and an RCS inbound are dispatched as any message', async (t) => {
    const delivered = await post({
      MessageStatus: 'delivered',
      MessageSid: 'SM0000000000000000000000000000e021',
      ChannelPrefix: 'rcs',
      From: 'rcs:acme_support_agent',
      To: '+15558675310',
      AccountSid: ACCOUNT,
      ApiVersion: '2010-04-01'
    })
    const inbound = await post({
      MessageSid: 'SM0000000000000000000000000000f021',
      SmsStatus: 'received',
      From: 'rcs:+15558675310',
      To: 'rcs:acme_support_agent',
      Body: 'Yes',
      NumMedia: '0',
      AccountSid: ACCOUNT,
      ApiVersion: '2010-04-01'
    })
    t.equal(delivered.statusCode, 200)
    t.equal(inbound.statusCode, 200)
    t.same(any.slice(-2).map((event) => [event.MessageStatus, event.From]), [
      ['delivered', 'rcs:acme_support_agent'],
      ['received', 'rcs:+15558675310']
    ])
  })

  await t.test('a repeated WhatsApp field is refused with 400, as every single-valued field', async (t) => {
    const params = { ...whatsappInbound('SM000000000000000000000000000a1021', `whatsapp:${BSUID}`), ExternalUserId: ['whatsapp:US.1', 'whatsapp:US.2'] }
    const res = await post(params)
    t.equal(res.statusCode, 400)
  })
})
