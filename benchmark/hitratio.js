'use strict'
// Hit ratio of LRUCache's policies on real traces, beside the reference table.
// Run: npm run bench:hitratio [-- path/to/traces/README.md]
//
// Reads the reference table from the traces' README (default
// ../shared/traces/README.md beside the package), replays every row's trace at
// its capacity through the real JS LRUCache with policy 'lru' and 'tinylfu'
// (a hit is get() finding the key; a miss set()s it, size 1), and prints our
// columns beside the reference ones with the gap to the best reference column
// (OPT excluded). `cargo run --release --example hitratio` is the same replay in
// pure Rust, for tuning.
//
// Then get-hit throughput of the two policies in the same run (warm caches of
// 10,000 and 1,000 string keys, uniform gets), with the ratio tinylfu / lru.

// The same admission tie-breaks as the Rust replay's default seed, so the two
// replays agree exactly (without it every cache seeds itself unpredictably).
process.env.LEAKGUARD_CACHE_SEED ??= '24301'

const fs = require('node:fs')
const path = require('node:path')
const { LRUCache } = require('..')
const { loadTraceSync } = require('../lib/native')
const { rng } = require('../__test__/support/rng')

const README = process.argv[2] || path.join(__dirname, '..', '..', 'shared', 'traces', 'README.md')
const POLICIES = ['lru', 'tinylfu']
const OPT = 'OPT (Belady)'

function parseTable(text) {
  let header = null
  const rows = []
  for (const line of text.split('\n')) {
    const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim())
    if (cells[0] === 'trace') header = cells
    else if (header && /\.(gz|xz)$/.test(cells[0])) {
      const ci = header.indexOf('capacity')
      const refs = header.slice(ci + 1).map((name, i) => [name, Number(cells[ci + 1 + i])])
      rows.push({ file: cells[0], capacity: Number(cells[ci]), refs })
    }
  }
  return { header, rows }
}

function replay(keys, capacity, policy) {
  const c = new LRUCache({ max: capacity, policy })
  let hits = 0
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    if (c.get(k) !== undefined) hits++
    else c.set(k, 1)
  }
  return hits / keys.length
}

function getHitOpsPerSec(policy, names, picks) {
  const c = new LRUCache({ max: names.length, policy })
  for (const n of names) c.set(n, n.length)
  let found = 0
  for (let i = 0; i < 200_000; i++) if (c.get(names[picks[i]]) !== undefined) found++ // warm-up
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < picks.length; i++) if (c.get(names[picks[i]]) !== undefined) found++
  const ns = Number(process.hrtime.bigint() - t0)
  if (found !== picks.length + 200_000) throw new Error(`${policy}: warm cache missed`)
  return (picks.length / ns) * 1e9
}

function main() {
  const { rows } = parseTable(fs.readFileSync(README, 'utf8'))
  if (rows.length === 0) throw new Error(`no reference rows in ${README}`)
  const dir = path.dirname(README)
  const refNames = rows[0].refs.map((r) => r[0])
  const head = ['trace', 'cap', ...refNames, 'ours lru', 'ours tinylfu', 'best ref', 'gap']
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`]
  const traces = new Map()
  const sums = { refs: refNames.map(() => 0), lru: 0, tinylfu: 0 }
  const misses = []
  const t0 = Date.now()
  for (const row of rows) {
    if (!traces.has(row.file)) traces.set(row.file, loadTraceSync(path.join(dir, row.file)))
    const keys = traces.get(row.file)
    const ours = Object.fromEntries(POLICIES.map((p) => [p, replay(keys, row.capacity, p)]))
    const best = Math.max(...row.refs.filter((r) => r[0] !== OPT).map((r) => r[1]))
    const gap = ours.tinylfu - best
    row.refs.forEach((r, i) => (sums.refs[i] += r[1]))
    sums.lru += ours.lru
    sums.tinylfu += ours.tinylfu
    const name = row.file.replace(/\.trace\.(gz|xz)$/, '')
    const cells = [name, row.capacity, ...row.refs.map((r) => r[1].toFixed(4))]
    cells.push(ours.lru.toFixed(4), ours.tinylfu.toFixed(4), best.toFixed(4), (gap >= 0 ? '+' : '') + gap.toFixed(4))
    lines.push(`| ${cells.join(' | ')} |`)
    if (ours.tinylfu < ours.lru || gap < -0.01) {
      misses.push(`${name}@${row.capacity}: tinylfu ${ours.tinylfu.toFixed(4)}, lru ${ours.lru.toFixed(4)}, best ref ${best.toFixed(4)}`)
    }
  }
  const n = rows.length
  const avgRefs = sums.refs.map((s) => s / n)
  const bestAvg = Math.max(...avgRefs.filter((_, i) => refNames[i] !== OPT))
  const avg = sums.tinylfu / n
  lines.push(
    `| average | | ${avgRefs.map((a) => a.toFixed(4)).join(' | ')} | ${(sums.lru / n).toFixed(4)} | ${avg.toFixed(4)} | ` +
      `${bestAvg.toFixed(4)} | ${(avg - bestAvg >= 0 ? '+' : '') + (avg - bestAvg).toFixed(4)} |`
  )
  console.log(`Hit ratio through LRUCache (Node ${process.version}), ${n} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
  console.log(lines.join('\n'))
  console.log(misses.length ? `\nrows missing a goal (>= lru and >= best ref - 0.01): ${misses.length}` : '\nevery row meets both goals')
  for (const m of misses) console.log(`  ${m}`)
  console.log(`average ${avg.toFixed(4)} vs best single reference average ${bestAvg.toFixed(4)}: ${avg > bestAvg ? 'above' : 'NOT above'}`)

  // Both policies alternate round by round at each capacity; the goal is the
  // 10,000 row (the issue's), 1,000 shows a table that stays in L1/L2.
  const OPS = Number(process.env.BENCH_OPS || 2_000_000)
  const ROUNDS = Number(process.env.BENCH_ROUNDS || 9)
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
  console.log(`\nget-hit ops/s, uniform keys, median of ${ROUNDS} rounds of ${OPS} gets:\n`)
  console.log('| capacity | lru | tinylfu | tinylfu / lru (median of rounds) |\n|---:|---:|---:|---:|')
  for (const cap of [10_000, 1_000]) {
    const names = Array.from({ length: cap }, (_, i) => `user:${i}`)
    const r = rng(1)
    const picks = Uint32Array.from({ length: OPS }, () => Math.floor(r() * cap))
    const samples = { lru: [], tinylfu: [] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of POLICIES) samples[p].push(getHitOpsPerSec(p, names, picks))
    }
    // The ratio is the median of each round's own ratio: the two runs of a
    // round are back to back, so a slow spell of the machine hits both.
    const ratio = med(samples.tinylfu.map((t, i) => t / samples.lru[i]))
    const [l, t] = [med(samples.lru), med(samples.tinylfu)]
    console.log(`| ${cap} | ${(l / 1e6).toFixed(2)}M | ${(t / 1e6).toFixed(2)}M | ${ratio.toFixed(2)} |`)
  }
}

main()
