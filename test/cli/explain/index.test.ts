/** `explain` as a command, in-process: captures, flags, tokens, exit codes, and what the real curl printed. */
import t from 'tap'
import { OTHER_TOKEN, sha256, TOKEN } from '../../helpers/sign'
import { curl, tlsSink } from '../../helpers/curl'
import { cli } from '../helpers'
import { form, PARAMS, PATH, sign } from './helpers'

t.test('explain, the command', async (t) => {
  const url = `https://hooks.example.com${PATH}`
  const signature = sign(url)
  const body = form(PARAMS)
  const raw = (host: string, extra = ''): string =>
    `POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: ${signature}\r\n${extra}\r\n${body}\n`

  t.test('a raw capture from a tunnel: X-Forwarded-Proto says https', async (t) => {
    const ran = await cli(['explain', '--file', 'req.txt'], { files: { 'req.txt': raw('hooks.example.com', 'X-Forwarded-Proto: https\r\n') } })
    t.equal(ran.code, 1)
    t.match(ran.stdout, /What differs:\n {2}scheme {2}the app had http; Twilio signed https/)
    t.notOk(ran.stdout.includes(TOKEN))
  })

  t.test('the warn log\'s URL beside a capture of what Twilio sent: the capture\'s host and path are hints', async (t) => {
    const prefixed = `POST /api${PATH} HTTP/1.1\nHost: hooks.example.com:8443\nX-Twilio-Signature: ${sign(`https://hooks.example.com:8443/api${PATH}`)}\n\n${body}`
    const ran = await cli(['explain', '-f', 'req.txt', '--url', `http://127.0.0.1:3000${PATH}`, '--header', 'X-Forwarded-Proto: https'], { files: { 'req.txt': prefixed } })
    t.equal(ran.code, 1)
    t.match(ran.stdout, /scheme[\s\S]*host {4}the app had 127\.0\.0\.1; Twilio signed hooks\.example\.com[\s\S]*prefix/)
    t.match(ran.stdout, /publicUrl: 'https:\/\/hooks\.example\.com:8443\/api'/)
  })

  t.test('the capture\'s host without a port, the same host, a header that already names the host', async (t) => {
    const capture = `POST ${PATH} HTTP/1.1\nHost: hooks.example.com\nX-Twilio-Signature: ${signature}\n\n${body}`
    const other = await cli(['explain', '-f', 'r.txt', '--url', `https://10.0.0.7${PATH}`], { files: { 'r.txt': capture } })
    t.match(other.stdout, /host {2}the app had 10\.0\.0\.7; Twilio signed hooks\.example\.com/)
    const same = await cli(['explain', '-f', 'r.txt', '--url', `https://hooks.example.com${PATH}`], { files: { 'r.txt': capture } })
    t.equal(same.code, 0, 'the capture\'s own URL, but https')
    const named = await cli(['explain', '-f', 'r.txt', '--url', `https://10.0.0.7${PATH}`, '--header', 'X-Forwarded-Host: proxy.example.com'], { files: { 'r.txt': capture } })
    t.equal(named.code, 1, 'X-Forwarded-Host wins over the capture\'s Host, and is not what Twilio signed')
  })

  t.test('the plugin\'s warn line as the file, with the request from flags', async (t) => {
    const line = JSON.stringify({ level: 40, reason: 'mismatch', urls: [url, `https://hooks.example.com:443${PATH}`], msg: 'fastify-twilio-status: signature rejected' })
    const ran = await cli(['explain', '-f', 'log.json', '--signature', signature, ...Object.entries(PARAMS).flatMap(([k, v]) => ['--param', `${k}=${v}`])], { files: { 'log.json': line } })
    t.equal(ran.code, 0)
    t.match(ran.stdout, /^✓ Verifies/)
  })

  t.test('a JSON capture with its own publicUrl; Fastify\'s req log', async (t) => {
    const capture = JSON.stringify({ req: { method: 'POST', url: PATH, host: 'app.internal' }, headers: { 'X-Twilio-Signature': signature }, body, publicUrl: 'https://hooks.example.com' })
    const ran = await cli(['explain', '-f', '-'], { files: { '-': capture } })
    t.equal(ran.code, 1)
    t.match(ran.stdout, /host {4}the app had app\.internal; Twilio signed hooks\.example\.com/)
    t.equal(ran.stderr, '')
  })

  t.test('a token written in the capture is never used: the user\'s own token decides', async (t) => {
    // Forged: signed with a token of the forger's choosing, which the capture names.
    const forged = { url, headers: { 'X-Twilio-Signature': sign(url, PARAMS, OTHER_TOKEN) }, body }
    for (const field of ['token', 'tokens', 'authToken']) {
      const capture = JSON.stringify({ ...forged, [field]: field === 'tokens' ? [OTHER_TOKEN] : OTHER_TOKEN })
      const ran = await cli(['explain', '-f', 'c.json'], { files: { 'c.json': capture } })
      t.equal(ran.code, 1, `${field}: TWILIO_AUTH_TOKEN wins`)
      t.match(ran.stdout, /^✗ Does not verify/)
      t.equal(ran.stderr, 'fastify-twilio-status: the capture\'s token is ignored: explain verifies with --token or TWILIO_AUTH_TOKEN only\n')
      const flag = await cli(['explain', '-f', 'c.json', '--token', TOKEN], { env: {}, files: { 'c.json': capture } })
      t.equal(flag.code, 1, `${field}: --token wins`)
      const none = await cli(['explain', '-f', 'c.json'], { env: {}, files: { 'c.json': capture } })
      t.equal(none.code, 2, `${field}: no token of the user's, none used`)
      t.match(none.stderr, /needs the token\(s\) to try: --token \(repeatable\) or TWILIO_AUTH_TOKEN; they are never printed \(a token written in the capture is never used: whoever wrote the capture chose it\)/)
      t.notOk(ran.stdout.includes(OTHER_TOKEN) || none.stderr.includes(OTHER_TOKEN), 'never printed either')
    }
    const genuine = await cli(['explain', '-f', 'c.json'], { files: { 'c.json': JSON.stringify({ url, headers: { 'X-Twilio-Signature': signature }, body, token: OTHER_TOKEN }) } })
    t.equal(genuine.code, 0, 'a genuine capture verifies with the user\'s token, whatever token it names')
  })

  t.test('--max-params: the app\'s maxParams', async (t) => {
    const many = Array.from({ length: 300 }, (_, i) => `P${i}=v`).join('&')
    const capture = `POST ${PATH} HTTP/1.1\nHost: hooks.example.com\nX-Twilio-Signature: ${signature}\n\n${many}`
    const refused = await cli(['explain', '-f', 'r.txt'], { files: { 'r.txt': capture } })
    t.equal(refused.code, 1)
    t.match(refused.stdout, /it has more parameters than the app's maxParams[\s\S]*300 parameters, more than maxParams \(256\)/)
    const read = await cli(['explain', '-f', 'r.txt', '--max-params', '300'], { files: { 'r.txt': capture } })
    t.equal(read.code, 1)
    t.match(read.stdout, /no token given signs this URL and these parameters/)
    for (const bad of ['0', '100001', 'many']) {
      const ran = await cli(['explain', '-f', 'r.txt', '--max-params', bad], { files: { 'r.txt': capture } })
      t.match(ran, { code: 2, stderr: /--max-params takes a whole number from 1 to 100000/ }, bad)
    }
  })

  t.test('--body-file, GET and JSON methods, content types', async (t) => {
    const fromFile = await cli(['explain', '--url', url, '--signature', signature, '--body-file', 'body.txt'], { files: { 'body.txt': body } })
    t.equal(fromFile.code, 0)
    const getUrl = `${url}?${body}`
    const get = await cli(['explain', '--url', getUrl, '--signature', sign(getUrl, null), '--method', 'get', '--body', 'ignored'])
    t.equal(get.code, 0, 'a GET\'s body is not signed')
    const json = '{"a":1}'
    const jsonUrl = `${url}?bodySHA256=${sha256(json)}`
    for (const extra of [['--method', 'JSON'], ['--header', 'Content-Type: application/json'], []]) {
      const ran = await cli(['explain', '--url', jsonUrl, '--signature', sign(jsonUrl, null), '--body', json, ...extra])
      t.equal(ran.code, 0, `JSON with ${extra.join(' ') || 'a body that looks like JSON'}`)
    }
    const captured = await cli(['explain', '-f', 'get.txt', '--token', TOKEN], { env: {}, files: { 'get.txt': `GET ${getUrl} HTTP/1.1\nX-Twilio-Signature: ${sign(getUrl, null)}\n` } })
    t.equal(captured.code, 0, 'an absolute request target, a GET')
  })

  t.test('usage errors', async (t) => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['explain'], /needs the URL the app checked/],
      [['explain', 'x'], /unexpected "x"/],
      [['explain', '--url', url, '--header', 'nocolon'], /--header takes 'Name: value'/],
      [['explain', '-f', 'put.txt'], /method is PUT/, { 'put.txt': `PUT ${PATH} HTTP/1.1\nHost: h\n\n` }],
      [['explain', '-f', 'nohost.txt'], /needs the URL/, { 'nohost.txt': `POST ${PATH} HTTP/1.1\n\n` }],
      [['explain', '--url', url, '--method', 'PUT'], /--method is POST, GET or JSON/]
    ]
    for (const [argv, message, files] of cases) {
      const ran = await cli(argv, { files })
      t.equal(ran.code, 2, argv.join(' '))
      t.match(ran.stderr, message)
    }
    const noToken = await cli(['explain', '--url', url], { env: {} })
    t.equal(noToken.code, 2)
    t.match(noToken.stderr, /needs the token\(s\).*never printed/)
  })

  t.test('--help, colour and --no-color', async (t) => {
    const help = await cli(['explain', '--help'])
    t.equal(help.code, 0)
    t.match(help.stdout, /^Usage: fastify-twilio-status explain/)
    const coloured = await cli(['explain', '--url', url, '--signature', signature, '--body', body], { color: true })
    t.ok(coloured.stdout.startsWith('\u001b[32m✓ Verifies'), 'green on a terminal')
    const plain = await cli(['explain', '--url', url, '--signature', signature, '--body', body, '--no-color'], { color: true })
    t.notOk(plain.stdout.includes('\u001b['))
  })
})

