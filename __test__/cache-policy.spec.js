'use strict'
// The two replacement policies through the public LRUCache: the same Map
// semantics, the same bounds, and the difference that matters (admission).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')
const os = require('node:os')
const { LRUCache } = require('..')
const { LRUCache: IsaacsLRU } = require('lru-cache')
const { loadTraceSync } = require('../lib/native')
const { rng } = require('./support/rng')

const POLICIES = ['lru', 'tinylfu']

for (const policy of POLICIES) {
  test(`${policy}: Map semantics while under max`, () => {
    const c = new LRUCache({ max: 100, policy })
    assert.equal(c.policy, policy)
    const obj = {}
    const keys = ['a', 1, -0, NaN, obj, null, undefined, 2n, true]
    keys.forEach((k, i) => assert.equal(c.set(k, i), c))
    assert.equal(c.size, keys.length)
    keys.forEach((k, i) => {
      assert.equal(c.has(k), true)
      assert.equal(c.get(k), i)
      assert.equal(c.peek(k), i)
    })
    assert.equal(c.get(0), 2, '-0 and 0 are one key')
    assert.equal(c.get({}), undefined, 'objects by identity')
    c.set('a', 'again')
    assert.equal(c.get('a'), 'again')
    assert.equal(c.size, keys.length)
    assert.deepEqual(new Set(c.keys()), new Set(keys))
    assert.deepEqual(new Map(c.entries()).get(obj), 4)
    assert.equal([...c.values()].length, keys.length)
    assert.equal(c.delete('a'), true)
    assert.equal(c.delete('a'), false)
    assert.equal(c.has('a'), false)
    assert.equal(c.size, keys.length - 1)
    c.clear()
    assert.equal(c.size, 0)
    assert.deepEqual([...c.keys()], [])
    c.set('b', 1)
    assert.equal(c.get('b'), 1)
  })

  test(`${policy}: random operations keep within max and keep every new key`, () => {
    const r = rng(policy.length)
    const c = new LRUCache({ max: 50, policy })
    const model = new Map() // what must be there: a subset check, plus the newest key
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor(r() * r() * 400)
      const op = r()
      if (op < 0.5) {
        const v = c.get(k)
        if (v !== undefined) assert.equal(v, model.get(k), `get ${k}`)
      } else if (op < 0.9) {
        c.set(k, i)
        model.set(k, i)
        assert.equal(c.get(k), i, 'a new entry is there right after set')
      } else {
        c.delete(k)
        model.delete(k)
        assert.equal(c.has(k), false)
      }
      assert.ok(c.size <= 50, `size ${c.size} over max`)
    }
    const keys = [...c.keys()]
    assert.equal(keys.length, c.size)
    for (const k of keys) assert.equal(c.peek(k), model.get(k))
  })

  test(`${policy}: maxSize with sizeCalculation bounds the total size`, () => {
    const c = new LRUCache({ maxSize: 100, sizeCalculation: (v) => v.length, policy })
    const r = rng(7)
    for (let i = 0; i < 5000; i++) {
      const k = Math.floor(r() * 300)
      if (c.get(k) === undefined) c.set(k, 'x'.repeat(1 + Math.floor(r() * 30)))
      let sum = 0
      for (const v of c.values()) sum += v.length
      assert.equal(c.calculatedSize, sum)
      assert.ok(sum <= 100, `total size ${sum} over maxSize`)
    }
    c.set('big', 'y'.repeat(90))
    assert.ok(c.calculatedSize <= 100)
  })

  test(`${policy}: under maxSize every value set is disposed exactly once, unless still cached`, () => {
    // Replacing a value with one of another size may evict entries, the
    // replaced one included (tinylfu judges it again): the old value is then
    // disposed once ('set') and the new one once ('evict').
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed)
      const held = new Map() // key -> values set and not yet disposed
      const c = new LRUCache({
        policy,
        maxSize: 10 + Math.floor(r() * 60),
        sizeCalculation: (v) => 1 + (v % 7),
        dispose: (v, k) => {
          const vs = held.get(k) ?? []
          assert.ok(vs.includes(v), `seed ${seed}: ${k}=${v} disposed but not held (${vs})`)
          vs.splice(vs.indexOf(v), 1)
        },
      })
      const keys = 5 + Math.floor(r() * 40)
      for (let i = 0; i < 2000; i++) {
        const k = Math.floor(r() * keys)
        if (r() < 0.5) {
          c.get(k)
        } else if (r() < 0.9) {
          const v = i * 10 + Math.floor(r() * 10)
          held.set(k, [...(held.get(k) ?? []), v])
          c.set(k, v)
        } else {
          c.delete(k)
        }
        assert.ok(c.calculatedSize <= c.maxSize)
      }
      for (const [k, vs] of held) {
        const v = c.peek(k)
        assert.deepEqual(vs, v === undefined ? [] : [v], `seed ${seed}: key ${k}`)
      }
    }
  })

  test(`${policy}: entries expire after their ttl`, () => {
    let now = 1000
    const c = new LRUCache({ max: 10, ttl: 100, ttlResolution: 0, policy, perf: { now: () => now } })
    c.set('a', 1)
    now += 50
    assert.equal(c.get('a'), 1)
    now += 60
    assert.equal(c.get('a'), undefined)
    assert.equal(c.has('a'), false)
  })
}

