'use strict'
// 32-bit key hashes for admission policies that count key frequency across
// evictions. Only computed on insert, and only when the policy needs it.

const objectIds = new WeakMap()
let nextObjectId = 1
const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
function mix32(h) {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function hashString(s) {
  // FNV-1a over UTF-16 code units, then mixed.
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  }
  return mix32(h)
}

/**
 * A 32-bit hash of any Map key. Integers in [0, 2^32) hash as `mix32(n)`, the
 * same function the Rust trace replay uses. Objects, functions and symbols hash
 * by identity, through ids held weakly.
 */
function hashKey(key) {
  switch (typeof key) {
    case 'number':
      if (key >>> 0 === key) return mix32(key)
      f64[0] = key === 0 ? 0 : key // -0 and 0 are one Map key
      return mix32(u32[0] ^ mix32(u32[1]))
    case 'string':
      return hashString(key)
    case 'bigint':
      return hashString(`${key}n`)
    case 'boolean':
      return key ? 0x9e3779b9 : 0x7f4a7c15
    case 'undefined':
      return 0x2545f491
    case 'symbol':
      if (Symbol.keyFor(key) !== undefined) return hashString(`@@${Symbol.keyFor(key)}`)
    // unregistered symbols can be WeakMap keys: fall through to identity
    // falls through
    default: {
      if (key === null) return 0x6a09e667
      let id = objectIds.get(key)
      if (id === undefined) {
        id = nextObjectId++
        objectIds.set(key, id)
      }
      return mix32(id)
    }
  }
}

module.exports = { hashKey, mix32 }
