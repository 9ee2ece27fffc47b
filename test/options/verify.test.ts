/** The `auth` option (lib/options/verify.ts): its shapes, defaults and refusals, never echoing a secret. */
import t from 'tap'
import { normalizeVerifyOptions } from '../../lib/options/verify'

const users = [{ username: 'twilio', password: 's3cret-pass' }]

type Tap = Pick<typeof t, 'throws'>

function rejects (t: Tap, options: Record<string, unknown>, message: RegExp) {
  t.throws(() => normalizeVerifyOptions(options, true), { code: 'FST_TWILIO_INVALID_OPTION', message })
}

t.test('without auth: null', async (t) => {
  t.equal(normalizeVerifyOptions({ authToken: 'tok' }, true).auth, null)
})

t.test('each scheme: its users alone or an object, with defaults', async (t) => {
  const verify = async () => true
  const config = normalizeVerifyOptions({ auth: { basic: users, digest: users, bearer: ['tok-1', 'tok-2'] } }, true)
  t.same(config.auth, {
    basic: { realm: 'twilio', users },
    digest: { realm: 'twilio', users, algorithms: ['SHA-256', 'MD5'], nonceTtl: 300_000 },
    bearer: { tokens: ['tok-1', 'tok-2'], verify: null }
  })
  t.ok(Object.isFrozen(config.auth) && Object.isFrozen(config.auth?.basic?.users[0]))
  t.same(config.tokens, [], 'auth alone: no Auth Token needed, no signature checked')
  const full = normalizeVerifyOptions({
    authToken: 'tok',
    auth: {
      basic: { users, realm: 'hooks' },
      digest: { users, realm: 'digest', algorithms: ['MD5'], nonceTtl: 60_000 },
      bearer: { verify }
    }
  }, true)
  t.same(full.auth, {
    basic: { realm: 'hooks', users },
    digest: { realm: 'digest', users, algorithms: ['MD5'], nonceTtl: 60_000 },
    bearer: { tokens: [], verify }
  })
  t.same(full.tokens, ['tok'], 'beside an Auth Token: both checked')
})

t.test('refusals name the option and never a secret', async (t) => {
  rejects(t, { auth: 'basic' }, /option auth must be an object \{ basic\?, digest\?, bearer\? \}/)
  rejects(t, { auth: {} }, /option auth must be given basic, digest or bearer/)
  rejects(t, { auth: { basci: users } }, /unknown option auth\.basci; did you mean basic\?/)
  rejects(t, { auth: { basic: [] } }, /option auth\.basic\.users must be a non-empty array of \{ username, password \}/)
  rejects(t, { auth: { basic: 'u:p' } }, /option auth\.basic must be an array of \{ username, password \} or an object/)
  rejects(t, { auth: { basic: { users, realm: '' } } }, /option auth\.basic\.realm must be a non-empty string/)
  rejects(t, { auth: { basic: { users, ream: 'x' } } }, /unknown option auth\.basic\.ream; did you mean realm\?/)
  rejects(t, { auth: { basic: ['u'] } }, /option auth\.basic\.users\[0\] must be an object \{ username, password \}/)
  rejects(t, { auth: { basic: [{ username: 'u', password: 'p', role: 'x' }] } }, /unknown option auth\.basic\.users\[0\]\.role/)
  rejects(t, { auth: { basic: [{ username: '', password: 'p' }] } }, /option auth\.basic\.users\[0\]\.username must be a non-empty string/)
  rejects(t, { auth: { basic: [{ username: 'twilio:s3cret-pass', password: 'p' }] } }, /^fastify-twilio-status: option auth\.basic\.users\[0\]\.username must not contain ":"$/)
  rejects(t, { auth: { basic: [{ username: 'u', password: '' }] } }, /option auth\.basic\.users\[0\]\.password must be a non-empty string, got an empty string$/)
  rejects(t, { auth: { basic: [{ username: 'u', password: 123456 }] } }, /password must be a non-empty string, got number$/)
  rejects(t, { auth: { basic: [{ username: 'u', password: null }] } }, /password must be a non-empty string, got null$/)
  rejects(t, { auth: { digest: { users, algorithms: ['SHA-512'] } } }, /option auth\.digest\.algorithms must be a non-empty array of distinct 'SHA-256' and 'MD5'/)
  rejects(t, { auth: { digest: { users, algorithms: [] } } }, /auth\.digest\.algorithms/)
  rejects(t, { auth: { digest: { users, algorithms: ['MD5', 'MD5'] } } }, /auth\.digest\.algorithms/)
  rejects(t, { auth: { digest: { users, algorithms: 'MD5' } } }, /auth\.digest\.algorithms/)
  rejects(t, { auth: { digest: { users, nonceTtl: 10 } } }, /option auth\.digest\.nonceTtl must be an integer from 1000 to 86400000/)
  rejects(t, { auth: { bearer: 'tok' } }, /option auth\.bearer must be an array of tokens or an object \{ tokens, verify \}/)
  rejects(t, { auth: { bearer: {} } }, /option auth\.bearer must be given tokens or a verify function/)
  rejects(t, { auth: { bearer: { tokens: 'tok' } } }, /option auth\.bearer\.tokens must be an array of strings/)
  rejects(t, { auth: { bearer: [''] } }, /option auth\.bearer\.tokens\[0\] must be a non-empty string, got an empty string$/)
  rejects(t, { auth: { bearer: [42] } }, /option auth\.bearer\.tokens\[0\] must be a non-empty string, got number$/)
  rejects(t, { auth: { bearer: { verify: true } } }, /option auth\.bearer\.verify must be a function/)
  rejects(t, { auth: { bearer: { tokens: ['t'], extra: 1 } } }, /unknown option auth\.bearer\.extra/)
  t.throws(() => normalizeVerifyOptions({ auth: { basic: users } }, false), { message: /option auth must be left out with validate: false, which checks nothing/ })
})
