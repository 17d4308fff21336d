'use strict'
// fetch() / forceFetch() / memo(): each scenario runs on our cache and on
// lru-cache, and both must give the same observable outcome (values, rejections,
// fetchMethod calls, aborts, cache contents, status fields).
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { LRUCache } = require('..')
const { LRUCache: Peer } = require('lru-cache')

/** lru-cache 11.5 also fills diagnostics-channel fields in status objects; we do not. */
const DIAGNOSTIC = ['op', 'key', 'cache', 'context', 'forceRefresh', 'trace']
function strip(status) {
  const rest = { ...status }
  for (const k of DIAGNOSTIC) delete rest[k]
  if (rest.fetchError) rest.fetchError = rest.fetchError.message
  return rest
}

/** A fetchMethod whose answers the test releases by hand. */
function source() {
  const calls = []
  const fetchMethod = (key, stale, { signal, options, context }) => {
    let resolve
    let reject
    const promise = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    calls.push({ key, stale, signal, context, resolve, reject, ttl: options.ttl })
    return promise
  }
  return { calls, fetchMethod }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

/** Settles a promise into a comparable record. */
const settle = (p) =>
  Promise.resolve(p).then(
    (value) => ({ value }),
    (err) => ({ error: err.message })
  )

/** Runs `script(Ctor)` on both caches; asserts both give `expected`. */
async function same(script, expected) {
  const ours = await script(LRUCache)
  const peer = await script(Peer)
  if (process.env.DEBUG_SAME) console.log(require('node:util').inspect({ ours, peer }, { depth: 9 }))
  assert.deepEqual(ours, expected)
  assert.deepEqual(peer, expected, 'lru-cache disagrees with the expected outcome')
}

function clocked(Ctor, options) {
  const clock = { t: 1000 }
  const cache = new Ctor({ ttlResolution: 0, perf: { now: () => clock.t }, ...options })
  return { cache, clock }
}

test('a miss is fetched and cached; then it is a hit', async () => {
  await same(async (Ctor) => {
    const src = source()
    const c = new Ctor({ max: 10, fetchMethod: src.fetchMethod })
    const s1 = {}
    const p = c.fetch('a', { status: s1 })
    const during = [c.has('a'), c.get('a'), c.peek('a'), c.size, [...c.keys()]]
    src.calls[0].resolve('A')
    const got = await p
    const s2 = {}
    const again = await c.fetch('a', { status: s2 })
    return [got, again, during, c.get('a'), src.calls.length, src.calls[0].stale, strip(s1), strip(s2)]
  }, [
    'A',
    'A',
    [false, undefined, undefined, 1, []],
    'A',
    1,
    undefined,
    { fetch: 'miss', fetchDispatched: true, fetchResolved: true, fetchUpdated: true, value: 'A', set: 'add' },
    { fetch: 'hit' },
  ])
})

test('concurrent fetches of one key share one fetchMethod call', async () => {
  await same(async (Ctor) => {
    const src = source()
    const c = new Ctor({ max: 10, fetchMethod: src.fetchMethod })
    const ps = [c.fetch('k'), c.fetch('k'), c.fetch('k'), c.fetch('other')]
    const status = {}
    ps.push(c.fetch('k', { status }))
    src.calls[0].resolve('K')
    src.calls[1].resolve('O')
    const values = await Promise.all(ps)
    return [values, src.calls.map((call) => call.key), strip(status)]
  }, [['K', 'K', 'K', 'O', 'K'], ['k', 'other'], { fetch: 'inflight' }])
})

test('stale-while-revalidate: allowStale serves the stale value while it refreshes', async () => {
  await same(async (Ctor) => {
    const src = source()
    const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100, allowStale: true, fetchMethod: src.fetchMethod })
    c.set('a', 'old')
    clock.t += 101
    const s1 = {}
    const first = await c.fetch('a', { status: s1 })
    const s2 = {}
    const second = await c.fetch('a', { status: s2 }) // in flight: stale again, no new call
    const noStale = c.fetch('a', { allowStale: false })
    const during = [c.get('a'), c.peek('a'), c.has('a'), src.calls.length, src.calls[0].stale]
    src.calls[0].resolve('new')
    const fresh = await noStale
    return [first, second, fresh, during, c.get('a'), c.getRemainingTTL('a'), strip(s1), strip(s2)]
  }, [
    'old',
    'old',
    'new',
    ['old', 'old', false, 1, 'old'],
    'new',
    100,
    // the status object keeps receiving the refresh's outcome once it lands
    {
      fetch: 'stale', fetchDispatched: true, returnedStale: true, fetchResolved: true, fetchUpdated: true,
      value: 'new', set: 'replace', oldValue: 'old', ttl: 100, start: 1101, now: 1101, remainingTTL: 100,
    },
    { fetch: 'inflight', returnedStale: true },
  ])
})

