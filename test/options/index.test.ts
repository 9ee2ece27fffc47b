import t from 'tap'
import { createStats, normalizeOptions } from '../../lib/options/index'
import { CALL_STATUSES, MESSAGE_STATUSES } from '../../lib/families/statuses'
import { MemoryStore } from '../../lib/stores/memory'
import type { StatusStore } from '../../types/index'
import type { FastifyTwilioStatusOptions } from '../../types/index'

const DAY = 24 * 60 * 60 * 1000
const noop = () => undefined

/** Options as a user may pass them from JavaScript: anything. */
function normalize (options: unknown) {
  return normalizeOptions(options as FastifyTwilioStatusOptions)
}

type Tap = Pick<typeof t, 'throws'>

/** Registering `options` fails with FST_TWILIO_INVALID_OPTION and a message matching `message`. */
function rejects (t: Tap, options: unknown, message: RegExp) {
  t.throws(() => normalize(options), { name: 'FastifyError', code: 'FST_TWILIO_INVALID_OPTION', statusCode: 500, message })
}

const base = { authToken: 'tok', sms: {} }

t.test('defaults', async (t) => {
  const config = normalize({ authToken: 'tok', sms: {}, call: {} })

  t.test('validates with the one token given, no publicUrl, a 64 KiB body limit', async (t) => {
    t.same(config.verify.tokens, ['tok'])
    t.equal(config.validate, true)
    t.equal(config.verify.publicUrl, null)
    t.equal(config.bodyLimit, 65536)
    t.equal(config.maxParams, 256)
  })

  t.test('routes sms to /twilio/sms/status and call to /twilio/call/status', async (t) => {
    t.same(config.channels.map((c) => [c.channel, c.path]), [['sms', '/twilio/sms/status'], ['call', '/twilio/call/status']])
  })

  t.test('a channel without callbacks knows its statuses and has none to call', async (t) => {
    const [sms, call] = config.channels
    t.equal(sms.byStatus.size, 0)
    t.equal(sms.onAny, undefined)
    t.equal(sms.onStale, undefined)
    t.same([...sms.known], MESSAGE_STATUSES)
    t.same([...call.known], CALL_STATUSES)
  })

  t.test('idempotency on for a day with a 60 s claim, ordering off, a memory store, 10 s deadline, 1 s store timeout', async (t) => {
    const { store, stats, ...rest } = config.delivery
    t.same(rest, { doneTtl: DAY, pendingTtl: 60_000, orderingTtl: null, deadline: 10_000, storeTimeout: 1000 })
    t.type(store, MemoryStore)
    t.same(stats, createStats())
  })

  t.test('only the channels given get a route', async (t) => {
    t.same(normalize({ authToken: 'tok', call: {} }).channels.map((c) => c.channel), ['call'])
  })
})

t.test('maps each callback option to its status, per channel', async (t) => {
  const onDelivered = () => 'd'
  const onPartiallyDelivered = () => 'p'
  const onNoAnswer = () => 'n'
  const onInProgress = () => 'i'
  const onAny = () => 'a'
  const onStale = () => 's'
  const config = normalize({
    authToken: 'tok',
    sms: { onDelivered, onPartiallyDelivered, onAny },
    call: { onNoAnswer, onInProgress, onStale, path: '/voice' }
  })
  const [sms, call] = config.channels
  t.same([...sms.byStatus.entries()], [['delivered', onDelivered], ['partially_delivered', onPartiallyDelivered]])
  t.equal(sms.onAny, onAny)
  t.same([...call.byStatus.entries()], [['in-progress', onInProgress], ['no-answer', onNoAnswer]])
  t.equal(call.onStale, onStale)
  t.equal(call.path, '/voice')
})

t.test('accepts the keys Fastify passes from register (prefix, logLevel, logSerializers)', async (t) => {
  const config = normalize({ ...base, prefix: '/api', logLevel: 'warn', logSerializers: {} })
  t.same(config.channels.map((c) => c.path), ['/twilio/sms/status'])
})