test('lru evicts exactly as lru-cache does, hits included', () => {
  const r = rng(11)
  const ours = new LRUCache({ max: 64 })
  const theirs = new IsaacsLRU({ max: 64 })
  for (let i = 0; i < 50_000; i++) {
    const k = Math.floor(r() * r() * 300)
    const a = ours.get(k)
    assert.equal(a, theirs.get(k), `request ${i} for key ${k}`)
    if (a === undefined) {
      ours.set(k, i)
      theirs.set(k, i)
    }
  }
  assert.deepEqual([...ours.keys()], [...theirs.keys()])
})

test('tinylfu keeps hot keys through a scan that flushes lru', () => {
  const result = {}
  for (const policy of POLICIES) {
    const c = new LRUCache({ max: 100, policy })
    for (let round = 0; round < 20; round++) for (let k = 0; k < 50; k++) c.get(k) ?? c.set(k, k)
    for (let k = 1000; k < 3000; k++) c.get(k) ?? c.set(k, k) // one-off keys
    let hot = 0
    for (let k = 0; k < 50; k++) hot += c.has(k) ? 1 : 0
    result[policy] = hot
  }
  assert.equal(result.lru, 0)
  assert.ok(result.tinylfu >= 45, `tinylfu kept ${result.tinylfu} of 50 hot keys`)
})

test('tinylfu keeps its admission under max and maxSize when max is the bound that fills it', () => {
  // Sizes of 3 against a maxSize of a million: 100 entries fill the cache long
  // before their sizes do. The window must still be a small share of the
  // entries, or every entry sits in it and the cache is plain LRU.
  const hotAfterScan = (options) => {
    const c = new LRUCache({ ...options, policy: 'tinylfu' })
    for (let round = 0; round < 20; round++) for (let k = 0; k < 50; k++) c.get(k) ?? c.set(k, k)
    for (let k = 1000; k < 3000; k++) c.get(k) ?? c.set(k, k)
    let hot = 0
    for (let k = 0; k < 50; k++) hot += c.has(k) ? 1 : 0
    return hot
  }
  const sized = { sizeCalculation: () => 3 }
  assert.ok(hotAfterScan({ max: 100 }) >= 45)
  assert.ok(hotAfterScan({ max: 100, maxSize: 1e6, ...sized }) >= 45, 'max binds')
  assert.ok(hotAfterScan({ max: 1e6, maxSize: 300, ...sized }) >= 45, 'maxSize binds')
  // A loop a little larger than the cache: LRU never hits, admission keeps most of it.
  const loop = (options) => {
    const c = new LRUCache(options)
    let hits = 0
    for (let i = 0; i < 60_000; i++) {
      const k = i % 1200
      if (c.get(k) !== undefined) hits++
      else c.set(k, k)
    }
    return hits / 60_000
  }
  const both = { max: 1000, maxSize: 1e9, ...sized }
  assert.equal(loop({ ...both, policy: 'lru' }), 0)
  const ratio = loop({ ...both, policy: 'tinylfu' })
  assert.ok(ratio > 0.6, `tinylfu hit ratio ${ratio} on a loop over max + maxSize`)
})

