'use strict'
// The audit's own memory stays bounded: per-request event names, classes made
// per instance and many call sites cost a bounded number of rows, and a leak
// among them is still named.
const test = require('node:test')
const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const { sitesIn, start } = require('./support/audit')
const { Recorder, BATCH_WORDS, MAX_EVENTS, MAX_ROWS, OTHER_EVENTS } = require('../lib/audit/recorder')

const siteOf = sitesIn(__filename)

const sum = (rows, k) => rows.reduce((n, r) => n + r[k], 0)

test('per-request event names share one row past MAX_EVENTS names, and a leak beside them is still named', (t) => {
  const audit = start(t, { suspectLive: 10, suspectWindows: 2, windows: 4 })
  const suspects = []
  audit.onSuspect((row) => suspects.push(row))
  const bus = new EventEmitter()
  bus.setMaxListeners(0)
  let id = 0
  for (let w = 0; w < 4; w++) {
    for (let i = 0; i < 2000; i++) {
      bus.once(`reply-${id}`, () => {})
      if (i % 100 === 0) bus.on('data', () => {}) // FLOOD-LEAK
      bus.emit(`reply-${id++}`)
    }
    audit.tick()
  }
  const rows = audit.report()
  // 'data' (its first two listeners, below the threshold) took one of the class's MAX_EVENTS names
  const plain = rows.filter((r) => r.site === null && r.emitterClass === 'EventEmitter')
  assert.equal(plain.length, MAX_EVENTS + 1)
  const replies = plain.filter((r) => r.event !== 'data')
  const other = replies.find((r) => r.event === OTHER_EVENTS)
  const apart = MAX_EVENTS - 1
  assert.deepEqual([other.added, other.removed, other.live], [8000 - apart, 8000 - apart, 0])
  assert.deepEqual([sum(replies, 'added'), sum(replies, 'removed'), sum(replies, 'live')], [8000, 8000, 0])
  assert.ok(rows.length <= MAX_EVENTS + 3, `${rows.length} rows`)

  const site = siteOf('FLOOD-LEAK', 'on(')
  const leak = rows.find((r) => r.site === site)
  assert.deepEqual([leak.event, leak.live, leak.growth], ['data', 78, [20, 20, 20]])
  assert.equal(rows[0], leak) // most live first
  assert.deepEqual(suspects.map((r) => [r.site, r.event]), [[site, 'data']])
  assert.match(audit.format(), /EventEmitter +data +\S+audit-bounds\.spec\.js:/)
})

test('past the threshold, a call site keeps MAX_EVENTS names apart and counts the rest on its own row', (t) => {
  const audit = start(t, { stackThreshold: 1, suspectLive: 10, suspectWindows: 2, windows: 3 })
  const suspects = []
  audit.onSuspect((row) => suspects.push(row))
  const bus = new EventEmitter()
  const pending = []
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < 300; i++) {
      const id = pending.length
      bus.once(`reply-${id}`, () => {}) // NAMED-LEAK: replies that never come
      pending.push(id)
    }
    audit.tick()
  }
  const site = siteOf('NAMED-LEAK', 'once(')
  const rows = audit.report().filter((r) => r.site === site)
  assert.equal(rows.length, MAX_EVENTS + 1)
  assert.equal(sum(rows, 'live'), 900)
  const other = rows.find((r) => r.event === OTHER_EVENTS)
  assert.deepEqual([other.live, other.growth], [900 - MAX_EVENTS, [300, 300]])
  assert.deepEqual(suspects.map((r) => [r.site, r.event]), [[site, OTHER_EVENTS]])
  bus.removeAllListeners()
  assert.equal(sum(audit.report().filter((r) => r.site === site), 'live'), 0)
})

test('classes made per instance share the rows of their name', (t) => {
  const audit = start(t, { stackThreshold: 2 })
  const f = () => {}
  for (let i = 0; i < 500; i++) {
    class Conn extends EventEmitter {}
    const c = new Conn()
    c.on('close', f)
    c.on('close', f) // PER-CLASS
  }
  const rows = audit.report().filter((r) => r.emitterClass === 'Conn')
  assert.deepEqual(
    rows.map((r) => [r.site, r.event, r.added]).sort((a, b) => (a[0] === null) - (b[0] === null)),
    [[siteOf('PER-CLASS', 'on('), 'close', 500], [null, 'close', 500]]
  )
})

test(`past MAX_ROWS rows, new keys share one spill row and a warning says so once`, async (t) => {
  const audit = start(t)
  const warned = new Promise((resolve) => {
    const on = (w) => {
      if (w.code === 'LEAKGUARD_AUDIT_ROWS') {
        process.off('warning', on)
        resolve(w)
      }
    }
    process.on('warning', on)
  })
  const f = () => {}
  const n = MAX_ROWS + 50
  for (let i = 0; i < n; i++) {
    const C = { [`K${i}`]: class extends EventEmitter {} }[`K${i}`]
    new C().on('x', f)
  }
  const w = await warned
  assert.match(w.message, /10000 rows reached/)
  const rows = audit.report()
  assert.equal(rows.length, MAX_ROWS + 1)
  const spill = rows.find((r) => r.emitterClass === '(other)')
  assert.deepEqual([spill.site, spill.event], [null, OTHER_EVENTS])
  // the spill row also counts whatever else (the test runner) adds past the bound
  const counted = sum(rows.filter((r) => /^K\d+$/.test(r.emitterClass) || r === spill), 'added')
  assert.ok(counted >= n && counted < n + 10, `${counted}`)
  await new Promise((resolve) => setImmediate(resolve))
})

test('per-emitter records forget an event once its attributed listeners are gone', () => {
  const core = { apply() {}, exempt() {} }
  const rec = new Recorder(core, new Uint32Array(BATCH_WORDS), { stackThreshold: 1, stackDepth: 16, ignoreNodeModules: false })
  const bus = new EventEmitter()
  for (let i = 0; i < 1000; i++) {
    const f = () => {}
    rec.added(bus, `reply-${i}`, f, 1, false)
    if (i % 2) rec.removed(bus, `reply-${i}`, f)
    else rec.removedAll(bus, `reply-${i}`, 1)
  }
  const r = rec.emitters.get(bus)
  assert.deepEqual([r.types.size, r.counts.size], [0, 0])
  assert.ok(rec.info.length <= MAX_EVENTS + 1)

  // an EventTarget's entry stays while the target holds listeners of the event, and it is tracked once
  const target = new EventTarget()
  const fs = [() => {}, () => {}]
  target.addEventListener('x', fs[0])
  rec.added(target, 'x', fs[0], 1, true, 0)
  target.addEventListener('x', fs[1])
  rec.added(target, 'x', fs[1], 2, true, 1)
  target.removeEventListener('x', fs[0])
  rec.removedEvent(target, 'x', fs[0], 2, 1)
  assert.equal(rec.targets.size, 1)
  target.removeEventListener('x', fs[1])
  rec.removedEvent(target, 'x', fs[1], 1, 0)
  assert.equal(rec.emitters.get(target).types.size, 0)
  rec.reconcile()
  assert.equal(rec.targets.size, 0)
})
