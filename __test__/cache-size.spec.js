'use strict'
// maxSize, sizeCalculation, per-call size and maxEntrySize, side by side with lru-cache.
const test = require('node:test')
const assert = require('node:assert/strict')
const { LRUCache } = require('..')
const { LRUCache: Peer } = require('lru-cache')

/** Runs `script(Ctor)` on both caches; asserts both give `expected`. */
function same(script, expected) {
  assert.deepEqual(script(LRUCache), expected)
  assert.deepEqual(script(Peer), expected, 'lru-cache disagrees with the expected outcome')
}

const strip = (status) => {
  const rest = { ...status }
  delete rest.op
  delete rest.key
  delete rest.cache
  return rest
}

test('sizeCalculation and per-call size add up in calculatedSize', () => {
  same((Ctor) => {
    const c = new Ctor({ maxSize: 100, sizeCalculation: (v, k) => v.length + k.length })
    c.set('a', 'xxx')
    c.set('bb', 'y', { size: 10 })
    const out = [c.calculatedSize, c.info('a').size, c.info('bb').size]
    c.delete('a')
    out.push(c.calculatedSize)
    c.set('cc', 'zz', { sizeCalculation: () => 7 })
    out.push(c.calculatedSize)
    c.clear()
    out.push(c.calculatedSize, c.size)
    return out
  }, [14, 4, 10, 10, 17, 0, 0])
})

test('inserting evicts least recently used entries until the new one fits', () => {
  same((Ctor) => {
    const evicted = []
    const c = new Ctor({ maxSize: 10, sizeCalculation: (v) => v, dispose: (v, k, r) => evicted.push([k, r]) })
    c.set('a', 3).set('b', 3).set('c', 3)
    c.get('a')
    c.set('d', 5) // 14 > 10: b then c go
    const out = [[...c.keys()], c.calculatedSize]
    c.set('e', 10) // everything else goes
    out.push([...c.keys()], c.calculatedSize, evicted)
    return out
  }, [['d', 'a'], 8, ['e'], 10, [['b', 'evict'], ['c', 'evict'], ['a', 'evict'], ['d', 'evict']]])
})

test('max and maxSize together: whichever binds first evicts', () => {
  same((Ctor) => {
    const c = new Ctor({ max: 3, maxSize: 100, sizeCalculation: (v) => v })
    for (const [k, v] of [['a', 1], ['b', 1], ['c', 1], ['d', 1]]) c.set(k, v)
    const out = [[...c.keys()], c.calculatedSize]
    c.set('big', 99)
    out.push([...c.keys()], c.calculatedSize)
    return out
  }, [['d', 'c', 'b'], 3, ['big', 'd'], 100])
})

test('an entry larger than maxEntrySize is not stored; an old entry for its key is deleted', () => {
  same((Ctor) => {
    const disposed = []
    const c = new Ctor({
      maxSize: 100,
      maxEntrySize: 10,
      sizeCalculation: (v) => v.length,
      dispose: (v, k, r) => disposed.push([v, k, r]),
    })
    c.set('keep', 'k')
    c.set('x', 'small')
    const status = {}
    c.set('x', 'much too large', { status })
    const status2 = {}
    c.set('y', 'also much too large', { status: status2 })
    return [strip(status), strip(status2), [...c.entries()], c.calculatedSize, disposed]
  }, [
    { value: 'much too large', set: 'miss', maxEntrySizeExceeded: true },
    { value: 'also much too large', set: 'miss', maxEntrySizeExceeded: true },
    [['keep', 'k']],
    1,
    [['small', 'x', 'set']],
  ])
})

test('maxEntrySize defaults to maxSize', () => {
  same((Ctor) => {
    const c = new Ctor({ maxSize: 5, sizeCalculation: (v) => v.length })
    c.set('a', 'aa')
    const status = {}
    c.set('b', 'bbbbbb', { status })
    return [[...c.keys()], status.set, status.maxEntrySizeExceeded]
  }, [['a'], 'miss', true])
})

test('set status reports entrySize and totalCalculatedSize', () => {
  same((Ctor) => {
    const c = new Ctor({ maxSize: 50, sizeCalculation: (v) => v.length })
    const s1 = {}
    const s2 = {}
    c.set('a', 'aaaa', { status: s1 })
    c.set('b', 'bb', { status: s2 })
    return [strip(s1), strip(s2)]
  }, [
    { value: 'aaaa', set: 'add', entrySize: 4, totalCalculatedSize: 4 },
    { value: 'bb', set: 'add', entrySize: 2, totalCalculatedSize: 6 },
  ])
})

test('resizing an existing entry updates calculatedSize and evicts others to fit', () => {
  same((Ctor) => {
    const c = new Ctor({ maxSize: 10, sizeCalculation: (v) => v.length })
    c.set('a', 'aaa').set('b', 'bbb').set('c', 'ccc')
    c.set('b', 'b')
    const out = [c.calculatedSize, [...c.keys()]]
    c.set('b', 'bbbbbbb') // 3 + 3 + 7 = 13: a goes
    out.push(c.calculatedSize, [...c.keys()])
    c.set('c', 'cccc') // 7 + 4 = 11: the least recent, b, goes
    out.push(c.calculatedSize, [...c.keys()])
    return out
  }, [7, ['b', 'c', 'a'], 10, ['b', 'c'], 4, ['c']])
})

