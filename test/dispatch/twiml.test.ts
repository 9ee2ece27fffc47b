import t from 'tap'
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse'
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse'
import { EMPTY_TWIML, twimlOf } from '../../lib/dispatch/twiml'

t.test('EMPTY_TWIML is an XML declaration and an empty <Response/>, as twilio writes it', async (t) => {
  t.equal(EMPTY_TWIML, '<?xml version="1.0" encoding="UTF-8"?><Response/>')
  t.equal(EMPTY_TWIML, new MessagingResponse().toString())
})

t.test('returns a string starting with <?xml or <Response as is', async (t) => {
  for (const text of [EMPTY_TWIML, '<Response/>', '<Response><Message>Thanks</Message></Response>', '<?xml version="1.0"?><Response></Response>']) {
    t.equal(twimlOf(text), text)
  }
})

t.test('returns null for a string that is not TwiML', async (t) => {
  // 'OK' is what an arrow function passes on from a Redis SET.
  for (const text of ['OK', '', ' <Response/>', '\n<?xml version="1.0"?><Response/>', '<response/>', 'Response', '<Say>hi</Say>']) {
    t.equal(twimlOf(text), null, JSON.stringify(text))
  }
})

t.test("returns the text of twilio's MessagingResponse and VoiceResponse", async (t) => {
  const sms = new MessagingResponse()
  sms.message('Thanks for your message')
  t.equal(twimlOf(sms), '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks for your message</Message></Response>')
  const voice = new VoiceResponse()
  voice.say('Goodbye')
  t.equal(twimlOf(voice), '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye</Say></Response>')
})

t.test('returns the text of an object whose own toString gives TwiML, and null when it does not', async (t) => {
  t.equal(twimlOf({ toString: () => '<Response/>' }), '<Response/>')
  class Reply {
    toString () { return '<Response><Message>hi</Message></Response>' }
  }
  t.equal(twimlOf(new Reply()), '<Response><Message>hi</Message></Response>')
  t.equal(twimlOf({ toString: () => 'OK' }), null)
  t.equal(twimlOf(new Date(0)), null)
  t.equal(twimlOf(new Error('<Response/>')), null, 'an Error prints "Error: …"')
})

t.test('returns null for a plain object, even one holding TwiML', async (t) => {
  t.equal(twimlOf({}), null)
  t.equal(twimlOf({ twiml: '<Response/>' }), null)
})

t.test('returns null for a prototype-free object instead of throwing', async (t) => {
  // A callback may return the event itself, which parseForm builds without a prototype.
  t.equal(twimlOf(Object.create(null)), null)
  t.equal(twimlOf(Object.assign(Object.create(null), { MessageStatus: 'sent' })), null)
  t.equal(twimlOf(Object.assign(Object.create(null), { toString: '<Response/>' })), null,
    'a toString parameter is text, not a method')
})

t.test('returns null for numbers, booleans, null, undefined, symbols and functions', async (t) => {
  for (const value of [0, 200, 1n, true, false, null, undefined, Symbol('x'), () => '<Response/>']) {
    t.equal(twimlOf(value), null, String(value))
  }
})
