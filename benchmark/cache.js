'use strict'
// LRUCache against the pure-JS caches people use, side by side in one run.
// Run: npm run bench (node --expose-gc). Prints ops/s and the ratio to lru-cache.
// Every measurement runs in a fresh child process (rounds interleave the peers),
// so no cache inherits another's garbage, heap growth or JIT feedback.
//
// Workloads (capacity 10,000):
//   get-hit   warm cache, every key present, keys drawn uniformly
//   set-evict keys cycling over 5x the capacity: every set inserts and evicts
//   zipf      keys from Zipf(0.99) over 100,000 keys; get, and set on a miss
// each without and with a TTL (60 s, so nothing expires during the run).
// Then heap bytes per entry and one forced major GC at 1,000,000 entries.

const { LRUCache } = require('..')
const { LRUCache: IsaacsLRU } = require('lru-cache')
const { createLRU } = require('lru.min')
const { LRU: TinyLRU } = require('tiny-lru')
const MnemonistLRU = require('mnemonist/lru-cache')
const { rng } = require('../__test__/support/rng')

const CAP = 10_000
const OPS = Number(process.env.BENCH_OPS || 2_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5)
const TTL = 60_000

function zipfKeys(n, universe, theta, seed) {
  // inverse-CDF sampling over precomputed cumulative weights
  const cdf = new Float64Array(universe)
  let sum = 0
  for (let i = 0; i < universe; i++) {
    sum += 1 / Math.pow(i + 1, theta)
    cdf[i] = sum
  }
  const r = rng(seed)
  const out = new Array(n)
  for (let i = 0; i < n; i++) {
    const x = r() * sum
    let lo = 0
    let hi = universe - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid] < x) lo = mid + 1
      else hi = mid
    }
    out[i] = lo
  }
  return out
}

const names = Array.from({ length: 100_000 }, (_, i) => `user:${i}`)

// Each peer as { make(ttl) -> { get, set } } over its own API.
const peers = {
  leakguard: (ttl) => new LRUCache(ttl ? { max: CAP, ttl } : { max: CAP }),
  'lru-cache': (ttl) => new IsaacsLRU(ttl ? { max: CAP, ttl } : { max: CAP }),
  'lru.min': (ttl) => (ttl ? null : createLRU({ max: CAP })),
  'quick-lru': null, // loaded below (ES module)
  'tiny-lru': (ttl) => new TinyLRU(CAP, ttl),
  mnemonist: (ttl) => (ttl ? null : new MnemonistLRU(CAP)),
  'Map (unbounded)': (ttl) => (ttl ? null : new Map()),
}

// Each (peer, workload) pair gets its own compiled loop (new Function): a loop
// shared by all peers would see seven cache classes at one call site, turn
// megamorphic, and time the JIT's guesses rather than the caches.
const LOOPS = {
  'get-hit': `let found = 0
    for (let i = 0; i < n; i++) if (c.get(names[keys[i]]) !== undefined) found++
    return found`,
  'set-evict': `for (let i = 0; i < n; i++) c.set(names[i % (5 * CAP)], i)
    return n`,
  zipf: `let hits = 0
    for (let i = 0; i < n; i++) {
      const k = names[keys[i]]
      if (c.get(k) !== undefined) hits++
      else c.set(k, i)
    }
    return hits`,
}

function workload(name, keys) {
  const run = new Function('names', 'keys', 'CAP', `return function run(c, n) { ${LOOPS[name]} }`)(names, keys, CAP)
  return {
    prepare(c) {
      if (name === 'get-hit') for (let i = 0; i < CAP; i++) c.set(names[i], i)
    },
    run,
  }
}