test('bad sizes from sizeCalculation or size are refused, naming them, and change nothing', () => {
  // Deliberate difference: lru-cache throws TypeError for all of these; we use
  // RangeError for a number out of range and TypeError for a non-number.
  const c = new LRUCache({ maxSize: 10, sizeCalculation: (v) => v })
  c.set('ok', 2)
  const cases = [
    [0, RangeError, '0'],
    [-1, RangeError, '-1'],
    [NaN, RangeError, 'NaN'],
    [1.5, RangeError, '1.5'],
    [Infinity, RangeError, 'Infinity'],
    ['3', TypeError, "'3'"],
    [null, TypeError, 'null'],
  ]
  for (const [v, Ctor, shown] of cases) {
    assert.throws(() => c.set('k', v), (err) => {
      assert.equal(err.constructor, Ctor)
      assert.equal(err.code, 'ERR_LEAKGUARD_OPTION')
      assert.equal(err.message, `LRUCache: sizeCalculation result must be a positive integer, got ${shown} for key 'k'`)
      return true
    })
    assert.throws(() => c.set('ok', v), Ctor) // replacing: the old entry stays
    assert.throws(() => new Peer({ maxSize: 10, sizeCalculation: () => v }).set('k', 1), TypeError)
  }
  assert.deepEqual([...c.entries()], [['ok', 2]])
  assert.equal(c.calculatedSize, 2)
  assert.throws(() => c.set('k', 1, { size: -2 }), {
    name: 'RangeError',
    message: "LRUCache: size must be a positive integer, got -2 for key 'k'",
  })
  assert.throws(() => c.set('k', 1, { size: 'big' }), {
    name: 'TypeError',
    message: "LRUCache: size must be a positive integer, got 'big' for key 'k'",
  })
  // no sizeCalculation and no size with a maxSize
  const bare = new LRUCache({ maxSize: 10 })
  assert.throws(() => bare.set('k', 'v'), {
    name: 'TypeError',
    message:
      'LRUCache: size must be a positive integer when maxSize or maxEntrySize is set: ' +
      "pass sizeCalculation or set(key, value, { size }), got 0 for key 'k'",
  })
  bare.set('k', 'v', { size: 4 })
  assert.equal(bare.calculatedSize, 4)
  // a size on a cache without maxSize
  const counted = new LRUCache({ max: 10 })
  assert.throws(() => counted.set('k', 'v', { size: 3 }), {
    name: 'TypeError',
    message: 'LRUCache: size and sizeCalculation need maxSize or maxEntrySize on the cache, got size 3',
  })
  assert.equal(counted.size, 0)
})

test('a long random run matches a reference size-bounded LRU list', () => {
  const maxSize = 500
  const evicted = []
  const c = new LRUCache({
    maxSize,
    sizeCalculation: (v) => v.length,
    dispose: (v, k, r) => r === 'evict' && evicted.push(k),
  })
  let list = [] // [key, value], most recent first
  const refEvicted = []
  const total = () => list.reduce((n, [, v]) => n + v.length, 0)
  let seed = 7
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
  for (let i = 0; i < 5000; i++) {
    const k = Math.floor(rand() * 80)
    const r = rand()
    const at = list.findIndex(([key]) => key === k)
    if (r < 0.5) {
      const v = 'x'.repeat(1 + Math.floor(rand() * 40))
      c.set(k, v)
      if (at >= 0) list.splice(at, 1)
      while (total() + v.length > maxSize) refEvicted.push(list.pop()[0])
      list.unshift([k, v])
    } else if (r < 0.9) {
      if (at >= 0) list.unshift(...list.splice(at, 1))
      assert.equal(c.get(k), at >= 0 ? list[0][1] : undefined)
    } else {
      if (at >= 0) list = list.filter(([key]) => key !== k)
      assert.equal(c.delete(k), at >= 0)
    }
  }
  assert.deepEqual([...c.entries()], list)
  assert.equal(c.calculatedSize, total())
  assert.deepEqual(evicted, refEvicted)
})

test('maxEntrySize assigned later is checked as in the constructor; a too large set then changes nothing', () => {
  const c = new LRUCache({ maxSize: 10, sizeCalculation: (v) => v.length })
  c.set('a', 'aaa').set('b', 'bb')
  assert.throws(
    () => {
      c.maxEntrySize = 20
    },
    { name: 'RangeError', code: 'ERR_LEAKGUARD_OPTION', message: 'LRUCache: maxEntrySize must not exceed maxSize (10), got 20' }
  )
  assert.equal(c.maxEntrySize, 10)
  const status = {}
  c.set('a', 'x'.repeat(15), { status }) // too large for the cache: refused as before, never handed to the core
  assert.deepEqual([status.set, status.maxEntrySizeExceeded], ['miss', true])
  assert.deepEqual([[...c.entries()], c.calculatedSize], [[['b', 'bb']], 2])
  // a lower limit applies from the next set, as in lru-cache
  same((Ctor) => {
    const d = new Ctor({ maxSize: 10, sizeCalculation: (v) => v.length })
    d.set('a', 'aaaa')
    d.maxEntrySize = 3
    d.set('b', 'bbbb').set('c', 'ccc')
    return [[...d.entries()], d.calculatedSize, d.maxEntrySize]
  }, [[['c', 'ccc'], ['a', 'aaaa']], 7, 3])
})
