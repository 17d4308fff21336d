'use strict'
// LRUCache's Map interface, recency order and eviction exactness.
const test = require('node:test')
const assert = require('node:assert/strict')
const { LRUCache } = require('..')
const { LRUCache: Peer } = require('lru-cache')
const { rng } = require('./support/rng')

/** Keys most recent first, as keys() should yield them. */
const keys = (c) => [...c.keys()]

/** The reference: an array of [key, value], most recent first. */
class RefLRU {
  constructor(max) {
    this.max = max
    this.list = []
    this.evicted = []
  }
  #find(k) {
    return this.list.findIndex(([key]) => Object.is(key, k) || (key === 0 && k === 0))
  }
  get(k) {
    const i = this.#find(k)
    if (i < 0) return undefined
    const [e] = this.list.splice(i, 1)
    this.list.unshift(e)
    return e[1]
  }
  set(k, v) {
    const i = this.#find(k)
    if (i >= 0) this.list.splice(i, 1)
    else if (this.list.length === this.max) this.evicted.push(this.list.pop())
    this.list.unshift([k, v])
  }
  delete(k) {
    const i = this.#find(k)
    if (i >= 0) this.list.splice(i, 1)
    return i >= 0
  }
}

test('get/set/has/delete/clear/size behave like a Map', () => {
  const c = new LRUCache({ max: 10 })
  assert.equal(c.set('a', 1), c)
  assert.equal(c.set('b', 2).set('c', 3), c)
  assert.equal(c.size, 3)
  assert.equal(c.get('a'), 1)
  assert.equal(c.get('zz'), undefined)
  assert.equal(c.has('b'), true)
  assert.equal(c.has('zz'), false)
  assert.equal(c.delete('b'), true)
  assert.equal(c.delete('b'), false)
  assert.equal(c.has('b'), false)
  assert.equal(c.size, 2)
  c.set('a', 10)
  assert.equal(c.get('a'), 10)
  assert.equal(c.size, 2)
  c.clear()
  assert.equal(c.size, 0)
  assert.deepEqual(keys(c), [])
  assert.equal(c.get('a'), undefined)
  c.set('d', 4)
  assert.deepEqual([...c], [['d', 4]])
  assert.equal(Object.prototype.toString.call(c), '[object LRUCache]')
  assert.equal(c[Symbol.toStringTag], 'LRUCache')
})

test('keys compare with SameValueZero: NaN, -0/+0, identity, symbols, mixed types', () => {
  const c = new LRUCache({ max: 100 })
  const o1 = {}
  const o2 = {}
  const sym = Symbol('s')
  const fn = () => {}
  c.set(NaN, 'nan')
  assert.equal(c.get(NaN), 'nan')
  assert.equal(c.get(0 / 0), 'nan')
  c.set(-0, 'zero')
  assert.equal(c.get(0), 'zero')
  assert.equal(c.get(+0), 'zero')
  c.set(0, 'zero2')
  assert.equal(c.get(-0), 'zero2')
  c.set(o1, 'o1')
  c.set(o2, 'o2')
  assert.equal(c.get(o1), 'o1')
  assert.equal(c.get(o2), 'o2')
  assert.equal(c.get({}), undefined)
  c.set(sym, 'sym')
  assert.equal(c.get(sym), 'sym')
  assert.equal(c.get(Symbol('s')), undefined)
  c.set(fn, 'fn')
  assert.equal(c.get(fn), 'fn')
  c.set(1, 'num').set('1', 'str').set(1n, 'big').set(true, 'bool').set(null, 'null').set(undefined, 'undef')
  assert.equal(c.get(1), 'num')
  assert.equal(c.get('1'), 'str')
  assert.equal(c.get(1n), 'big')
  assert.equal(c.get(true), 'bool')
  assert.equal(c.get(null), 'null')
  assert.equal(c.get(undefined), 'undef')
  assert.equal(c.size, 12)
  assert.equal(c.delete(-0), true)
  assert.equal(c.has(0), false)
  // Values may be any JS value except undefined (which deletes, as lru-cache).
  c.set('falsy', 0).set('null-value', null).set('false', false)
  assert.equal(c.get('falsy'), 0)
  assert.equal(c.get('null-value'), null)
  assert.equal(c.get('false'), false)
  assert.equal(c.has('null-value'), true)
})

