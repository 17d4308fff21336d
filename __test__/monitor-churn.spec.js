'use strict'
// Heavy churn raises no alarm. The issue asks for two minutes; npm test runs 40 s
// (10 s warm-up, then 30 s: one full window) with the same detector settings as
// the leak tests (fixtures/monitor-run.js); `npm run bench:monitor` runs the
// full two minutes.
const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild } = require('./fixtures/monitor-run')

test('a child allocating and dropping ~50 MB/s raises no alarm', async (t) => {
  const { events, code, stderr } = await runChild(t, 'churn', 40)
  assert.equal(code, 0)
  assert.deepEqual(events.filter((e) => e.event !== 'end'), [])
  assert.equal(stderr, '')
  const { status } = events.at(-1)
  // The test means something only if the floors were actually judged.
  assert.ok(status.gcReadings > 50, `only ${status.gcReadings} GC readings`)
  assert.equal(status.metrics.heapUsed.judged, true, JSON.stringify(status.metrics.heapUsed))
  for (const m of ['heapUsed', 'external', 'arrayBuffers', 'rss']) {
    assert.equal(status.metrics[m].suspected, false, m)
    assert.equal(status.metrics[m].alarms, 0, m)
  }
})
