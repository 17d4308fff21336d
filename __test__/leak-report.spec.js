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
const { EventEmitter } = require('node:events')
const { leakReport, monitorMemory, writeSnapshot } = require('..')
const { startFromEnv, boundRecord, MAX_LINE_BYTES, PATH_HOPS } = require('../lib/leak-report') // internal: register.js calls startFromEnv

const HOST = require('../lib/native').snapshotHostName(os.hostname())
const { captureLog } = require('./support/log')

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
    // top is also the report's `paths`, which compareSnapshots bounds at 1000: refused here, not at alarm time.
    for (const top of [1001, 5e6]) {
      assert.throws(() => leakReport(m, { dir: '/tmp', top }), {
        name: 'RangeError',
        code: 'ERR_LEAKGUARD_OPTION',
        message: `leakReport: top must be at most 1000, got ${top}`,
      })
    }
    assert.throws(() => leakReport(null, { dir: '/tmp' }), { name: 'TypeError', message: 'leakReport: monitor must be a MemoryMonitor, got null' })
    assert.throws(() => leakReport(m, { dirr: '/tmp' }), {
      name: 'TypeError',
      code: 'ERR_LEAKGUARD_OPTION',
      message: 'leakReport: unknown option "dirr"; known: dir, gzip, baselineAfterMs, minIntervalMs, top, onReport',
    })
    assert.throws(() => leakReport(m, { dir: '/tmp', gzip: 'no' }), { name: 'TypeError', message: "leakReport: gzip must be a boolean, got 'no'" })
    assert.throws(() => leakReport(m, { dir: '/tmp', baselineAfterMs: 3e9 }), {
      name: 'RangeError',
      message: 'leakReport: baselineAfterMs must be at most 2147483647, got 3000000000',
    })
    assert.throws(() => startFromEnv({ LEAKGUARD_REPORT: '1', LEAKGUARD_SNAPSHOT_DIR: '/tmp', LEAKGUARD_REPORT_BASELINE_MS: '3000000000' }, m), {
      name: 'RangeError',
      message: 'LEAKGUARD_REPORT_BASELINE_MS must be at most 2147483647 (about 24.8 days), got "3000000000"',
    })
    // the variables read as every other LEAKGUARD_* one: flags 1/true/0/false, integers in decimal digits
    const env = { LEAKGUARD_REPORT: '1', LEAKGUARD_SNAPSHOT_DIR: '/tmp' }
    for (const [extra, message] of [
      [{ LEAKGUARD_REPORT: 'yes' }, 'LEAKGUARD_REPORT must be "1", "true", "0" or "false", got "yes"'],
      [{ LEAKGUARD_SNAPSHOT_GZIP: 'yes' }, 'LEAKGUARD_SNAPSHOT_GZIP must be "1", "true", "0" or "false", got "yes"'],
      [{ LEAKGUARD_REPORT_MIN_INTERVAL_MS: '0x10' }, 'LEAKGUARD_REPORT_MIN_INTERVAL_MS must be a whole number in decimal digits, got "0x10"'],
    ]) {
      assert.throws(() => startFromEnv({ ...env, ...extra }, m), { name: 'RangeError', code: 'ERR_LEAKGUARD_OPTION', message })
    }
  } finally {
    m.stop()
  }
})

