'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { monitorMemory, MemoryMonitor } = require('..')
const { startFromEnv } = require('../lib/monitor') // internal: register.js calls it

const option = (name, message) => ({ name, code: 'ERR_LEAKGUARD_OPTION', message })

test('options are validated with errors naming the option and the value', () => {
  assert.throws(() => monitorMemory({ intervalMs: '5' }), option('TypeError', 'intervalMs must be a number, got "5"'))
  assert.throws(() => monitorMemory({ intervalMs: 5 }), option('RangeError', 'intervalMs must be an integer from 10 to 2147483647, got 5'))
  assert.throws(() => monitorMemory({ windowMs: 1.5 }), option('RangeError', 'windowMs must be an integer from 1 to 9007199254740991, got 1.5'))
  assert.throws(() => monitorMemory({ windowMs: 60000 }), option('RangeError', 'windowMs must be at least 2 × minSamples × intervalMs (120000), got 60000'))
  assert.throws(() => monitorMemory({ minSamples: 4 }), option('RangeError', 'minSamples must be an integer from 8 to 100, got 4'))
  assert.throws(() => monitorMemory({ confidence: 1 }), option('RangeError', 'confidence must be a number between 0.5 and 1 (exclusive), got 1'))
  assert.throws(() => monitorMemory({ confidence: NaN }), option('RangeError', 'confidence must be a number between 0.5 and 1 (exclusive), got NaN'))
  assert.throws(
    () => monitorMemory({ thresholdBytesPerMinute: -1 }),
    option('RangeError', 'thresholdBytesPerMinute must be a number between 0 and Infinity (exclusive), got -1')
  )
  assert.throws(() => monitorMemory({ warmupMs: -1 }), option('RangeError', 'warmupMs must be an integer from 0 to 9007199254740991, got -1'))
  assert.throws(() => monitorMemory({ interval: 100 }), option('TypeError', 'unknown option "interval"; known: intervalMs, windowMs, minSamples, confidence, thresholdBytesPerMinute, warmupMs'))
  assert.throws(() => monitorMemory(null), option('TypeError', 'options must be an object, got null'))
  assert.throws(() => new MemoryMonitor({ minSamples: 2 }), option('RangeError', 'minSamples must be an integer from 8 to 100, got 2'))
})

test('a monitor samples on its timer, reports status, emits sample, and stops', async () => {
  const m = monitorMemory({ intervalMs: 20, windowMs: 400, minSamples: 8, warmupMs: 0 })
  assert.ok(m instanceof MemoryMonitor)
  assert.deepEqual(m.options, { intervalMs: 20, windowMs: 400, minSamples: 8, confidence: 0.99, thresholdBytesPerMinute: 1048576, warmupMs: 0 })
  // The monitor's timer is unref'd: hold the loop open while waiting for it.
  const sample = await new Promise((resolve) => {
    const hold = setTimeout(() => {}, 10000)
    m.once('sample', (s) => resolve(s, clearTimeout(hold)))
  })
  assert.deepEqual(Object.keys(sample).sort(), ['arrayBuffers', 'external', 'heapTotal', 'heapUsed', 'rss', 'time'])
  assert.ok(sample.heapUsed > 0 && sample.heapUsed <= sample.heapTotal && sample.rss > sample.heapUsed)
  assert.ok(Math.abs(sample.time - Date.now()) < 5000)
  // Garbage enough for a few scavenges, so post-GC readings exist.
  let junk
  for (let i = 0; i < 200000; i++) junk = { i, s: `x${i}`, junk }
  junk = null
  await new Promise((r) => setTimeout(r, 300))
  const s = m.status()
  assert.equal(s.running, true)
  assert.equal(s.warmingUp, false)
  assert.ok(s.samples >= 3, `samples ${s.samples}`)
  assert.ok(s.gcReadings >= 1, `gcReadings ${s.gcReadings}`)
  assert.deepEqual(Object.keys(s.metrics), ['heapUsed', 'external', 'arrayBuffers', 'rss'])
  const heap = s.metrics.heapUsed
  assert.deepEqual(Object.keys(heap), ['floorBytes', 'bytesPerMinute', 'confidence', 'points', 'judged', 'suspected', 'since', 'alarms'])
  assert.ok(heap.floorBytes > 0 && heap.floorBytes < s.latest.heapTotal * 2, `floor ${heap.floorBytes}`)
  assert.equal(heap.suspected, false)
  assert.equal(heap.since, null)
  assert.equal(heap.alarms, 0)
  assert.ok(s.metrics.rss.floorBytes > 0)
  m.stop()
  m.stop()
  assert.equal(m.running, false)
  const before = m.status().samples
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(m.status().samples, before, 'no sampling after stop()')
})

test('a running monitor never keeps the process alive', () => {
  const script = `const m = require(${JSON.stringify(path.join(__dirname, '..'))}).monitorMemory({ intervalMs: 10, windowMs: 200, minSamples: 8 });
    process.on('exit', () => console.log('exit', m.running))`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, 'exit true\n')
})

test('startFromEnv starts only when asked, once, and names bad variables', (t) => {
  assert.equal(startFromEnv({}), null)
  assert.equal(startFromEnv({ LEAKGUARD_MONITOR: '0' }), null)
  assert.throws(() => startFromEnv({ LEAKGUARD_MONITOR: 'yes' }), option('RangeError', 'LEAKGUARD_MONITOR must be "1", "true", "0" or "false", got "yes"'))
  assert.throws(
    () => startFromEnv({ LEAKGUARD_MONITOR: '1', LEAKGUARD_MONITOR_WINDOW_MS: 'ten' }),
    option('RangeError', 'LEAKGUARD_MONITOR_WINDOW_MS must be a whole number in decimal digits, got "ten"')
  )
  for (const raw of ['0x20', '0b100000', '32.0', ' 32', '1e3']) {
    assert.throws(
      () => startFromEnv({ LEAKGUARD_MONITOR: '1', LEAKGUARD_MONITOR_INTERVAL_MS: raw }),
      option('RangeError', `LEAKGUARD_MONITOR_INTERVAL_MS must be a whole number in decimal digits, got ${JSON.stringify(raw)}`)
    )
  }
  assert.throws(
    () => startFromEnv({ LEAKGUARD_MONITOR: '1', LEAKGUARD_MONITOR_CONFIDENCE: '0x1' }),
    option('RangeError', 'LEAKGUARD_MONITOR_CONFIDENCE must be a number, got "0x1"')
  )
  assert.throws(
    () => startFromEnv({ LEAKGUARD_MONITOR: '1', LEAKGUARD_MONITOR_MIN_SAMPLES: '2' }),
    option('RangeError', 'LEAKGUARD_MONITOR_MIN_SAMPLES must be an integer from 8 to 100, got 2')
  )
  const env = { LEAKGUARD_MONITOR: 'true', LEAKGUARD_MONITOR_INTERVAL_MS: '1000', LEAKGUARD_MONITOR_WINDOW_MS: '60000' }
  const m = startFromEnv(env)
  t.after(() => m.stop())
  assert.ok(m instanceof MemoryMonitor)
  assert.equal(m.options.intervalMs, 1000)
  assert.equal(m.options.windowMs, 60000)
  assert.equal(m.options.minSamples, 12)
  assert.equal(m.options.warmupMs, 60000)
  // During the warm-up nothing is judged: no readings reach the detector.
  assert.equal(m.status().warmingUp, true)
  assert.equal(m.status().metrics.rss.floorBytes, null)
  assert.equal(startFromEnv(env), m)
  assert.equal(m.listenerCount('leak'), 1)
})
