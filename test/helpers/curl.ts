/**
 * The real curl binary, for captures as a user makes them (`curl -v`, `--trace-ascii -`,
 * `--trace -`), and servers on 127.0.0.1 for it to call: plain HTTP, TLS with HTTP/2 (a
 * certificate made by openssl for the test), and a proxy that tunnels CONNECT. No curl is a
 * failure, never a skip.
 */
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

interface Teardown { teardown (fn: () => unknown): void }

export interface Ran {
  readonly stdout: string
  readonly stderr: string
}

/** Run curl with `args`; stdout and stderr as text, whatever curl's exit status. */
export async function curl (args: readonly string[]): Promise<Ran> {
  try {
    return await run('curl', [...args], { encoding: 'utf8' })
  } catch (err) {
    const failed = err as NodeJS.ErrnoException & Partial<Ran>
    if (failed.code === 'ENOENT') throw new Error('these tests run the real curl binary: install curl (apt-get install curl)')
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

export interface Sink {
  /** `http://127.0.0.1:PORT` or `https://localhost:PORT`. */
  readonly origin: string
  readonly port: number
  /** The raw bodies received, in order. */
  readonly bodies: Buffer[]
}

type Handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void

/** Keeps each body and answers 403, or a redirect to `/moved` for a path under `/redirect`. */
function handler (bodies: Buffer[]): Handler {
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks))
      if (req.url?.startsWith('/redirect') === true) res.writeHead(307, { location: '/moved' }).end()
      else res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden')
    })
  }
}

async function listening (t: Teardown, server: Server | ReturnType<typeof createSecureServer>): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return (server.address() as AddressInfo).port
}

/** A plain HTTP server; it also tunnels CONNECT, as a proxy does. */
export async function httpSink (t: Teardown): Promise<Sink> {
  const bodies: Buffer[] = []
  const server = createServer(handler(bodies))
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const [host, port] = (req.url as string).split(':')
    const upstream = connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(socket).pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
  })
  const port = await listening(t, server)
  return { origin: `http://127.0.0.1:${port}`, port, bodies }
}

/** A TLS server speaking HTTP/2 and HTTP/1.1, with a self-signed certificate for localhost (curl -k). */
export async function tlsSink (t: Teardown): Promise<Sink> {
  const dir = mkdtempSync(join(tmpdir(), 'fts-tls-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'])
    .catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new Error('the TLS tests make a certificate with openssl: install it (apt-get install openssl)') : err
    })
  const bodies: Buffer[] = []
  const server = createSecureServer({ key: readFileSync(key), cert: readFileSync(cert), allowHTTP1: true }, handler(bodies))
  const port = await listening(t, server)
  return { origin: `https://localhost:${port}`, port, bodies }
}
