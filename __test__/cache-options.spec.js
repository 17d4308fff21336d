'use strict'
// Constructor options: every bad value is refused with a message naming the option
// and the value (our messages deliberately differ from lru-cache's), good ones are
// exposed as lru-cache exposes them.
const test = require('node:test')
const assert = require('node:assert/strict')
const { LRUCache } = require('..')
const { LRUCache: Peer } = require('lru-cache')

const MAX = 2 ** 31 - 1 // the core's slot index limit

function refused(options, name, message) {
  assert.throws(
    () => new LRUCache(options),
    (err) => {
      assert.equal(err.constructor, name === 'TypeError' ? TypeError : RangeError)
      assert.equal(err.message, `LRUCache: ${message}`)
      assert.equal(err.code, 'ERR_LEAKGUARD_OPTION')
      return true
    }
  )
}

test('max: negative, NaN, fractional, string, too large', () => {
  refused({ max: -1 }, 'RangeError', `max must be an integer from 0 to ${MAX}, got -1`)
  refused({ max: NaN }, 'RangeError', `max must be an integer from 0 to ${MAX}, got NaN`)
  refused({ max: 1.5 }, 'RangeError', `max must be an integer from 0 to ${MAX}, got 1.5`)
  refused({ max: Infinity }, 'RangeError', `max must be an integer from 0 to ${MAX}, got Infinity`)
  refused({ max: 2 ** 31 }, 'RangeError', `max must be an integer from 0 to ${MAX}, got 2147483648`)
  refused({ max: '10' }, 'TypeError', "max must be a number, got '10'")
  refused({ max: 10n }, 'TypeError', 'max must be a number, got 10n')
  refused({ max: null }, 'TypeError', 'max must be a number, got null')
  // Slots grow lazily, so the largest max costs nothing up front.
  const big = new LRUCache({ max: MAX })
  assert.equal(big.max, MAX)
  big.set('a', 1)
  assert.equal(big.get('a'), 1)
})

test('maxSize and maxEntrySize', () => {
  refused({ maxSize: -5 }, 'RangeError', 'maxSize must be a non-negative integer, got -5')
  refused({ maxSize: 2.5 }, 'RangeError', 'maxSize must be a non-negative integer, got 2.5')
  refused({ maxSize: NaN }, 'RangeError', 'maxSize must be a non-negative integer, got NaN')
  refused({ maxSize: '1' }, 'TypeError', "maxSize must be a number, got '1'")
  refused({ max: 1, maxEntrySize: -1 }, 'RangeError', 'maxEntrySize must be a non-negative integer, got -1')
  refused({ max: 1, maxEntrySize: {} }, 'TypeError', 'maxEntrySize must be a number, got {}')
  refused({ maxSize: 10, maxEntrySize: 11 }, 'RangeError', 'maxEntrySize must not exceed maxSize (10), got 11')
})

test('ttl and ttlResolution', () => {
  refused({ max: 1, ttl: -1 }, 'RangeError', 'ttl must be a non-negative integer (milliseconds), got -1')
  refused({ max: 1, ttl: 0.5 }, 'RangeError', 'ttl must be a non-negative integer (milliseconds), got 0.5')
  refused({ max: 1, ttl: NaN }, 'RangeError', 'ttl must be a non-negative integer (milliseconds), got NaN')
  refused({ max: 1, ttl: '100' }, 'TypeError', "ttl must be a number, got '100'")
  refused({ max: 1, ttlResolution: -1 }, 'RangeError', 'ttlResolution must be a non-negative integer (milliseconds), got -1')
  refused({ max: 1, ttlResolution: 'x' }, 'TypeError', "ttlResolution must be a number, got 'x'")
  // per-call ttl is checked too
  const c = new LRUCache({ max: 2 })
  assert.throws(() => c.set('k', 1, { ttl: -3 }), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'LRUCache: ttl must be a non-negative number of milliseconds (Infinity: never expires), got -3',
  })
  assert.equal(c.size, 0)
  assert.throws(() => c.set('k', 1, { ttl: 10, start: 'now' }), {
    name: 'TypeError',
    message: "LRUCache: start must be a finite number (a past perf.now() value), got 'now'",
  })
  assert.equal(c.size, 0)
})

test('sizeCalculation needs maxSize; callbacks must be functions', () => {
  refused({ max: 5, sizeCalculation: () => 1 }, 'TypeError', 'sizeCalculation needs maxSize or maxEntrySize to be set, got neither')
  refused({ maxSize: 5, sizeCalculation: 3 }, 'TypeError', 'sizeCalculation must be a function, got 3')
  for (const name of ['dispose', 'disposeAfter', 'onInsert', 'fetchMethod', 'memoMethod']) {
    refused({ max: 1, [name]: 'nope' }, 'TypeError', `${name} must be a function, got 'nope'`)
  }
  // Deliberately stricter: lru-cache silently ignores a non-function dispose.
  assert.equal(new Peer({ max: 1, dispose: 'nope' }).dispose, undefined)
})

