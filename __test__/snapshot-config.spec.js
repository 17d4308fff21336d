'use strict'
// LEAKGUARD_SNAPSHOT_* read in this process by installFromEnv, as register.js
// does: a refused setting is one logged line and no handler, never a throw.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { installFromEnv } = require('../lib/snapshot')
const { captureLog } = require('./support/log')

function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-snapcfg-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('a LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT out of range is refused, naming it, and no handler is left installed', (t) => {
  const dir = tmpdir(t)
  const before = process.listenerCount('SIGUSR2')
  const { lines } = captureLog(t)
  const remove = installFromEnv({ LEAKGUARD_SNAPSHOT_DIR: dir, LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT: '5000000000' })
  t.after(() => remove?.())
  assert.equal(remove, null)
  assert.equal(process.listenerCount('SIGUSR2'), before, 'the refused configuration installs nothing')
  assert.equal(lines.length, 1, JSON.stringify(lines))
  assert.equal(lines[0].event, 'snapshot-config-refused')
  assert.match(lines[0].message, /LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT/)
  assert.match(lines[0].message, /5000000000/)
})

test('every refused LEAKGUARD_SNAPSHOT_* variable is logged with its name and value, as the signal is', (t) => {
  const dir = tmpdir(t)
  const log = captureLog(t)
  for (const [variable, value] of [
    ['LEAKGUARD_SNAPSHOT_KEEP', '-1'],
    ['LEAKGUARD_SNAPSHOT_MIN_INTERVAL', '1e3'],
    ['LEAKGUARD_SNAPSHOT_GZIP', 'yes'],
    ['LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT', 'lots'],
    ['LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT', '5000000000'],
    ['LEAKGUARD_SNAPSHOT_SIGNAL', 'SIGKILL'],
  ]) {
    const from = log.lines.length
    const remove = installFromEnv({ LEAKGUARD_SNAPSHOT_DIR: dir, [variable]: value })
    const lines = log.lines.slice(from)
    assert.equal(remove, null, `${variable}=${value}`)
    assert.equal(lines.length, 1, JSON.stringify(lines))
    const { event, message, ...named } = lines[0]
    assert.equal(event, 'snapshot-config-refused')
    assert.deepEqual(named, { variable, value })
    assert.ok(message.includes(variable) && message.includes(value), message)
  }
})

test('installSnapshotSignal: onSignal must be a function, and one that throws is a hook failure, not a failed snapshot', async (t) => {
  const { installSnapshotSignal } = require('../lib/snapshot')
  assert.throws(() => installSnapshotSignal({ onSignal: 5 }), {
    name: 'TypeError',
    message: 'installSnapshotSignal: onSignal must be a function, got 5',
  })
  const dir = tmpdir(t)
  const { lines, waitFor } = captureLog(t)
  const remove = installSnapshotSignal({
    dir,
    onSignal: () => {
      throw new Error('upload broke')
    },
  })
  t.after(remove)
  const alive = setInterval(() => {}, 1000) // signal handles do not keep the loop alive
  t.after(() => clearInterval(alive))
  process.kill(process.pid, 'SIGUSR2')
  await waitFor((l) => /failed/.test(l.event))
  assert.deepEqual(
    lines.map((l) => l.event),
    ['snapshot', 'snapshot-hook-failed']
  )
  assert.equal(lines[1].path, lines[0].path)
  assert.match(lines[1].message, /upload broke/)
  assert.ok(fs.existsSync(lines[0].path), 'the snapshot is there')
})
