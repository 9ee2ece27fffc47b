/** `jsonParam`: JSON text parameters, parsed once per event and name. */
import t from 'tap'
import { jsonParam } from '../../lib/dispatch/json-param'

t.test('parses once: the same value for the same event and name, the text untouched', async (t) => {
  const event = { Attributes: '{"a":[1,2]}', Media: '[{"Sid":"ME1"}]' }
  const attributes = jsonParam(event, 'Attributes')
  t.same(attributes, { a: [1, 2] })
  t.equal(jsonParam(event, 'Attributes'), attributes)
  t.same(jsonParam(event, 'Media'), [{ Sid: 'ME1' }])
  t.equal(event.Attributes, '{"a":[1,2]}')
  t.not(jsonParam({ ...event }, 'Attributes'), attributes, 'another event parses its own')
})

t.test('undefined when absent, repeated or not JSON (the docs\' single-quoted WorkerAttributes)', async (t) => {
  const event = { WorkerAttributes: "{ 'agent_id':'123456' }", Repeated: ['{}', '{}'] }
  t.equal(jsonParam(event, 'WorkerAttributes'), undefined)
  t.equal(jsonParam(event, 'WorkerAttributes'), undefined, 'remembered too')
  t.equal(jsonParam(event, 'Repeated'), undefined)
  t.equal(jsonParam(event, 'Missing'), undefined)
})
