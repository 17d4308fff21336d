'use strict'
// monitorMemory: reads process.memoryUsage() on an unref'd timer and right after
// garbage collections, and hands the readings in batches to the Rust detector
// (src/monitor), which keeps the series and decides when a metric leaks.
const { EventEmitter } = require('node:events')
const { PerformanceObserver, constants } = require('node:perf_hooks')
const { MonitorCore } = require('./native')
const { optionError } = require('./errors')
const { envFlag, envInt } = require('./env')

const FIELDS = 7 // t, kind, rss, heapUsed, heapTotal, external, arrayBuffers
const BATCH = 64 // readings buffered before a call into Rust
const PERIODIC = 0
const AFTER_MINOR = 1
const AFTER_MAJOR = 2
const MAX_TIMER_MS = 2 ** 31 - 1

const DEFAULTS = Object.freeze({
  intervalMs: 5000,
  windowMs: 10 * 60 * 1000,
  minSamples: 12,
  confidence: 0.99,
  thresholdBytesPerMinute: 1024 * 1024,
  warmupMs: 60 * 1000,
})

function fail(Ctor, name, value, rule) {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return optionError(Ctor, `${name} must be ${rule}, got ${shown}`)
}

function number(name, v, { min, max, integer = false, exclusive = false }) {
  if (typeof v !== 'number') throw fail(TypeError, name, v, 'a number')
  const low = exclusive ? v <= min : v < min
  const high = exclusive ? v >= max : v > max
  if (Number.isNaN(v) || (integer && !Number.isInteger(v)) || low || high) {
    const kind = integer ? 'an integer' : 'a number'
    const range = exclusive ? `between ${min} and ${max} (exclusive)` : `from ${min} to ${max}`
    throw fail(RangeError, name, v, `${kind} ${range}`)
  }
  return v
}

// Validates options; `names` maps each option to the name errors should use
// (the option itself, or the environment variable it came from).
function settingsFrom(options, names = {}) {
  if (options === null || typeof options !== 'object') {
    throw fail(TypeError, 'options', options, 'an object')
  }
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) {
      throw optionError(TypeError, `unknown option ${JSON.stringify(key)}; known: ${Object.keys(DEFAULTS).join(', ')}`)
    }
  }
  const o = { ...DEFAULTS }
  for (const key of Object.keys(DEFAULTS)) if (options[key] !== undefined) o[key] = options[key]
  const n = (k) => names[k] ?? k
  number(n('intervalMs'), o.intervalMs, { min: 10, max: MAX_TIMER_MS, integer: true })
  number(n('windowMs'), o.windowMs, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true })
  number(n('minSamples'), o.minSamples, { min: 8, max: 100, integer: true })
  number(n('confidence'), o.confidence, { min: 0.5, max: 1, exclusive: true })
  number(n('thresholdBytesPerMinute'), o.thresholdBytesPerMinute, { min: 0, max: Infinity, exclusive: true })
  number(n('warmupMs'), o.warmupMs, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true })
  // A series is judged once it spans half the window with minSamples points.
  const least = 2 * o.minSamples * o.intervalMs
  if (o.windowMs < least) {
    throw fail(RangeError, n('windowMs'), o.windowMs, `at least 2 × minSamples × intervalMs (${least})`)
  }
  return o
}

const running = new Set()

// Readings use performance.now(); events report wall-clock ms since the epoch.
const toEpoch = (t) => (t == null ? null : Math.round(performance.timeOrigin + t))

class MemoryMonitor extends EventEmitter {
  #core
  #options
  #timer = null
  #observer = null
  #buf = new Float64Array(FIELDS * BATCH)
  #count = 0
  #samples = 0
  #gcReadings = 0
  #latest = null
  #judgeFrom

