'use strict'
// auditListeners(): names the call sites that keep adding event listeners.
// Hooks live in lib/audit/hooks.js, per-listener bookkeeping in
// lib/audit/recorder.js, and the counting, windows and suspect rule in Rust
// (src/audit/), fed in batches.
const EventEmitter = require('node:events')
const { AuditCore } = require('./native')
const { optionError } = require('./errors')
const { auditOptions, envOptions, integer } = require('./audit/options')
const { envFlag } = require('./env')
const { install, uninstall } = require('./audit/hooks')
const { Recorder, BATCH_WORDS } = require('./audit/recorder')
const { sourceMapsEnabled, sourceSite, sourceStack, stackSite } = require('./audit/sites')

// The originals, so the audit's own process listener is not audited.
const processOn = EventEmitter.prototype.on
const processOff = EventEmitter.prototype.removeListener

let active = null

class ListenerAudit extends EventEmitter {
  #options
  #rec
  #state
  #installed
  #timer
  #onWarning
  #warnings = []
  #maxWarned = new Set() // rows named by a MaxListenersExceededWarning
  stopped = false
  leftWrapped = []

  constructor(options) {
    super()
    const o = auditOptions(options)
    this.#options = o
    const batch = new Uint32Array(BATCH_WORDS)
    const core = new AuditCore({ suspectLive: o.suspectLive, suspectWindows: o.suspectWindows, windows: o.windows }, batch)
    const rec = new Recorder(core, batch, o)
    this.#rec = rec
    // What the wrappers read; stop() (or an internal error) nulls `rec`.
    this.#state = { rec }
    this.#installed = install(this.#state, o.eventTarget)
    this.#timer = setInterval(() => this.tick(), o.windowMs).unref()
    this.#onWarning = (w) => this.#warning(w)
    processOn.call(process, 'warning', this.#onWarning)
  }

  /** Closes the current window now (the timer does it every `windowMs`). */
  tick() {
    const rec = this.#rec
    if (!this.stopped) rec.reconcile()
    rec.flush()
    const rows = rec.core.tick()
    if (rows.length === 0) return
    const byRow = new Map(this.#rows().map((r) => [r.row, r]))
    for (const r of rows) {
      const row = byRow.get(r)
      if (row === undefined) continue
      const { stack } = this.#shown(rec.info[r])
      if (this.#options.logSuspects) {
        process.stderr.write(
          `leakguard: listener leak suspect: ${row.live} live '${row.event}' listeners on ${row.emitterClass} ` +
            `added at ${row.site} (growth ${row.growth.join(', ')})\n${stack}\n`
        )
      }
      this.emit('suspect', row, stack)
    }
  }

  /** Calls `fn(row, stack)` for each new suspect. */
  onSuspect(fn) {
    if (typeof fn !== 'function') {
      throw optionError(TypeError, `onSuspect expects a function, got ${typeof fn}`)
    }
    this.on('suspect', fn)
    return this
  }

  /**
   * A row's site and stack as shown: under source maps, in the original
   * source (mapped here, at report time, once per row: the add path only
   * records the compiled position).
   */
  #shown(info) {
    if (info.site === null || !sourceMapsEnabled()) return info
    if (info.source === undefined) {
      info.source = { site: sourceSite(info.site), stack: info.stack && sourceStack(info.stack) }
    }
    return info.source
  }

  #rows() {
    const rec = this.#rec
    return rec.core.rows().map((s) => {
      const info = rec.info[s.row]
      return {
        site: this.#shown(info).site,
        emitterClass: info.emitterClass,
        event: typeof info.event === 'symbol' ? info.event.toString() : info.event,
        added: s.added,
        removed: s.removed,
        dropped: s.dropped,
        live: s.live,
        peak: s.peak,
        growth: s.growth,
        maxListenersWarning: this.#maxWarned.has(s.row),
        row: s.row,
      }
    })
  }

  /**
   * One row per call site × emitter class × event (rows with `site: null`
   * count adds below `stackThreshold`, without a call site), most live first.
   */
  report() {
    const rec = this.#rec
    if (!this.stopped) rec.reconcile()
    rec.flush()
    return this.#rows()
      .map((r) => {
        delete r.row
        return r
      })
      .sort((a, b) => b.live - a.live || b.added - a.added)
  }

