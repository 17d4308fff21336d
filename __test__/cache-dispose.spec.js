'use strict'
// dispose / disposeAfter / onInsert: reasons, counts and order, side by side with
// lru-cache; and a dispose that throws leaves the cache consistent.
const test = require('node:test')
const assert = require('node:assert/strict')
const { LRUCache } = require('..')
const { LRUCache: Peer } = require('lru-cache')
const { rng } = require('./support/rng')

/** Runs `script(Ctor)` on both caches; asserts both give `expected`. */
function same(script, expected) {
  assert.deepEqual(script(LRUCache), expected)
  assert.deepEqual(script(Peer), expected, 'lru-cache disagrees with the expected outcome')
}

test('dispose reasons evict, set, delete, expire, and delete from clear', () => {
  same((Ctor) => {
    const calls = []
    let t = 1000
    const c = new Ctor({
      max: 3,
      ttlResolution: 0,
      perf: { now: () => t },
      dispose: (v, k, r) => calls.push([v, k, r]),
    })
    c.set('a', 1).set('b', 2).set('c', 3)
    c.set('d', 4) // evicts a
    c.set('b', 20) // replaces b
    c.delete('c')
    c.delete('c') // absent: nothing
    c.set('e', 5, { ttl: 10 })
    t += 11
    c.get('e') // stale: expire
    c.set('f', 6)
    c.clear() // least recent first
    c.clear()
    return calls
  }, [
    [1, 'a', 'evict'],
    [2, 'b', 'set'],
    [3, 'c', 'delete'],
    [5, 'e', 'expire'],
    [4, 'd', 'delete'],
    [20, 'b', 'delete'],
    [6, 'f', 'delete'],
  ])
})

test('dispose counts are exact over many evictions', () => {
  same((Ctor) => {
    const counts = { evict: 0, set: 0, delete: 0 }
    const c = new Ctor({ max: 100, dispose: (v, k, r) => counts[r]++ })
    for (let i = 0; i < 1000; i++) c.set(i, i)
    for (let i = 900; i < 950; i++) c.set(i, -i)
    for (let i = 950; i < 960; i++) c.delete(i)
    c.pop() // pop's reason is evict, as lru-cache
    return [counts, c.size]
  }, [{ evict: 901, set: 50, delete: 10 }, 89])
})

test('setting the same value again does not dispose; noDisposeOnSet suppresses set disposals', () => {
  same((Ctor) => {
    const out = []
    const v = { x: 1 }
    const c = new Ctor({ max: 2, dispose: (val, k, r) => out.push(['a', k, r]) })
    c.set('k', v).set('k', v).set('k', { x: 2 })
    const quiet = new Ctor({ max: 2, noDisposeOnSet: true, dispose: (val, k, r) => out.push(['b', k, r]) })
    quiet.set('k', 1).set('k', 2).set('k', 3)
    quiet.set('j', 1).set('i', 1) // eviction still disposes
    const once = new Ctor({ max: 2, dispose: (val, k, r) => out.push(['c', k, r]) })
    once.set('k', 1).set('k', 2, { noDisposeOnSet: true }).set('k', 3)
    return out
  }, [['a', 'k', 'set'], ['b', 'k', 'evict'], ['c', 'k', 'set']])
})

