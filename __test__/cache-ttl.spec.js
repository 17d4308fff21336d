'use strict'
// TTL behaviour with a controllable clock (the `perf` option), checked against
// lru-cache running the same script side by side.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { setTimeout: sleep } = require('node:timers/promises')
const { LRUCache } = require('..')
const { LRUCache: Peer } = require('lru-cache')

/** A cache on a manual clock. lru-cache treats start 0 as "no TTL", so time starts at 1000. */
function clocked(Ctor, options) {
  const clock = { t: 1000 }
  const cache = new Ctor({ ttlResolution: 0, perf: { now: () => clock.t }, ...options })
  return { cache, clock }
}

/** lru-cache also fills op/key/cache in status objects (for its diagnostics channel). */
function plainStatus(status) {
  const rest = { ...status }
  delete rest.op
  delete rest.key
  delete rest.cache
  return rest
}

/** Runs `script(Ctor)` on both caches; asserts both give `expected`. */
function same(script, expected) {
  const ours = script(LRUCache)
  assert.deepEqual(ours, expected)
  assert.deepEqual(script(Peer), expected, 'lru-cache disagrees with the expected outcome')
}

test('an entry expires strictly after ttl ms on get, has and peek', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100 })
    cache.set('a', 1)
    const out = []
    clock.t += 100 // exactly ttl: still fresh
    out.push(cache.get('a'), cache.has('a'), cache.peek('a'), cache.getRemainingTTL('a'))
    clock.t += 1
    out.push(cache.has('a'), cache.peek('a'), cache.size, cache.getRemainingTTL('a'))
    out.push(cache.get('a'), cache.size, cache.getRemainingTTL('a'))
    return out
  }, [1, true, 1, 0, false, undefined, 1, -1, undefined, 0, 0])
})

test('allowStale returns the stale value once and deletes it; noDeleteOnStaleGet keeps it', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 10, allowStale: true })
    cache.set('a', 'A')
    clock.t += 11
    const out = [cache.peek('a'), cache.has('a'), cache.get('a'), cache.get('a'), cache.size]
    const keep = clocked(Ctor, { max: 10, ttl: 10, noDeleteOnStaleGet: true })
    keep.cache.set('b', 'B')
    keep.clock.t += 11
    out.push(keep.cache.get('b'), keep.cache.size, keep.cache.get('b', { allowStale: true }), keep.cache.size)
    out.push(keep.cache.get('b', { noDeleteOnStaleGet: false, allowStale: true }), keep.cache.size)
    return out
  }, ['A', false, 'A', undefined, 0, undefined, 1, 'B', 1, 'B', 0])
})

test('updateAgeOnGet and updateAgeOnHas restart the TTL; plain get/has do not', () => {
  same((Ctor) => {
    const out = []
    for (const opts of [{}, { updateAgeOnGet: true }, { updateAgeOnHas: true }]) {
      const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100, ...opts })
      cache.set('a', 1)
      clock.t += 60
      cache.get('a')
      cache.has('a')
      clock.t += 60
      out.push(cache.has('a'), cache.getRemainingTTL('a'))
    }
    // per-call options too
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100 })
    cache.set('a', 1)
    clock.t += 90
    cache.get('a', { updateAgeOnGet: true })
    clock.t += 90
    out.push(cache.get('a'))
    cache.has('a', { updateAgeOnHas: true })
    clock.t += 95
    out.push(cache.get('a'))
    return out
  }, [false, -20, true, 40, true, 100, 1, 1]) // the has() in the last round restarts the TTL first
})

test('per-set ttl, start, and a ttl on a cache created without one', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10 })
    cache.set('forever', 1)
    cache.set('short', 2, { ttl: 50 })
    cache.set('old', 3, { ttl: 50, start: clock.t - 40 })
    const out = [cache.getRemainingTTL('forever'), cache.getRemainingTTL('short'), cache.getRemainingTTL('old')]
    clock.t += 20
    out.push(cache.get('old'), cache.get('short'), cache.get('forever'))
    clock.t += 40
    out.push(cache.get('short'), cache.get('forever'), cache.size, cache.getRemainingTTL('missing'))
    return out
  }, [Infinity, 50, 10, undefined, 2, 1, undefined, 1, 1, 0])
})

