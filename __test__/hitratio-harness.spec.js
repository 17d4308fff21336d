'use strict'
// npm run bench:hitratio on a reference table of its own: rows in either trace
// format, compressed or not, a blank reference cell, and a trace that is missing.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { spawnSync } = require('node:child_process')

const HARNESS = path.join(__dirname, '..', 'benchmark', 'hitratio.js')

function be32(keys) {
  const b = Buffer.alloc(keys.length * 4)
  keys.forEach((k, i) => b.writeUInt32BE(k, i * 4))
  return b
}

test('the hit-ratio harness replays every readable row and names the ones it skips', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-hitratio-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // At capacity 2, LRU misses 1, 2, 3 (evicting 2) and 2 again: 2 hits of 6.
  const keys = [1, 2, 1, 3, 1, 2]
  fs.writeFileSync(path.join(dir, 'text.trace.gz'), zlib.gzipSync(`${keys.join('\n')}\n*\n`))
  fs.writeFileSync(path.join(dir, 'plain.trace'), `${keys.join('\n')}\n`)
  fs.writeFileSync(path.join(dir, 'keys.bin'), be32(keys))
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    [
      '| trace | requests | capacity | LRU | ARC | OPT (Belady) |',
      '|---|---:|---:|---:|---:|---:|',
      '| text.trace.gz | 6 | 2 | 0.3333 | 0.3333 | 0.5 |',
      '| plain.trace | 6 | 2 | 0.3333 | n/a | 0.5 |',
      '| keys.bin | 6 | 2 | 0.3333 | 0.3333 | 0.5 |',
      '| gone.trace.xz | 6 | 2 | 0.3333 | 0.3333 | 0.5 |',
      '',
    ].join('\n')
  )
  const r = spawnSync(process.execPath, [HARNESS, path.join(dir, 'README.md')], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_OPS: '1000', BENCH_ROUNDS: '1' },
    timeout: 120_000,
  })
  assert.equal(r.status, 1, r.stderr) // a row was skipped
  const rows = r.stdout.split('\n').filter((l) => /^\| (text|plain|keys)/.test(l))
  assert.equal(rows.length, 3, r.stdout)
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim())
    assert.equal(cells[7], '0.3333', row) // ours lru, replayed through LRUCache
  }
  assert.match(rows[1], /^\| plain\.trace \| 2 \| 0\.3333 \| n\/a \| 0\.5000 \|/)
  assert.match(r.stdout, /3 rows in/)
  assert.match(r.stdout, /ARC has values on 2 of 3 rows: ours \d\.\d{4} vs 0\.3333 on those/)
  assert.match(r.stdout, /rows skipped, their trace unreadable \(1\):\n {2}gone@2: cannot read trace .*gone\.trace\.xz/)
  // the throughput tables that follow, a row per capacity
  for (const title of ['get-hit ops/s', 'get-miss + set ops/s']) {
    const at = r.stdout.indexOf(title)
    assert.ok(at >= 0, `no ${title} table:\n${r.stdout}`)
    assert.match(r.stdout.slice(at), /\| 10000 \| [\d.]+M \| [\d.]+M \| \d+\.\d\d \|\n\| 1000 \| [\d.]+M \| [\d.]+M \| \d+\.\d\d \|/)
  }
})
