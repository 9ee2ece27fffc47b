/** TaskRouter's assignment callback as data: what an instruction may hold (docs/twilio-facts.md §18). */
import t from 'tap'
import { assignmentAnswer, INSTRUCTIONS, taskrouterAssignment } from '../../lib/families/taskrouter-assignment'
import { callbackNameIn, decisionOf } from '../../lib/families/index'

t.test('every request is an assignment, answered by onAssignment', async (t) => {
  t.equal(callbackNameIn('taskrouterAssignment', 'assignment'), 'onAssignment')
  t.equal(decisionOf('taskrouterAssignment', 'assignment'), taskrouterAssignment.decision)
  t.equal(taskrouterAssignment.decision.fallback, null, 'a failure is no 200: TaskRouter calls the fallback URL')
})

t.test('decide later: undefined and {} are 200 {}', async (t) => {
  t.same(assignmentAnswer(undefined), { statusCode: 200, body: '{}' })
  t.same(assignmentAnswer({}), { statusCode: 200, body: '{}' })
  t.same(assignmentAnswer(Object.create(null)), { statusCode: 200, body: '{}' })
})

t.test('each instruction with all its keys is answered as given', async (t) => {
  const sample = { string: 'x', number: 5, boolean: true }
  for (const [instruction, { keys }] of Object.entries(INSTRUCTIONS)) {
    const answer = { instruction, ...Object.fromEntries(Object.entries(keys).map(([key, kind]) => [key, sample[kind]])) }
    t.same(assignmentAnswer(answer), { statusCode: 200, body: JSON.stringify(answer) }, instruction)
  }
})

t.test('refused: no instruction, an unknown one, an undocumented key, a wrong type, a missing required key, not an object', async (t) => {
  t.throws(() => assignmentAnswer({ activity_sid: 'WA1' }), /unknown assignment instruction undefined/)
  t.throws(() => assignmentAnswer({ instruction: 'toString' }), /unknown assignment instruction toString/)
  t.throws(() => assignmentAnswer({ instruction: 'accept', activity_sid: 'WA1' }), /accept has no key activity_sid/)
  t.throws(() => assignmentAnswer({ instruction: 'dequeue', timeout: '30' }), /timeout must be a number/)
  t.throws(() => assignmentAnswer({ instruction: 'redirect', url: 'https://example.com' }), /redirect needs call_sid/)
  t.throws(() => assignmentAnswer('accept'), /got string/)
  t.throws(() => assignmentAnswer([{ instruction: 'accept' }]), TypeError)
})
