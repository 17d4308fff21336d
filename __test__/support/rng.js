'use strict'
// A seeded PRNG (mulberry32) for tests and benchmarks, so a failing sequence or
// a measured workload can be replayed exactly. Returns floats in [0, 1).

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

module.exports = { rng }