test('without allowStale a stale entry is fetched and the caller waits', async () => {
  await same(async (Ctor) => {
    const src = source()
    const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100, fetchMethod: src.fetchMethod })
    c.set('a', 'old')
    clock.t += 101
    const p = c.fetch('a')
    const during = [c.get('a'), c.get('a', { allowStale: true }), c.size]
    src.calls[0].resolve('new')
    return [await p, during, c.get('a')]
  }, ['new', [undefined, 'old', 1], 'new'])
})

test('forceRefresh fetches even a fresh entry', async () => {
  await same(async (Ctor) => {
    const src = source()
    const c = new Ctor({ max: 10, fetchMethod: src.fetchMethod })
    c.set('a', 1)
    const status = {}
    const p = c.fetch('a', { forceRefresh: true, status })
    const during = [c.get('a'), src.calls[0].stale]
    src.calls[0].resolve(2)
    const out = [await p, during, c.get('a'), strip(status)]
    // with allowStale, the current value is returned at once, and still refreshed
    const q = c.fetch('a', { forceRefresh: true, allowStale: true })
    src.calls[1].resolve(3)
    out.push(await q, c.get('a'))
    await tick()
    out.push(c.get('a'))
    return out
  }, [
    2,
    [1, 1],
    2,
    { fetch: 'refresh', fetchDispatched: true, fetchResolved: true, fetchUpdated: true, value: 2, set: 'replace', oldValue: 1 },
    2, // served at once
    2, // the refresh lands a tick later
    3,
  ])
})

test('the signal aborts when the entry is evicted or deleted mid-fetch', async () => {
  await same(async (Ctor) => {
    const src = source()
    const c = new Ctor({ max: 2, fetchMethod: src.fetchMethod })
    const evicted = settle(c.fetch('a'))
    c.set('b', 1).set('c', 2) // a is least recent: evicted
    const deleted = settle(c.fetch('d')) // evicts b
    c.delete('d')
    const cleared = settle(c.fetch('e'))
    c.clear()
    const signals = src.calls.map(({ signal }) => [signal.aborted, signal.reason?.message])
    // late answers are ignored
    src.calls.forEach((call, i) => call.resolve(`late${i}`))
    const results = [await evicted, await deleted, await cleared]
    await tick()
    return [signals, results, [...c.entries()]]
  }, [
    [[true, 'evicted'], [true, 'deleted'], [true, 'deleted']],
    [{ error: 'evicted' }, { error: 'deleted' }, { error: 'deleted' }],
    [],
  ])
})

test('a rejected fetch deletes the stale entry unless noDeleteOnFetchRejection', async () => {
  await same(async (Ctor) => {
    const out = []
    for (const noDeleteOnFetchRejection of [false, true]) {
      const src = source()
      const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100, fetchMethod: src.fetchMethod, noDeleteOnFetchRejection })
      c.set('a', 'old')
      clock.t += 101
      const status = {}
      const p = settle(c.fetch('a', { status }))
      src.calls[0].reject(new Error('boom'))
      out.push(await p, c.size, c.get('a', { allowStale: true }), strip(status))
      // a miss that rejects is never kept
      const q = settle(c.fetch('m'))
      src.calls[1].reject(new Error('boom2'))
      out.push(await q, c.has('m'), c.size)
    }
    return out
  }, [
    { error: 'boom' }, 0, undefined,
    { fetch: 'stale', fetchDispatched: true, fetchRejected: true, fetchError: 'boom' },
    { error: 'boom2' }, false, 0,
    { error: 'boom' }, 1, 'old',
    { fetch: 'stale', fetchDispatched: true, fetchRejected: true, fetchError: 'boom' },
    { error: 'boom2' }, false, 0,
  ])
})