test('tinylfu: an entry admitted over probation is not evicted by the evictions that make room for it', () => {
  // 'x' was hot at size 1, so back at size 60 its count beats probation's
  // victim. Room for it then takes more evictions: they must not reach 'x'
  // itself, which would leave the cache without it and without the entries
  // evicted for it.
  const evicted = []
  const c = new LRUCache({
    maxSize: 100,
    sizeCalculation: (v) => v.size,
    policy: 'tinylfu',
    dispose: (v, k, reason) => reason === 'evict' && evicted.push(k),
  })
  c.set('x', { size: 1 })
  for (let i = 0; i < 10; i++) c.get('x')
  c.delete('x')
  for (let k = 0; k < 100; k++) c.set(k, { size: 1 })
  for (let round = 0; round < 5; round++) for (let k = 0; k < 100; k++) c.get(k)
  assert.deepEqual(evicted, [])
  c.set('x', { size: 60 })
  assert.equal(c.has('x'), true, `evicted ${evicted.length} entries, 'x' among them: ${evicted.includes('x')}`)
  assert.equal(evicted.length, 60)
  assert.equal(c.calculatedSize, 100)
})

test('tinylfu: an entry set to a larger size keeps its place over the window entries evicted for it', () => {
  // 100 entries of size 1, all hit; key 5 grows to the whole maxSize. As
  // under lru, every other entry goes and key 5 stays; the evictions must not
  // take key 5 itself while the window still holds one.
  for (const policy of POLICIES) {
    const evicted = []
    const c = new LRUCache({
      maxSize: 100,
      sizeCalculation: (v) => v.size,
      policy,
      dispose: (v, k, reason) => reason === 'evict' && evicted.push(k),
    })
    for (let k = 0; k < 100; k++) c.set(k, { size: 1 })
    for (let round = 0; round < 3; round++) for (let k = 0; k < 100; k++) c.get(k)
    c.set(5, { size: 100 })
    assert.equal(c.has(5), true, `${policy}: evicted ${evicted.length}, key 5 among them: ${evicted.includes(5)}`)
    assert.deepEqual([c.size, c.calculatedSize, evicted.length], [1, 100, 99], policy)
  }
})

test('policy option errors name the value', () => {
  assert.throws(() => new LRUCache({ max: 1, policy: 'fifo' }), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'LRUCache: policy must be "lru" or "tinylfu", got \'fifo\'',
  })
  assert.throws(() => new LRUCache({ max: 1, policy: 3 }), {
    name: 'TypeError',
    message: 'LRUCache: policy must be a string ("lru" or "tinylfu"), got 3',
  })
})

test('loadTraceSync reads either trace format, compressed or not, and names bad paths', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-trace-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const text = '5\n*\n7\n4294967295\n'
  const binary = Buffer.from([0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff])
  const files = {
    't.trace.gz': zlib.gzipSync(text),
    'plain.trace': text,
    'keys.bin': binary,
    'keys.bin.gz': zlib.gzipSync(binary),
  }
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes)
  assert.deepEqual([...loadTraceSync(path.join(dir, 't.trace.gz'))], [5, 7, 4294967295])
  assert.deepEqual([...loadTraceSync(path.join(dir, 'plain.trace'))], [5, 7, 4294967295])
  assert.deepEqual([...loadTraceSync(path.join(dir, 'keys.bin'))], [5, 4294967295])
  assert.deepEqual([...loadTraceSync(path.join(dir, 'keys.bin.gz'))], [5, 4294967295])
  const missing = path.join(dir, 'missing.xz')
  assert.throws(() => loadTraceSync(missing), {
    code: 'ERR_LEAKGUARD_TRACE',
    message: new RegExp(`^cannot read trace ${JSON.stringify(missing).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}: `),
  })
  // The shared traces, when present: the README's request counts.
  const web07 = path.join(__dirname, '..', '..', 'shared', 'traces', 'web07.trace.xz')
  if (fs.existsSync(web07)) assert.equal(loadTraceSync(web07).length, 76118)
})

