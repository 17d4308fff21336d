'use strict'
// The automatic leak report: once the memory monitor raises a leak alarm, compare
// a baseline heap snapshot (taken after warm-up) with a fresh one, in Rust off the
// JS thread, and log what grew, what retains it, and the listener audit's top
// call sites. Rate-limited. Its snapshots are named `leakreport-…`, apart from
// the signal's `heap-…` files, so rotation never deletes them; the report keeps
// its baseline and its latest target only, and removes what earlier processes
// on this host left.

const fs = require('node:fs')
const path = require('node:path')
const { inspect } = require('node:util')
const { writeReportSnapshot, ownFiles } = require('./snapshot')
const { snapshotPidAlive } = require('./native')
const { envFlag, envInt } = require('./env')
const { compareSnapshots, LIMITS, pathText } = require('./heap')
const { currentAudit } = require('./audit')
const { optionError } = require('./errors')

function log(fields) {
  process.stderr.write(`leakguard: ${JSON.stringify(fields)}\n`)
}

function reportError(Ctor, message) {
  return optionError(Ctor, `leakReport: ${message}`)
}

function int(o, name, fallback, min = 0, max = Number.MAX_SAFE_INTEGER) {
  const v = o[name]
  if (v === undefined) return fallback
  if (typeof v !== 'number') throw reportError(TypeError, `${name} must be a number, got ${inspect(v)}`)
  if (!Number.isInteger(v) || v < min) throw reportError(RangeError, `${name} must be an integer >= ${min}, got ${inspect(v)}`)
  if (v > max) throw reportError(RangeError, `${name} must be at most ${max}, got ${inspect(v)}`)
  return v
}

// The log line's bounds: log pipelines split long lines (Docker's json-file
// driver at 16 KB), and a split line no longer parses. A retainer path keeps
// its last PATH_HOPS hops, what directly holds the objects (a path through a
// linked list of timers ran to 3,800 hops); then, past MAX_LINE_BYTES, the
// last classes and listener rows are left out, counted in `omitted`.
const PATH_HOPS = 16
const MAX_LINE_BYTES = 12 * 1024

function lineBytes(record) {
  return Buffer.byteLength(`leakguard: ${JSON.stringify(record)}\n`)
}

/** Shortens `record` (a leak-report) in place until its log line fits MAX_LINE_BYTES. */
function boundRecord(record) {
  const { classes } = record
  const listeners = record.listeners ?? []
  const omitted = { classes: 0, listeners: 0 }
  while (lineBytes(record) > MAX_LINE_BYTES && (classes.length > 1 || listeners.length > 1)) {
    if (listeners.length > 1 && (listeners.length >= classes.length || classes.length === 1)) {
      listeners.pop()
      omitted.listeners++
    } else {
      classes.pop()
      omitted.classes++
    }
    record.omitted = omitted
  }
  // left: at most one class and one listener row with overlong names; keep their ends
  if (lineBytes(record) > MAX_LINE_BYTES) {
    const tail = (s) => (typeof s === 'string' && s.length > 512 ? `…${s.slice(-511)}` : s)
    for (const c of classes) Object.assign(c, { name: tail(c.name), retainedBy: tail(c.retainedBy) })
    for (const l of listeners) Object.assign(l, { site: tail(l.site), emitter: tail(l.emitter), event: tail(l.event) })
  }
  return record
}

// setTimeout's limit: a longer delay warns (TimeoutOverflowWarning) and fires after 1 ms
const MAX_TIMER_MS = 2 ** 31 - 1
const OPTIONS = ['dir', 'gzip', 'baselineAfterMs', 'minIntervalMs', 'top', 'onReport']

/**
 * Reports leaks `monitor` (a MemoryMonitor) alarms on. Options: `dir` (snapshot
 * directory, required), `baselineAfterMs` (when the baseline is taken, default
 * 60000), `minIntervalMs` (between reports, default 1800000), `top` (classes
 * reported, 1 to 1000, default 5), `gzip`, `onReport(report)`. Returns `{ stop() }`.
 */
