// temp: paired A/B of two trees' servers; alternating 1 s phases. node _pair.mjs server phases optsJSON
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { createRawRequests } from './lib-callback.mjs'
const [server, phases = '20', opts = '{}'] = process.argv.slice(2)
const o = JSON.parse(opts)
const CLK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout)
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(x[11]) + Number(x[12])) / CLK }
const trees = process.env.SAME ? ['/work/main', '/work/main'] : ['/tmp/ab-old', '/work/main']
const servers = server.split(',')
const procs = await Promise.all(trees.map((t, i) => new Promise((resolve) => {
  const c = spawn('taskset', ['-c', '0', process.execPath, `${t}/bench/servers/${servers[i] ?? servers[0]}.mjs`], { stdio: ['pipe', 'pipe', 'inherit'], cwd: t, env: { ...process.env, AUTOPIPE: i === 1 ? process.env.AUTOPIPE_B ?? '' : '' } })
  c.stdout.on('data', (d) => { const m = /ready (\d+)/.exec(String(d)); if (m) resolve({ c, port: Number(m[1]) }) })
})))
const oo = Array.isArray(o) ? o : [o, o]
const nexts = oo.map((x) => createRawRequests({ forged: !!x.forged, params: x.params ?? 9, duplicate: !!x.duplicate }))
let next
function load (port, ms, i) {
  next = nexts[i]
  return new Promise((resolve) => {
    let n = 0; let open = 0; const until = performance.now() + ms
    for (let i = 0; i < 50; i++) {
      open++
      const s = connect(port, '127.0.0.1'); let buf = ''
      s.setNoDelay(true)
      s.on('connect', () => s.write(next()))
      s.on('data', (d) => {
        buf += d.toString('latin1')
        for (;;) {
          const end = buf.indexOf('\r\n\r\n'); if (end === -1) return
          const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))[1])
          if (buf.length < end + 4 + len) return
          buf = buf.slice(end + 4 + len); n++
          if (performance.now() >= until) { s.destroy(); return } else s.write(next())
        }
      })
      s.on('close', () => { if (--open === 0) resolve(n) })
    }
  })
}
const tot = procs.map(() => ({ n: 0, cpu: 0 }))
for (const [i, p] of procs.entries()) await load(p.port, 2000, i)
for (let ph = 0; ph < Number(phases); ph++) {
  for (const i of ph % 2 ? [1, 0] : [0, 1]) {
    const c0 = cpu(procs[i].c.pid); const n = await load(procs[i].port, 1000, i); tot[i].n += n; tot[i].cpu += cpu(procs[i].c.pid) - c0
  }
}
tot.forEach((t, i) => console.log(trees[i].padEnd(12), servers[i] ?? servers[0], opts, 'rps', (t.n / Number(phases)).toFixed(0), 'cpu µs/req', (1e6 * t.cpu / t.n).toFixed(1)))
console.log('new/old cpu', (tot[1].cpu / tot[1].n / (tot[0].cpu / tot[0].n)).toFixed(3))
for (const p of procs) p.c.kill('SIGTERM')
setTimeout(() => process.exit(0), 500)