test("the report's snapshots survive rotation, stay bounded, and a missing baseline is taken again", { timeout: 60_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-report-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // Left by earlier runs on this host: this PID's from before this process
  // (a restarted container: same host, PID 1 again) and a PID that is gone.
  // Kept: a live sibling's (cluster workers sharing the directory), and
  // another replica's.
  const dead = require('node:child_process').spawnSync(process.execPath, ['-e', '0']).pid
  const name = (host, pid) => `leakreport-20200101T000000Z-${host}-${pid}-1.heapsnapshot`
  const leftover = path.join(dir, name(HOST, process.pid))
  const deadPid = path.join(dir, name(HOST, dead))
  const sibling = path.join(dir, name(HOST, process.ppid))
  const otherHost = path.join(dir, name(`${HOST}x`, process.pid))
  for (const f of [leftover, deadPid, sibling, otherHost]) fs.writeFileSync(f, '{}')
  fs.utimesSync(leftover, new Date(2020, 0, 1), new Date(2020, 0, 1))
  const { lines, waitFor, waiters } = captureLog(t)
  const monitor = new EventEmitter()
  const reports = []
  let reported
  const r = leakReport(monitor, { dir, baselineAfterMs: 0, minIntervalMs: 0, top: 3, onReport: (x) => (reports.push(x), reported?.()) })
  t.after(() => r.stop())
  const alarm = { metric: 'heapUsed', bytesPerMinute: 1e6, since: Date.now(), confidence: 0.999 }
  // one alarm; resolves with its report, rejects on a leak-report-failed line
  const report = () =>
    new Promise((resolve, reject) => {
      const seen = lines.length
      const failed = () => {
        const l = lines.slice(seen).find((x) => x.event === 'leak-report-failed')
        if (l) reject(new Error(JSON.stringify(l)))
      }
      waiters.add(failed)
      reported = () => {
        waiters.delete(failed)
        resolve(reports.at(-1))
      }
      monitor.emit('leak', alarm)
    })
  const reportFiles = () => fs.readdirSync(dir).filter((n) => n.startsWith('leakreport-')).sort()

  const { path: base } = await waitFor((l) => l.event === 'leak-report-baseline')
  assert.match(path.basename(base), new RegExp(`^leakreport-\\d{8}T\\d{6}Z-.+-${process.pid}-\\d+\\.heapsnapshot$`))
  const kept = [base, sibling, otherHost].map((f) => path.basename(f))
  assert.deepEqual(reportFiles(), kept.sort(), "the earlier run's and the gone PID's files are removed")

  // manual snapshots with keep 1 rotate their own files, never the report's
  for (let i = 0; i < 3; i++) await writeSnapshot({ dir, keep: 1, log: false })
  assert.ok(fs.existsSync(base))

  const first = await report()
  assert.equal(first.base, base)
  assert.ok(fs.existsSync(first.target))
  const second = await report()
  assert.ok(fs.existsSync(second.target))
  assert.ok(!fs.existsSync(first.target), 'the previous target is removed')
  assert.deepEqual(reportFiles(), [base, second.target, sibling, otherHost].map((p) => path.basename(p)).sort())

  // the baseline deleted behind the report's back: the next alarm takes a new one, the one after reports
  fs.unlinkSync(base)
  monitor.emit('leak', alarm)
  await waitFor((l) => l.event === 'leak-report-baseline-missing' && l.path === base)
  const { path: base2 } = await waitFor((l) => l.event === 'leak-report-baseline' && l.path !== base)
  const third = await report()
  assert.equal(third.base, base2)
  assert.ok(fs.existsSync(third.target))
  assert.equal(lines.filter((l) => l.event === 'leak-report-failed').length, 0, JSON.stringify(lines))
})

/**
 * Leaks object literals into a Map held by this closure, runs one report on a
 * fake monitor's alarm (raised from a timer, as a real monitor does) and
 * resolves with the report's row for `Object`.
 */
async function reportObjectLeak(t) {
  const sessions = new Map()
  const { classes } = await reportLeak(t, () => sessions)
  const row = classes.find((c) => c.name === 'Object')
  assert.ok(row, `Object among ${classes.map((c) => c.name)}`)
  return row
}

/** The same, with the Map found through `map()`; resolves with the whole report. */
async function reportLeak(t, map) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-report-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const { waitFor } = captureLog(t)
  let i = 0
  const leak = setInterval(() => {
    const sessions = map()
    for (let k = 0; k < 200; k++) sessions.set(i, { id: i++, user: 'x' })
  }, 10)
  t.after(() => clearInterval(leak))
  const monitor = new EventEmitter()
  const report = new Promise((resolve) => {
    const r = leakReport(monitor, { dir, baselineAfterMs: 0, minIntervalMs: 0, top: 5, onReport: resolve })
    t.after(() => r.stop())
  })
  await waitFor((l) => l.event === 'leak-report-baseline')
  await new Promise((resolve) => setTimeout(resolve, 500))
  setTimeout(() => monitor.emit('leak', { metric: 'heapUsed', bytesPerMinute: 1e7, since: Date.now(), confidence: 0.999 }), 0)
  return report
}