test('allowStaleOnFetchRejection resolves to the stale value and keeps it', async () => {
  await same(async (Ctor) => {
    const src = source()
    const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100, fetchMethod: src.fetchMethod })
    c.set('a', 'old')
    clock.t += 101
    const status = {}
    const p = settle(c.fetch('a', { allowStaleOnFetchRejection: true, status }))
    src.calls[0].reject(new Error('down'))
    const out = [await p, c.size, c.get('a', { allowStale: true, noDeleteOnStaleGet: true }), strip(status)]
    // no stale value: resolves undefined
    const q = settle(c.fetch('none', { allowStaleOnFetchRejection: true }))
    src.calls[1].reject(new Error('down'))
    out.push(await q, c.has('none'))
    return out
  }, [
    { value: 'old' }, 1, 'old',
    { fetch: 'stale', fetchDispatched: true, fetchRejected: true, fetchError: 'down', returnedStale: true },
    { value: undefined }, false,
  ])
})

test('a caller signal aborts the fetch; allowStaleOnFetchAbort and ignoreFetchAbort', async () => {
  await same(async (Ctor) => {
    const out = []
    for (const opts of [{}, { allowStaleOnFetchAbort: true }, { ignoreFetchAbort: true }]) {
      const src = source()
      const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100, fetchMethod: src.fetchMethod, ...opts })
      c.set('a', 'old')
      clock.t += 101
      const ac = new AbortController()
      const status = {}
      const p = settle(c.fetch('a', { signal: ac.signal, status }))
      ac.abort(new Error('caller gave up'))
      const aborted = src.calls[0].signal.aborted
      await tick()
      src.calls[0].resolve('late')
      out.push([aborted, await p, strip(status)])
      await tick()
      out.push([c.get('a', { allowStale: true, noDeleteOnStaleGet: true }), c.size])
    }
    return out
  }, [
    [true, { error: 'caller gave up' }, { fetch: 'stale', fetchDispatched: true, fetchAborted: true, fetchError: 'caller gave up' }],
    [undefined, 0],
    [true, { value: 'old' }, {
      fetch: 'stale', fetchDispatched: true, fetchAborted: true, fetchError: 'caller gave up', returnedStale: true,
      fetchResolved: true, fetchUpdated: true, value: 'late', set: 'replace', oldValue: 'old', ttl: 100, start: 1101,
      now: 1101, remainingTTL: 100,
    }],
    ['late', 1], // the late answer still lands in the cache
    [true, { value: 'late' }, {
      fetch: 'stale', fetchDispatched: true, fetchAborted: true, fetchError: 'caller gave up', fetchAbortIgnored: true,
      fetchUpdated: true, value: 'late', set: 'replace', oldValue: 'old', ttl: 100, start: 1101, now: 1101, remainingTTL: 100,
    }],
    ['late', 1],
  ])
})

test('a fetchMethod that resolves undefined caches nothing and restores the stale value', async () => {
  await same(async (Ctor) => {
    const src = source()
    const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100, fetchMethod: src.fetchMethod })
    const p = c.fetch('miss')
    src.calls[0].resolve(undefined)
    const out = [await p, c.has('miss'), c.size]
    c.set('a', 'old')
    clock.t += 101
    const q = c.fetch('a')
    src.calls[1].resolve(undefined)
    out.push(await q, c.size, c.peek('a', { allowStale: true }))
    // forceFetch rejects on undefined
    const r = settle(c.forceFetch('x'))
    src.calls[2].resolve(undefined)
    out.push(await r)
    const s = settle(c.forceFetch('y'))
    src.calls[3].resolve('Y')
    out.push(await s, c.get('y'))
    return out
  }, [undefined, false, 0, undefined, 1, 'old', { error: 'fetch() returned undefined' }, { value: 'Y' }, 'Y'])
})

test('context and options reach fetchMethod; per-call ttl applies to the fetched value', async () => {
  await same(async (Ctor) => {
    const src = source()
    const { cache: c } = clocked(Ctor, { max: 10, ttl: 100, fetchMethod: src.fetchMethod })
    const ctx = { user: 7 }
    const p = c.fetch('a', { context: ctx, ttl: 5000 })
    src.calls[0].resolve('A')
    await p
    return [src.calls[0].context === ctx, src.calls[0].ttl, c.getRemainingTTL('a')]
  }, [true, 5000, 5000])
})

test('fetch without fetchMethod acts as get', async () => {
  await same(async (Ctor) => {
    const { cache: c, clock } = clocked(Ctor, { max: 10, ttl: 100 })
    c.set('a', 1)
    const s1 = {}
    const out = [await c.fetch('a', { status: s1 }), await c.fetch('zz'), strip(s1)]
    clock.t += 101
    out.push(await c.fetch('a', { allowStale: true }), c.size)
    return out
  }, [1, undefined, { fetch: 'get', get: 'hit', ttl: 100, start: 1000, now: 1000, remainingTTL: 100 }, 1, 0])
})