test('noUpdateTTL keeps the old TTL when a key is set again', () => {
  same((Ctor) => {
    const out = []
    for (const noUpdateTTL of [false, true]) {
      const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100, noUpdateTTL })
      cache.set('a', 1)
      clock.t += 70
      cache.set('a', 2)
      out.push(cache.getRemainingTTL('a'))
      cache.set('a', 3, { noUpdateTTL: !noUpdateTTL, ttl: 500 })
      out.push(cache.getRemainingTTL('a'), cache.get('a'))
    }
    return out
  }, [100, 100, 3, 30, 500, 3])
})

test('purgeStale finds an entry whose future start was moved back by updateAgeOnGet/Has', () => {
  for (const policy of ['lru', 'tinylfu']) {
    for (const refresh of ['get', 'has']) {
      same((Ctor) => {
        const disposed = []
        const { cache, clock } = clocked(Ctor, {
          max: 4,
          ttl: 5,
          ...(Ctor === LRUCache ? { policy } : {}),
          dispose: (v, k, r) => disposed.push(`${k}:${r}`),
        })
        cache.set('k', 'v', { start: 1006 }) // e.g. load()ed from a host whose clock ran ahead
        if (refresh === 'get') cache.get('k', { updateAgeOnGet: true })
        else cache.has('k', { updateAgeOnHas: true })
        clock.t = 1006 // stale: 1006 - 1000 > 5
        return [cache.purgeStale(), disposed, cache.size, cache.peek('k', { allowStale: true })]
      }, [true, ['k:expire'], 0, undefined])
    }
  }
})

test('getRemainingTTL reports the true time left for an entry whose start lies in the future', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 3, ttl: 31 })
    cache.set('k', 'v', { start: clock.t + 4 })
    const out = [cache.getRemainingTTL('k')]
    clock.t += 34
    out.push(cache.get('k'), cache.getRemainingTTL('k'))
    clock.t += 2
    out.push(cache.get('k'), cache.getRemainingTTL('k'))
    return out
  }, [35, 'v', 1, undefined, 0])
})

test('purgeStale deletes only stale entries with reason expire', () => {
  const script = (Ctor) => {
    const disposed = []
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100, dispose: (v, k, r) => disposed.push([k, v, r]) })
    const out = [cache.purgeStale()]
    cache.set('a', 1)
    cache.set('b', 2, { ttl: 300 })
    clock.t += 50
    cache.set('c', 3)
    out.push(cache.purgeStale())
    clock.t += 60
    out.push(cache.purgeStale(), [...cache.keys()], cache.size)
    clock.t += 1000
    out.push(cache.purgeStale(), cache.size, cache.purgeStale(), disposed)
    return out
  }
  const outcome = (order) => [false, false, true, ['c', 'b'], 2, true, 0, false, order]
  // Deliberate difference: we purge in expiry order (our expiry index), lru-cache least recent first.
  assert.deepEqual(script(LRUCache), outcome([['a', 1, 'expire'], ['c', 3, 'expire'], ['b', 2, 'expire']]))
  assert.deepEqual(script(Peer), outcome([['a', 1, 'expire'], ['b', 2, 'expire'], ['c', 3, 'expire']]))
})

test('purgeStale honours ages refreshed after the entry was set', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100, updateAgeOnGet: true })
    cache.set('a', 1)
    cache.set('b', 2)
    clock.t += 80
    cache.get('a')
    clock.t += 30 // b is stale, a has 70 left
    const out = [cache.purgeStale(), [...cache.keys()]]
    clock.t += 71
    out.push(cache.purgeStale(), cache.size)
    return out
  }, [true, ['a'], true, 0])
})

test('iteration skips stale entries unless allowStale; dump keeps them', () => {
  const { cache, clock } = clocked(LRUCache, { max: 10, ttl: 100 })
  cache.set('a', 1).set('b', 2, { ttl: 1000 })
  clock.t += 200
  assert.deepEqual([...cache.keys()], ['b'])
  assert.deepEqual([...cache.entries()], [['b', 2]])
  assert.equal(cache.size, 2) // as lru-cache, size counts stale entries until purged
  // dump() stamps `start` on the wall clock so it can move between processes: freeze it
  const realNow = Date.now
  Date.now = () => 1_700_000_000_000
  try {
    const dump = cache.dump()
    assert.deepEqual(dump, [
      ['a', { value: 1, ttl: 100, start: 1_700_000_000_000 - 200 }],
      ['b', { value: 2, ttl: 1000, start: 1_700_000_000_000 - 200 }],
    ])
    // load() keeps the remaining TTL: a is already expired, b has 800 ms left
    const other = clocked(LRUCache, { max: 10, ttl: 100 })
    other.clock.t = 50_000
    other.cache.load(dump)
    assert.equal(other.cache.getRemainingTTL('b'), 800)
    assert.equal(other.cache.get('a'), undefined)
    assert.deepEqual([...other.cache.keys()], ['b'])
  } finally {
    Date.now = realNow
  }
})

