import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CALL_STATUSES, callbackName, MESSAGE_STATUSES } from '../../lib/families/statuses'

const facts = readFileSync(join(__dirname, '..', '..', 'docs', 'twilio-facts.md'), 'utf8')

t.test('callbackName turns every status into its camel-cased option name', async (t) => {
  t.equal(callbackName('delivered'), 'onDelivered')
  t.equal(callbackName('no-answer'), 'onNoAnswer')
  t.equal(callbackName('in-progress'), 'onInProgress')
  t.equal(callbackName('partially_delivered'), 'onPartiallyDelivered')
})

/** The first-column values of the table under `heading` in docs/twilio-facts.md. */
function documented (heading: string): string[] {
  const lines = facts.slice(facts.indexOf(heading)).split('\n')
  const table = lines.slice(lines.findIndex((l) => l.startsWith('|')))
  return table.slice(0, table.findIndex((l) => !l.startsWith('|'))).slice(2).map((l) => /^\| `([^`]+)`/.exec(l)?.[1] ?? l)
}

t.test('the plugin knows exactly the MessageStatus and CallStatus values docs/twilio-facts.md documents', async (t) => {
  t.same([...MESSAGE_STATUSES].sort(), documented('### 2.2 `MessageStatus` values').sort())
  t.same([...CALL_STATUSES].sort(), documented('### 3.1 `CallStatus` values').sort())
})
