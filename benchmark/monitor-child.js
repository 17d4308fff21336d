'use strict'
// The test child (../__test__/fixtures/monitor-child.js) plus two common
// hand-rolled leak alarms watching the same process, for the comparison in
// monitor.js. Each reports its alarms as JSON lines like the monitor's.
const { PerformanceObserver, constants } = require('node:perf_hooks')

const t0 = performance.now()
const WINDOW_MS = Number(process.env.LEAKGUARD_MONITOR_WINDOW_MS)
const INTERVAL_MS = Number(process.env.LEAKGUARD_MONITOR_INTERVAL_MS)
const THRESHOLD = Number(process.env.LEAKGUARD_MONITOR_THRESHOLD_BYTES_PER_MINUTE)
// Same warm-up as leakguard's, for a fair comparison.
const JUDGE_FROM = t0 + Number(process.env.LEAKGUARD_MONITOR_WARMUP_MS ?? 0)
const report = (detector, data) =>
  process.stdout.write(`${JSON.stringify({ event: 'baseline', detector, at: Math.round(performance.now() - t0), ...data })}\n`)

// memwatch's old heuristic: heapUsed after five consecutive full GCs, each
// higher than the one before.
let last = -1
let growing = 0
new PerformanceObserver((list) => {
  if (performance.now() < JUDGE_FROM) return
  if (!list.getEntries().some((e) => e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return
  const used = process.memoryUsage().heapUsed
  growing = used > last ? growing + 1 : 0
  last = used
  if (growing >= 5) {
    report('memwatch', { metric: 'heapUsed' })
    growing = 0
  }
}).observe({ type: 'gc' })

// A least-squares slope of the periodic heapUsed and external readings over
// the same window and threshold as leakguard.
const samples = []
let alarmed = { heapUsed: false, external: false }
setInterval(() => {
  const now = performance.now()
  if (now < JUDGE_FROM) return
  const m = process.memoryUsage()
  samples.push({ t: now, heapUsed: m.heapUsed, external: m.external })
  while (samples[0].t < now - WINDOW_MS) samples.shift()
  if (now - samples[0].t < WINDOW_MS / 2) return
  for (const k of ['heapUsed', 'external']) {
    const n = samples.length
    const mt = samples.reduce((a, s) => a + s.t, 0) / n
    const mv = samples.reduce((a, s) => a + s[k], 0) / n
    let num = 0
    let den = 0
    for (const s of samples) {
      num += (s.t - mt) * (s[k] - mv)
      den += (s.t - mt) ** 2
    }
    const perMinute = (num / den) * 60000
    if (perMinute >= THRESHOLD && !alarmed[k]) report('leastSquares', { metric: k, bytesPerMinute: Math.round(perMinute) })
    alarmed[k] = perMinute >= THRESHOLD
  }
}, INTERVAL_MS).unref()

require('../__test__/fixtures/monitor-child.js')