test('disposeAfter runs after dispose, once the operation is done, in the same order', () => {
  same((Ctor) => {
    const out = []
    const c = new Ctor({
      max: 3,
      maxSize: 10,
      sizeCalculation: (v) => v,
      dispose: (v, k, r) => out.push(['dispose', k, r, c.size]),
      disposeAfter: (v, k, r) => out.push(['after', k, r, c.size, c.has(k)]),
    })
    c.set('a', 4).set('b', 4).set('c', 1)
    c.set('d', 9) // 18 > 10: a and b go
    out.push('--')
    c.set('d', 2) // replace
    return out.filter((e) => e === '--' || e[0] === 'after')
  }, [
    ['after', 'a', 'evict', 2, false],
    ['after', 'b', 'evict', 2, false],
    '--',
    ['after', 'd', 'set', 2, true],
  ])
  // Ours runs every dispose once the cache is consistent again (lru-cache calls
  // dispose midway, while the evicted entry may still be visible).
  const order = []
  const c = new LRUCache({
    max: 2,
    dispose: (v, k, r) => order.push(['dispose', k, r, c.size, c.has(k)]),
    disposeAfter: (v, k, r) => order.push(['after', k, r]),
  })
  c.set('a', 1).set('b', 2).set('c', 3)
  c.delete('b')
  assert.deepEqual(order, [
    ['dispose', 'a', 'evict', 2, false],
    ['after', 'a', 'evict'],
    ['dispose', 'b', 'delete', 1, false],
    ['after', 'b', 'delete'],
  ])
})

test('onInsert reports add, update and replace', () => {
  same((Ctor) => {
    const out = []
    const v = { same: true }
    const c = new Ctor({ max: 2, onInsert: (val, k, r) => out.push([k, r]) })
    c.set('a', 1).set('a', 2).set('a', 2).set('b', v).set('b', v).set('c', 3)
    c.set('a', 9) // a was evicted: add again
    return out
  }, [['a', 'add'], ['a', 'replace'], ['a', 'update'], ['b', 'add'], ['b', 'update'], ['c', 'add'], ['a', 'add']])
})

// An onInsert hook may use the cache, even free the slot of the entry it is told
// about: set() must not touch that slot afterwards, or JS and the core disagree.
const POLICIES = [
  ['lru', { max: 2, ttl: 1000 }],
  ['lru maxSize', { maxSize: 10, sizeCalculation: () => 1, ttl: 1000 }],
  ['tinylfu', { max: 2, ttl: 1000, policy: 'tinylfu' }],
]

test('onInsert that deletes the key it was told about', () => {
  for (const [name, options] of POLICIES) {
    const c = new LRUCache({ ...options, onInsert: (v, k, kind) => kind === 'replace' && c.delete(k) })
    c.set('a', 1).set('a', 2)
    assert.equal(c.size, 0, name)
    c.set('b', 1).set('c', 2).set('d', 3)
    assert.equal(c.get('d'), 3, name)
    assert.equal(c.size, options.max ? 2 : 3, name)
    assert.equal([...c.keys()].length, c.size, name)
    c.clear()
    assert.equal(c.size, 0, name)
  }
})

test('onInsert that clears the cache and stores another entry', () => {
  // Run in a child: before the fix, the next set() looped forever.
  const { spawnSync } = require('node:child_process')
  const script = `
    const { LRUCache } = require(${JSON.stringify(require.resolve('..'))})
    const out = []
    for (const options of ${JSON.stringify(POLICIES.map(([, o]) => o).filter((o) => o.max))}) {
      const c = new LRUCache({ ...options, onInsert: (v, k, kind) => {
        if (k === 'a' && kind === 'replace') { c.clear(); c.set('x', 0) }
      } })
      c.set('p', 0).set('a', 1).set('a', 2)
      const after = [...c.keys()]
      c.set('b', 3).set('y', 4).set('z', 5)
      out.push([after, c.size, c.get('z')])
    }
    console.log(JSON.stringify(out))`
  const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000, encoding: 'utf8' })
  assert.equal(r.signal, null, 'set() after the hook did not return')
  assert.equal(r.stderr, '')
  assert.deepEqual(JSON.parse(r.stdout), [[['x'], 2, 5], [['x'], 2, 5]])
})

test('onInsert runs once the entry is complete: an entry stored by the hook keeps its own TTL', () => {
  for (const [name, options] of POLICIES) {
    let t = 1000
    const c = new LRUCache({
      ...options,
      ttlResolution: 0,
      perf: { now: () => t },
      onInsert: (v, k, kind) => {
        if (k === 'a' && kind === 'replace') {
          c.delete('a')
          c.set('x', 0, { ttl: 50 })
        }
      },
    })
    c.set('a', 1).set('a', 2, { ttl: 5000 })
    assert.equal(c.getRemainingTTL('x'), 50, name)
    assert.equal(c.has('a'), false, name)
    t += 100
    assert.equal(c.get('x'), undefined, name)
    assert.equal(c.purgeStale(), false, name)
    assert.equal(c.size, 0, name)
  }
})

