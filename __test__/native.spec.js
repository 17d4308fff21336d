'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const native = require('../lib/native')

function core(options) {
  const id = native.coreCreate({ max: 0, maxSize: 0, policy: 'lru', logLen: 16, outLen: 8, ...options })
  return { id, log: native.coreLog(id), out: native.coreOut(id), args: native.coreArgs(id) }
}

/** coreInsert, its arguments written to the core's argument buffer. */
function insert(c, pending, size = 0, hash = 0, at = Infinity) {
  c.args.set([pending, size, hash, at])
  return native.coreInsert(c.id)
}

test('the addon loads and a core evicts in LRU order through its shared buffers', () => {
  const k = core({ max: 2 })
  const { id, log, out } = k
  const a = insert(k, 0)
  const b = insert(k, 0)
  assert.equal(out[0], 0)
  log[0] = a // a hit on a: b becomes least recently used
  const c = insert(k, 1)
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
  assert.throws(() => insert(first, 0), {
    code: 'ERR_LEAKGUARD_CACHE',
    message: `cache core ${first.id} does not exist (freed?)`,
  })
  assert.equal(insert(second, 0), 0)
  native.coreFree(second.id)
})

test('core errors cross as JS errors with a code, never a crash', () => {
  const k = core({ maxSize: 10, logLen: 4 })
  const { id } = k
  assert.throws(() => insert(k, 0, 11), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_CACHE',
    message: 'weight 11 exceeds the maximum total weight 10',
  })
  assert.throws(() => insert(k, 1.5), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_ARG',
    message: 'pending must be an integer from 0 to 4294967295, got 1.5',
  })
  assert.throws(() => insert(k, 0, 1, -1), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_ARG',
    message: 'hash must be an integer from 0 to 4294967295, got -1',
  })
  assert.throws(() => insert(k, 5), { name: 'RangeError', message: 'pending 5 exceeds the access log length 4' })
  assert.throws(() => native.coreRemove(id, 0, 7), { code: 'ERR_LEAKGUARD_CACHE', message: 'slot 7 is not resident' })
  assert.throws(() => native.coreDrain(id, 99), { name: 'RangeError', message: 'pending 99 exceeds the access log length 4' })
  assert.throws(() => core({ policy: 'fifo' }), { name: 'RangeError', message: 'policy must be "lru" or "tinylfu", got "fifo"' })
  native.coreFree(id)
})