  /** Validates `options` (see monitorMemory) and starts sampling. */
  constructor(options = {}) {
    super()
    options = settingsFrom(options)
    this.#options = Object.freeze(options)
    this.#core = new MonitorCore({
      windowMs: options.windowMs,
      // At most 120 buckets per window (more only if minSamples needs them in
      // half a window) keeps a judgement, on the JS thread once per interval,
      // well under a millisecond.
      bucketMs: Math.max(options.intervalMs, options.windowMs / Math.max(120, 2 * options.minSamples)),
      minSamples: options.minSamples,
      confidence: options.confidence,
      thresholdBytesPerMinute: options.thresholdBytesPerMinute,
    })
    // A starting process fills its caches, pools and JIT code: its floor
    // rises, then levels off. Readings from the warm-up are left out.
    this.#judgeFrom = performance.now() + options.warmupMs
    this.#observer = new PerformanceObserver((list) => this.#afterGc(list))
    this.#observer.observe({ type: 'gc' })
    this.#timer = setInterval(() => this.#tick(), options.intervalMs)
    this.#timer.unref()
    this.#read(PERIODIC)
    this.#flush()
    running.add(this)
  }

  /** The validated options in force. */
  get options() {
    return this.#options
  }

  /** Whether the warm-up (options.warmupMs after start) is still under way. */
  get warmingUp() {
    return performance.now() < this.#judgeFrom
  }

  /** Whether the monitor is still sampling. */
  get running() {
    return this.#timer !== null
  }

  #read(kind) {
    const m = process.memoryUsage()
    const now = performance.now()
    if (now < this.#judgeFrom) return m
    const i = this.#count * FIELDS
    const b = this.#buf
    b[i] = now
    b[i + 1] = kind
    b[i + 2] = m.rss
    b[i + 3] = m.heapUsed
    b[i + 4] = m.heapTotal
    b[i + 5] = m.external
    b[i + 6] = m.arrayBuffers
    if (++this.#count === BATCH) this.#flush()
    return m
  }

  #flush() {
    if (this.#count === 0) return
    this.#core.ingest(this.#buf, this.#count)
    this.#count = 0
  }

  #afterGc(list) {
    let kind = -1
    for (const e of list.getEntries()) {
      const k = e.detail?.kind
      if (k === constants.NODE_PERFORMANCE_GC_MAJOR) kind = AFTER_MAJOR
      else if (k === constants.NODE_PERFORMANCE_GC_MINOR && kind < 0) kind = AFTER_MINOR
    }
    // Incremental-marking steps and weak callbacks collect nothing: no floor.
    if (kind < 0 || this.#timer === null) return
    this.#gcReadings++
    this.#read(kind)
  }

  #tick() {
    const m = this.#read(PERIODIC)
    this.#samples++
    this.#latest = m
    this.#flush()
    const events = this.#core.evaluate(performance.now())
    if (this.listenerCount('sample') > 0) this.emit('sample', { ...m, time: Date.now() })
    for (const e of events) {
      if (e.kind === 'leak') {
        this.emit('leak', {
          metric: e.metric,
          bytesPerMinute: Math.round(e.bytesPerMinute),
          since: toEpoch(e.since),
          confidence: e.confidence,
        })
      } else {
        this.emit('recovered', {
          metric: e.metric,
          bytesPerMinute: Math.round(e.bytesPerMinute),
          since: toEpoch(e.since),
        })
      }
    }
  }

  /** Stops sampling; idempotent. status() keeps answering with the last verdicts. */
  stop() {
    if (this.#timer === null) return
    clearInterval(this.#timer)
    this.#timer = null
    this.#observer.disconnect()
    running.delete(this)
  }

  /**
   * The detector's view: per metric, the newest floor, the slope over the
   * window, the trend's confidence, and whether a leak alarm stands.
   */
  status() {
    this.#flush()
    const metrics = {}
    for (const v of this.#core.status()) {
      metrics[v.metric] = {
        floorBytes: v.floorBytes ?? null,
        bytesPerMinute: v.bytesPerMinute == null ? null : Math.round(v.bytesPerMinute),
        confidence: v.confidence ?? null,
        points: v.points,
        judged: v.judged,
        suspected: v.suspected,
        since: toEpoch(v.since),
        alarms: v.alarms,
      }
    }
    return {
      running: this.running,
      warmingUp: this.warmingUp,
      samples: this.#samples,
      gcReadings: this.#gcReadings,
      latest: this.#latest,
      metrics,
    }
  }
}

/**
 * Starts watching this process's memory. Returns a MemoryMonitor, an
 * EventEmitter of 'leak', 'recovered' and 'sample'. The timer is unref'd: the
 * monitor never keeps the process alive.
 */
function monitorMemory(options = {}) {
  return new MemoryMonitor(options)
}

const ENV = {
  intervalMs: 'LEAKGUARD_MONITOR_INTERVAL_MS',
  windowMs: 'LEAKGUARD_MONITOR_WINDOW_MS',
  minSamples: 'LEAKGUARD_MONITOR_MIN_SAMPLES',
  confidence: 'LEAKGUARD_MONITOR_CONFIDENCE',
  thresholdBytesPerMinute: 'LEAKGUARD_MONITOR_THRESHOLD_BYTES_PER_MINUTE',
  warmupMs: 'LEAKGUARD_MONITOR_WARMUP_MS',
}

let fromEnv = null
const INTEGER_ENV = new Set(['intervalMs', 'windowMs', 'minSamples', 'warmupMs'])

function logLine(event, payload) {
  const line = { event, ...payload, since: new Date(payload.since).toISOString(), pid: process.pid }
  process.stderr.write(`leakguard: ${JSON.stringify(line)}\n`)
}

/**
 * Starts the monitor when `LEAKGUARD_MONITOR=1` (options from the
 * LEAKGUARD_MONITOR_* variables) and logs one JSON line per verdict to stderr,
 * prefixed `leakguard:`. Returns the monitor, the same one on later calls, or
 * null when not enabled. Bad values throw, naming the variable.
 */
function startFromEnv(env = process.env) {
  if (!envFlag(env, 'LEAKGUARD_MONITOR')) return null
  if (fromEnv !== null && fromEnv.running) return fromEnv
  const options = {}
  for (const [key, name] of Object.entries(ENV)) {
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    if (INTEGER_ENV.has(key)) {
      options[key] = envInt(env, name)
      continue
    }
    // decimal only, as for the integers: Number() would also take "0x20" and "Infinity"
    if (!/^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw)) throw fail(RangeError, name, raw, 'a number')
    options[key] = Number(raw)
  }
  const m = new MemoryMonitor(settingsFrom(options, ENV))
  m.on('leak', (e) => logLine('leak', e))
  m.on('recovered', (e) => logLine('recovered', e))
  fromEnv = m
  return m
}

// The monitor metrics report on by default: the newest one still running.
function latestMonitor() {
  let last = null
  for (const m of running) last = m
  return last
}

module.exports = { monitorMemory, startFromEnv, MemoryMonitor }
// Internal (not re-exported by index.js, whose spread copies enumerable keys only).
Object.defineProperty(module.exports, 'latestMonitor', { value: latestMonitor })