/** A dispose that throws for chosen keys, recording every call. */
function throwing(keys) {
  const calls = []
  const fn = (v, k, r) => {
    calls.push([k, r])
    if (keys.includes(k)) throw new Error(`dispose ${String(k)}`)
  }
  return { calls, fn }
}

test('a dispose that throws on eviction: the caller sees it, the cache stays consistent', () => {
  for (const options of [{ max: 3 }, { maxSize: 3, sizeCalculation: () => 1 }]) {
    const d = throwing(['a', 'b', 'c'])
    const after = []
    const c = new LRUCache({ ...options, dispose: d.fn, disposeAfter: (v, k, r) => after.push([k, r]) })
    c.set('a', 1).set('b', 2).set('c', 3)
    assert.throws(() => c.set('d', 4), { message: 'dispose a' })
    assert.deepEqual([...c.entries()], [['d', 4], ['c', 3], ['b', 2]])
    assert.equal(c.size, 3)
    assert.deepEqual(after, [['a', 'evict']]) // the other callbacks still ran
    assert.throws(() => c.set('e', 5), { message: 'dispose b' })
    // later operations are all correct
    assert.equal(c.get('b'), undefined)
    assert.equal(c.get('c'), 3)
    c.set('f', 6) // d goes: its dispose does not throw
    assert.deepEqual([...c.keys()], ['f', 'c', 'e'])
    assert.equal(c.pop(), 5)
    assert.deepEqual(d.calls, [['a', 'evict'], ['b', 'evict'], ['d', 'evict'], ['e', 'evict']])
  }
  // one set evicting several entries: every dispose ran, the first error wins
  const d = throwing(['b', 'c'])
  const c = new LRUCache({ maxSize: 4, sizeCalculation: (v) => v, dispose: d.fn })
  c.set('a', 1).set('b', 1).set('c', 1).set('d', 1)
  assert.throws(() => c.set('e', 3), { message: 'dispose b' })
  assert.deepEqual(d.calls, [['a', 'evict'], ['b', 'evict'], ['c', 'evict']])
  assert.deepEqual([...c.entries()], [['e', 3], ['d', 1]])
  assert.equal(c.calculatedSize, 4)
})

test('a dispose that throws on set, delete, clear and expire keeps the cache consistent', () => {
  let t = 1000
  const d = throwing(['x', 'y', 'z'])
  const c = new LRUCache({ max: 5, ttlResolution: 0, perf: { now: () => t }, dispose: d.fn })
  c.set('x', 1)
  assert.throws(() => c.set('x', 2), { message: 'dispose x' })
  assert.equal(c.get('x'), 2)
  assert.throws(() => c.delete('x'), { message: 'dispose x' })
  assert.equal(c.has('x'), false)
  assert.equal(c.size, 0)
  c.set('a', 1).set('y', 2).set('b', 3).set('z', 4)
  assert.throws(() => c.clear(), { message: 'dispose y' })
  assert.equal(c.size, 0)
  assert.deepEqual([...c.keys()], [])
  assert.deepEqual(d.calls.slice(-4), [['a', 'delete'], ['y', 'delete'], ['b', 'delete'], ['z', 'delete']])
  c.set('y', 1, { ttl: 5 })
  t += 10
  assert.throws(() => c.get('y'), { message: 'dispose y' })
  assert.equal(c.size, 0)
  c.set('k', 1)
  assert.deepEqual([...c.entries()], [['k', 1]])
})

