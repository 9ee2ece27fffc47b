// The load generator of bench/run.mjs: one process, pinned to its own core, that stays up for
// the whole run and takes commands on stdin, one JSON line each, answering one JSON line:
//
//   {"slice": "2", "port": 3000, "ms": 1000, "load": {"forged": false, "params": 9}}
//     → {"slice": "2", "responses": …, "seconds": …, "codes": {…}, "errors": 0, "cpu": …, "p50": …, "p99": …}
//
// p50 and p99 are the slice's own, per response, in 10 µs steps.
//
// Each slice opens `connections` keep-alive sockets, each sending one request at a time and the
// next as soon as its answer is complete, until `ms` have passed; then every socket closes once
// its last answer is in, so nothing is left in flight between slices. Requests are built per
// variant by one generator kept for the whole run: a fresh Sid each (`createRawRequests`), or
// one event resent (`duplicate`), or one constant forged body of `big` parameters.
import { connect } from 'node:net'
import { createInterface } from 'node:readline'
import { createForgedBody, createRawRequests, TARGET } from './lib-callback.mjs'

const connections = Number(process.argv[2] ?? 50)
const BUCKET_MS = 0.01
const BUCKETS = 200_000
const HEAD_END = Buffer.from('\r\n\r\n')

/** Per variant: its request source. */
const variants = new Map()
/** One slice's latencies, 10 µs buckets up to 2 s; slower responses fall in the last one. */
const histogram = new Uint32Array(BUCKETS + 1)

function variantOf (id, load) {
  let variant = variants.get(id)
  if (variant === undefined) {
    let next
    if (load.big === undefined) {
      next = createRawRequests(load)
    } else {
      const { body, headers } = createForgedBody(load.big)
      let head = `POST ${TARGET} HTTP/1.1\r\nConnection: keep-alive\r\n`
      for (const name in headers) head += `${name}: ${headers[name]}\r\n`
      const bytes = Buffer.from(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1')
      next = () => bytes
    }
    variant = { next }
    variants.set(id, variant)
  }
  return variant
}

function slice (variant, port, ms) {
  const codes = {}
  let responses = 0
  let errors = 0
  let open = connections
  histogram.fill(0)
  const cpu = process.cpuUsage()
  const started = performance.now()
  const until = started + ms
  return new Promise((resolve) => {
    function connection () {
      const socket = connect(port, '127.0.0.1')
      socket.setNoDelay(true)
      let buffer = Buffer.alloc(0)
      let sentAt = performance.now()
      socket.on('connect', () => socket.write(variant.next()))
      socket.on('data', (chunk) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
        for (;;) {
          const end = buffer.indexOf(HEAD_END)
          if (end === -1) return
          const text = buffer.toString('latin1', 0, end)
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0)
          if (buffer.length < end + 4 + length) return
          const now = performance.now()
          const status = text.slice(9, 12)
          codes[status] = (codes[status] ?? 0) + 1
          responses++
          histogram[Math.min(BUCKETS, Math.floor((now - sentAt) / BUCKET_MS))]++
          buffer = buffer.subarray(end + 4 + length)
          if (now >= until || /\r\nconnection: *close/i.test(text)) {
            socket.destroy()
            return
          }
          sentAt = now
          socket.write(variant.next())
        }
      })
      socket.on('error', () => { errors++ })
      socket.on('close', () => {
        // A server that closed the connection (after a 400) gets a new one while time is left.
        if (performance.now() < until) connection()
        else if (--open === 0) {
          const seconds = (performance.now() - started) / 1000
          const used = process.cpuUsage(cpu)
          resolve({
            responses,
            seconds,
            codes,
            errors,
            cpu: (used.user + used.system) / 1e6 / seconds,
            p50: percentile(responses, 0.5),
            p99: percentile(responses, 0.99)
          })
        }
      })
    }
    for (let i = 0; i < connections; i++) connection()
  })
}

function percentile (total, p) {
  const rank = Math.ceil(total * p)
  let seen = 0
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]
    if (seen >= rank) return (i + 0.5) * BUCKET_MS
  }
  return NaN
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line)
  const result = await slice(variantOf(command.slice, command.load), command.port, command.ms)
  process.stdout.write(JSON.stringify({ slice: command.slice, ...result }) + '\n')
}