test("the report names the path most new objects share, not the report's own objects on the stack", async (t) => {
  const row = await reportObjectLeak(t)
  // Before: the lowest new id, the report's own options object held by the stack.
  assert.match(row.retainedBy, / -> sessions -> Map -> table -> \(array\) -> \d+ -> Object$/)
  assert.ok(row.sampledCount > 0 && row.retainedByCount >= 0.9 * row.sampledCount, JSON.stringify(row))
})

test('the report names roots as the CLI does: (root), (GC roots), (Stack roots)', async (t) => {
  const row = await reportObjectLeak(t)
  assert.match(row.retainedBy, /^\(root\) -> /)
  assert.doesNotMatch(row.retainedBy, /\(synthetic\)/)
})

test('a long retainer path keeps its last hops, and the line stays bounded', async (t) => {
  // The Map at the end of 2,000 links of two alternating classes: runs of one
  // hop fold, these do not (before: a 30 KB line).
  class LinkA {
    constructor(next) {
      this.next = next
    }
  }
  class LinkB extends LinkA {}
  let head = { sessions: new Map() }
  for (let k = 0; k < 2000; k++) head = k % 2 ? new LinkA(head) : new LinkB(head)
  const tail = () => {
    let h = head
    while (h.next) h = h.next
    return h.sessions
  }
  const report = await reportLeak(t, tail)
  const row = report.classes.find((c) => c.name === 'Object')
  assert.ok(row, `Object among ${report.classes.map((c) => c.name)}`)
  assert.match(row.retainedBy, /^… -> next -> Link[AB] -> /)
  assert.match(row.retainedBy, / -> sessions -> Map -> table -> \(array\) -> \d+ -> Object$/)
  assert.equal(row.retainedBy.split(' -> ').length, 1 + 2 * PATH_HOPS)
  assert.ok(Buffer.byteLength(`leakguard: ${JSON.stringify(report)}\n`) <= MAX_LINE_BYTES)
})

test('a report past the line bound leaves out its last classes and listener rows, and says how many', () => {
  const long = 'x'.repeat(300)
  const record = {
    event: 'leak-report',
    alarm: { metric: 'heapUsed' },
    base: '/snaps/a',
    target: '/snaps/b',
    classes: Array.from({ length: 1000 }, (_, i) => ({ name: `C${i}`, retainedBy: long })),
    listeners: Array.from({ length: 1000 }, (_, i) => ({ site: `/app/${long}.js:${i}:1`, live: i })),
  }
  boundRecord(record)
  const bytes = Buffer.byteLength(`leakguard: ${JSON.stringify(record)}\n`)
  assert.ok(bytes <= MAX_LINE_BYTES && bytes > MAX_LINE_BYTES - 1000, String(bytes))
  assert.equal(record.classes.length + record.omitted.classes, 1000)
  assert.equal(record.listeners.length + record.omitted.listeners, 1000)
  assert.deepEqual(record.classes.map((c) => c.name), record.classes.map((_, i) => `C${i}`))
  // one class with a path of megabytes: its end is kept
  const huge = { event: 'leak-report', classes: [{ name: 'C', retainedBy: 'y'.repeat(1e6) + 'Z' }], listeners: null }
  boundRecord(huge)
  assert.ok(Buffer.byteLength(JSON.stringify(huge)) <= MAX_LINE_BYTES)
  assert.match(huge.classes[0].retainedBy, /^…y+Z$/)
})

