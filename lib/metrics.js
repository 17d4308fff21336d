'use strict'
// registerMetrics: Prometheus collectors (prom-client, an optional peer
// dependency) for what prom-client's default Node metrics lack: the memory
// monitor's verdicts, named LRUCaches, and the listener audit. Every value is
// read at scrape time in collect(), so nothing runs between scrapes.
const { latestMonitor } = require('./monitor')
const { optionError } = require('./errors')

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const METRICS = ['heapUsed', 'external', 'arrayBuffers', 'rss']

function loadPromClient() {
  try {
    return require('prom-client')
  } catch (err) {
    const e = new Error(
      'leakguard: registerMetrics needs prom-client (an optional peer dependency); ' +
        'install it with "npm install prom-client", or pass it as the client option'
    )
    e.code = 'ERR_LEAKGUARD_PEER'
    e.cause = err
    throw e
  }
}

// A sibling capability may be absent (not built into this version): then its
// collectors report nothing instead of failing the scrape.
function optional(name) {
  try {
    return require(name)
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(name)) return null
    throw err
  }
}

function monitorCollectors(client, p, registers, pick) {
  const status = () => {
    const m = pick()
    return m ? m.status().metrics : null
  }
  // One series per monitored metric; `read` returns the value, or null for none yet.
  // `aggregator`: how prom-client's AggregatorRegistry merges cluster workers
  // (default 'sum': the cluster's floors, growth and alarm counts add up).
  const perMetric = (Type, name, help, read, aggregator = 'sum') =>
    new Type({
      name: `${p}${name}`,
      help,
      labelNames: ['metric'],
      aggregator,
      registers,
      collect() {
        this.reset()
        const s = status()
        if (!s) return
        for (const k of METRICS) {
          const v = read(s[k])
          if (v == null) continue
          if (Type === client.Counter) this.inc({ metric: k }, v)
          else this.set({ metric: k }, v)
        }
      },
    })
  const floor = perMetric(
    client.Gauge,
    'memory_floor_bytes',
    'Lowest memory reading of the newest bucket the leak monitor judges: after GC for heapUsed, external and arrayBuffers (heapUsed is the post-GC heap floor), periodic for rss.',
    (m) => m.floorBytes
  )
  const growth = perMetric(
    client.Gauge,
    'memory_growth_bytes_per_second',
    'Theil–Sen slope of each memory floor over the leak monitor window.',
    (m) => (m.bytesPerMinute == null ? null : m.bytesPerMinute / 60)
  )
  const suspected = perMetric(
    client.Gauge,
    'memory_leak_suspected',
    '1 while the leak monitor holds a leak alarm on the metric, else 0.',
    (m) => (m.suspected ? 1 : 0),
    'max' // in cluster mode: 1 while any worker holds an alarm, never 2
  )
  const alarms = perMetric(client.Counter, 'memory_leak_alarms_total', 'Leak alarms raised by the leak monitor.', (m) => m.alarms)
  return [floor, growth, suspected, alarms]
}

function cacheCollectors(client, p, registers) {
  // Caches sharing a name add up under one label: gauges over the live caches,
  // counters over every cache ever created with the name, so they never go down
  // when one is garbage collected.
  const each = (metric, read) => {
    metric.reset()
    const mod = optional('./cache')
    if (!mod || typeof mod.namedCaches !== 'function') return
    for (const c of mod.namedCaches()) {
      const v = read(c)
      if (Number.isFinite(v)) metric.inc({ cache: String(c.name) }, v)
    }
  }
  const counter = (suffix, field, help) =>
    new client.Counter({
      name: `${p}cache_${suffix}_total`,
      help,
      labelNames: ['cache'],
      registers,
      collect() {
        this.reset()
        const mod = optional('./cache')
        if (!mod || typeof mod.namedCounts !== 'function') return
        for (const [name, counts] of mod.namedCounts()) this.inc({ cache: name }, counts[field])
      },
    })
  const gauge = (suffix, read, help) =>
    new client.Gauge({
      name: `${p}cache_${suffix}`,
      help,
      labelNames: ['cache'],
      registers,
      collect() {
        each(this, read)
      },
    })
  return [
    counter('hits', 'hits', 'Lookups that found an entry, per named LRUCache.'),
    counter('misses', 'misses', 'Lookups that found no entry, per named LRUCache.'),
    counter('evictions', 'evictions', 'Entries evicted to respect max or maxSize, per named LRUCache.'),
    counter('expirations', 'expirations', 'Entries dropped because their TTL ran out, per named LRUCache.'),
    gauge('entries', (c) => c.size, 'Entries resident, per named LRUCache.'),
    gauge('size', (c) => c.calculatedSize, 'Total size of the resident entries, in the units of sizeCalculation, per named LRUCache.'),
  ]
}