test('dump()/load() keeps an entry without TTL in a cache with a default ttl', () => {
  const { cache, clock } = clocked(LRUCache, { max: 10, ttl: 100 })
  cache.set('forever', 1, { ttl: 0 })
  cache.set('short', 2)
  const realNow = Date.now
  Date.now = () => 1_700_000_000_000 // dump() stamps start on the wall clock
  const other = clocked(LRUCache, { max: 10, ttl: 100 })
  try {
    const dump = cache.dump()
    assert.deepEqual(dump, [
      ['forever', { value: 1, ttl: 0 }], // lru-cache also adds a meaningless start
      ['short', { value: 2, ttl: 100, start: 1_700_000_000_000 }],
    ])
    other.cache.load(dump)
  } finally {
    Date.now = realNow
  }
  assert.equal(other.cache.getRemainingTTL('forever'), Infinity)
  assert.equal(other.cache.getRemainingTTL('short'), 100)
  other.clock.t += 1000
  clock.t += 1000
  assert.deepEqual([...other.cache.entries()], [['forever', 1]])
  assert.deepEqual([...cache.entries()], [['forever', 1]])
})

test('info() reports the remaining ttl, also of a stale entry', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100 })
    cache.set('a', 1).set('n', 2, { ttl: 0 })
    clock.t += 30
    const fresh = cache.info('a')
    clock.t += 100
    const stale = cache.info('a')
    return [fresh.value, fresh.ttl, typeof fresh.start, stale.ttl, cache.info('n').ttl, cache.info('zz')]
  }, [1, 70, 'number', -30, undefined, undefined])
})

test('status objects report get/has/set outcomes and TTL fields as lru-cache does', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100 })
    const out = []
    const st = () => {
      const s = {}
      out.push(s)
      return s
    }
    cache.set('a', 1, { status: st() })
    cache.set('a', 2, { status: st() })
    cache.set('a', 2, { status: st() })
    cache.set('n', 5, { status: st(), ttl: 0 })
    clock.t += 30
    cache.get('a', { status: st() })
    cache.get('zz', { status: st() })
    cache.has('a', { status: st() })
    cache.has('zz', { status: st() })
    cache.peek('a', { status: st() })
    cache.get('n', { status: st() })
    clock.t += 100
    cache.has('a', { status: st() })
    cache.peek('a', { status: st() })
    cache.get('a', { status: st() })
    return out.map(plainStatus)
  }, [
    { set: 'add', value: 1, ttl: 100, start: 1000, now: 1000, remainingTTL: 100 },
    { set: 'replace', value: 2, oldValue: 1, ttl: 100, start: 1000, now: 1000, remainingTTL: 100 },
    { set: 'update', value: 2, ttl: 100, start: 1000, now: 1000, remainingTTL: 100 },
    { set: 'add', value: 5 },
    { get: 'hit', value: 2, ttl: 100, start: 1000, now: 1030, remainingTTL: 70 },
    { get: 'miss' },
    { has: 'hit', ttl: 100, start: 1000, now: 1030, remainingTTL: 70 },
    { has: 'miss' },
    { peek: 'hit', value: 2 },
    { get: 'hit', value: 5 },
    { has: 'stale', ttl: 100, start: 1000, now: 1130, remainingTTL: -30 },
    { peek: 'stale' },
    { get: 'stale', ttl: 100, start: 1000, now: 1130, remainingTTL: -30 },
  ])
})

test('ttlAutopurge removes entries on time without any access', async () => {
  const disposed = []
  const cache = new LRUCache({ ttl: 30, ttlAutopurge: true, dispose: (v, k, r) => disposed.push([k, r]) })
  cache.set('a', 1)
  cache.set('b', 2, { ttl: 60 })
  cache.set('c', 3, { ttl: 0 }) // no TTL: stays
  assert.equal(cache.size, 3)
  const deadline = Date.now() + 5000
  while (cache.size > 1 && Date.now() < deadline) await sleep(10)
  assert.equal(cache.size, 1)
  assert.deepEqual(disposed, [['a', 'expire'], ['b', 'expire']])
  assert.equal(cache.get('c'), 3)
  // it keeps working for later entries
  cache.set('d', 4)
  while (cache.size > 1 && Date.now() < deadline + 5000) await sleep(10)
  assert.deepEqual([...cache.keys()], ['c'])
  cache.clear()
})

