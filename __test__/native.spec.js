'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const native = require('../lib/native')

function core(options) {
  const id = native.coreCreate({ max: 0, maxSize: 0, policy: 'lru', logLen: 16, outLen: 8, ...options })
  return { id, log: native.coreLog(id), out: native.coreOut(id) }
}

test('the addon loads and a core evicts in LRU order through its shared buffers', () => {
  const { id, log, out } = core({ max: 2 })
  const a = native.coreInsert(id, 0, 0, 0, Infinity)
  const b = native.coreInsert(id, 0, 0, 0, Infinity)
  assert.equal(out[0], 0)
  log[0] = a // a hit on a: b becomes least recently used
  const c = native.coreInsert(id, 1, 0, 0, Infinity)
  assert.deepEqual([out[0], out[1]], [1, b])
  assert.deepEqual([...native.coreOrder(id, 0, false)], [c, a])
  assert.deepEqual(native.coreCounts(id), [2, 0])
  assert.equal(native.coreFree(id), true)
})

test('a freed core id is refused, even after its index is reused', () => {
  const first = core({ max: 1 })
  native.coreFree(first.id)
  assert.equal(native.coreFree(first.id), false)
  const second = core({ max: 1 })
  assert.throws(() => native.coreInsert(first.id, 0, 0, 0, Infinity), {
    code: 'ERR_LEAKGUARD_CACHE',
    message: `cache core ${first.id} does not exist (freed?)`,
  })
  assert.equal(native.coreInsert(second.id, 0, 0, 0, Infinity), 0)
  native.coreFree(second.id)
})

test('core errors cross as JS errors with a code, never a crash', () => {
  const { id } = core({ maxSize: 10, logLen: 4 })
  assert.throws(() => native.coreInsert(id, 0, 11, 0, Infinity), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_CACHE',
    message: 'weight 11 exceeds the maximum total weight 10',
  })
  assert.throws(() => native.coreRemove(id, 0, 7), { code: 'ERR_LEAKGUARD_CACHE', message: 'slot 7 is not resident' })
  assert.throws(() => native.coreDrain(id, 99), { name: 'RangeError', message: 'pending 99 exceeds the access log length 4' })
  assert.throws(() => core({ policy: 'fifo' }), { name: 'RangeError', message: 'policy must be "lru" or "tinylfu", got "fifo"' })
  native.coreFree(id)
})
