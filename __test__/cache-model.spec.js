'use strict'
// Differential test: the same random operations on leakguard's LRUCache and on
// lru-cache itself (the reference whose semantics we promise), compared after
// every step: return values, dispose calls, size, and the full iteration order.
const test = require('node:test')
const assert = require('node:assert/strict')
const { LRUCache } = require('..')
const { LRUCache: Reference } = require('lru-cache')
const { rng } = require('./support/rng')

/** Builds both caches over one fake clock, each logging its dispose calls (unless
 * `bare`: then without dispose, which takes set()'s short paths). */
function pair(options, bare) {
  const clock = { t: 1000 }
  const perf = { now: () => clock.t }
  const logs = { ours: [], ref: [] }
  const make = (Ctor, log) =>
    new Ctor({
      ...options,
      perf,
      ttlResolution: 0,
      ...(bare
        ? {}
        : {
            dispose: (v, k, reason) => log.push(['dispose', k, v, reason]),
            disposeAfter: (v, k, reason) => log.push(['after', k, v, reason]),
          }),
    })
  return { ours: make(LRUCache, logs.ours), ref: make(Reference, logs.ref), logs, clock }
}

function run(seed, options, { steps = 3000, keys = 40, bare = false } = {}) {
  const r = rng(seed)
  const { ours, ref, logs, clock } = pair(options, bare)
  const key = () => (r() < 0.1 ? `k${Math.floor(r() * keys)}` : Math.floor(r() * keys))
  const sized = options.maxSize !== undefined || options.maxEntrySize !== undefined
  for (let step = 0; step < steps; step++) {
    const x = r()
    let op
    let args
    if (x < 0.35) {
      op = 'get'
      args = [key()]
    } else if (x < 0.65) {
      const setOptions = {}
      if (sized && r() < 0.5) setOptions.size = 1 + Math.floor(r() * 6)
      if (options.ttl !== undefined && r() < 0.2) setOptions.ttl = 1 + Math.floor(r() * 200)
      op = 'set'
      // bare: set() without options when there are none, as most callers do
      args = bare && Object.keys(setOptions).length === 0 ? [key(), Math.floor(r() * 5)] : [key(), Math.floor(r() * 5), setOptions]
    } else if (x < 0.72) {
      op = 'has'
      args = [key()]
    } else if (x < 0.78) {
      op = 'peek'
      args = [key()]
    } else if (x < 0.86) {
      op = 'delete'
      args = [key()]
    } else if (x < 0.88) {
      op = 'pop'
      args = []
    } else if (x < 0.885) {
      op = 'clear'
      args = []
    } else if (x < 0.9) {
      op = 'purgeStale'
      args = []
    } else if (x < 0.92) {
      op = 'getRemainingTTL'
      args = [key()]
    } else {
      clock.t += Math.floor(r() * 30)
      continue
    }
    const a = ours[op](...args)
    const b = ref[op](...args)
    if (op === 'purgeStale') {
      // ours purges in expiry order, lru-cache least recently used first: the same entries
      const byKey = (x, y) => String(x[1]).localeCompare(String(y[1])) || x[0].localeCompare(y[0])
      logs.ours.sort(byKey)
      logs.ref.sort(byKey)
    }
    const where = `seed ${seed}, step ${step}: ${op}(${args.map((v) => JSON.stringify(v)).join(', ')})`
    if (op === 'set') assert.equal(a, ours, where)
    else assert.deepEqual(a, b, where)
    if (options.noDisposeOnSet) {
      // lru-cache holds back disposeAfter for evictions under noDisposeOnSet until a
      // later operation; ours calls it at the end of the operation that evicted
      const early = (log) => log.filter((call) => call[0] === 'dispose')
      assert.deepEqual(early(logs.ours), early(logs.ref), `dispose calls after ${where}`)
    } else {
      assert.deepEqual(logs.ours, logs.ref, `dispose calls after ${where}`)
    }
    logs.ours.length = logs.ref.length = 0
    assert.equal(ours.size, ref.size, `size after ${where}`)
    if (sized) assert.equal(ours.calculatedSize, ref.calculatedSize, `calculatedSize after ${where}`)
    if (step % 7 === 0) {
      assert.deepEqual([...ours.entries()], [...ref.entries()], `entries after ${where}`)
      assert.deepEqual([...ours.rkeys()], [...ref.rkeys()], `rkeys after ${where}`)
    }
  }
  // dump() stamps Date.now(): pin it so both dumps see the same wall clock
  const realNow = Date.now
  Date.now = () => 1_700_000_000_000
  try {
    assert.deepEqual(ours.dump(), ref.dump())
  } finally {
    Date.now = realNow
  }
}

const configs = {
  'max only': { max: 8 },
  'max 1': { max: 1 },
  'max with ttl': { max: 12, ttl: 100 },
  'ttl and updateAgeOnGet': { max: 12, ttl: 60, updateAgeOnGet: true, updateAgeOnHas: true },
  'ttl with allowStale, noDeleteOnStaleGet': { max: 10, ttl: 50, allowStale: true, noDeleteOnStaleGet: true },
  'maxSize with sizeCalculation': { max: 20, maxSize: 30, sizeCalculation: (v) => v + 1 },
  'maxSize only': { maxSize: 25, sizeCalculation: (v) => (v % 4) + 1 },
  'maxSize with maxEntrySize and ttl': { max: 30, maxSize: 40, maxEntrySize: 5, ttl: 80, sizeCalculation: (v) => v + 1 },
  'max with maxEntrySize only': { max: 10, maxEntrySize: 4, sizeCalculation: (v) => v + 1 },
  'noDisposeOnSet and noUpdateTTL': { max: 10, ttl: 70, noDisposeOnSet: true, noUpdateTTL: true },
}

for (const [name, options] of Object.entries(configs)) {
  test(`matches lru-cache step by step: ${name}`, () => {
    for (let seed = 1; seed <= 6; seed++) run(seed, options)
  })
}

for (const name of ['max only', 'max 1', 'max with ttl', 'ttl and updateAgeOnGet', 'ttl with allowStale, noDeleteOnStaleGet']) {
  test(`matches lru-cache step by step without dispose: ${name}`, () => {
    for (let seed = 1; seed <= 6; seed++) run(seed, configs[name], { bare: true })
  })
}

test('matches lru-cache past the access log and ahead queue sizes', () => {
  run(99, { max: 300 }, { steps: 30_000, keys: 1000 })
  run(100, { max: 2000, ttl: 500 }, { steps: 30_000, keys: 5000 })
  run(101, { max: 300 }, { steps: 30_000, keys: 1000, bare: true })
  run(102, { max: 2000, ttl: 500 }, { steps: 30_000, keys: 5000, bare: true })
})