function auditCollectors(client, p, registers, top) {
  const live = new client.Gauge({
    name: `${p}listeners_live`,
    help: `Listeners added and not removed, for the ${top} call sites with the most (listener audit).`,
    labelNames: ['site', 'emitter', 'event'],
    registers,
    collect() {
      this.reset()
      const mod = optional('./audit')
      const audit = mod && typeof mod.currentAudit === 'function' ? mod.currentAudit() : null
      if (!audit) return
      // Rows without a call site count adds below the audit's stack threshold.
      const rows = audit
        .report()
        .filter((r) => r.site !== null && r.live > 0)
        .sort((a, b) => b.live - a.live)
        .slice(0, top)
      for (const r of rows) {
        this.inc({ site: String(r.site), emitter: String(r.emitterClass), event: String(r.event) }, r.live)
      }
    },
  })
  return [live]
}

/**
 * Registers leakguard's collectors on a prom-client registry and returns the
 * metric objects. Options: prefix (default 'leakguard_'), monitor (default: the
 * newest running monitor at each scrape), topListenerSites (default 10), client
 * (the prom-client module, default require('prom-client')).
 */
function registerMetrics(register, options = {}) {
  if (options === null || typeof options !== 'object') {
    throw optionError(TypeError, `options must be an object, got ${String(options)}`)
  }
  const known = ['prefix', 'monitor', 'topListenerSites', 'client']
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw optionError(TypeError, `unknown option ${JSON.stringify(key)}; known: ${known.join(', ')}`)
    }
  }
  const { prefix = 'leakguard_', monitor, topListenerSites = 10 } = options
  const client = options.client ?? loadPromClient()
  if (register === undefined) register = client.register
  if (register === null || typeof register !== 'object' || typeof register.registerMetric !== 'function') {
    throw optionError(TypeError, `register must be a prom-client Registry, got ${String(register)}`)
  }
  if (typeof prefix !== 'string') {
    throw optionError(TypeError, `prefix must be a string, got ${String(prefix)}`)
  }
  if (prefix !== '' && !NAME.test(prefix)) {
    throw optionError(RangeError, `prefix must match ${NAME} (a Prometheus metric name start), got ${JSON.stringify(prefix)}`)
  }
  if (monitor !== undefined && (monitor === null || typeof monitor.status !== 'function')) {
    throw optionError(TypeError, `monitor must be a MemoryMonitor from monitorMemory(), got ${String(monitor)}`)
  }
  if (!Number.isInteger(topListenerSites) || topListenerSites < 1 || topListenerSites > 1000) {
    const Ctor = typeof topListenerSites === 'number' ? RangeError : TypeError
    const shown = typeof topListenerSites === 'string' ? JSON.stringify(topListenerSites) : String(topListenerSites)
    throw optionError(Ctor, `topListenerSites must be an integer from 1 to 1000, got ${shown}`)
  }
  const registers = [register]
  const pick = () => monitor ?? latestMonitor()
  return [
    ...monitorCollectors(client, prefix, registers, pick),
    ...cacheCollectors(client, prefix, registers),
    ...auditCollectors(client, prefix, registers, topListenerSites),
  ]
}

module.exports = { registerMetrics }
