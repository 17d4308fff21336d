'use strict'
// A heap-leaking child raises the heapUsed alarm (see fixtures/monitor-run.js
// for the shared detector settings: 250 ms interval, 30 s window, 10 s warm-up).
const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild, TEST_ENV } = require('./fixtures/monitor-run')

const WINDOW_MS = Number(TEST_ENV.LEAKGUARD_MONITOR_WINDOW_MS)
const WARMUP_MS = Number(TEST_ENV.LEAKGUARD_MONITOR_WARMUP_MS)
const MB_PER_MIN_AT_1MB_S = 60 * 1e6

test('a child leaking ~1 MB/s of heap raises a heapUsed alarm, logged to stderr', async (t) => {
  const { events, stderr, code } = await runChild(t, 'leak', 45)
  assert.equal(code, 0)
  const leaks = events.filter((e) => e.event === 'leak')
  assert.equal(leaks[0]?.metric, 'heapUsed', JSON.stringify(events))
  const [leak] = leaks
  // Judged once the floors after the warm-up span half the window: documented
  // time to alarm is warmupMs + windowMs / 2 + intervalMs (25.25 s here); it
  // must come within a window after the warm-up.
  assert.ok(leak.at >= WARMUP_MS + WINDOW_MS / 2 && leak.at < WARMUP_MS + WINDOW_MS, `alarm at ${leak.at} ms`)
  // The slope is the leak's rate, within the noise of a 30 s window.
  assert.ok(
    leak.bytesPerMinute > 0.6 * MB_PER_MIN_AT_1MB_S && leak.bytesPerMinute < 1.6 * MB_PER_MIN_AT_1MB_S,
    `slope ${leak.bytesPerMinute} B/min`
  )
  assert.ok(leak.confidence >= 0.99 && leak.confidence <= 1, `confidence ${leak.confidence}`)
  const startedAt = Date.now() - 60000
  assert.ok(leak.since > startedAt && leak.since <= Date.now(), `since ${leak.since}`)
  assert.ok(!leaks.some((e) => e.metric === 'rss'), 'rss growth is the heap’s, not reported twice')

  // startFromEnv's log: one structured line per alarm, prefixed leakguard:.
  const lines = stderr.split('\n').filter((l) => l.startsWith('leakguard: '))
  assert.equal(lines.length, leaks.length, stderr)
  const logged = JSON.parse(lines[0].slice('leakguard: '.length))
  assert.deepEqual(Object.keys(logged), ['event', 'metric', 'bytesPerMinute', 'since', 'confidence', 'pid'])
  assert.equal(logged.event, 'leak')
  assert.equal(logged.metric, 'heapUsed')
  assert.equal(logged.bytesPerMinute, leak.bytesPerMinute)
  assert.equal(logged.since, new Date(leak.since).toISOString())

  const end = events.at(-1)
  assert.equal(end.event, 'end')
  assert.equal(end.status.metrics.heapUsed.suspected, true)
  assert.equal(end.status.metrics.heapUsed.alarms, 1)
  assert.equal(end.status.metrics.heapUsed.since, leak.since)
})