test('a cache with a pending autopurge timer can still be garbage collected', () => {
  const script = `
    const { LRUCache } = require(${JSON.stringify(path.join(__dirname, '..'))})
    let cache = new LRUCache({ ttl: 3600000, ttlAutopurge: true })
    cache.set('k', { big: new Array(1000).fill(1) })
    const ref = new WeakRef(cache)
    cache = null
    setImmediate(() => {
      globalThis.gc()
      setImmediate(() => {
        globalThis.gc()
        console.log(ref.deref() === undefined ? 'collected' : 'alive')
        process.exit(0)
      })
    })
  `
  // spawnSync returns only once the child is gone (killed at the timeout)
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
    encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL',
  })
  assert.equal(child.stderr, '')
  assert.equal(child.stdout.trim(), 'collected')
})

test('a ttl assigned after construction applies to set(k, v) as to set(k, v, {}), under both policies', () => {
  for (const policy of ['lru', 'tinylfu']) {
    same((Ctor) => {
      const { cache, clock } = clocked(Ctor, { max: 10, policy })
      cache.set('before', 0)
      cache.ttl = 100
      cache.set('a', 1).set('b', 2, {})
      clock.t += 50
      const mid = [cache.get('a'), cache.has('b'), cache.getRemainingTTL('a'), cache.getRemainingTTL('b')]
      clock.t += 51
      return [mid, cache.get('a'), cache.get('b'), cache.has('a'), [...cache.keys()], cache.getRemainingTTL('before')]
    }, [[1, true, 50, 50], undefined, undefined, false, ['before'], Infinity])
  }
})

test('ttlAutopurge assigned after construction starts and stops the purge timer', async () => {
  const cache = new LRUCache({ max: 10, ttl: 20 })
  cache.set('a', 1)
  cache.ttlAutopurge = true
  cache.set('b', 2)
  await sleep(80)
  assert.equal(cache.size, 0) // both purged without any access
  cache.set('c', 3)
  cache.ttlAutopurge = false
  await sleep(80)
  assert.equal(cache.size, 1) // stale, but no longer purged
  assert.equal(cache.get('c'), undefined)
  // entries stored before the assignment alone arm it too, under either policy
  for (const policy of ['lru', 'tinylfu']) {
    const quiet = new LRUCache({ max: 10, ttl: 20, policy })
    quiet.set('x', 1).set('y', 2, { ttl: 5 })
    quiet.ttlAutopurge = true
    await sleep(80)
    assert.equal(quiet.size, 0, policy)
  }
})

test('a bad start is refused before set() changes anything: no value replaced, disposed or counted', () => {
  const disposed = []
  const { cache } = clocked(LRUCache, { max: 10, ttl: 100, stats: true, dispose: (v, k, r) => disposed.push([v, k, r]) })
  cache.set('a', 1)
  for (const start of ['now', NaN, Infinity]) {
    assert.throws(() => cache.set('a', 2, { start }), { name: 'TypeError', code: 'ERR_LEAKGUARD_OPTION' })
    assert.throws(() => cache.set('b', 2, { start }), { name: 'TypeError', code: 'ERR_LEAKGUARD_OPTION' })
  }
  assert.deepEqual([[...cache.entries()], disposed, cache.stats().sets], [[['a', 1]], [], 1])
})

test('a per-call ttl may be fractional, or Infinity for never, as in lru-cache', () => {
  same((Ctor) => {
    const { cache, clock } = clocked(Ctor, { max: 10, ttl: 100 })
    cache.set('frac', 1, { ttl: 1.5 }).set('inf', 2, { ttl: Infinity })
    const status = {}
    cache.set('inf2', 3, { ttl: Infinity, status })
    clock.t += 1
    const early = [cache.get('frac'), cache.getRemainingTTL('frac'), status.ttl, status.remainingTTL]
    clock.t += 1
    const late = [cache.get('frac'), cache.has('frac')]
    clock.t += 1e12
    const info = cache.info('inf')
    return [early, late, cache.purgeStale(), cache.get('inf'), cache.has('inf'), cache.getRemainingTTL('inf'), info.ttl, cache.size]
  }, [[1, 0.5, Infinity, Infinity], [undefined, false], false, 2, true, Infinity, Infinity, 2])
})