test("the report's snapshots neither use up the signal's rate limit nor shift its sequence, and wait for one being written", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-report-signal-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // a fresh process: sequence numbers and the rate limit are per process
  const script = `
    const { writeSnapshot } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const { writeReportSnapshot } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'snapshot.js'))})
    const dir = ${JSON.stringify(dir)}
    const name = (r) => require('node:path').basename(r.path)
    ;(async () => {
      const out = {}
      out.baseline = name(await writeReportSnapshot({ dir }))
      // as the signal's handler does: minIntervalMs 60 s
      out.first = name(await writeSnapshot({ dir, minIntervalMs: 60_000, log: false }))
      // a report while a signal snapshot is being written waits for it
      const signal = writeSnapshot({ dir, log: false })
      const report = writeReportSnapshot({ dir })
      out.second = name(await signal)
      out.target = name(await report)
      console.log(JSON.stringify(out))
    })().catch((err) => console.log(JSON.stringify({ error: err.code + ' ' + err.message })))
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.on('data', (d) => (stdout += d))
  await new Promise((resolve) => child.on('exit', resolve))
  const out = JSON.parse(stdout)
  const end = (n) => new RegExp(`^${n.prefix}-\\d{8}T\\d{6}Z?-${HOST}-${child.pid}-${n.seq}\\.heapsnapshot$`)
  assert.equal(out.error, undefined, out.error)
  assert.match(out.baseline, end({ prefix: 'leakreport', seq: 1 }))
  assert.match(out.first, end({ prefix: 'heap', seq: 1 }))
  assert.match(out.second, end({ prefix: 'heap', seq: 2 }))
  assert.match(out.target, end({ prefix: 'leakreport', seq: 2 }))
})

test('an onReport hook that throws is logged as a hook failure, not as a failed report', { timeout: 60_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-report-hook-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const { lines, waitFor } = captureLog(t)
  const monitor = new EventEmitter()
  const r = leakReport(monitor, {
    dir,
    baselineAfterMs: 0,
    minIntervalMs: 0,
    onReport() {
      throw new Error('my uploader failed')
    },
  })
  t.after(() => r.stop())
  await waitFor((l) => l.event === 'leak-report-baseline')
  monitor.emit('leak', { metric: 'heapUsed', bytesPerMinute: 1e6, since: Date.now(), confidence: 0.999 })
  const failed = await waitFor((l) => l.event === 'leak-report-hook-failed' || l.event === 'leak-report-failed', 30_000)
  assert.equal(failed.event, 'leak-report-hook-failed', JSON.stringify(failed))
  const report = lines.find((l) => l.event === 'leak-report')
  assert.equal(failed.target, report.target)
  assert.equal(failed.message, 'my uploader failed')
  assert.equal(lines.filter((l) => l.event === 'leak-report-failed').length, 0)
  // the baseline stays: the next alarm reports again
  assert.ok(fs.existsSync(report.base))
})

test("the report's listener rows are call sites that hold listeners, not ones whose listeners all went", { timeout: 60_000 }, async (t) => {
  const { auditListeners } = require('..')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-report-listeners-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const { lines, waitFor } = captureLog(t)
  const audit = auditListeners({ logWarnings: false })
  t.after(() => audit.stop())
  const bus = new EventEmitter()
  bus.setMaxListeners(0)
  for (let i = 0; i < 20; i++) bus.on('leak', () => {}) // REPORT-LEAK
  const done = new EventEmitter()
  const fns = Array.from({ length: 20 }, () => () => {})
  for (const f of fns) done.on('tidy', f) // REPORT-TIDY
  for (const f of fns) done.off('tidy', f)
  const monitor = new EventEmitter()
  const r = leakReport(monitor, { dir, baselineAfterMs: 0, minIntervalMs: 0 })
  t.after(() => r.stop())
  await waitFor((l) => l.event === 'leak-report-baseline')
  monitor.emit('leak', { metric: 'heapUsed', bytesPerMinute: 1e6, since: Date.now(), confidence: 0.999 })
  const report = await waitFor((l) => l.event === 'leak-report' || l.event === 'leak-report-failed', 30_000)
  assert.equal(report.event, 'leak-report', JSON.stringify(lines))
  assert.deepEqual(
    report.listeners.map((l) => [l.event, l.live]),
    [['leak', 18]]
  )
})