  /** MaxListenersExceededWarnings seen, each with the call site that caused it. */
  warnings() {
    return this.#warnings.slice()
  }

  /** A short table of the `top` call sites with the most live listeners. */
  format(top = 10) {
    integer('top', top, 1, Number.MAX_SAFE_INTEGER)
    const rows = this.report().filter((r) => r.site !== null && r.live > 0).slice(0, top)
    if (rows.length === 0) return 'leakguard audit: no call site holds listeners past the stack threshold'
    const head = ['live', 'peak', 'added', 'removed', 'growth', 'emitter', 'event', 'site']
    const body = rows.map((r) => [
      r.live,
      r.peak,
      r.added,
      r.removed,
      r.growth.length ? r.growth.map((d) => (d > 0 ? `+${d}` : `${d}`)).join(' ') : '-',
      r.emitterClass,
      r.event,
      r.site,
    ].map(String))
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
    const line = (cells) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join('  ')
    return [`leakguard audit: top ${rows.length} listener call sites`, line(head), ...body.map(line)].join('\n')
  }

  #warning(w) {
    if (!w || w.name !== 'MaxListenersExceededWarning') return
    const emitter = w.emitter || w.target
    if (!emitter || typeof emitter !== 'object') return
    const rec = this.#rec
    const type = typeof w.type === 'symbol' || typeof w.type === 'string' ? w.type : String(w.type)
    const row = rec.lastRow(emitter, type)
    // No attributed add (a limit below stackThreshold, set with setMaxListeners):
    // the warning's own stack, made at the add that crossed it, names the site
    // (Node formats it, through source maps when they are on).
    const info = row < 0 ? stackSite(w.stack, this.#options.ignoreNodeModules) : this.#shown(rec.info[row])
    const entry = {
      emitterClass: emitter.constructor?.name || 'Object',
      event: typeof type === 'symbol' ? type.toString() : type,
      count: w.count,
      site: info ? info.site : null,
      stack: info ? info.stack : null,
    }
    if (row >= 0) this.#maxWarned.add(row)
    this.#warnings.push(entry)
    if (this.#warnings.length > 100) this.#warnings.shift()
    if (this.#options.logWarnings && info) {
      process.stderr.write(
        `leakguard: MaxListenersExceededWarning (${w.count} '${entry.event}' listeners on ${entry.emitterClass}) ` +
          `caused by ${info.site}\n${info.stack}\n`
      )
    }
  }

  /**
   * Puts back the original prototype methods. A method that another tool
   * wrapped after us stays wrapped (removing it would drop their wrapper);
   * our wrapper in their chain then only forwards. Those names are returned
   * and kept in `leftWrapped`.
   */
  stop() {
    if (this.stopped) return this.leftWrapped
    this.stopped = true
    const rec = this.#rec
    rec.reconcile()
    rec.flush()
    this.#state.rec = null
    this.leftWrapped = uninstall(this.#installed)
    clearInterval(this.#timer)
    processOff.call(process, 'warning', this.#onWarning)
    if (active === this) active = null
    return this.leftWrapped
  }
}

/** Starts the listener audit; one may run at a time per thread. */
function auditListeners(options) {
  if (active !== null) {
    throw Object.assign(new Error('a listener audit is already running; stop() it first'), {
      code: 'ERR_LEAKGUARD_AUDIT_ACTIVE',
    })
  }
  active = new ListenerAudit(options)
  return active
}

/** The running audit, or null. */
function currentAudit() {
  return active
}

/**
 * Starts an audit when `LEAKGUARD_AUDIT=1` (or `true`); returns it, the running
 * one, or null. Bad values throw, naming the variable.
 */
function startFromEnv(env = process.env) {
  if (!envFlag(env, 'LEAKGUARD_AUDIT')) return null
  if (active) return active
  return auditListeners(envOptions(env))
}

module.exports = { auditListeners, currentAudit, startFromEnv }
