'use strict'
// The automatic leak report end to end: a child that leaks LeakyThing objects
// into a module-level Map, started with register.js and the monitor, snapshot
// and report variables, logs a report naming the class and the Map holding it.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { TEST_ENV } = require('./fixtures/monitor-run')
const { leakReport, monitorMemory } = require('..')

const CHILD = `
  class LeakyThing { constructor(i) { this.id = i; this.payload = 'p'.repeat(200) + i } }
  const registry = new Map()
  let i = 0
  let garbage
  // about 1 MB/s kept (40 objects of ~250 bytes every 10 ms), among request-like garbage
  setInterval(() => {
    for (let k = 0; k < 40; k++, i++) registry.set(i, new LeakyThing(i))
    garbage = []
    for (let k = 0; k < 1000; k++) garbage.push({ id: k, path: '/item/' + k })
  }, 10)
  setTimeout(() => process.exit(0), 55000)
`

test('a leaking child logs a report naming the growing class and its retainer', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-report-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const child = spawn(process.execPath, ['-r', path.join(__dirname, '..', 'register.js'), '-e', CHILD], {
    env: {
      ...process.env,
      ...TEST_ENV,
      LEAKGUARD_SNAPSHOT_DIR: dir,
      LEAKGUARD_REPORT: '1',
      LEAKGUARD_REPORT_BASELINE_MS: '3000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  t.after(() => child.kill('SIGKILL'))
  const report = await new Promise((resolve, reject) => {
    let buf = ''
    const lines = []
    child.stderr.setEncoding('utf8').on('data', (d) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (!line.startsWith('leakguard: ')) continue
        const e = JSON.parse(line.slice(11))
        lines.push(e)
        if (e.event === 'leak-report') resolve(e)
        if (e.event === 'leak-report-failed') reject(new Error(line))
      }
    })
    child.on('exit', () => reject(new Error(`child exited without a report: ${JSON.stringify(lines)}`)))
  })
  assert.equal(report.alarm.metric, 'heapUsed')
  const leaky = report.classes.find((c) => c.name === 'LeakyThing')
  assert.ok(leaky, `LeakyThing among ${report.classes.map((c) => c.name)}`)
  assert.ok(leaky.countDelta > 1000, `countDelta ${leaky.countDelta}`)
  assert.match(leaky.retainedBy, /Map/)
  assert.ok(fs.existsSync(report.base) && fs.existsSync(report.target))
})

test('leakReport names bad options', () => {
  const m = monitorMemory({ intervalMs: 1000 })
  try {
    assert.throws(() => leakReport(m, {}), { name: 'TypeError', message: 'leakReport: dir must be a non-empty string, got undefined' })
    assert.throws(() => leakReport(m, { dir: '/tmp', top: 0 }), { name: 'RangeError', message: 'leakReport: top must be an integer >= 1, got 0' })
    assert.throws(() => leakReport(null, { dir: '/tmp' }), { name: 'TypeError', message: 'leakReport: monitor must be a MemoryMonitor, got null' })
  } finally {
    m.stop()
  }
})
