'use strict'
// Soak: 10,000,000 set/get/evict cycles through full caches (LRU, TTL, sized),
// then heapUsed, and the memory outside the JS heap (RSS minus heapTotal,
// where the addon's own state lives), must be flat against a warmed-up
// baseline. Raw RSS is printed but not judged: V8 may double its young
// generation mid-run (heapTotal and RSS both +16 MB, once), which says
// nothing about the cache.
// Run: node --expose-gc benchmark/cache-soak.js (part of npm run bench).
const { LRUCache } = require('..')

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc')
  process.exit(2)
}
const CYCLES = Number(process.env.SOAK_CYCLES || 10_000_000)
const caches = [
  new LRUCache({ max: 10_000 }),
  new LRUCache({ max: 10_000, ttl: 50, dispose: () => {} }),
  new LRUCache({ maxSize: 200_000, sizeCalculation: (v) => v.length }),
]
const keys = Array.from({ length: 50_000 }, (_, i) => `key:${i}`)
const value = 'v'.repeat(20)

function cycles(n) {
  for (let i = 0; i < n; i++) {
    const c = caches[i % 3]
    const k = keys[(i * 7919) % 50_000]
    if (c.get(k) === undefined) c.set(k, value)
    if (i % 97 === 0) c.delete(keys[i % 50_000])
  }
}

function settle() {
  for (let i = 0; i < 3; i++) global.gc()
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, outside: m.rss - m.heapTotal }
}

const warm = Math.floor(CYCLES / 10)
cycles(warm)
const before = settle()
const t0 = performance.now()
cycles(CYCLES)
const seconds = (performance.now() - t0) / 1000
const after = settle()
const mb = (b) => (b / 1048576).toFixed(1)
const heapGrowth = after.heapUsed - before.heapUsed
const rssGrowth = after.rss - before.rss
const outsideGrowth = after.outside - before.outside
const signed = (b) => `${b >= 0 ? '+' : ''}${mb(b)}`
console.log(`soak: ${CYCLES.toLocaleString()} cycles in ${seconds.toFixed(1)} s`)
console.log(`heapUsed  ${mb(before.heapUsed)} MB -> ${mb(after.heapUsed)} MB (${signed(heapGrowth)} MB)`)
console.log(`heapTotal ${mb(before.heapTotal)} MB -> ${mb(after.heapTotal)} MB (${signed(after.heapTotal - before.heapTotal)} MB)`)
console.log(`rss       ${mb(before.rss)} MB -> ${mb(after.rss)} MB (${signed(rssGrowth)} MB)`)
console.log(`rss - heapTotal (outside the JS heap) ${mb(before.outside)} MB -> ${mb(after.outside)} MB (${signed(outsideGrowth)} MB)`)
const flat = heapGrowth < 2 * 1048576 && outsideGrowth < 8 * 1048576
console.log(flat ? 'soak: flat' : 'soak: GREW')
process.exitCode = flat ? 0 : 1
