/** `parseJsonParams`: a family's JSON texts parsed once into `event.parsed`, never refused. */
import t from 'tap'
import { parseJsonParams } from '../../lib/families/json'

type Parsed = Record<string, unknown>
const parsedOf = (event: object): Parsed => (event as { parsed: Parsed }).parsed

t.test('parses each text by its shape into a frozen, non-enumerable parsed; the texts untouched', async (t) => {
  const event: Record<string, unknown> = { Attributes: '{"a":[1,2]}', Media: '[{"Sid":"ME1"}]' }
  t.same(parseJsonParams(event, { Attributes: 'object', Media: 'objects' }), [])
  t.same(parsedOf(event).Attributes, { a: [1, 2] })
  t.same(parsedOf(event).Media, [{ Sid: 'ME1' }])
  t.equal(parsedOf(event), parsedOf(event), 'parsed once: the same object on every access')
  t.ok(Object.isFrozen(parsedOf(event)))
  t.equal(event.Attributes, '{"a":[1,2]}')
  t.same(Object.keys(event), ['Attributes', 'Media'], 'not a parameter')
  const other = { ...event }
  parseJsonParams(other, { Attributes: 'object' })
  t.not(parsedOf(other).Attributes, parsedOf(event).Attributes, 'another event parses its own')
})

t.test('a text that is not JSON of its shape is left out and named; an absent, empty or repeated one is left out unnamed', async (t) => {
  // The docs' own single-quoted WorkerAttributes (§18.1), JSON of another shape, a truncated text.
  const event: Record<string, unknown> = {
    WorkerAttributes: "{ 'agent_id':'123456' }",
    TaskAttributes: '[1,2]',
    Payload: 'null',
    Media: '[{"Sid":"ME1"},2]',
    Attributes: '{"a":',
    Empty: '',
    Repeated: ['{}', '{}']
  }
  const shapes = { WorkerAttributes: 'object', TaskAttributes: 'object', Payload: 'object', Media: 'objects', Attributes: 'object', Empty: 'object', Repeated: 'object', Missing: 'object' } as const
  t.same(parseJsonParams(event, shapes), ['WorkerAttributes', 'TaskAttributes', 'Payload', 'Media', 'Attributes'])
  t.same(Object.keys(parsedOf(event)), [])
  t.same(parseJsonParams({ Media: '{"Sid":"ME1"}' }, { Media: 'objects' }), ['Media'], 'an object is no list')
})