t.test('explain on what the real curl printed: -v leaves the body out and explain says so, not that the token is wrong; a trace verifies', async (t) => {
  const tls = await tlsSink(t)
  const url = `https://hooks.example.com${PATH}`
  const body = form(PARAMS)
  // curl calls the test server and writes the Host Twilio called: the capture reads https://hooks.example.com/….
  const to = (path: string, signature: string): string[] => ['-s', '-k', '-o', '/dev/null', `https://localhost:${tls.port}${path}`, '-H', 'Host: hooks.example.com', '-H', `X-Twilio-Signature: ${signature}`]
  const verbose = (await curl(['-v', ...to(PATH, sign(url)), '--data-binary', body])).stderr
  const files = { 'v.txt': verbose, 'body.txt': body, 'unsigned.txt': verbose.replace(/^> X-Twilio-Signature: .*\r\n/im, '') }

  const bare = await cli(['explain', '-f', 'v.txt'], { files })
  t.equal(bare.code, 2)
  t.equal(bare.stdout, '')
  t.equal(bare.stderr, `fastify-twilio-status: the capture has no body, but the request had one (Content-Length: ${body.length}): curl -v does not print the body it sends. ` +
    'Give the body with --body-file FILE or --body TEXT, or capture the request with curl --trace-ascii -, which prints the body as sent\nRun "fastify-twilio-status --help" for usage.\n')
  t.notMatch(bare.stderr, /token/)
  for (const given of [['--body-file', 'body.txt'], ['--body', body], Object.entries(PARAMS).flatMap(([k, v]) => ['--param', `${k}=${v}`])]) {
    const ran = await cli(['explain', '-f', 'v.txt', ...given], { files })
    t.equal(ran.code, 0, given[0])
    t.equal(ran.stdout, `✓ Verifies with --token #1, as ${url}\n`)
  }
  const unsigned = await cli(['explain', '-f', 'unsigned.txt'], { files })
  t.equal(unsigned.code, 1, 'no signature: that is the cause, whatever the body')
  t.match(unsigned.stdout, /no signature[\s\S]*There is no X-Twilio-Signature header/)
  const get = await cli(['explain', '-f', 'v.txt', '--method', 'GET'], { files })
  t.equal(get.code, 1, 'a GET has no body to miss')
  t.notMatch(get.stderr, /no body/)

  // A JSON body, in --trace-ascii: a line break is shown as ".", so it no longer hashes as sent.
  const plain = '{"MessageStatus":"delivered","Url":"https://a.example.com/x.png"}'
  const broken = '{\n"MessageStatus":"delivered"}'
  for (const [json, verifies] of [[plain, true], [broken, false]] as const) {
    const path = `${PATH}?bodySHA256=${sha256(json)}`
    const trace = (await curl(['--trace-ascii', '-', ...to(path, sign(`https://hooks.example.com${path}`, null)), '-H', 'Content-Type: application/json', '--data-binary', json])).stdout
    const ran = await cli(['explain', '-f', 't.txt'], { files: { 't.txt': trace } })
    t.equal(ran.code, verifies ? 0 : 1, json)
    t.equal(ran.stderr, verifies
      ? ''
      : 'fastify-twilio-status: curl --trace-ascii writes a line break or a byte outside ASCII as ".", and the body is read as written: if it held one, give the body with --body-file, or capture with curl --trace - (hex), which is read byte for byte\n',
    verifies ? 'dots that are dots: nothing to say' : 'said when it does not verify')
    if (!verifies) t.equal((await cli(['explain', '-f', 't.txt', '--body', broken], { files: { 't.txt': trace } })).code, 0, 'the body given verifies')
  }
})