test('purgeStale with a throwing dispose still purges every stale entry', () => {
  let t = 1000
  const d = throwing(['b'])
  const c = new LRUCache({ max: 10, ttl: 10, ttlResolution: 0, perf: { now: () => t }, dispose: d.fn })
  for (const k of ['a', 'b', 'c', 'd']) c.set(k, k)
  c.set('fresh', 1, { ttl: 1000 })
  t += 20
  assert.throws(() => c.purgeStale(), { message: 'dispose b' })
  assert.deepEqual(d.calls, [['a', 'expire'], ['b', 'expire'], ['c', 'expire'], ['d', 'expire']])
  assert.equal(c.size, 1)
  assert.deepEqual([...c.keys()], ['fresh'])
  assert.equal(c.purgeStale(), false)
})

test('a dispose can use the cache it belongs to', () => {
  const c = new LRUCache({
    max: 2,
    dispose: (v, k, r) => {
      if (r === 'evict' && k === 'a') c.set('a-evicted', v)
    },
  })
  c.set('a', 1).set('b', 2).set('c', 3)
  assert.deepEqual([...c.entries()], [['a-evicted', 1], ['c', 3]])
  assert.equal(c.size, 2)
})

test('every value stored is disposed exactly once or is still cached: both policies, TTLs, sizes, load', () => {
  let now = 0
  for (let seed = 1; seed <= 80; seed++) {
    const r = rng(seed * 7919)
    const pick = (n) => Math.floor(r() * n)
    const held = new Map() // key -> values stored and not yet disposed
    const account = (v, k, reason) => {
      const vs = held.get(k) ?? []
      assert.ok(vs.includes(v), `seed ${seed}: ${k}=${v} disposed (${reason}) but not held (${vs})`)
      vs.splice(vs.indexOf(v), 1)
    }
    const opts = { policy: r() < 0.7 ? 'tinylfu' : 'lru', perf: { now: () => now }, ttlResolution: 0 }
    opts[r() < 0.5 ? 'dispose' : 'disposeAfter'] = account
    if (r() < 0.7) opts.max = 1 + pick(50)
    const weighted = opts.max === undefined || r() < 0.5
    if (weighted) {
      opts.maxSize = 5 + pick(100)
      opts.sizeCalculation = (v) => 1 + (v % 9)
      if (r() < 0.3) opts.maxEntrySize = 6
    }
    if (r() < 0.4) {
      opts.ttl = 20 + pick(50)
      opts.updateAgeOnGet = r() < 0.5
      opts.ttlAutopurge = r() < 0.3
    }
    const c = new LRUCache(opts)
    const hold = (k, v) => held.set(k, [...(held.get(k) ?? []), v])
    let seq = 0
    const set = (k, options) => {
      const v = ++seq * 10 + pick(10)
      const size = options?.size ?? 1 + (v % 9)
      if (!weighted || size <= (opts.maxEntrySize || opts.maxSize)) hold(k, v) // else never stored
      c.set(k, v, options)
    }
    const keys = 3 + pick(120)
    for (let i = 0; i < 2000; i++) {
      const op = pick(100)
      const k = pick(keys)
      if (op < 40) c.get(k)
      else if (op < 70) set(k)
      else if (op < 73) set(k, { ttl: pick(60) })
      else if (op < 76) set(k, weighted ? { size: 1 + pick(12), sizeCalculation: undefined } : undefined)
      else if (op < 80) c.delete(k)
      else if (op < 82) c.pop()
      else if (op < 83) c.clear()
      else if (op < 90) now += pick(25)
      else if (op < 92) c.purgeStale()
      else if (op < 93) {
        const entries = c.dump()
        c.clear() // disposes them all
        for (const [key, e] of entries) hold(key, e.value)
        c.load(entries)
      } else c.peek(k)
      if (opts.max !== undefined) assert.ok(c.size <= opts.max)
      if (weighted) assert.ok(c.calculatedSize <= opts.maxSize)
    }
    c.purgeStale()
    for (const [k, vs] of held) {
      const v = c.peek(k, { allowStale: true })
      assert.deepEqual(vs, v === undefined ? [] : [v], `seed ${seed} (${opts.policy}): key ${k}`)
    }
  }
})