test('a fetchMethod that throws synchronously rejects the fetch', async () => {
  await same(async (Ctor) => {
    const c = new Ctor({
      max: 10,
      fetchMethod: () => {
        throw new Error('sync')
      },
    })
    return [await settle(c.fetch('a')), c.size]
  }, [{ error: 'sync' }, 0])
})

test('memo computes on a miss, caches, and recomputes on forceRefresh', () => {
  const script = (Ctor) => {
    const calls = []
    const c = new Ctor({
      max: 10,
      memoMethod: (key, stale, { context }) => {
        calls.push([key, stale, context])
        return `${key}:${calls.length}`
      },
    })
    const s1 = {}
    const s2 = {}
    const s3 = {}
    const out = [c.memo('a', { status: s1, context: 'ctx' }), c.memo('a', { status: s2 })]
    out.push(c.memo('a', { forceRefresh: true, status: s3, context: 'again' }), c.get('a'), calls)
    out.push([strip(s1), strip(s2), strip(s3)])
    return out
  }
  const expected = [
    'a:1',
    'a:1',
    'a:2',
    'a:2',
    [['a', undefined, 'ctx'], ['a', 'a:1', 'again']],
    [
      { memo: 'miss', value: 'a:1' },
      { memo: 'hit', value: 'a:1' },
      { memo: 'miss', value: 'a:2' },
    ],
  ]
  assert.deepEqual(script(LRUCache), expected)
  assert.deepEqual(script(Peer), expected)
  // Deliberately different error: ours is a TypeError naming the option.
  assert.throws(() => new LRUCache({ max: 1 }).memo('a'), {
    name: 'TypeError',
    message: 'LRUCache: memo() needs a memoMethod option on the cache, got none',
  })
})

test('set() during a fetch replaces it: the fetch rejects and its late value is dropped', async () => {
  await same(async (Ctor) => {
    const src = source()
    const disposed = []
    const c = new Ctor({ max: 10, fetchMethod: src.fetchMethod, dispose: (v, k, r) => disposed.push([v, k, r]) })
    const p = settle(c.fetch('a'))
    c.set('a', 'manual')
    const signal = [src.calls[0].signal.aborted, src.calls[0].signal.reason?.message]
    src.calls[0].resolve('fetched')
    const out = [await p, signal]
    await tick()
    out.push(c.get('a'), disposed)
    return out
  }, [{ error: 'replaced' }, [true, 'replaced'], 'manual', []])
})

test('a refresh that lands disposes the stale value with reason set', async () => {
  await same(async (Ctor) => {
    const src = source()
    const disposed = []
    const { cache: c, clock } = clocked(Ctor, {
      max: 10, ttl: 100, fetchMethod: src.fetchMethod, dispose: (v, k, r) => disposed.push([v, k, r]),
    })
    c.set('a', 'old')
    clock.t += 101
    const p = c.fetch('a')
    src.calls[0].resolve('new')
    return [await p, disposed, c.size]
  }, ['new', [['old', 'a', 'set']], 1])
})

test('fetched values are sized with sizeCalculation once they land', async () => {
  const run = async (Ctor) => {
    const src = source()
    const c = new Ctor({ maxSize: 10, sizeCalculation: (v) => v.length, fetchMethod: src.fetchMethod })
    c.set('x', 'xxxxxx')
    const p = c.fetch('a')
    const during = [c.size, c.calculatedSize]
    src.calls[0].resolve('aaaaaa') // 6 + 6 > 10: x goes
    const v = await p
    return [v, during, [...c.keys()], c.calculatedSize]
  }
  // an in-flight fetch counts as size 1 until it lands, as in lru-cache
  await same(run, ['aaaaaa', [2, 7], ['a'], 6])
})