test('an Infinity ttl survives dump()/load(), arms no autopurge timer, and fetch() takes it too', async () => {
  const { cache, clock } = clocked(LRUCache, { max: 10, ttl: 50, ttlAutopurge: true })
  const armed = []
  const realSetTimeout = globalThis.setTimeout
  globalThis.setTimeout = (fn, ms, ...rest) => {
    armed.push(ms)
    return realSetTimeout(fn, ms, ...rest)
  }
  try {
    cache.set('inf', 1, { ttl: Infinity })
    assert.deepEqual(armed, [])
    cache.set('short', 2) // a finite ttl does arm it
    assert.equal(armed.length, 1)
  } finally {
    globalThis.setTimeout = realSetTimeout
  }
  const dump = cache.dump()
  assert.deepEqual(dump[0][0], 'inf')
  assert.equal(dump[0][1].ttl, Infinity)
  const other = clocked(LRUCache, { max: 10, ttl: 50 })
  other.cache.load(dump)
  other.clock.t += 1e9
  clock.t += 1e9
  assert.deepEqual([...other.cache.keys()], ['inf'])
  assert.equal(other.cache.getRemainingTTL('inf'), Infinity)
  // through JSON, where Infinity becomes null: still never expires
  const viaJson = clocked(LRUCache, { max: 10, ttl: 50 })
  viaJson.cache.load(JSON.parse(JSON.stringify(dump)))
  viaJson.clock.t += 1e9
  assert.deepEqual([...viaJson.cache.keys()], ['inf'])
  assert.equal(viaJson.cache.getRemainingTTL('inf'), Infinity)
  assert.equal(cache.purgeStale(), true)
  assert.deepEqual([...cache.keys()], ['inf'])
  cache.clear()

  const fetching = clocked(LRUCache, { max: 10, ttl: 50, fetchMethod: async () => 'v' })
  assert.equal(await fetching.cache.fetch('k', { ttl: Infinity }), 'v')
  fetching.clock.t += 1e9
  assert.equal(fetching.cache.get('k'), 'v')
})

test('a per-call ttl that is negative, NaN or not a number is refused and changes nothing', () => {
  const { cache } = clocked(LRUCache, { max: 10 })
  cache.set('a', 1)
  const what = 'ttl must be a non-negative number of milliseconds (Infinity: never expires)'
  for (const [ttl, name, shown] of [[-1, 'RangeError', '-1'], [NaN, 'RangeError', 'NaN'], [-Infinity, 'RangeError', '-Infinity'], ['5', 'TypeError', "'5'"]]) {
    const message = name === 'TypeError' ? `LRUCache: ttl must be a number, got ${shown}` : `LRUCache: ${what}, got ${shown}`
    assert.throws(() => cache.set('a', 2, { ttl }), { name, code: 'ERR_LEAKGUARD_OPTION', message })
    assert.throws(() => cache.set('b', 2, { ttl }), { name, message })
  }
  assert.deepEqual([...cache.entries()], [['a', 1]])
  assert.equal(cache.getRemainingTTL('a'), Infinity)
  // the constructor's ttl stays a whole number of milliseconds, as lru-cache requires
  for (const ttl of [1.5, Infinity]) {
    assert.throws(() => new LRUCache({ max: 1, ttl }), { name: 'RangeError' })
    assert.throws(() => new Peer({ max: 1, ttl }), TypeError)
  }
})

test('info() reads the clock fresh, getRemainingTTL the cached clock, as lru-cache', () => {
  const run = (Ctor) => {
    const clock = { t: 1000 }
    // the default ttlResolution caches the clock for get(); no timer expires it in synchronous code
    const cache = new Ctor({ max: 10, ttl: 100, perf: { now: () => clock.t } })
    cache.set('x', 0)
    cache.get('x')
    clock.t += 250
    cache.set('a', 1) // its start is read fresh, after the cached time
    clock.t += 10
    return cache
  }
  same((Ctor) => run(Ctor).info('a').ttl, 90)
  // getRemainingTTL reads the cached clock, as lru-cache does, so it agrees with get():
  // on that clock, 250 ms behind, the entry has 350 ms left
  same((Ctor) => run(Ctor).getRemainingTTL('a'), 350)
})

test('a ttlResolution lowered after construction takes effect at once', async () => {
  const c = new LRUCache({ max: 10, ttl: 50, ttlResolution: 1000 })
  c.set('a', 1)
  assert.equal(c.get('a'), 1) // caches the clock for up to 1000 ms
  c.ttlResolution = 1
  assert.equal(c.get('a'), 1) // caches the clock again, now for 1 ms
  await sleep(100)
  assert.equal(c.has('a'), false, 'read through a clock cached for the old resolution')
  assert.equal(c.get('a'), undefined)
})