t.test('the result is frozen', async (t) => {
  const config = normalize({ authToken: ['a', 'b'], sms: {}, call: {} })
  t.ok(Object.isFrozen(config), 'config')
  t.ok(Object.isFrozen(config.verify.tokens), 'tokens')
  t.ok(Object.isFrozen(config.channels), 'channels')
  t.ok(config.channels.every((c) => Object.isFrozen(c)), 'each channel')
  t.ok(Object.isFrozen(config.delivery), 'delivery')
})

t.test('options must be an object', async (t) => {
  rejects(t, undefined, /^fastify-twilio-status: option \(options\) must be an object, got undefined/)
  rejects(t, null, /^fastify-twilio-status: option \(options\) must be an object, got null$/)
  rejects(t, [base], /option \(options\) must be an object, got an array of 1$/)
  rejects(t, 'tok', /option \(options\) must be an object, got the string "tok"$/)
})

t.test('unknown options', async (t) => {
  t.test('names the option and suggests a near one: onDelivred → onDelivered', async (t) => {
    rejects(t, { authToken: 'tok', sms: { onDelivred: noop } },
      /^fastify-twilio-status: unknown option sms\.onDelivred; did you mean onDelivered\? \(expected one of: path, onAny, onStale, onAccepted, .*onPartiallyDelivered, onReceiving, onReceived\)$/)
    rejects(t, { authToken: 'tok', call: { onNoAnswered: noop } }, /unknown option call\.onNoAnswered; did you mean onNoAnswer\?/)
  })

  t.test('suggests the right case for a top-level option', async (t) => {
    rejects(t, { authtoken: 'tok', sms: {} }, /unknown option authtoken; did you mean authToken\? \(expected one of: authToken, auth, publicUrl, validate, bodyLimit, maxParams, sms, call, idempotency, ordering, store, deadline, storeTimeout, stats, sharedKeys, requireSharedKey, webhooks, queue, reconcile, recording, transcription, realtimeTranscription, amd, conference, taskrouter, verify, debugger, eventStreams, conversations, taskrouterAssignment, prefix, logLevel, logSerializers\)$/)
    rejects(t, { ...base, publicURL: 'https://h' }, /unknown option publicURL; did you mean publicUrl\?/)
  })

  t.test('gives no suggestion when nothing is near', async (t) => {
    rejects(t, { ...base, foo: 1 }, /^fastify-twilio-status: unknown option foo \(expected one of: authToken, /)
  })

  t.test('rejects a call-only callback under sms', async (t) => {
    rejects(t, { authToken: 'tok', sms: { onRinging: noop } }, /^fastify-twilio-status: unknown option sms\.onRinging \(expected one of: path, /)
  })

  t.test('rejects an unknown key inside idempotency and ordering', async (t) => {
    rejects(t, { ...base, idempotency: { TTL: 5 } }, /unknown option idempotency\.TTL; did you mean ttl\? \(expected one of: ttl, pendingTtl\)$/)
    rejects(t, { ...base, ordering: { pendingTtl: 5 } }, /unknown option ordering\.pendingTtl \(expected one of: ttl\)$/)
  })
})

t.test('authToken', async (t) => {
  t.test('is required while validating', async (t) => {
    rejects(t, { sms: {} }, /^fastify-twilio-status: option authToken must be a non-empty string or a non-empty array of them, got undefined/)
    rejects(t, { sms: {}, validate: true }, /option authToken must be a non-empty string or a non-empty array of them/)
  })

  t.test('rejects an empty string, an empty array and other types', async (t) => {
    rejects(t, { authToken: '', sms: {} }, /option authToken must be a non-empty string, got the string ""$/)
    rejects(t, { authToken: [], sms: {} }, /option authToken must be a non-empty string or a non-empty array of them, got an array of 0$/)
    rejects(t, { authToken: 12345, sms: {} }, /option authToken must be a non-empty string or a non-empty array of them, got number 12345$/)
    rejects(t, { authToken: { primary: 'x' }, sms: {} }, /option authToken must be .*, got an object$/)
  })

  t.test('names the bad element of a token list', async (t) => {
    rejects(t, { authToken: ['good', 42], sms: {} }, /option authToken\[1\] must be a non-empty string, got number 42$/)
    rejects(t, { authToken: ['', 'good'], sms: {} }, /option authToken\[0\] must be a non-empty string, got the string ""$/)
  })

  t.test('keeps a token list in order', async (t) => {
    t.same(normalize({ authToken: ['current', 'previous'], sms: {} }).verify.tokens, ['current', 'previous'])
  })

  t.test('is not needed with validate: false, but is still checked when given', async (t) => {
    const config = normalize({ validate: false, sms: {} })
    t.equal(config.validate, false)
    t.same(config.verify.tokens, [])
    t.same(normalize({ validate: false, authToken: 'tok', sms: {} }).verify.tokens, ['tok'])
    rejects(t, { validate: false, authToken: '', sms: {} }, /option authToken must be a non-empty string, got the string ""$/)
  })
})

t.test('validate must be a boolean', async (t) => {
  rejects(t, { ...base, validate: 'false' }, /^fastify-twilio-status: option validate must be a boolean, got the string "false"$/)
  rejects(t, { ...base, validate: 0 }, /option validate must be a boolean, got number 0$/)
})

t.test('publicUrl', async (t) => {
  t.test('removes one trailing slash and keeps the rest as written', async (t) => {
    t.equal(normalize({ ...base, publicUrl: 'https://hooks.example.com/' }).verify.publicUrl, 'https://hooks.example.com')
    t.equal(normalize({ ...base, publicUrl: 'https://hooks.example.com/base/' }).verify.publicUrl, 'https://hooks.example.com/base')
    t.equal(normalize({ ...base, publicUrl: 'HTTPS://Hooks.Example.com:8443' }).verify.publicUrl, 'HTTPS://Hooks.Example.com:8443')
    t.equal(normalize({ ...base, publicUrl: 'http://[::1]:3000' }).verify.publicUrl, 'http://[::1]:3000')
  })

  t.test('must be a string', async (t) => {
    rejects(t, { ...base, publicUrl: null }, /^fastify-twilio-status: option publicUrl must be a string, got null$/)
    rejects(t, { ...base, publicUrl: new URL('https://h.example') }, /option publicUrl must be a string, got an object$/)
  })

  t.test('must be an absolute URL', async (t) => {
    rejects(t, { ...base, publicUrl: 'hooks.example.com' },
      /option publicUrl must be an absolute http\(s\) URL such as "https:\/\/hooks\.example\.com", got the string "hooks\.example\.com"$/)
    rejects(t, { ...base, publicUrl: '/twilio' }, /option publicUrl must be an absolute http\(s\) URL/)
  })

  t.test('must be http(s) without credentials, query or fragment', async (t) => {
    const expected = 'an http\\(s\\) origin or base URL without credentials, query or fragment'
    for (const url of ['ftp://h.example', 'wss://h.example', 'https://user@h.example', 'https://:secret@h.example',
      'https://h.example/?a=1', 'https://h.example/#top', 'https://h.example/?', 'https://h.example/#']) {
      rejects(t, { ...base, publicUrl: url }, new RegExp(`option publicUrl must be ${expected}, got the string ${JSON.stringify(url).replace(/[?.()/]/g, '\\$&')}$`))
    }
  })

  t.test('quotes at most 40 characters of a long value', async (t) => {
    const long = 'https://hooks.example.com/' + 'a'.repeat(40) + '?x=1'
    rejects(t, { ...base, publicUrl: long }, /, got the string "https:\/\/hooks\.example\.com\/aaaaaaaaaaaaaa…"$/)
  })
})

t.test('bodyLimit must be an integer from 1 to 2^30', async (t) => {
  t.equal(normalize({ ...base, bodyLimit: 1 }).bodyLimit, 1)
  t.equal(normalize({ ...base, bodyLimit: 2 ** 30 }).bodyLimit, 2 ** 30)
  for (const [value, given] of [[0, 'number 0'], [-1, 'number -1'], [1.5, 'number 1\\.5'], [2 ** 30 + 1, 'number 1073741825'],
    [Number.NaN, 'number NaN'], ['1024', 'the string "1024"'], [true, 'boolean true']] as const) {
    rejects(t, { ...base, bodyLimit: value }, new RegExp(`^fastify-twilio-status: option bodyLimit must be an integer from 1 to 1073741824, got ${given}$`))
  }
})

t.test('maxParams must be an integer from 1 to 100000', async (t) => {
  t.equal(normalize({ ...base, maxParams: 1 }).maxParams, 1)
  t.equal(normalize({ ...base, maxParams: 100_000 }).maxParams, 100_000)
  for (const [value, given] of [[0, 'number 0'], [100_001, 'number 100001'], [2.5, 'number 2\\.5'], ['64', 'the string "64"']] as const) {
    rejects(t, { ...base, maxParams: value }, new RegExp(`^fastify-twilio-status: option maxParams must be an integer from 1 to 100000, got ${given}$`))
  }
})

t.test('channels', async (t) => {
  t.test('at least one of sms and call is required', async (t) => {
    rejects(t, { authToken: 'tok' }, /^fastify-twilio-status: option sms\/call must be given: at least one channel/)
  })

  t.test('a channel must be an object of callbacks', async (t) => {
    rejects(t, { authToken: 'tok', sms: true }, /^fastify-twilio-status: option sms must be an object of callbacks, got boolean true$/)
    rejects(t, { authToken: 'tok', call: [noop] }, /option call must be an object of callbacks, got an array of 1$/)
    rejects(t, { authToken: 'tok', sms: null }, /option sms must be an object of callbacks, got null$/)
    rejects(t, { authToken: 'tok', sms: noop }, /option sms must be an object of callbacks, got a function$/)
  })

  t.test('a callback must be a function', async (t) => {
    rejects(t, { authToken: 'tok', sms: { onDelivered: 'handler' } }, /^fastify-twilio-status: option sms\.onDelivered must be a function, got the string "handler"$/)
    rejects(t, { authToken: 'tok', call: { onNoAnswer: {} } }, /option call\.onNoAnswer must be a function, got an object$/)
    rejects(t, { authToken: 'tok', sms: { onAny: 1 } }, /option sms\.onAny must be a function, got number 1$/)
    rejects(t, { authToken: 'tok', call: { onStale: null } }, /option call\.onStale must be a function, got null$/)
  })

  t.test('a path must start with / and hold no query, fragment or spaces', async (t) => {
    const expected = 'a path starting with "/" without query, fragment or spaces'
    for (const [path, given] of [['twilio/status', 'the string "twilio/status"'], ['', 'the string ""'], ['/a?b=1', 'the string "/a?b=1"'],
      ['/a#b', 'the string "/a#b"'], ['/a b', 'the string "/a b"'], ['/a\tb', 'the string "/a\\\\tb"'], [42, 'number 42']] as const) {
      rejects(t, { authToken: 'tok', sms: { path } },
        new RegExp(`^fastify-twilio-status: option sms\\.path must be ${expected}, got ${given.replace(/[?/]/g, '\\$&')}$`))
    }
  })

  t.test('sms and call cannot share a path', async (t) => {
    rejects(t, { authToken: 'tok', sms: { path: '/twilio' }, call: { path: '/twilio' } },
      /^fastify-twilio-status: option call\.path must be different from sms\.path, got the string "\/twilio"$/)
    rejects(t, { authToken: 'tok', sms: {}, call: { path: '/twilio/sms/status' } }, /option call\.path must be different from sms\.path/)
  })
})

t.test('idempotency', async (t) => {
  t.test('false turns it off, keeping the default claim TTL', async (t) => {
    const { doneTtl, pendingTtl } = normalize({ ...base, idempotency: false }).delivery
    t.same({ doneTtl, pendingTtl }, { doneTtl: null, pendingTtl: 60_000 })
  })

  t.test('true and an object turn it on; an object overrides only what it gives', async (t) => {
    t.equal(normalize({ ...base, idempotency: true }).delivery.doneTtl, DAY)
    const { doneTtl, pendingTtl } = normalize({ ...base, idempotency: { ttl: 3_600_000 } }).delivery
    t.same({ doneTtl, pendingTtl }, { doneTtl: 3_600_000, pendingTtl: 60_000 })
    t.equal(normalize({ ...base, idempotency: { pendingTtl: 5000 } }).delivery.pendingTtl, 5000)
  })

  t.test('must be a boolean or an object of TTLs from 1 ms to a year', async (t) => {
    rejects(t, { ...base, idempotency: 'yes' }, /^fastify-twilio-status: option idempotency must be a boolean or an object, got the string "yes"$/)
    rejects(t, { ...base, idempotency: null }, /option idempotency must be a boolean or an object, got null$/)
    rejects(t, { ...base, idempotency: [] }, /option idempotency must be a boolean or an object, got an array of 0$/)
    rejects(t, { ...base, idempotency: { ttl: 0 } }, /option idempotency\.ttl must be an integer from 1 to 31536000000, got number 0$/)
    rejects(t, { ...base, idempotency: { pendingTtl: 365 * DAY + 1 } }, /option idempotency\.pendingTtl must be an integer from 1 to 31536000000, got number 31536000001$/)
  })
})

t.test('ordering', async (t) => {
  t.test('true turns it on for a day; an object sets the TTL', async (t) => {
    t.equal(normalize({ ...base, ordering: true }).delivery.orderingTtl, DAY)
    t.equal(normalize({ ...base, ordering: {} }).delivery.orderingTtl, DAY)
    t.equal(normalize({ ...base, ordering: { ttl: 1000 } }).delivery.orderingTtl, 1000)
    t.equal(normalize({ ...base, ordering: false }).delivery.orderingTtl, null)
  })

  t.test('must be a boolean or an object', async (t) => {
    rejects(t, { ...base, ordering: 1 }, /^fastify-twilio-status: option ordering must be a boolean or an object, got number 1$/)
    rejects(t, { ...base, ordering: { ttl: '1000' } }, /option ordering\.ttl must be an integer from 1 to 31536000000, got the string "1000"$/)
  })
})

t.test('deadline and storeTimeout', async (t) => {
  t.test('accept their bounds', async (t) => {
    t.same(normalize({ ...base, deadline: 100, storeTimeout: 10 }).delivery.deadline, 100)
    const { deadline, storeTimeout } = normalize({ ...base, deadline: 14_000, storeTimeout: 10_000 }).delivery
    t.same({ deadline, storeTimeout }, { deadline: 14_000, storeTimeout: 10_000 })
  })

  t.test('reject a deadline outside 100–14000 ms (Twilio gives up at 15 s)', async (t) => {
    rejects(t, { ...base, deadline: 99 }, /^fastify-twilio-status: option deadline must be an integer from 100 to 14000, got number 99$/)
    rejects(t, { ...base, deadline: 15_000 }, /option deadline must be an integer from 100 to 14000, got number 15000$/)
  })

  t.test('reject a storeTimeout outside 10–10000 ms', async (t) => {
    rejects(t, { ...base, storeTimeout: 9 }, /^fastify-twilio-status: option storeTimeout must be an integer from 10 to 10000, got number 9$/)
    rejects(t, { ...base, storeTimeout: 500.5 }, /option storeTimeout must be an integer from 10 to 10000, got number 500\.5$/)
  })
})

t.test('store', async (t) => {
  t.test('takes any object with claim, complete, release and advance', async (t) => {
    const store: StatusStore = { claim: () => ({ state: 'claimed' }), complete: noop, release: noop, advance: () => true }
    t.equal(normalize({ ...base, store }).delivery.store, store)
  })

  t.test('names the missing methods', async (t) => {
    rejects(t, { ...base, store: { claim: noop, complete: noop } },
      /^fastify-twilio-status: option store must be a store with claim, complete, release, advance methods \(missing release, advance\), got an object$/)
    rejects(t, { ...base, store: { claim: noop, complete: noop, release: noop, advance: true } }, /\(missing advance\), got an object$/)
    rejects(t, { ...base, store: null }, /\(missing claim, complete, release, advance\), got null$/)
    rejects(t, { ...base, store: 'redis' }, /\(missing claim, complete, release, advance\), got the string "redis"$/)
  })
})

t.test('stats', async (t) => {
  t.test('keeps the object given, to update it in place', async (t) => {
    const stats = createStats()
    t.equal(normalize({ ...base, stats }).delivery.stats, stats)
  })

  t.test('must be an object made by createStats()', async (t) => {
    rejects(t, { ...base, stats: {} }, /^fastify-twilio-status: option stats must be an object made by createStats\(\), got an object$/)
    rejects(t, { ...base, stats: { ...createStats(), duplicates: '0' } }, /option stats must be an object made by createStats\(\), got an object$/)
    rejects(t, { ...base, stats: [] }, /option stats must be an object made by createStats\(\), got an array of 0$/)
    rejects(t, { ...base, stats: 0 }, /option stats must be an object made by createStats\(\), got number 0$/)
  })
})

t.test('the caller\'s token list is copied, so freezing the config leaves it writable', async (t) => {
  const tokens = ['current', 'previous']
  const config = normalizeOptions({ authToken: tokens, sms: {} })
  t.not(config.verify.tokens, tokens)
  t.notOk(Object.isFrozen(tokens))
  tokens.push('next')
  t.same(config.verify.tokens, ['current', 'previous'])
})

t.test('sharedKeys, requireSharedKey and an authToken lookup', async (t) => {
  t.test('sharedKeys are kept by id; without an authToken they are enough', async (t) => {
    const config = normalize({ sharedKeys: { k1: 's1', k2: 's2' }, sms: {} })
    t.same([...config.verify.sharedKeys], [['k1', 's1'], ['k2', 's2']])
    t.same(config.verify.tokens, [])
    t.equal(config.verify.requireSharedKey, false)
  })

  t.test('sharedKeys must be an object of non-empty strings', async (t) => {
    rejects(t, { ...base, sharedKeys: ['s1'] }, /option sharedKeys must be an object of SharedKey secrets by key id/)
    rejects(t, { ...base, sharedKeys: { k1: '' } }, /option sharedKeys\.k1 must be a non-empty string, got the string ""$/)
    rejects(t, { ...base, sharedKeys: { k1: 7 } }, /option sharedKeys\.k1 must be a non-empty string, got number 7$/)
  })

  t.test('requireSharedKey is a boolean and needs sharedKeys', async (t) => {
    t.equal(normalize({ sharedKeys: { k: 's' }, requireSharedKey: true, sms: {} }).verify.requireSharedKey, true)
    rejects(t, { ...base, requireSharedKey: 'yes' }, /option requireSharedKey must be a boolean, got the string "yes"$/)
    rejects(t, { ...base, requireSharedKey: true }, /option sharedKeys must be given when requireSharedKey is true, got undefined$/)
  })

  t.test('authToken may be a lookup function, kept as given', async (t) => {
    const lookup = (): string => 'tok'
    const config = normalize({ authToken: lookup, sms: {} })
    t.equal(config.verify.tokenLookup, lookup)
    t.same(config.verify.tokens, [])
  })
})

t.test('createStats starts every counter at zero', async (t) => {
  t.strictSame(createStats(), { dispatched: 0, duplicates: 0, stale: 0, inProgress: 0, deadlines: 0, storeErrors: 0 })
})

t.test('createStats: each call makes a separate, writable object', async (t) => {
  const a = createStats()
  const b = createStats()
  t.not(a, b)
  a.duplicates++
  t.equal(a.duplicates, 1)
  t.equal(b.duplicates, 0)
  t.notOk(Object.isFrozen(a), 'the plugin updates it in place')
})
