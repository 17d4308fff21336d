'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { CacheCore } = require('../lib/native')

test('the addon loads and the core evicts in LRU order through shared buffers', () => {
  const log = new Uint32Array(16)
  const out = new Uint32Array(8)
  const core = new CacheCore({ max: 2, maxSize: 0, policy: 'lru' }, log, out)
  const a = core.insert(0, 0, 0)
  const b = core.insert(0, 0, 0)
  assert.equal(out[0], 0)
  log[0] = a // a hit on a: b becomes least recently used
  const c = core.insert(1, 0, 0)
  assert.equal(out[0], 1)
  assert.equal(out[1], b)
  assert.deepEqual([...core.order(0, false)], [c, a])
  assert.equal(core.len, 2)
})

test('core errors cross as JS errors with a code, never a crash', () => {
  const core = new CacheCore({ max: 0, maxSize: 10, policy: 'lru' }, new Uint32Array(4), new Uint32Array(4))
  assert.throws(() => core.insert(0, 11, 0), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_CACHE',
    message: 'weight 11 exceeds the maximum total weight 10',
  })
  assert.throws(() => core.remove(0, 7), { code: 'ERR_LEAKGUARD_CACHE', message: 'slot 7 is not resident' })
  assert.throws(() => core.drain(99), { name: 'RangeError', message: 'pending 99 exceeds the access log length 4' })
  assert.throws(() => new CacheCore({ max: 1, maxSize: 0, policy: 'fifo' }, new Uint32Array(4), new Uint32Array(4)), {
    name: 'RangeError',
    message: 'policy must be "lru" or "tinylfu", got "fifo"',
  })
})