test('perf, policy, name, and options itself', () => {
  refused({ max: 1, perf: {} }, 'TypeError', 'perf must be an object with a now() method, got {}')
  refused({ max: 1, perf: null }, 'TypeError', 'perf must be an object with a now() method, got null')
  refused({ max: 1, policy: 7 }, 'TypeError', 'policy must be a string ("lru" or "tinylfu"), got 7')
  refused({ max: 1, policy: 'fifo' }, 'RangeError', `policy must be "lru" or "tinylfu", got 'fifo'`)
  refused({ max: 1, policy: 'LRU' }, 'RangeError', `policy must be "lru" or "tinylfu", got 'LRU'`)
  refused({ max: 1, name: '' }, 'TypeError', "name must be a non-empty string, got ''")
  refused({ max: 1, name: 42 }, 'TypeError', 'name must be a non-empty string, got 42')
  refused(undefined, 'TypeError', 'options must be an object with max, maxSize or ttl, got undefined')
  refused(null, 'TypeError', 'options must be an object with max, maxSize or ttl, got null')
  refused(10, 'TypeError', 'options must be an object with max, maxSize or ttl, got 10')
})

test('unbounded caches are refused', () => {
  const msg = (max, maxSize, ttl, autopurge) =>
    'refusing to create an unbounded cache: set max, maxSize, or ttl with ttlAutopurge ' +
    `(got max: ${max}, maxSize: ${maxSize}, ttl: ${ttl}, ttlAutopurge: ${autopurge})`
  refused({}, 'TypeError', msg('undefined', 'undefined', 'undefined', 'undefined'))
  refused({ max: 0, maxSize: 0 }, 'TypeError', msg(0, 0, 'undefined', 'undefined'))
  // Stricter than lru-cache, which only warns for a ttl without ttlAutopurge.
  refused({ ttl: 1000 }, 'TypeError', msg('undefined', 'undefined', 1000, 'undefined'))
  refused({ ttlAutopurge: true }, 'TypeError', msg('undefined', 'undefined', 'undefined', true))
  const purging = new LRUCache({ ttl: 1000, ttlAutopurge: true })
  assert.equal(purging.ttl, 1000)
  purging.clear()
})

test('getters reflect the options, with lru-cache defaults', () => {
  const fns = {
    dispose: () => {},
    disposeAfter: () => {},
    onInsert: () => {},
    fetchMethod: async () => 1,
    memoMethod: () => 1,
    sizeCalculation: () => 1,
  }
  const perf = { now: () => 5 }
  const all = {
    max: 7, maxSize: 100, maxEntrySize: 50, ttl: 1000, ttlResolution: 0, ttlAutopurge: false,
    updateAgeOnGet: true, updateAgeOnHas: true, allowStale: true, noDisposeOnSet: true, noUpdateTTL: true,
    noDeleteOnFetchRejection: true, noDeleteOnStaleGet: true, allowStaleOnFetchRejection: true,
    allowStaleOnFetchAbort: true, ignoreFetchAbort: true, perf, ...fns,
  }
  // lru-cache's option names are accepted unchanged, and read back the same
  const ours = new LRUCache(all)
  const peer = new Peer(all)
  for (const key of Object.keys(all)) {
    assert.equal(ours[key], all[key], key)
    assert.equal(ours[key], peer[key], `${key} as lru-cache`)
  }
  // defaults
  const plain = new LRUCache({ max: 3 })
  const peerPlain = new Peer({ max: 3 })
  for (const key of [
    'max', 'maxSize', 'maxEntrySize', 'ttl', 'ttlResolution', 'ttlAutopurge', 'updateAgeOnGet', 'updateAgeOnHas',
    'allowStale', 'noDisposeOnSet', 'noUpdateTTL', 'noDeleteOnFetchRejection', 'noDeleteOnStaleGet',
    'allowStaleOnFetchRejection', 'allowStaleOnFetchAbort', 'ignoreFetchAbort', 'sizeCalculation', 'dispose',
    'disposeAfter', 'fetchMethod', 'memoMethod', 'size', 'calculatedSize',
  ]) {
    assert.equal(plain[key], peerPlain[key], key)
  }
  assert.deepEqual([plain.max, plain.maxSize, plain.ttl, plain.ttlResolution, plain.calculatedSize], [3, 0, 0, 1, 0])
  assert.equal(plain.perf, performance)
  // maxEntrySize defaults to maxSize, as lru-cache
  assert.equal(new LRUCache({ maxSize: 40 }).maxEntrySize, 40)
  assert.equal(new Peer({ maxSize: 40 }).maxEntrySize, 40)
  // our additions
  assert.equal(new LRUCache({ max: 1, name: 'sessions' }).name, 'sessions')
  assert.equal(plain.name, undefined)
  assert.equal(plain.policy, 'lru')
  assert.equal(new LRUCache({ max: 1, policy: 'lru' }).policy, 'lru')
})