test('iteration is most recent first, r* variants least recent first', () => {
  const c = new LRUCache({ max: 10 })
  for (const k of ['a', 'b', 'c', 'd']) c.set(k, k.toUpperCase())
  c.get('b')
  assert.deepEqual(keys(c), ['b', 'd', 'c', 'a'])
  assert.deepEqual([...c.rkeys()], ['a', 'c', 'd', 'b'])
  assert.deepEqual([...c.values()], ['B', 'D', 'C', 'A'])
  assert.deepEqual([...c.rvalues()], ['A', 'C', 'D', 'B'])
  assert.deepEqual([...c.entries()], [['b', 'B'], ['d', 'D'], ['c', 'C'], ['a', 'A']])
  assert.deepEqual([...c.rentries()], [['a', 'A'], ['c', 'C'], ['d', 'D'], ['b', 'B']])
  assert.deepEqual([...c], [...c.entries()])
  const seen = []
  const self = { tag: 'this' }
  c.forEach(function (v, k, cache) {
    seen.push([v, k, cache === c, this])
  }, self)
  assert.deepEqual(seen, [['B', 'b', true, self], ['D', 'd', true, self], ['C', 'c', true, self], ['A', 'a', true, self]])
  const rseen = []
  c.rforEach((v, k) => rseen.push(k))
  assert.deepEqual(rseen, ['a', 'c', 'd', 'b'])
  // without thisArg, `this` is the cache (as lru-cache)
  let thisSeen
  c.forEach(function () {
    thisSeen = this
  })
  assert.equal(thisSeen, c)
  // setting an existing key makes it most recent too
  c.set('a', 'A2')
  assert.deepEqual(keys(c), ['a', 'b', 'd', 'c'])
})

test('get updates recency; peek and has do not', () => {
  const c = new LRUCache({ max: 3 })
  c.set(1, 'x').set(2, 'y').set(3, 'z')
  assert.equal(c.peek(1), 'x')
  assert.equal(c.has(1), true)
  assert.equal(c.peek(99), undefined)
  c.set(4, 'w') // 1 is still least recent
  assert.equal(c.has(1), false)
  assert.deepEqual(keys(c), [4, 3, 2])
  c.get(2)
  c.set(5, 'v') // 3 is now least recent
  assert.deepEqual(keys(c), [5, 2, 4])
})

test('deleting during iteration skips the deleted entries and yields the rest once', () => {
  const c = new LRUCache({ max: 10 })
  for (let i = 0; i < 6; i++) c.set(i, i)
  const seen = []
  for (const k of c.keys()) {
    seen.push(k)
    if (k === 5) c.delete(3)
    c.delete(k)
  }
  assert.deepEqual(seen, [5, 4, 2, 1, 0])
  assert.equal(c.size, 0)
  for (let i = 0; i < 4; i++) c.set(i, i)
  const seen2 = []
  c.forEach((v, k) => {
    seen2.push(k)
    c.delete(0)
  })
  assert.deepEqual(seen2, [3, 2, 1])
  assert.deepEqual(keys(c), [3, 2, 1])
})

test('set(k, undefined) deletes the key', () => {
  const disposed = []
  const c = new LRUCache({ max: 5, dispose: (v, k, r) => disposed.push([v, k, r]) })
  c.set('a', 1).set('b', 2)
  const status = {}
  assert.equal(c.set('a', undefined, { status }), c)
  assert.equal(c.has('a'), false)
  assert.equal(c.size, 1)
  assert.deepEqual(disposed, [[1, 'a', 'delete']])
  assert.equal(status.set, 'deleted')
  c.set('nope', undefined)
  assert.equal(c.size, 1)
})

