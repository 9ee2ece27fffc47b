import t from 'tap'
import { accountSidOf, jsonObjectOf } from '../../lib/families/account'
import { parseForm } from '../../lib/verify/form'

const A = 'AC' + 'a'.repeat(32)
const B = 'AC' + 'b'.repeat(32)

t.test('the parameters\' AccountSid first, whatever the query names', async (t) => {
  t.equal(accountSidOf({ AccountSid: A }, `/x?AccountSid=${B}`), A)
  t.equal(accountSidOf(parseForm(`AccountSid=${A}`), '/x'), A, 'prototype-free parameters')
  t.equal(accountSidOf({ AccountSid: '' }, `/x?AccountSid=${B}`), '', 'an empty one is named')
})

t.test('parameters that name an AccountSid that is not text name no account, and the query is not read', async (t) => {
  for (const named of [[A, B], 42, { AccountSid: A }, false]) {
    t.equal(accountSidOf({ AccountSid: named }, `/x?AccountSid=${B}`), undefined, JSON.stringify(named))
  }
})

t.test('no parameters, none named, or null: the signed query\'s AccountSid (an Event Streams sink URL)', async (t) => {
  const target = `/twilio/event-streams?AccountSid=${A}&bodySHA256=abc`
  for (const params of [null, {}, { MessageSid: 'SM1' }, { AccountSid: null }, { AccountSid: undefined }]) {
    t.equal(accountSidOf(params, target), A, JSON.stringify(params))
  }
  t.equal(accountSidOf(null, '/x'), undefined, 'no query')
  t.equal(accountSidOf(null, '/x?a=1&b=2'), undefined, 'a query that names none')
})

t.test('own keys only: a JSON __proto__ or an inherited AccountSid names no account', async (t) => {
  t.equal(accountSidOf(JSON.parse(`{"__proto__":{"AccountSid":"${B}"}}`) as Record<string, unknown>, `/x?AccountSid=${A}`), A)
  t.equal(accountSidOf(Object.create({ AccountSid: B }) as Record<string, unknown>, `/x?AccountSid=${A}`), A)
})

t.test('the query is decoded as the plugin\'s form parser decodes a GET\'s', async (t) => {
  const cases: ReadonlyArray<readonly [string, string | undefined, string]> = [
    [`?AccountSid=${A}`, A, 'alone'],
    [`?x=1&&AccountSid=${A}&`, A, 'among others, with empty pieces'],
    [`?Account%53id=${A}`, A, 'an escaped name'],
    ['?AccountSid=AC%31+x', 'AC1 x', 'escapes and + in the value'],
    ['?AccountSid', '', 'a name without a value'],
    ['?AccountSid=', '', 'an empty value'],
    ['?AccountSid=%E0', undefined, 'a value that cannot be decoded'],
    [`?%E0=1&AccountSid=${A}`, A, 'another name that cannot be decoded is not the AccountSid'],
    [`?AccountSid=${A}&AccountSid=${A}`, undefined, 'named twice, even alike'],
    [`?AccountSid=&AccountSid=${A}`, undefined, 'named twice, the first empty'],
    [`?accountsid=${A}`, undefined, 'names are case-sensitive'],
    [`?AccountSidX=${A}`, undefined, 'another name']
  ]
  for (const [query, expected, name] of cases) t.equal(accountSidOf(null, '/x' + query), expected, name)
})

t.test('jsonObjectOf: a JSON body\'s top-level object, or null', async (t) => {
  t.same(jsonObjectOf(`{"AccountSid":"${A}"}`), { AccountSid: A })
  for (const raw of ['[]', '[{"AccountSid":"AC1"}]', 'null', '"AC1"', '3', 'not json', '']) t.equal(jsonObjectOf(raw), null, raw)
})