test('LEAKGUARD_CACHE_SEED fixes tinylfu admission tie-breaks; without it each cache draws its own', (t) => {
  const saved = process.env.LEAKGUARD_CACHE_SEED
  t.after(() => {
    if (saved === undefined) delete process.env.LEAKGUARD_CACHE_SEED
    else process.env.LEAKGUARD_CACHE_SEED = saved
  })
  // 40 keys cycling through 20 slots: every count saturates alike, so only
  // the random tie-breaks decide which keys stay.
  const residents = (seed) => {
    if (seed === undefined) delete process.env.LEAKGUARD_CACHE_SEED
    else process.env.LEAKGUARD_CACHE_SEED = String(seed)
    const c = new LRUCache({ max: 20, policy: 'tinylfu' }) // the seed is read here
    delete process.env.LEAKGUARD_CACHE_SEED
    for (let round = 0; round < 200; round++) {
      for (let k = 0; k < 40; k++) if (c.get(k) === undefined) c.set(k, k)
    }
    return [...c.keys()]
  }
  assert.deepEqual(residents(1), residents(1))
  assert.notDeepEqual(residents(1), residents(2))
  assert.notDeepEqual(residents(undefined), residents(undefined))
  // Set but not a seed: refused, naming the variable and the value.
  for (const bad of ['abc', '-1', '1.5', '18446744073709551616']) {
    process.env.LEAKGUARD_CACHE_SEED = bad
    assert.throws(() => new LRUCache({ max: 20, policy: 'tinylfu' }), {
      name: 'RangeError',
      code: 'ERR_LEAKGUARD_OPTION',
      message: new RegExp(`LEAKGUARD_CACHE_SEED .*got "${bad.replace('.', '\\.')}"`),
    })
  }
  delete process.env.LEAKGUARD_CACHE_SEED
})

// set(k, v) with no options takes short paths (a new key in a TTL cache
// included); set(k, v, {}) always the general one. With the same seed, both
// must leave every policy in the same state: the same entries, in the same
// order, with the same TTLs, and the same disposals (under 'tinylfu', the
// admission's refusals among them).
for (const policy of POLICIES) {
  test(`${policy}: set without options ends where set with options does (ttl, evictions, disposals)`, (t) => {
    const saved = process.env.LEAKGUARD_CACHE_SEED
    t.after(() => {
      if (saved === undefined) delete process.env.LEAKGUARD_CACHE_SEED
      else process.env.LEAKGUARD_CACHE_SEED = saved
    })
    process.env.LEAKGUARD_CACHE_SEED = '7'
    const make = () => {
      const clock = { t: 1000 }
      const disposed = []
      const cache = new LRUCache({
        max: 40,
        ttl: 500,
        ttlResolution: 0,
        policy,
        perf: { now: () => clock.t },
        dispose: (v, k, reason) => disposed.push([k, v, reason]),
      })
      return { cache, clock, disposed }
    }
    // every entry, most recent first, with its value and remaining TTL on the
    // cache's own clock (dump() dates entries by the wall clock)
    const state = (c) => [...c.entries()].map(([k, v]) => [k, v, c.getRemainingTTL(k)])
    const short = make()
    const general = make()
    delete process.env.LEAKGUARD_CACHE_SEED
    const r = rng(11)
    for (let i = 0; i < 8000; i++) {
      const k = Math.floor(r() * r() * 300)
      const op = r()
      for (const side of [short, general]) {
        if (op < 0.45) {
          side.cache.get(k)
        } else if (op < 0.9) {
          if (side === short) side.cache.set(k, i)
          else side.cache.set(k, i, {})
        } else if (op < 0.95) {
          side.cache.delete(k)
        } else {
          side.clock.t += (i % 7) * 40
        }
      }
      if (i % 41 === 0) {
        assert.deepEqual(state(short.cache), state(general.cache), `after step ${i}`)
        assert.deepEqual(short.disposed, general.disposed, `disposals after step ${i}`)
      }
    }
    assert.deepEqual([...short.cache.rkeys()], [...general.cache.rkeys()])
    assert.deepEqual(short.disposed, general.disposed)
    // the script reaches every way out: evicted, expired, replaced, deleted
    const reasons = new Set(short.disposed.map(([, , reason]) => reason))
    assert.deepEqual([...reasons].sort(), ['delete', 'evict', 'expire', 'set'])
  })
}