test('pop() removes and returns the least recently used value', () => {
  const c = new LRUCache({ max: 5 })
  assert.equal(c.pop(), undefined)
  c.set('a', 1).set('b', 2).set('c', 3)
  c.get('a')
  assert.equal(c.pop(), 2)
  assert.equal(c.pop(), 3)
  assert.deepEqual(keys(c), ['a'])
  assert.equal(c.pop(), 1)
  assert.equal(c.size, 0)
  assert.equal(c.pop(), undefined)
  // the cache works normally afterwards
  c.set('x', 9)
  assert.deepEqual([...c], [['x', 9]])
})

test('find() returns the first matching value, most recent first, and marks it used', () => {
  const c = new LRUCache({ max: 5 })
  c.set('a', 1).set('b', 2).set('c', 3).set('d', 4)
  const visited = []
  const found = c.find((v, k, cache) => {
    visited.push(k)
    assert.equal(cache, c)
    return v % 2 === 0 && v < 4
  })
  assert.equal(found, 2)
  assert.deepEqual(visited, ['d', 'c', 'b'])
  assert.deepEqual(keys(c), ['b', 'd', 'c', 'a'])
  assert.equal(c.find(() => false), undefined)
})

test('info() describes one entry', () => {
  const c = new LRUCache({ max: 5 })
  c.set('a', { n: 1 })
  assert.deepEqual(c.info('a'), { value: { n: 1 } })
  assert.equal(c.info('b'), undefined)
  const s = new LRUCache({ maxSize: 100, sizeCalculation: (v) => v.length })
  s.set('k', 'abc')
  assert.deepEqual(s.info('k'), { value: 'abc', size: 3 })
})

test('dump()/load() round trip keeps entries and their order, also into a fresh cache', () => {
  const c = new LRUCache({ max: 10 })
  for (const k of ['a', 'b', 'c', 'd']) c.set(k, k + k)
  c.get('a')
  const dump = c.dump()
  assert.deepEqual(dump, [
    ['b', { value: 'bb' }],
    ['c', { value: 'cc' }],
    ['d', { value: 'dd' }],
    ['a', { value: 'aa' }],
  ])
  const fresh = new LRUCache({ max: 10 })
  fresh.set('zz', 1) // load() replaces contents
  fresh.load(dump)
  assert.deepEqual([...fresh], [...c])
  assert.deepEqual([...fresh], [['a', 'aa'], ['d', 'dd'], ['c', 'cc'], ['b', 'bb']])
  // loading into a smaller cache keeps the most recent entries
  const small = new LRUCache({ max: 2 })
  small.load(dump)
  assert.deepEqual([...small], [['a', 'aa'], ['d', 'dd']])
  // and into itself
  c.set('e', 'ee')
  c.load(dump)
  assert.deepEqual(keys(c), ['a', 'd', 'c', 'b'])
  // sizes survive too
  const s = new LRUCache({ maxSize: 10, sizeCalculation: (v) => v.length })
  s.set('x', 'xyz').set('y', 'y')
  const s2 = new LRUCache({ maxSize: 10, sizeCalculation: () => 1 })
  s2.load(s.dump())
  assert.equal(s2.calculatedSize, 4)
  assert.deepEqual([...s2], [['y', 'y'], ['x', 'xyz']])
})

// Each path through the wrapper: slots chosen in JS (max), by the core (maxSize),
// with TTL bookkeeping, with onInsert, and with per-call options.
const VARIANTS = [
  ['max', (max) => ({ max })],
  ['maxSize', (max) => ({ maxSize: max, sizeCalculation: () => 1 })],
  ['max + ttl', (max) => ({ max, ttl: 1e9 })],
  ['max + onInsert', (max) => ({ max, onInsert: () => {} })],
  ['max + stats', (max) => ({ max, stats: true })],
]
for (const [name, make] of VARIANTS) {
  for (const seed of [1, 2, 3]) {
    randomRun(name, make, seed)
  }
}

