'use strict'
// A Buffer-leaking child raises the alarm on external/arrayBuffers (see fixtures/monitor-run.js
// for the shared detector settings: 250 ms interval, 30 s window, 10 s warm-up).
const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild, TEST_ENV } = require('./fixtures/monitor-run')

const WINDOW_MS = Number(TEST_ENV.LEAKGUARD_MONITOR_WINDOW_MS)
const WARMUP_MS = Number(TEST_ENV.LEAKGUARD_MONITOR_WARMUP_MS)
const THRESHOLD = Number(TEST_ENV.LEAKGUARD_MONITOR_THRESHOLD_BYTES_PER_MINUTE)
const MB_PER_MIN_AT_1MB_S = 60 * 1e6

test('a Buffer leak shows in external/arrayBuffers while the heap stays flat', async (t) => {
  const { events, code } = await runChild(t, 'buffer', 45)
  assert.equal(code, 0)
  const leaks = events.filter((e) => e.event === 'leak')
  const metrics = new Set(leaks.map((e) => e.metric))
  assert.ok(metrics.has('external') || metrics.has('arrayBuffers'), JSON.stringify(events))
  assert.ok(!metrics.has('heapUsed') && !metrics.has('rss'), JSON.stringify(leaks))
  const first = leaks[0]
  assert.ok(first.at >= WARMUP_MS + WINDOW_MS / 2 && first.at < WARMUP_MS + WINDOW_MS, `alarm at ${first.at} ms`)
  assert.ok(
    first.bytesPerMinute > 0.6 * MB_PER_MIN_AT_1MB_S && first.bytesPerMinute < 1.6 * MB_PER_MIN_AT_1MB_S,
    `slope ${first.bytesPerMinute} B/min`
  )
  const heap = events.at(-1).status.metrics.heapUsed
  assert.equal(heap.suspected, false)
  assert.ok(heap.points > 0)
  assert.ok(Math.abs(heap.bytesPerMinute) < THRESHOLD, `heap floor slope ${heap.bytesPerMinute} B/min`)
})
