'use strict'
// The cache itself must not leak: dropped caches free their native cores, and a
// long churn leaves the heap where it was. Runs in a child with --expose-gc.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

function child(source) {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', source], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

test('dropped caches free their native cores and buffers', () => {
  const out = child(`
    const { LRUCache } = require('.')
    const { coreLiveCount } = require('./lib/native')
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
    ;(async () => {
      const base = coreLiveCount()
      let kept = new LRUCache({ max: 10 })
      for (let i = 0; i < 5000; i++) {
        const c = new LRUCache({ max: 100, ttl: 1000, ttlAutopurge: true })
        for (let j = 0; j < 20; j++) c.set(j, { payload: 'x'.repeat(100) })
        c.get(3)
      }
      const peak = coreLiveCount()
      for (let i = 0; i < 20 && coreLiveCount() > base + 1; i++) {
        global.gc()
        await sleep(20) // FinalizationRegistry callbacks run between turns
      }
      kept.set('alive', 1)
      console.log(JSON.stringify({ base, peak, after: coreLiveCount(), kept: kept.get('alive') }))
    })()
  `)
  assert.ok(out.peak > out.base + 100, `caches were created (peak ${out.peak})`)
  assert.equal(out.after, out.base + 1, 'only the cache still referenced keeps its core')
  assert.equal(out.kept, 1)
})

test('a long churn through a full cache leaves the heap flat', () => {
  const out = child(`
    const { LRUCache } = require('.')
    const c = new LRUCache({ max: 1000, dispose: () => {} })
    const round = () => { for (let i = 0; i < 200000; i++) { c.set('k' + (i % 5000), i); c.get('k' + ((i * 7) % 5000)) } }
    round(); global.gc(); global.gc()
    const before = process.memoryUsage().heapUsed
    for (let r = 0; r < 5; r++) round()
    global.gc(); global.gc()
    console.log(JSON.stringify({ before, after: process.memoryUsage().heapUsed, size: c.size }))
  `)
  assert.equal(out.size, 1000)
  // a leak of even 8 bytes per operation over 2M operations would add 16 MB
  assert.ok(out.after - out.before < 1_000_000, `heap grew by ${out.after - out.before} bytes`)
})

test('caches work in worker threads, and terminating the workers is clean', async () => {
  const { Worker } = require('node:worker_threads')
  const code = `
    const { LRUCache } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const c = new LRUCache({ max: 100, ttl: 60000 })
    for (let i = 0; i < 1000; i++) c.set(i, { i })
    require('node:worker_threads').parentPort.postMessage([c.size, c.get(999).i, c.get(0)])
  `
  const results = await Promise.all(
    Array.from({ length: 4 }, () => {
      const w = new Worker(code, { eval: true })
      return new Promise((resolve, reject) => {
        w.once('message', (m) => w.terminate().then(() => resolve(m), reject))
        w.once('error', reject)
      })
    })
  )
  assert.deepEqual(results, Array(4).fill([100, 999, undefined]))
})

test('a { max: 4 } cache holds about 3 KB of native buffers (V8 counts them as external), not 49 KB', () => {
  const out = child(`
    const { LRUCache } = require('.')
    const N = 2000
    const perCache = (options) => {
      global.gc()
      const before = process.memoryUsage()
      const keep = []
      for (let i = 0; i < N; i++) keep.push(new LRUCache(options).set(i, i))
      global.gc()
      const after = process.memoryUsage()
      return { external: (after.external - before.external) / N, rss: (after.rss - before.rss) / N, n: keep.length }
    }
    const small = perCache({ max: 4 })
    const large = perCache({ max: 100000 })
    // a sync loop of short-lived caches: their cores are freed only by finalizers
    global.gc()
    const rss0 = process.memoryUsage().rss
    for (let i = 0; i < 20000; i++) new LRUCache({ max: 4 }).set(i, i)
    const loop = (process.memoryUsage().rss - rss0) / 20000
    console.log(JSON.stringify({ small, large, loop }))
  `)
  // the buffers were 49 KB whatever max; now about 3 KB for max 4, as before for a large max
  assert.ok(out.small.external > 0 && out.small.external < 4096, `external per { max: 4 } cache: ${out.small.external} B`)
  assert.ok(out.large.external > 40_000, `external per { max: 100000 } cache: ${out.large.external} B`)
  assert.ok(out.loop < 16_384, `rss per dropped { max: 4 } cache in a sync loop: ${out.loop} B`)
})

test('a small access log wraps many times without losing the LRU order', () => {
  const { LRUCache } = require('..')
  const { LRUCache: Peer } = require('lru-cache')
  const a = new LRUCache({ max: 5 })
  const b = new Peer({ max: 5 })
  let x = 7
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    const k = x % 9
    if (x % 3 === 0) {
      a.set(k, i)
      b.set(k, i)
    } else {
      assert.equal(a.get(k), b.get(k))
    }
  }
  assert.deepEqual([...a.entries()], [...b.entries()])
})
