'use strict'
// Leak alarm bench: three children run side by side, each watched by leakguard's
// monitor and by two common hand-rolled alarms (benchmark/monitor-child.js):
// memwatch's "five growing full GCs" and a least-squares slope over the same
// window and threshold. Reports the time to the first alarm on the leaks and
// the alarms raised by two minutes of heavy churn (the soak), plus the
// cost of one judgement. Detector settings are the tests' (see
// __test__/fixtures/monitor-run.js): 250 ms interval, 30 s window, 16 MiB/min,
// 10 s warm-up (for all three detectors); times are from the child's start.
const { spawn } = require('node:child_process')
const path = require('node:path')
const { TEST_ENV } = require('../__test__/fixtures/monitor-run')
const { MonitorCore } = require('../lib/native')

const CHURN_SECONDS = Number(process.env.CHURN_SECONDS ?? 120)
const LEAK_SECONDS = 60

function run(mode, seconds) {
  const child = spawn(process.execPath, [path.join(__dirname, 'monitor-child.js'), mode, String(seconds)], {
    env: { ...process.env, ...TEST_ENV, LEAKGUARD_CHILD_FULL_RUN: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  process.on('exit', () => child.kill('SIGKILL'))
  return new Promise((resolve) => {
    child.on('close', () => resolve(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))))
  })
}

const seconds = (ms) => (ms === undefined ? `none in ${LEAK_SECONDS} s` : `${(ms / 1000).toFixed(1)} s`)

function alarms(events) {
  const by = { leakguard: [], memwatch: [], leastSquares: [] }
  for (const e of events) {
    if (e.event === 'leak') by.leakguard.push(e)
    if (e.event === 'baseline') by[e.detector].push(e)
  }
  return by
}

function judgementCost() {
  // Full windows at the defaults (10 min window, 5 s buckets): 120 points per series.
  const core = new MonitorCore({ windowMs: 600000, bucketMs: 5000, minSamples: 12, confidence: 0.99, thresholdBytesPerMinute: 1 << 20 })
  const batch = new Float64Array(7 * 400)
  for (let i = 0; i < 400; i++) {
    const t = i * 1500
    batch.set([t, i % 2 ? 1 : 0, 3e8 + (i % 7) * 1e6, 5e7 + (i % 5) * 1e6, 9e7, 2e6, 1e6], i * 7)
  }
  core.ingest(batch, 400)
  const n = 200
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) core.evaluate(600000)
  return Number(process.hrtime.bigint() - start) / n / 1000
}

async function main() {
  console.log(`running heap leak (${LEAK_SECONDS} s), Buffer leak (${LEAK_SECONDS} s) and churn (${CHURN_SECONDS} s) children side by side…`)
  const [leak, buffer, churn] = (await Promise.all([run('leak', LEAK_SECONDS), run('buffer', LEAK_SECONDS), run('churn', CHURN_SECONDS)])).map(alarms)
  const rows = []
  const first = (list, metric) => list.find((e) => !metric || metric.includes(e.metric))?.at
  const lgLeak = first(leak.leakguard, ['heapUsed'])
  const lgBuf = first(buffer.leakguard, ['external', 'arrayBuffers'])
  const ratio = (x, base) => (x === undefined || base === undefined ? 'no ratio' : `${(x / base).toFixed(2)}× leakguard`)
  rows.push({
    scenario: 'heap leak ~1 MB/s: first heapUsed alarm',
    leakguard: seconds(lgLeak),
    memwatch: `${seconds(first(leak.memwatch))} (${ratio(first(leak.memwatch), lgLeak)})`,
    'least squares': `${seconds(first(leak.leastSquares, ['heapUsed']))} (${ratio(first(leak.leastSquares, ['heapUsed']), lgLeak)})`,
  })
  rows.push({
    scenario: 'Buffer leak ~1 MB/s: first external alarm',
    leakguard: seconds(lgBuf),
    memwatch: 'cannot see external',
    'least squares': `${seconds(first(buffer.leastSquares, ['external']))} (${ratio(first(buffer.leastSquares, ['external']), lgBuf)})`,
  })
  rows.push({
    scenario: 'Buffer leak: false heapUsed alarms',
    leakguard: String(buffer.leakguard.filter((e) => e.metric === 'heapUsed').length),
    memwatch: String(buffer.memwatch.length),
    'least squares': String(buffer.leastSquares.filter((e) => e.metric === 'heapUsed').length),
  })
  rows.push({
    scenario: `churn ~50 MB/s, ${CHURN_SECONDS} s: false alarms`,
    leakguard: String(churn.leakguard.length),
    memwatch: String(churn.memwatch.length),
    'least squares': String(churn.leastSquares.length),
  })
  console.table(rows)
  if (churn.leakguard.length) console.log('leakguard churn alarms:', churn.leakguard)
  console.log(`one judgement at the defaults (4 series × 120 points, Theil–Sen + Mann–Kendall): ${judgementCost().toFixed(0)} µs`)
}

main()
