'use strict'
// Listener audit overhead: the same Express app in two child processes, audit
// off and on, each driven by autocannon on 127.0.0.1 for a bounded time.
// Runs go off, on, on, off, ... in one process at a time. (Driving both at
// once on a 2-core machine was tried: the scheduler favours one of the two
// servers by 10-30%, a different one each time.)
// BENCH_SECONDS (default 10) sets the measured time per run.
const { fork } = require('node:child_process')
const path = require('node:path')
const autocannon = require('autocannon')

const seconds = Number(process.env.BENCH_SECONDS || 10)
const connections = 10
const rounds = 4

function startServer(audit) {
  const env = { ...process.env, LEAKGUARD_AUDIT: audit ? '1' : '0' }
  const child = fork(path.join(__dirname, 'audit-server.js'), { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: m.port }))
    child.once('error', reject)
  })
}

function run(port, duration) {
  return autocannon({ url: `http://127.0.0.1:${port}/items`, connections, duration, pipelining: 1 })
}

function ask(child, what) {
  return new Promise((resolve, reject) => {
    const gone = () => reject(new Error(`server exited before answering ${what}`))
    child.once('exit', gone)
    child.once('message', (m) => {
      child.off('exit', gone)
      resolve(m)
    })
    child.send(what)
  })
}

async function measure(audit) {
  const { child, port } = await startServer(audit)
  try {
    await run(port, 2) // warm up the JIT
    await ask(child, 'start')
    const r = await run(port, seconds)
    const stats = await ask(child, 'report')
    // CPU time per request in the server: steadier than req/s on a busy machine.
    const cpu = stats.cpuMicros / r.requests.total
    return { rps: r.requests.average, cpu, p99: r.latency.p99, errors: r.errors + r.non2xx, stats }
  } finally {
    child.kill()
  }
}

// Per-call cost of the hooks in this process: an add/remove pair below the
// stack threshold (counted only), and an add past it (stack captured).
function perCall() {
  const EventEmitter = require('node:events')
  const { auditListeners } = require('..')
  const time = (n, fn) => {
    const t0 = process.hrtime.bigint()
    fn(n)
    return Number(process.hrtime.bigint() - t0) / n
  }
  const pairs = (n) => {
    const e = new EventEmitter()
    const f = () => {}
    for (let i = 0; i < n; i++) e.on('x', f).removeListener('x', f)
  }
  const leaks = (n) => {
    const e = new EventEmitter()
    e.setMaxListeners(0)
    for (let i = 0; i < n; i++) e.on('x', () => {})
  }
  pairs(2e5)
  const rows = []
  const base = { pair: time(1e6, pairs), leak: time(5e4, leaks) }
  const audit = auditListeners()
  pairs(2e5)
  const audited = { pair: time(1e6, pairs), leak: time(5e4, leaks) }
  audit.stop()
  rows.push({ call: 'on + removeListener (below threshold)', 'off ns': base.pair.toFixed(0), 'on ns': audited.pair.toFixed(0), ratio: (audited.pair / base.pair).toFixed(2) })
  rows.push({ call: 'on, 3rd+ listener (stack captured)', 'off ns': base.leak.toFixed(0), 'on ns': audited.leak.toFixed(0), ratio: (audited.leak / base.leak).toFixed(2) })
  console.table(rows)
}

async function main() {
  perCall()
  const results = { off: [], on: [] }
  for (let round = 0; round < rounds; round++) {
    // off, on, on, off, ...: linear drift of the machine's load cancels out
    for (const audit of round % 2 === 0 ? [false, true] : [true, false]) {
      results[audit ? 'on' : 'off'].push(await measure(audit))
    }
  }
  const mean = (xs, f) => xs.reduce((n, x) => n + f(x), 0) / xs.length
  const off = mean(results.off, (r) => r.rps)
  const on = mean(results.on, (r) => r.rps)
  const cpuOff = mean(results.off, (r) => r.cpu)
  const row = (mode, rs, base, baseCpu) => ({
    mode,
    'req/s': Math.round(mean(rs, (r) => r.rps)),
    'req/s ratio': (mean(rs, (r) => r.rps) / base).toFixed(3),
    'server CPU µs/req': mean(rs, (r) => r.cpu).toFixed(1),
    'CPU ratio': (mean(rs, (r) => r.cpu) / baseCpu).toFixed(3),
    'p99 ms': Math.round(mean(rs, (r) => r.p99)),
    errors: mean(rs, (r) => r.errors),
  })
  const last = results.on.at(-1).stats
  const runs = (xs) => xs.map((r) => Math.round(r.rps)).join(' / ')
  console.log(`Express JSON route, autocannon ${connections} connections, ${seconds} s per run, ${rounds} runs each, order off,on,on,off,...`)
  console.table([
    row('audit off', results.off, off, cpuOff),
    row('audit on', results.on, off, cpuOff),
  ])
  console.log(`runs req/s: off ${runs(results.off)}; on ${runs(results.on)}`)
  console.log(`audited run: ${last.added} listener adds counted in ${last.rows} rows (${last.attributed} with a call site)`)
  console.log(`goal: audit on >= 95% of audit off req/s: ${on / off >= 0.95 ? 'met' : 'NOT met'} (${(on / off).toFixed(3)})`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
