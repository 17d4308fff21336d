'use strict'
// stats() counters and the registry of named caches.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { LRUCache, namedCaches } = require('..')

const ZERO = { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, deletes: 0, hitRatio: 0 }

/** The counters only (size and calculatedSize are checked elsewhere). */
function counters(cache) {
  const { hits, misses, sets, evictions, expirations, deletes, hitRatio } = cache.stats()
  return { hits, misses, sets, evictions, expirations, deletes, hitRatio }
}

/** One scripted sequence touching every counter; `t` is the manual clock. */
function script(c, clock) {
  c.set('a', 1).set('b', 2).set('c', 3) // 3 sets
  c.get('a') // hit
  c.get('a', {}) // hit, through the options path
  c.get('zz') // miss
  c.has('b') // has and peek are not lookups
  c.peek('zz')
  c.set('b', 20) // set (replace)
  c.set('d', 4) // set; evicts c
  c.set('e', 5) // set; evicts a
  c.delete('d') // delete
  c.delete('d') // absent: not counted
  c.set('b', undefined) // deletes b
  c.set('t', 1, { ttl: 10 }) // set
  clock.t += 20
  c.get('t') // stale: miss and expiration
  c.set('u', 1, { ttl: 10 })
  clock.t += 20
  c.purgeStale() // expiration
  c.pop() // e: an eviction
}

test('stats() counts a scripted sequence exactly', () => {
  for (const extra of [{}, { maxSize: 100, sizeCalculation: () => 1 }]) {
    const clock = { t: 1000 }
    const c = new LRUCache({ max: 3, stats: true, ttlResolution: 0, perf: { now: () => clock.t }, ...extra })
    assert.deepEqual(counters(c), ZERO)
    script(c, clock)
    assert.deepEqual(counters(c), {
      hits: 2, misses: 2, sets: 8, evictions: 3, expirations: 2, deletes: 2, hitRatio: 0.5,
    })
    const s = c.stats()
    assert.equal(s.size, 0)
    assert.equal(s.calculatedSize, 0)
  }
})

test('stats() counts fetch hits, misses and one set per fetched value', async () => {
  const c = new LRUCache({ max: 10, stats: true, fetchMethod: async (k) => `v${k}` })
  assert.equal(await c.fetch(1), 'v1') // miss + set
  assert.equal(await c.fetch(1), 'v1') // hit
  await Promise.all([c.fetch(2), c.fetch(2)]) // one miss, the second shares the fetch
  assert.equal(c.get(2), 'v2') // hit
  assert.deepEqual(counters(c), { ...ZERO, hits: 2, misses: 2, sets: 2, hitRatio: 0.5 })
})

test('hitRatio over many lookups', () => {
  const c = new LRUCache({ max: 100, stats: true })
  for (let i = 0; i < 100; i++) c.set(i, i)
  for (let i = 0; i < 400; i++) c.get(i % 160) // keys 0..99 hit: 100 + 100 + 80 times
  const s = counters(c)
  assert.equal(s.hits, 280)
  assert.equal(s.misses, 120)
  assert.equal(s.hitRatio, 0.7)
})

test('without stats or a name, nothing is counted; a name turns counting on', () => {
  const clock = { t: 1000 }
  const quiet = new LRUCache({ max: 3, ttlResolution: 0, perf: { now: () => clock.t } })
  script(quiet, clock)
  assert.deepEqual(counters(quiet), ZERO)
  const clock2 = { t: 1000 }
  const named = new LRUCache({ max: 3, name: 'sessions', ttlResolution: 0, perf: { now: () => clock2.t } })
  script(named, clock2)
  assert.deepEqual(counters(named), {
    hits: 2, misses: 2, sets: 8, evictions: 3, expirations: 2, deletes: 2, hitRatio: 0.5,
  })
})

test('namedCaches() lists live named caches only', () => {
  const before = namedCaches().length
  const a = new LRUCache({ max: 1, name: 'stats-test-a' })
  const b = new LRUCache({ max: 1, name: 'stats-test-b' })
  const unnamed = new LRUCache({ max: 1 })
  const listed = namedCaches()
  assert.equal(listed.length, before + 2)
  assert.ok(listed.includes(a) && listed.includes(b))
  assert.ok(!listed.includes(unnamed))
})

test('namedCaches() forgets collected caches', () => {
  const script = `
    const { LRUCache, namedCaches } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const keep = new LRUCache({ max: 10, name: 'kept' })
    keep.set('k', 1)
    ;(() => {
      for (let i = 0; i < 50; i++) new LRUCache({ max: 10, name: 'temp' + i }).set('k', { i })
    })()
    const before = namedCaches().length
    const settle = (n) => {
      globalThis.gc()
      if (n === 0) {
        console.log(JSON.stringify([before, namedCaches().map((c) => c.name)]))
        return
      }
      setImmediate(() => settle(n - 1))
    }
    settle(5)
  `
  // spawnSync returns only once the child is gone (killed at the timeout)
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
    encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL',
  })
  assert.equal(child.stderr, '')
  assert.deepEqual(JSON.parse(child.stdout), [51, ['kept']])
})
