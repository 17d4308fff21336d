'use strict'
// Differential test between the policies: one random sequence of operations
// (sets with sizes and TTLs, gets, has, peek, delete, pop, clear, purgeStale,
// dump/load, option changes, a fake clock) on a 'lru' and a 'tinylfu' cache
// built alike. Which entries stay may differ; Map semantics may not. Each
// cache must dispose every value it let go exactly once, with a reason the
// operation allows, and hold every value it did not; has() implies get();
// size and calculatedSize must match what it holds. A key held by both holds
// the same value with the same remaining TTL in both.
const test = require('node:test')
const assert = require('node:assert/strict')
const { LRUCache } = require('..')
const { rng } = require('./support/rng')

/** One cache with its own record of what it holds (key -> value). */
function side(policy, options, clock) {
  const s = { policy, held: new Map(), incoming: new Map(), allowed: [] }
  s.cache = new LRUCache({
    ...options,
    policy,
    perf: { now: () => clock.t },
    ttlResolution: 0,
    dispose: (v, k, reason) => {
      if (s.incoming.get(k) === v) {
        // a value being set, refused at once (or evicted by its own set)
        assert.equal(reason, 'evict', `${policy}: a refused ${k}=${v} disposed as ${reason}`)
        s.incoming.delete(k)
        return
      }
      assert.equal(s.held.get(k), v, `${policy}: ${k}=${v} disposed (${reason}) but not held`)
      assert.ok(s.allowed.includes(reason), `${policy}: ${k} disposed as ${reason}, expected one of ${s.allowed}`)
      s.held.delete(k)
    },
  })
  return s
}

function run(seed, steps) {
  const r = rng(seed)
  const pick = (n) => Math.floor(r() * n)
  const options = {}
  if (r() < 0.7) options.max = 1 + pick(60)
  const weighted = options.max === undefined || r() < 0.5
  if (weighted) {
    options.maxSize = 1 + pick(120)
    options.sizeCalculation = (v) => 1 + (v % 13)
    if (r() < 0.3) options.maxEntrySize = 1 + pick(options.maxSize)
  }
  if (r() < 0.5) {
    options.ttl = 10 + pick(100)
    options.updateAgeOnGet = r() < 0.3
    options.updateAgeOnHas = r() < 0.3
    options.allowStale = r() < 0.3
    options.noDeleteOnStaleGet = r() < 0.2
  }
  const clock = { t: 1000 }
  Date.now = () => 1.7e12 + clock.t // see the test below
  const sides = ['lru', 'tinylfu'].map((p) => side(p, options, clock))
  const keys = 3 + pick(150)
  const what = `seed ${seed} ${JSON.stringify(options)}`
  let seq = 0
  for (let step = 0; step < steps; step++) {
    const op = pick(100)
    const k = pick(keys)
    const v = ++seq * 13 + pick(13)
    const size = weighted && r() < 0.3 ? 1 + pick(options.maxSize) : undefined
    const ttl = options.ttl && r() < 0.2 ? pick(100) : undefined
    const at = `${what} step ${step}`
    for (const s of sides) {
      const c = s.cache
      const here = `${at} ${s.policy}`
      if (op < 35) {
        s.allowed = ['expire']
        const before = s.held.get(k)
        const got = c.get(k)
        if (got !== undefined) assert.equal(got, before, `${here}: get`)
      } else if (op < 65) {
        s.allowed = ['set', 'evict']
        const setOptions = {}
        if (size !== undefined) setOptions.size = size
        if (ttl !== undefined) setOptions.ttl = ttl
        const fits = !weighted || (size ?? 1 + (v % 13)) <= c.maxEntrySize
        if (fits) s.incoming.set(k, v)
        else s.allowed = ['set'] // too big: any old value goes as replaced
        c.set(k, v, setOptions)
        if (s.incoming.get(k) === v) {
          s.incoming.delete(k)
          s.held.set(k, v)
        }
        if (s.policy === 'lru' && fits) assert.equal(c.peek(k, { allowStale: true }), v, `${here}: lru keeps a set`)
      } else if (op < 72) {
        s.allowed = ['expire']
        if (c.has(k)) assert.equal(c.get(k), s.held.get(k), `${here}: has, then get`)
      } else if (op < 78) {
        s.allowed = []
        const p = c.peek(k)
        if (p !== undefined) assert.equal(p, s.held.get(k), `${here}: peek`)
      } else if (op < 85) {
        s.allowed = ['delete']
        c.delete(k)
        assert.equal(s.held.has(k), false, `${here}: deleted, still held`)
      } else if (op < 87) {
        s.allowed = ['evict']
        const n = c.size
        const popped = c.pop()
        if (n !== 0) assert.notEqual(popped, undefined, `${here}: pop`)
      } else if (op < 88) {
        s.allowed = ['delete']
        c.clear()
        assert.equal(s.held.size, 0, `${here}: clear left values undisposed`)
      } else if (op < 93) {
        if (s === sides[0]) clock.t += pick(30)
      } else if (op < 95) {
        s.allowed = ['expire']
        c.purgeStale()
      } else if (op < 97) {
        s.allowed = ['delete', 'evict']
        const dump = c.dump()
        c.load(dump)
        for (const [key, e] of dump) if (c.peek(key, { allowStale: true }) === e.value) s.held.set(key, e.value)
      } else if (op < 98) {
        s.allowed = []
        if (options.ttl) c.ttl = 5 + (step % 50)
        if (options.maxEntrySize) c.maxEntrySize = 1 + (step % options.maxSize)
      } else {
        s.allowed = []
        assert.deepEqual([...c.keys()], [...c.rkeys()].reverse(), `${here}: rkeys`)
        for (const [key, val] of c.entries()) assert.equal(val, s.held.get(key), `${here}: entries`)
      }
      if (options.max) assert.ok(c.size <= options.max, `${here}: size ${c.size} over max`)
      if (weighted) {
        let sum = 0
        for (const [, e] of c.dump()) sum += e.size
        assert.equal(c.calculatedSize, sum, `${here}: calculatedSize`)
        assert.ok(sum <= options.maxSize, `${here}: calculatedSize ${sum} over maxSize`)
      }
      if (step % 50 === 0) {
        assert.equal(c.size, s.held.size, `${here}: size against what it holds`)
        for (const [key, val] of s.held) assert.equal(c.peek(key, { allowStale: true }), val, `${here}: ${key} lost`)
      }
    }
    if (step % 25 === 0) {
      const [a, b] = sides.map((s) => s.cache)
      for (let key = 0; key < keys; key++) {
        const va = a.peek(key, { allowStale: true })
        const vb = b.peek(key, { allowStale: true })
        if (va === undefined || vb === undefined) continue
        assert.equal(va, vb, `${at}: key ${key} differs`)
        assert.equal(a.getRemainingTTL(key), b.getRemainingTTL(key), `${at}: key ${key}'s TTL differs`)
        assert.equal(a.info(key)?.size, b.info(key)?.size, `${at}: key ${key}'s size differs`)
      }
    }
  }
}

test('lru and tinylfu agree on Map semantics over random operations: sizes, TTLs, dump/load, dispose reasons', (t) => {
  // dump() dates starts by Date.now(): on the fake clock, a load restores
  // remaining TTLs exactly, so both caches can be compared to the millisecond.
  const realNow = Date.now
  t.after(() => {
    Date.now = realNow
  })
  for (let seed = 1; seed <= 150; seed++) run(seed, 1500)
})
