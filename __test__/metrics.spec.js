'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const client = require('prom-client')
const { registerMetrics, monitorMemory, LRUCache, auditListeners } = require('..')

/** Parses exposition text into { name: { type, help, samples: [{ labels, value }] } }. */
function parse(text) {
  const out = {}
  for (const line of text.split('\n')) {
    let m
    if ((m = /^# HELP (\S+) (.*)$/.exec(line))) out[m[1]] = { help: m[2], type: null, samples: [] }
    else if ((m = /^# TYPE (\S+) (\S+)$/.exec(line))) out[m[1]].type = m[2]
    else if ((m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)) && out[m[1]]) {
      // (Histogram _bucket/_sum/_count samples of the default metrics are skipped.)
      const labels = {}
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v
      out[m[1]].samples.push({ labels, value: Number(m[3]) })
    }
  }
  return out
}

const value = (metrics, name, labels) => {
  const hits = metrics[name].samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  assert.equal(hits.length, 1, `${name} ${JSON.stringify(labels)}: ${JSON.stringify(metrics[name].samples)}`)
  return hits[0].value
}

const DOCUMENTED = {
  leakguard_memory_floor_bytes: 'gauge',
  leakguard_memory_growth_bytes_per_second: 'gauge',
  leakguard_memory_leak_suspected: 'gauge',
  leakguard_memory_leak_alarms_total: 'counter',
  leakguard_cache_hits_total: 'counter',
  leakguard_cache_misses_total: 'counter',
  leakguard_cache_evictions_total: 'counter',
  leakguard_cache_expirations_total: 'counter',
  leakguard_cache_entries: 'gauge',
  leakguard_cache_size: 'gauge',
  leakguard_listeners_live: 'gauge',
}

test('a real prom-client registry exposes the documented names with the monitor and caches values', async (t) => {
  const register = new client.Registry()
  // Alongside prom-client's default Node metrics, with no name clash.
  client.collectDefaultMetrics({ register })
  const monitor = monitorMemory({ intervalMs: 20, windowMs: 2000, minSamples: 8, warmupMs: 0 })
  t.after(() => monitor.stop())
  const metricsList = registerMetrics(register, { monitor })
  assert.equal(metricsList.length, Object.keys(DOCUMENTED).length)

  const users = new LRUCache({ name: 'users', max: 2 })
  const blobs = new LRUCache({ name: 'blobs', maxSize: 100, sizeCalculation: (v) => v.length })
  users.set('a', 1)
  users.set('b', 2)
  users.get('a')
  users.get('a')
  users.get('zz')
  users.set('c', 3) // evicts b
  blobs.set('x', 'y'.repeat(30))
  blobs.set('z', 'y'.repeat(50))

  let junk
  for (let i = 0; i < 300000; i++) junk = { i, s: `x${i}`, junk }
  junk = null
  await new Promise((r) => setTimeout(r, 300))
  monitor.stop() // freezes the verdicts the scrape must match
  const status = monitor.status()
  assert.ok(status.gcReadings >= 1)

  const m = parse(await register.metrics())
  for (const [name, type] of Object.entries(DOCUMENTED)) {
    assert.ok(m[name], `${name} missing`)
    assert.equal(m[name].type, type, name)
  }
  const ours = Object.keys(m).filter((n) => n.startsWith('leakguard_'))
  assert.deepEqual(ours.sort(), Object.keys(DOCUMENTED).sort())
  assert.ok(m.nodejs_heap_size_used_bytes, 'default metrics registered too')

  for (const k of ['heapUsed', 'external', 'arrayBuffers', 'rss']) {
    const floor = value(m, 'leakguard_memory_floor_bytes', { metric: k })
    assert.equal(floor, status.metrics[k].floorBytes, k)
    assert.ok(floor > 0, k)
    assert.equal(value(m, 'leakguard_memory_leak_suspected', { metric: k }), 0, k)
    assert.equal(value(m, 'leakguard_memory_leak_alarms_total', { metric: k }), 0, k)
  }
  assert.ok(value(m, 'leakguard_memory_floor_bytes', { metric: 'heapUsed' }) < status.latest.heapTotal * 2)
  const slopes = m.leakguard_memory_growth_bytes_per_second.samples
  for (const s of slopes) {
    assert.equal(s.value, status.metrics[s.labels.metric].bytesPerMinute / 60, s.labels.metric)
  }

  const u = users.stats()
  assert.deepEqual([u.hits, u.misses, u.evictions], [2, 1, 1])
  assert.equal(value(m, 'leakguard_cache_hits_total', { cache: 'users' }), 2)
  assert.equal(value(m, 'leakguard_cache_misses_total', { cache: 'users' }), 1)
  assert.equal(value(m, 'leakguard_cache_evictions_total', { cache: 'users' }), 1)
  assert.equal(value(m, 'leakguard_cache_expirations_total', { cache: 'users' }), 0)
  assert.equal(value(m, 'leakguard_cache_entries', { cache: 'users' }), 2)
  assert.equal(value(m, 'leakguard_cache_entries', { cache: 'blobs' }), 2)
  assert.equal(value(m, 'leakguard_cache_size', { cache: 'blobs' }), 80)
  assert.equal(value(m, 'leakguard_cache_evictions_total', { cache: 'blobs' }), 0)

  // Values follow the caches between scrapes.
  blobs.set('w', 'y'.repeat(40)) // 120 > 100: evicts x
  users.get('c')
  const m2 = parse(await register.metrics())
  assert.equal(value(m2, 'leakguard_cache_size', { cache: 'blobs' }), 90)
  assert.equal(value(m2, 'leakguard_cache_evictions_total', { cache: 'blobs' }), 1)
  assert.equal(value(m2, 'leakguard_cache_hits_total', { cache: 'users' }), 3)
})

test('by default the newest running monitor is reported; none running, no samples', async (t) => {
  const register = new client.Registry()
  registerMetrics(register, { prefix: 'svc_' })
  let m = parse(await register.metrics())
  assert.deepEqual(m.svc_memory_floor_bytes.samples, [])
  assert.deepEqual(m.svc_memory_leak_suspected.samples, [])
  assert.deepEqual(m.svc_listeners_live.samples, [])

  const older = monitorMemory({ intervalMs: 1000, windowMs: 60000, minSamples: 8, warmupMs: 0 })
  const newer = monitorMemory({ intervalMs: 1000, windowMs: 60000, minSamples: 8, warmupMs: 0 })
  t.after(() => [older, newer].forEach((x) => x.stop()))
  m = parse(await register.metrics())
  assert.deepEqual(m.svc_memory_leak_suspected.samples.map((s) => s.labels.metric), ['heapUsed', 'external', 'arrayBuffers', 'rss'])
  // Each monitor took one reading at start: the floors shown are the newer one's.
  const floors = m.svc_memory_floor_bytes.samples
  assert.ok(floors.some((s) => s.labels.metric === 'rss'))
  for (const s of floors) assert.equal(s.value, newer.status().metrics[s.labels.metric].floorBytes)
  newer.stop()
  older.stop()
  m = parse(await register.metrics())
  assert.deepEqual(m.svc_memory_leak_suspected.samples, [])
})

test('listener audit: live listeners of the top call sites, labelled by site, emitter and event', async (t) => {
  const audit = auditListeners()
  t.after(() => audit.stop())
  const register = new client.Registry()
  registerMetrics(register, { prefix: 'a_', topListenerSites: 2 })
  const bus = new EventEmitter()
  bus.setMaxListeners(0)
  const target = new EventTarget()
  for (let i = 0; i < 30; i++) bus.on('message', () => {})
  for (let i = 0; i < 12; i++) target.addEventListener('abort', () => {})
  for (let i = 0; i < 5; i++) bus.on('error', () => {})
  const expected = audit
    .report()
    .filter((r) => r.site !== null)
    .slice(0, 2)
    .map((r) => ({ labels: { site: r.site, emitter: r.emitterClass, event: r.event }, value: r.live }))
  assert.deepEqual(
    expected.map((e) => [e.labels.emitter, e.labels.event, e.value]),
    [['EventEmitter', 'message', 28], ['EventTarget', 'abort', 10]],
    'the audit counts from its stack threshold (3) on'
  )
  assert.match(expected[0].labels.site, /metrics\.spec\.js:\d+:\d+$/)
  const m = parse(await register.metrics())
  assert.equal(m.a_listeners_live.type, 'gauge')
  assert.deepEqual(m.a_listeners_live.samples, expected)
})

test('bad arguments throw errors naming the option and the value', () => {
  const register = new client.Registry()
  const opt = (name, message) => ({ name, code: 'ERR_LEAKGUARD_OPTION', message })
  assert.throws(() => registerMetrics({}), opt('TypeError', 'register must be a prom-client Registry, got [object Object]'))
  assert.throws(() => registerMetrics(register, { prefix: '9x' }), opt('RangeError', 'prefix must match /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ (a Prometheus metric name start), got "9x"'))
  assert.throws(() => registerMetrics(register, { prefix: 3 }), opt('TypeError', 'prefix must be a string, got 3'))
  assert.throws(() => registerMetrics(register, { topListenerSites: 0 }), opt('RangeError', 'topListenerSites must be an integer from 1 to 1000, got 0'))
  // a string reads as one, not as the number it looks like ("got 3" for '3' named a valid value)
  assert.throws(() => registerMetrics(register, { topListenerSites: '3' }), opt('TypeError', 'topListenerSites must be an integer from 1 to 1000, got "3"'))
  assert.throws(() => registerMetrics(register, { prefix: 'a_', topListenerSites: '' }), opt('TypeError', 'topListenerSites must be an integer from 1 to 1000, got ""'))
  assert.throws(() => registerMetrics(register, { monitor: {} }), opt('TypeError', 'monitor must be a MemoryMonitor from monitorMemory(), got [object Object]'))
  assert.throws(() => registerMetrics(register, { prefx: 'a_' }), opt('TypeError', 'unknown option "prefx"; known: prefix, monitor, topListenerSites, client'))
  // Registering twice on one registry is prom-client's own error.
  registerMetrics(register)
  assert.throws(() => registerMetrics(register), /already been registered/)
})

test('cache counters stay monotonic per name when a named cache is garbage collected', () => {
  const script = `
    const client = require('prom-client')
    const { registerMetrics, LRUCache } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const register = new client.Registry()
    registerMetrics(register)
    const read = async () => {
      const out = {}
      for (const m of await register.getMetricsAsJSON()) {
        if (!m.name.startsWith('leakguard_cache_')) continue
        for (const v of m.values) if (v.labels.cache === 'users') out[m.name.slice(16)] = v.value
      }
      return out
    }
    const kept = new LRUCache({ max: 10, name: 'users' })
    kept.set('k', 1)
    kept.get('k')
    ;(() => {
      const temp = new LRUCache({ max: 2, name: 'users', ttl: 10, ttlResolution: 0, perf: { now: () => 1000 } })
      for (let i = 0; i < 100; i++) temp.set('a', i).get('a')
      temp.get('zz')
      temp.set('b', 1).set('c', 1) // evicts a
    })()
    ;(async () => {
      const before = await read()
      await new Promise((r) => setTimeout(r, 10)) // (a WeakRef read in a job holds its target to the job's end)
      globalThis.gc() // the cache is gone, its finalizer has not run yet
      const between = await read()
      await new Promise((r) => setTimeout(r, 50))
      globalThis.gc()
      await new Promise((r) => setTimeout(r, 50))
      kept.get('k')
      const after = await read()
      console.log(JSON.stringify({ before, between, after }))
    })()
  `
  // spawnSync returns only once the child is gone (killed at the timeout)
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
    encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL', cwd: path.join(__dirname, '..'),
  })
  assert.equal(child.stderr, '')
  const { before, between, after } = JSON.parse(child.stdout)
  assert.deepEqual(before, { hits_total: 101, misses_total: 1, evictions_total: 1, expirations_total: 0, entries: 3, size: 0 })
  // counters keep what the collected cache counted; gauges drop its entries
  assert.deepEqual(between, { hits_total: 101, misses_total: 1, evictions_total: 1, expirations_total: 0, entries: 1, size: 0 })
  assert.deepEqual(after, { hits_total: 102, misses_total: 1, evictions_total: 1, expirations_total: 0, entries: 1, size: 0 })
})

test('cluster mode: AggregatorRegistry keeps memory_leak_suspected at 1 when two workers alarm, and sums the rest', async (t) => {
  const monitor = monitorMemory({ intervalMs: 20, windowMs: 2000, minSamples: 8, warmupMs: 0 })
  t.after(() => monitor.stop())
  // What each worker sends the primary: its registry as JSON, here with an alarm held.
  const worker = async () => {
    const register = new client.Registry()
    registerMetrics(register, { monitor })
    const json = await register.getMetricsAsJSON()
    for (const m of json) {
      if (m.name === 'leakguard_memory_leak_suspected' || m.name === 'leakguard_memory_leak_alarms_total') {
        m.values = [{ labels: { metric: 'heapUsed' }, value: 1 }]
      }
    }
    return json
  }
  const merged = client.AggregatorRegistry.aggregate([await worker(), await worker()])
  const value = async (name) => (await merged.getSingleMetric(name).get()).values.find((v) => v.labels.metric === 'heapUsed').value
  assert.equal(await value('leakguard_memory_leak_suspected'), 1)
  assert.equal(await value('leakguard_memory_leak_alarms_total'), 2)
})