/** Asserts that `cache[name] = value` throws as the constructor would and changes nothing. */
function refusedAssign(cache, name, value, type, message) {
  const before = cache[name]
  assert.throws(
    () => {
      cache[name] = value
    },
    (err) => {
      assert.equal(err.constructor, type === 'TypeError' ? TypeError : RangeError)
      assert.equal(err.message, `LRUCache: ${message}`)
      assert.equal(err.code, 'ERR_LEAKGUARD_OPTION')
      return true
    }
  )
  assert.equal(cache[name], before)
}

test('options assigned after construction are checked as the constructor checks them', () => {
  const c = new LRUCache({ max: 2 })
  refusedAssign(c, 'ttl', -1, 'RangeError', 'ttl must be a non-negative integer (milliseconds), got -1')
  refusedAssign(c, 'ttl', 0.5, 'RangeError', 'ttl must be a non-negative integer (milliseconds), got 0.5')
  refusedAssign(c, 'ttl', '100', 'TypeError', "ttl must be a number, got '100'")
  refusedAssign(c, 'ttlResolution', -1, 'RangeError', 'ttlResolution must be a non-negative integer (milliseconds), got -1')
  refusedAssign(c, 'ttlResolution', 'x', 'TypeError', "ttlResolution must be a number, got 'x'")
  refusedAssign(c, 'sizeCalculation', 5, 'TypeError', 'sizeCalculation must be a function, got 5')
  refusedAssign(c, 'sizeCalculation', () => 1, 'TypeError', 'sizeCalculation needs maxSize or maxEntrySize to be set, got neither')
  refusedAssign(c, 'maxEntrySize', 10, 'TypeError', 'maxEntrySize needs a cache created with maxSize or maxEntrySize, got 10')
  c.ttl = 5
  c.ttlResolution = 0
  assert.deepEqual([c.ttl, c.ttlResolution], [5, 0])
  // what keeps a cache without max or maxSize bounded cannot be taken away
  const purging = new LRUCache({ ttl: 1000, ttlAutopurge: true })
  const unbounded = 'refusing to make the cache unbounded: it has no max or maxSize, so it needs ttl with ttlAutopurge'
  refusedAssign(purging, 'ttl', 0, 'TypeError', `${unbounded} (got ttl: 0, ttlAutopurge: true)`)
  refusedAssign(purging, 'ttlAutopurge', false, 'TypeError', `${unbounded} (got ttl: 1000, ttlAutopurge: false)`)
  purging.ttl = 10
  assert.equal(purging.ttl, 10)
  // sized caches: the same bounds as the constructor's; 0 means maxSize again
  const sized = new LRUCache({ maxSize: 10, sizeCalculation: () => 1 })
  refusedAssign(sized, 'maxEntrySize', 11, 'RangeError', 'maxEntrySize must not exceed maxSize (10), got 11')
  refusedAssign(sized, 'maxEntrySize', 1.5, 'RangeError', 'maxEntrySize must be a non-negative integer, got 1.5')
  refusedAssign(sized, 'maxEntrySize', null, 'TypeError', 'maxEntrySize must be a number, got null')
  refusedAssign(sized, 'sizeCalculation', 'v', 'TypeError', "sizeCalculation must be a function, got 'v'")
  sized.maxEntrySize = 4
  assert.equal(sized.maxEntrySize, 4)
  sized.maxEntrySize = 0
  assert.equal(sized.maxEntrySize, 10)
  const calc = () => 2
  sized.sizeCalculation = calc
  sized.set('a', 'x')
  assert.deepEqual([sized.sizeCalculation, sized.calculatedSize], [calc, 2])
})

test('code written for lru-cache runs unchanged with the same results', () => {
  const log = []
  const make = (Ctor) =>
    new Ctor({
      max: 3,
      maxSize: 10,
      sizeCalculation: (v) => v.length,
      dispose: (v, k, r) => log.push([Ctor === Peer ? 'peer' : 'ours', v, k, r]),
    })
  const run = (c) => {
    c.set('a', 'aaa').set('b', 'bb').set('c', 'c')
    c.get('a')
    c.set('d', 'dddd') // evicts b by count
    c.set('e', 'eeeee') // evicts by size
    c.delete('a')
    return [[...c.entries()], c.size, c.calculatedSize]
  }
  const ours = run(make(LRUCache))
  const peer = run(make(Peer))
  assert.deepEqual(ours, peer)
  const strip = (who) => log.filter((e) => e[0] === who).map((e) => e.slice(1))
  assert.deepEqual(strip('ours'), strip('peer'))
  assert.deepEqual(strip('ours'), [['bb', 'b', 'evict'], ['c', 'c', 'evict'], ['aaa', 'a', 'evict']])
  assert.deepEqual(ours, [[['e', 'eeeee'], ['d', 'dddd']], 2, 9])
})

test('policy and name are read-only, as the types declare', () => {
  const c = new LRUCache({ max: 1, name: 'users', policy: 'tinylfu' })
  assert.throws(() => {
    c.policy = 'lru'
  }, TypeError)
  assert.throws(() => {
    c.name = 'other'
  }, TypeError)
  assert.deepEqual([c.policy, c.name], ['tinylfu', 'users'])
  assert.deepEqual([new LRUCache({ max: 1 }).policy, new LRUCache({ max: 1 }).name], ['lru', undefined])
})