function randomRun(name, make, seed) {
  test(`eviction order is exact after a long random get/set/delete sequence (${name}, seed ${seed})`, () => {
    const max = [1, 7, 50][seed - 1]
    const evicted = []
    const c = new LRUCache({ ...make(max), dispose: (v, k, r) => r === 'evict' && evicted.push([k, v]) })
    const ref = new RefLRU(max)
    const rand = rng(seed)
    const keySpace = max * 3
    for (let i = 0; i < 10000; i++) {
      const k = Math.floor(rand() * keySpace)
      const op = rand()
      if (op < 0.4) {
        assert.equal(c.get(k), ref.get(k), `get ${k} at op ${i}`)
      } else if (op < 0.45) {
        assert.equal(c.get(k, {}), ref.get(k), `get ${k} with options at op ${i}`)
      } else if (op < 0.85) {
        c.set(k, i)
        ref.set(k, i)
      } else if (op < 0.9) {
        c.set(k, i, {})
        ref.set(k, i)
      } else if (op < 0.95) {
        assert.equal(c.delete(k), ref.delete(k))
      } else {
        assert.equal(c.peek(k), ref.list.find(([key]) => key === k)?.[1])
      }
      if (i % 997 === 0) assert.deepEqual([...c], ref.list, `order at op ${i}`)
    }
    assert.deepEqual([...c], ref.list)
    assert.deepEqual(evicted, ref.evicted)
    assert.equal(c.size, ref.list.length)
  })
}

test('a cache with max 1 holds exactly the last key set', () => {
  const c = new LRUCache({ max: 1 })
  c.set('a', 1)
  c.set('b', 2)
  assert.deepEqual([...c], [['b', 2]])
  assert.equal(c.get('a'), undefined)
  c.set('b', 3)
  assert.deepEqual([...c], [['b', 3]])
  c.delete('b')
  assert.equal(c.size, 0)
  c.set('c', 4)
  assert.equal(c.get('c'), 4)
  assert.equal(c.pop(), 4)
  assert.equal(c.size, 0)
})

test('many caches alive at once do not interfere', () => {
  const caches = []
  for (let i = 0; i < 300; i++) caches.push(new LRUCache({ max: (i % 5) + 1 }))
  for (let round = 0; round < 10; round++) {
    caches.forEach((c, i) => c.set(round, `${i}:${round}`))
  }
  caches.forEach((c, i) => {
    const max = (i % 5) + 1
    const expected = []
    for (let r = 9; r > 9 - max; r--) expected.push([r, `${i}:${r}`])
    assert.deepEqual([...c], expected)
  })
})

test('100k operations, far past the ahead queue and access log, stay exact', () => {
  const max = 300 // > the 128-slot ahead queue
  const c = new LRUCache({ max })
  const ref = new RefLRU(max)
  const rand = rng(42)
  for (let i = 0; i < 100000; i++) {
    const k = Math.floor(rand() * 600)
    if (rand() < 0.7) {
      const got = c.get(k)
      if (got !== ref.get(k)) assert.fail(`get ${k} at op ${i}: ${got}`)
    } else {
      c.set(k, i)
      ref.set(k, i)
    }
  }
  assert.deepEqual([...c], ref.list)
  assert.ok(ref.evicted.length > 5000, `only ${ref.evicted.length} evictions`)
  // a burst of 5000 hits (more than the 4096-entry log) without any set between
  const hot = ref.list.map(([k]) => k).reverse()
  for (let i = 0; i < 5000; i++) {
    const k = hot[i % hot.length]
    assert.equal(c.get(k), ref.get(k))
  }
  assert.deepEqual([...c], ref.list)
  for (let i = 0; i < 200; i++) {
    c.set(`n${i}`, i)
    ref.set(`n${i}`, i)
  }
  assert.deepEqual([...c], ref.list)
})

test('load() treats an undefined value as set(k, undefined) does: nothing is stored for the key', () => {
  const run = (Ctor) => {
    const c = new Ctor({ max: 10 })
    c.set('a', 'old')
    c.load([
      ['a', { value: undefined }], ['b', { value: 1 }], ['c', { value: undefined, ttl: 10 }],
      ['d', { value: 2 }], ['d', { value: undefined }],
    ])
    return [[...c.keys()], c.size, c.has('a'), c.dump()]
  }
  const expected = [['b'], 1, false, [['b', { value: 1 }]]]
  assert.deepEqual(run(LRUCache), expected)
  assert.deepEqual(run(Peer), expected)
})