function timeOnce(make, ttl, w, n) {
  const c = make(ttl)
  w.prepare(c)
  w.run(c, Math.min(n, 1_000_000)) // warm the JIT (all tiers) and the cache
  const t0 = process.hrtime.bigint()
  const r = w.run(c, n)
  const ns = Number(process.hrtime.bigint() - t0)
  return { opsPerSec: (n / ns) * 1e9, result: r }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

function fmt(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k`
  return n.toFixed(0)
}

function heapPerEntry(make) {
  const N = 1_000_000
  global.gc()
  global.gc()
  const before = process.memoryUsage().heapUsed
  const c = make()
  for (let i = 0; i < N; i++) c.set(i, i)
  global.gc()
  global.gc()
  const after = process.memoryUsage().heapUsed
  const t0 = performance.now()
  global.gc()
  const gcMs = performance.now() - t0
  if (c.get(N - 1) !== N - 1) throw new Error('cache lost its newest entry')
  return { bytes: (after - before) / N, gcMs }
}

let QuickLRU // an ES module: loaded in loadPeers()

async function loadPeers() {
  ;({ default: QuickLRU } = await import('quick-lru'))
  peers['quick-lru'] = (ttl) => new QuickLRU(ttl ? { maxSize: CAP, maxAge: ttl } : { maxSize: CAP })
}

function keysFor(wname) {
  if (wname === 'zipf') return zipfKeys(OPS, 100_000, 0.99, 2)
  const r = rng(1)
  return Array.from({ length: OPS }, () => Math.floor(r() * CAP))
}

/** In a child: one peer, one workload; prints ops/s. */
async function measureOne(pname, wname, ttl) {
  await loadPeers()
  console.log(timeOnce(peers[pname], ttl, workload(wname, keysFor(wname)), OPS).opsPerSec)
}

async function main() {
  if (typeof global.gc !== 'function') {
    console.error('run with node --expose-gc (npm run bench does)')
    process.exit(2)
  }
  const one = process.argv.indexOf('--one')
  if (one > 0) {
    const [pname, wname, ttl] = process.argv.slice(one + 1)
    return measureOne(pname, wname, Number(ttl))
  }
  await loadPeers()
  const { execFileSync } = require('node:child_process')
  const rows = []
  for (const wname of ['get-hit', 'set-evict', 'zipf']) {
    for (const ttl of [0, TTL]) {
      const samples = {}
      for (let round = 0; round < ROUNDS; round++) {
        // interleave peers each round so drift in machine load hits all alike
        for (const [pname, make] of Object.entries(peers)) {
          if (make(ttl) === null) continue
          const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--one', pname, wname, String(ttl)], {
            encoding: 'utf8',
            env: { ...process.env, BENCH_OPS: String(OPS) },
          })
          ;(samples[pname] ??= []).push(Number(out.trim()))
        }
      }
      const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
      rows.push({ workload: wname + (ttl ? ' +ttl' : ''), med })
    }
  }

  const cols = Object.keys(peers)
  const header = ['workload', ...cols, 'leakguard / lru-cache', 'fastest']
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`]
  for (const { workload: wname, med } of rows) {
    const bounded = Object.entries(med).filter(([k]) => k !== 'Map (unbounded)')
    const fastest = bounded.sort((a, b) => b[1] - a[1])[0][0]
    const cells = cols.map((c) => (med[c] === undefined ? 'n/a' : fmt(med[c])))
    lines.push(`| ${wname} | ${cells.join(' | ')} | ${(med.leakguard / med['lru-cache']).toFixed(2)} | ${fastest} |`)
  }
  console.log(`ops/s, median of ${ROUNDS} rounds of ${fmt(OPS)} ops, capacity ${CAP}, Node ${process.version}\n`)
  console.log(lines.join('\n'))

  console.log('\nMemory at 1,000,000 entries (integer keys and values):\n')
  console.log('| cache | heap bytes/entry | forced major GC (ms) |')
  console.log('|---|---|---|')
  const big = {
    leakguard: () => new LRUCache({ max: 1_000_000 }),
    'lru-cache': () => new IsaacsLRU({ max: 1_000_000 }),
    'lru.min': () => createLRU({ max: 1_000_000 }),
    'quick-lru': () => new QuickLRU({ maxSize: 1_000_000 }),
    'tiny-lru': () => new TinyLRU(1_000_000),
    mnemonist: () => new MnemonistLRU(1_000_000),
    'Map (unbounded)': () => new Map(),
  }
  for (const [name, make] of Object.entries(big)) {
    const { bytes, gcMs } = heapPerEntry(make)
    console.log(`| ${name} | ${bytes.toFixed(0)} | ${gcMs.toFixed(1)} |`)
  }
  console.log('\nleakguard keeps its policy state (links, sizes, expiry) off the JS heap: see rss in the soak run.')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