function leakReport(monitor, options = {}) {
  if (monitor === null || typeof monitor?.on !== 'function') {
    throw reportError(TypeError, `monitor must be a MemoryMonitor, got ${inspect(monitor)}`)
  }
  if (options === null || typeof options !== 'object') {
    throw reportError(TypeError, `options must be an object, got ${inspect(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) throw reportError(TypeError, `unknown option ${JSON.stringify(key)}; known: ${OPTIONS.join(', ')}`)
  }
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw reportError(TypeError, `dir must be a non-empty string, got ${inspect(options.dir)}`)
  }
  if (options.onReport !== undefined && typeof options.onReport !== 'function') {
    throw reportError(TypeError, `onReport must be a function, got ${inspect(options.onReport)}`)
  }
  if (options.gzip !== undefined && typeof options.gzip !== 'boolean') {
    throw reportError(TypeError, `gzip must be a boolean, got ${inspect(options.gzip)}`)
  }
  const o = {
    dir: options.dir,
    gzip: options.gzip ?? false,
    baselineAfterMs: int(options, 'baselineAfterMs', 60_000, 0, MAX_TIMER_MS),
    minIntervalMs: int(options, 'minIntervalMs', 30 * 60_000),
    // also the comparison's `paths`, so its bound applies
    top: int(options, 'top', 5, 1, LIMITS.paths[1]),
    onReport: options.onReport,
  }
  let baseline = null
  let lastTarget = null
  let busy = false
  let lastReport = -Infinity
  const snap = () => writeReportSnapshot({ dir: o.dir, gzip: o.gzip })
  const remove = (file) => {
    try {
      fs.unlinkSync(file)
    } catch (err) {
      if (err.code !== 'ENOENT') log({ event: 'leak-report-cleanup-failed', path: file, code: err.code, message: err.message })
    }
  }
  // Report files of this host left by an earlier run: this PID's from before
  // this process started (a restarted container keeps its host name and PID
  // 1), and those of PIDs no longer running. A live sibling's (cluster
  // workers, services sharing the directory) are its own to keep.
  const removeLeftovers = () => {
    const started = Date.now() - process.uptime() * 1000
    let files = []
    try {
      files = ownFiles(o.dir, 'leakreport')
    } catch {
      return
    }
    for (const f of files) {
      const file = path.join(o.dir, f.name)
      try {
        if (f.pid === process.pid ? fs.statSync(file).mtimeMs < started : !snapshotPidAlive(f.pid)) remove(file)
      } catch {
        // gone already
      }
    }
  }

  const takeBaseline = async () => {
    if (baseline !== null || busy) return
    busy = true
    try {
      baseline = (await snap()).path
      log({ event: 'leak-report-baseline', path: baseline })
      removeLeftovers()
    } catch (err) {
      log({ event: 'leak-report-failed', stage: 'baseline', code: err.code, message: err.message })
    } finally {
      busy = false
    }
  }
  const timer = setTimeout(takeBaseline, o.baselineAfterMs)
  timer.unref()

  // The user's hook, not awaited (a slow upload never holds the next report
  // back): what it throws or rejects with is its own failure, not the report's.
  const callHook = (report) =>
    Promise.resolve()
      .then(() => o.onReport(report))
      .catch((err) => log({ event: 'leak-report-hook-failed', target: report.target, message: String(err?.message ?? err) }))

  const onLeak = async (alarm) => {
    if (busy || performance.now() - lastReport < o.minIntervalMs) return
    if (baseline !== null && !fs.existsSync(baseline)) {
      // deleted by someone else: a new baseline, rather than failing on every alarm
      log({ event: 'leak-report-baseline-missing', path: baseline })
      baseline = null
    }
    if (baseline === null) {
      // alarmed before the baseline (or it went missing): take it now, report on the next alarm
      clearTimeout(timer)
      await takeBaseline()
      return
    }
    busy = true
    const previousReport = lastReport
    lastReport = performance.now()
    let target
    try {
      target = (await snap()).path
    } catch (err) {
      // no report was made: the next alarm may try again
      lastReport = previousReport
      busy = false
      log({ event: 'leak-report-failed', stage: 'target', code: err.code, message: err.message })
      return
    }
    if (lastTarget !== null) remove(lastTarget)
    lastTarget = target
    try {
      const diff = await compareSnapshots(baseline, target, { top: o.top, paths: o.top, samples: 1 })
      const grew = diff.classes.filter((c) => c.sizeDelta > 0 || c.countDelta > 0)
      const audit = currentAudit()
      const report = {
        event: 'leak-report',
        alarm,
        base: baseline,
        target,
        classes: grew.map((c) => ({
          name: c.name,
          countDelta: c.countDelta,
          sizeDelta: c.sizeDelta,
          retainedSize: c.retainedSize,
          // the path most of the class's sampled new objects share
          retainedBy: c.retainerPaths[0] ? pathText(c.retainerPaths[0], PATH_HOPS) : null,
          retainedByCount: c.retainerPathCounts[0] ?? 0,
          sampledCount: c.sampledCount,
        })),
        listeners: audit
          ? audit
              .report()
              // as format() and the listeners_live metric: sites that hold listeners now
              .filter((r) => r.site !== null && r.live > 0)
              .slice(0, o.top)
              .map((r) => ({ site: r.site, emitter: r.emitterClass, event: r.event, live: r.live }))
          : null,
      }
      boundRecord(report)
      log(report)
      if (o.onReport) callHook(report)
    } catch (err) {
      log({ event: 'leak-report-failed', stage: 'compare', code: err.code, message: err.message })
      if (!fs.existsSync(baseline)) baseline = null // taken again on the next alarm
    } finally {
      busy = false
    }
  }
  monitor.on('leak', onLeak)
  return {
    stop() {
      clearTimeout(timer)
      monitor.removeListener('leak', onLeak)
    },
  }
}

/**
 * Starts the report when LEAKGUARD_REPORT=1, given a running monitor and
 * LEAKGUARD_SNAPSHOT_DIR; LEAKGUARD_REPORT_BASELINE_MS and
 * LEAKGUARD_REPORT_MIN_INTERVAL_MS tune it. Bad values throw, naming the variable.
 */
function startFromEnv(env, monitor) {
  if (!envFlag(env, 'LEAKGUARD_REPORT')) return null
  if (!monitor) throw optionError(RangeError, 'LEAKGUARD_REPORT=1 needs LEAKGUARD_MONITOR=1')
  if (!env.LEAKGUARD_SNAPSHOT_DIR) throw optionError(RangeError, 'LEAKGUARD_REPORT=1 needs LEAKGUARD_SNAPSHOT_DIR')
  const baselineAfterMs = envInt(env, 'LEAKGUARD_REPORT_BASELINE_MS')
  if (baselineAfterMs > MAX_TIMER_MS) {
    throw optionError(RangeError, `LEAKGUARD_REPORT_BASELINE_MS must be at most ${MAX_TIMER_MS} (about 24.8 days), got ${JSON.stringify(env.LEAKGUARD_REPORT_BASELINE_MS)}`)
  }
  return leakReport(monitor, {
    dir: env.LEAKGUARD_SNAPSHOT_DIR,
    gzip: envFlag(env, 'LEAKGUARD_SNAPSHOT_GZIP'),
    baselineAfterMs,
    minIntervalMs: envInt(env, 'LEAKGUARD_REPORT_MIN_INTERVAL_MS'),
  })
}

module.exports = { leakReport, startFromEnv, boundRecord, MAX_LINE_BYTES, PATH_HOPS }
