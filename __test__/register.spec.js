'use strict'
// register.js under NODE_OPTIONS, where every worker thread runs the preload
// again: the process-wide parts start once, on the main thread.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const REGISTER = path.join(ROOT, 'register.js')

function run(t, script, env) {
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, NODE_OPTIONS: `--require=${REGISTER}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      const events = [...stderr.matchAll(/^leakguard: (\{.*\})$/gm)].map((m) => JSON.parse(m[1]))
      resolve({ code, stdout, stderr, events })
    })
  )
}

test('with 3 workers: one monitor, one leak report baseline, one signal handler; an audit in every thread', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-register-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const script = `
    const { Worker } = require('node:worker_threads')
    const status = () => ({
      audit: require(${JSON.stringify(path.join(ROOT, 'lib/audit'))}).currentAudit() !== null,
      monitor: require(${JSON.stringify(path.join(ROOT, 'lib/monitor'))}).latestMonitor() !== null,
      signal: process.listenerCount('SIGUSR2'),
    })
    const workers = Array.from({ length: 3 }, () => new Worker(
      'const { parentPort } = require("node:worker_threads"); parentPort.postMessage((' + status + ')()); setTimeout(() => {}, 600)',
      { eval: true }
    ))
    Promise.all(workers.map((w) => new Promise((r) => w.once('message', r)))).then((inWorkers) => {
      // past the baseline's 100 ms, while the workers still run
      setTimeout(() => {
        console.log(JSON.stringify({ main: status(), workers: inWorkers }))
        process.exit(0)
      }, 400)
    })
  `
  const { code, stdout, stderr, events } = await run(t, script, {
    LEAKGUARD_AUDIT: '1',
    LEAKGUARD_MONITOR: '1',
    LEAKGUARD_REPORT: '1',
    LEAKGUARD_REPORT_BASELINE_MS: '100',
    LEAKGUARD_SNAPSHOT_DIR: dir,
  })
  assert.equal(code, 0, stderr)
  const { main, workers } = JSON.parse(stdout)
  assert.deepEqual(main, { audit: true, monitor: true, signal: 1 })
  assert.deepEqual(workers, Array(3).fill({ audit: true, monitor: false, signal: 0 }))
  assert.equal(events.filter((e) => e.event === 'leak-report-baseline').length, 1, stderr)
  assert.equal(fs.readdirSync(dir).length, 1)
  assert.deepEqual(events.filter((e) => /refused|failed/.test(e.event)), [])
})

test('the audit line on each signal: call-site rows only, those that grew since the last line first', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-register-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // 25 site-less rows (one listener per event and emitter, below the stack
  // threshold) at 200 live each, more than either call site holds.
  const script = `
    const { EventEmitter } = require('node:events')
    const keep = []
    for (let i = 0; i < 200; i++) {
      const e = new EventEmitter()
      for (let j = 0; j < 25; j++) e.on('e' + j, () => {})
      keep.push(e)
    }
    const bus = new EventEmitter()
    bus.setMaxListeners(0)
    const leakA = () => bus.on('a', () => {}) // LEAK_A
    const leakB = () => bus.on('b', () => {}) // LEAK_B
    for (let i = 0; i < 60; i++) leakA()
    let lines = 0
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = (s, ...rest) => {
      if (String(s).includes('"event":"audit"')) setImmediate(() => {
        if (++lines === 2) process.exit(0)
        for (let i = 0; i < 30; i++) leakB()
        process.kill(process.pid, 'SIGUSR2')
      })
      return write(s, ...rest)
    }
    process.kill(process.pid, 'SIGUSR2')
    setTimeout(() => process.exit(1), 20000)
  `
  const line = (tag) => script.split('\n').findIndex((l) => l.includes(tag)) + 1
  const { code, stderr, events } = await run(t, script, {
    LEAKGUARD_AUDIT: '1',
    LEAKGUARD_SNAPSHOT_DIR: dir,
    LEAKGUARD_SNAPSHOT_MIN_INTERVAL: '0',
  })
  assert.equal(code, 0, stderr)
  const [first, second] = events.filter((e) => e.event === 'audit')
  for (const { rows } of [first, second]) assert.ok(rows.every((r) => r.site !== null), JSON.stringify(rows))
  const pick = ({ site, event, live, grew }) => ({ site: site.replace(/^.*:(\d+):\d+$/, '$1'), event, live, grew })
  // the first adds on 'a' are below the threshold: 58 of 60 are on the call site's row
  assert.deepEqual(pick(first.rows[0]), { site: String(line('LEAK_A')), event: 'a', live: 58, grew: 58 })
  assert.deepEqual(second.rows.slice(0, 2).map(pick), [
    { site: String(line('LEAK_B')), event: 'b', live: 28, grew: 28 },
    { site: String(line('LEAK_A')), event: 'a', live: 58, grew: 0 },
  ])
})