test('an abort listener that writes to the cache runs once the cache is consistent, and never hangs', () => {
  // Run in a child: before the fix, set() never returned at max 1.
  const script = `
    const { LRUCache } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const consistent = (c) => {
      const keys = [...c.keys()]
      let size = 0
      for (const k of keys) size += c.info(k).size ?? 0
      return keys.length === c.size && size === c.calculatedSize && keys.every((k) => c.has(k))
    }
    const out = {}
    const run = (name, options, listener, op) => {
      const c = new LRUCache({
        ...options,
        fetchMethod: (k, _, { signal }) => {
          signal.addEventListener('abort', () => listener(c))
          return new Promise(() => {})
        },
      })
      c.fetch('a').catch(() => {})
      op(c)
      out[name] = [[...c.keys()], c.size, c.calculatedSize, consistent(c)]
    }
    const fallback = (c) => c.set('fallback', 1)
    const clear = (c) => c.clear()
    const evict = (c) => c.set('b', 1)
    run('evict, set', { max: 1 }, fallback, evict)
    run('evict, clear', { max: 1 }, clear, evict)
    run('evict, set, tinylfu', { max: 1, policy: 'tinylfu' }, fallback, evict)
    run('evict by size, set', { maxSize: 2, sizeCalculation: () => 2 }, fallback, evict)
    run('evict by size, clear', { maxSize: 2, sizeCalculation: () => 2 }, clear, evict)
    run('delete, set', { max: 1 }, fallback, (c) => c.delete('a'))
    run('replace, set', { max: 2 }, fallback, (c) => c.set('a', 2))
    run('clear, set', { max: 1 }, fallback, (c) => c.clear())
    console.log(JSON.stringify(out))
  `
  // spawnSync returns only once the child is gone (killed at the timeout)
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL' })
  assert.equal(child.signal, null, 'the child hung')
  assert.equal(child.stderr, '')
  // The listener runs after the call that aborted the fetch is done, as dispose does:
  // its own set evicts what that call stored.
  assert.deepEqual(JSON.parse(child.stdout), {
    'evict, set': [['fallback'], 1, 0, true],
    'evict, clear': [[], 0, 0, true],
    'evict, set, tinylfu': [['fallback'], 1, 0, true],
    'evict by size, set': [['fallback'], 1, 2, true],
    'evict by size, clear': [[], 0, 0, true],
    'delete, set': [['fallback'], 1, 0, true],
    'replace, set': [['fallback', 'a'], 2, 0, true],
    'clear, set': [['fallback'], 1, 0, true],
  })
})

test('evicting an entry whose stale value is being refreshed disposes that value with reason evict', async () => {
  const run = (op, fetchOptions, ages) => async (Ctor) => {
    const src = source()
    const log = []
    const { cache: c, clock } = clocked(Ctor, {
      max: 1, ttl: 10, fetchMethod: src.fetchMethod, dispose: (v, k, r) => log.push(`${k}=${v}:${r}`),
    })
    c.set('a', 'v1')
    if (ages) clock.t += 20
    const p = settle(c.fetch('a', fetchOptions))
    op(c)
    log.push('returned')
    src.calls[0].resolve('v2')
    log.push(await p)
    return [log, [...c.keys()], c.size]
  }
  const evict = (c) => c.set('b', 'x')
  const evicted = [['a=v1:evict', 'returned', { error: 'evicted' }], ['b'], 1]
  await same(run(evict, {}, true), evicted)
  await same(run(evict, { forceRefresh: true }, false), evicted)
  const pop = (c) => c.pop()
  await same(run(pop, {}, true), [['a=v1:evict', 'returned', { error: 'evicted' }], [], 0])
  // as lru-cache: delete() and clear() abort the refresh and do not dispose the stale value
  for (const [op, fetchOptions, ages] of [
    [(c) => c.delete('a'), {}, true],
    [(c) => c.delete('a'), { forceRefresh: true }, false],
    [(c) => c.clear(), {}, true],
    [(c) => c.clear(), { forceRefresh: true }, false],
  ]) {
    await same(run(op, fetchOptions, ages), [['returned', { error: 'deleted' }], [], 0])
  }
})

test('the late value of an evicted fetch lands only where it evicts nothing', async () => {
  await same(async (Ctor) => {
    const out = []
    for (const freeAgain of [false, true]) {
      const src = source()
      const c = new Ctor({ max: 1, fetchMethod: src.fetchMethod })
      const a = settle(c.fetch('a', { allowStaleOnFetchAbort: true, ignoreFetchAbort: true }))
      const b = settle(c.fetch('b')) // evicts a's fetch
      if (freeAgain) {
        src.calls[1].resolve('B')
        await tick()
        c.delete('b') // a's place is empty again
      }
      src.calls[0].resolve('late A')
      await tick()
      if (!freeAgain) src.calls[1].resolve('B')
      out.push([await a, await b, [...c.entries()]])
    }
    return out
  }, [
    // the late value is dropped: b's fetch, which took a's place, is not evicted
    [{ value: undefined }, { value: 'B' }, [['b', 'B']]],
    [{ value: undefined }, { value: 'B' }, [['a', 'late A']]],
  ])
})
