'use strict'
// LRUCache: Map's interface and lru-cache's options over a Rust policy core.
//
// Keys and values stay in JS: `#map` maps a key to an integer slot, `#keys` and
// `#vals` hold the entry at that slot. The Rust core (`CacheCore`) owns the policy
// over slots: recency order, free slots, sizes against max/maxSize, and the expiry
// index. A hit costs one write into `#log`, an access log shared with the core; the
// core replays the log, in order, at the start of every call it gets, so its order
// is exact without a native call per hit.
//
// Count-bounded LRU caches insert without a native call too: a sync (`coreSync`)
// publishes, in `#out`, reserved free slots and the least recently used slots in
// eviction order. Every hit stamps its slot with the sync's epoch, so an insert
// takes the first candidate not hit since the sync, which is exactly the least
// recently used entry now. The insert is logged (`slot | INSERT_FLAG`, its expiry
// in `#logAt`) and replayed in order like the hits.
// Other inserts (an admission policy, sizes, no bound) call the core, which picks
// the victims; their arguments go through `#args`, a buffer in the core's memory.

const {
  coreCreate, coreFree, coreLog, coreOut, coreDrain, coreInsert, coreResize, coreRemove, coreVictim,
  coreSetExpiry, coreTakeDue, coreNextDue, coreOrder, coreTakeOverflow, coreClear, coreLogAt, coreSync,
  coreArgs, INSERT_FLAG,
} = require('./native')
const {
  checkOptions, checkSize, checkTtl, checkStart, checkDefaultTtl, checkTtlResolution, checkMaxEntrySize,
  checkSizeCalculation, checkStillBounded, fail, show,
} = require('./cache/options')
const { hashKey } = require('./cache/hash')

// Buffer lengths, in entries. A cache of at most `max` entries gets buffers about
// that long, so a cache per tenant or per request does not pay 49 KB off the heap
// for a 4096-entry log; 256 entries at least, as a drain every 64 hits made hits
// on a `{ max: 4 }` cache about 3% slower.
const LOG_LEN = 4096
const MIN_LOG_LEN = 256
const OUT_LEN = 256
const MIN_OUT_LEN = 16
const AHEAD = 128 // slots the core hands out per sync for inserts chosen in JS
const NO_OPTIONS = Object.freeze({})

/** A broken invariant between the JS side and the core, with the core's error code. */
function internalError(message) {
  const err = new Error(`LRUCache internal error: ${message}`)
  err.code = 'ERR_LEAKGUARD_CACHE'
  return err
}

/** A fetch in flight for a key: what `#vals` holds until fetchMethod settles. */
class InFlight {
  constructor(controller, stale) {
    this.controller = controller
    this.stale = stale // the value being refreshed, or undefined
    this.promise = undefined
    this.returned = false // whether a caller holds the promise (then errors reach it)
  }
}

const cores = new FinalizationRegistry((id) => coreFree(id))

const COUNTS = ['hits', 'misses', 'sets', 'evictions', 'expirations', 'deletes']
const newCounts = () => ({ hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, deletes: 0 })

// Caches created with a name, as { ref (a WeakRef), name, counts }: the counts live
// outside the cache, so what a collected cache counted is kept in its name's retired
// total and the metrics' counters never go down.
const named = new Set()
const retired = new Map() // name -> the summed counts of its collected caches

function retire(entry) {
  if (!named.delete(entry)) return
  let sum = retired.get(entry.name)
  if (sum === undefined) retired.set(entry.name, (sum = newCounts()))
  for (const k of COUNTS) sum[k] += entry.counts[k]
}
const forget = new FinalizationRegistry(retire)

/** Live caches created with a `name` option (for metrics). */
function namedCaches() {
  const out = []
  for (const entry of named) {
    const c = entry.ref.deref()
    if (c === undefined) retire(entry)
    else out.push(c)
  }
  return out
}

/** Per name, the counts of every cache created with it, collected ones included (for
 * metrics: they only grow). */
function namedCounts() {
  const out = new Map()
  for (const [name, sum] of retired) out.set(name, { ...sum })
  // a collected cache whose finalizer has not run yet is still here, with its counts
  for (const { name, counts } of named) {
    let sum = out.get(name)
    if (sum === undefined) out.set(name, (sum = newCounts()))
    for (const k of COUNTS) sum[k] += counts[k]
  }
  return out
}

class LRUCache {
  #map = new Map()
  #keys = []
  #vals = []
  #log
  #logAt
  #args = null // coreInsert's arguments, in the core's memory
  #pos = 0
  #out
  #stamps = new Uint32Array(16) // per slot: the epoch of its last hit
  #epoch = 1
  #chooses // whether inserts choose their slot in JS (see above)
  #simple // no dispose, sizes, TTLs or fetches: evicting is forgetting the key
  #freePos = 0 // the ahead queue, as positions in #out
  #freeEnd = 0
  #victimPos = 0
  #victimEnd = 0
  #core // the id of this cache's Rust core
  #name
  #policy
  // Fast paths apply while no entry can be stale or in flight.
  #plain
  #hashing
  #max
  #maxSize
  #sizes = null
  #maxEntrySize
  #sizeCalculation
  #ttl
  #ttlResolution
  #ttlAutopurge
  #calculatedSize = 0
  #starts = null
  #ttls = null
  #perf
  #cachedNow = 0
  #clockTimer = null
  #purgeTimer = null
  #purgeAt = Infinity
  #dispose
  #disposeAfter
  #onInsert
  #fetchMethod
  #memoMethod
  #disposing = false
  #pending = [] // [value, key, reason] triples awaiting dispose callbacks, or [InFlight, key, message] to abort
  #counts = null // { hits, misses, sets, ... } when created with `stats` or a `name`

  constructor(options) {
    const { max, maxSize, maxEntrySize, ttl, ttlResolution, policy } = checkOptions(options)
    const o = options
    this.#max = max
    this.#maxSize = maxSize
    this.#maxEntrySize = maxEntrySize
    this.#sizeCalculation = o.sizeCalculation
    this.#ttl = ttl
    this.#ttlResolution = ttlResolution
    this.#ttlAutopurge = !!o.ttlAutopurge
    this.updateAgeOnGet = !!o.updateAgeOnGet
    this.updateAgeOnHas = !!o.updateAgeOnHas
    this.allowStale = !!o.allowStale
    this.noDisposeOnSet = !!o.noDisposeOnSet
    this.noUpdateTTL = !!o.noUpdateTTL
    this.noDeleteOnStaleGet = !!o.noDeleteOnStaleGet
    this.noDeleteOnFetchRejection = !!o.noDeleteOnFetchRejection
    this.allowStaleOnFetchRejection = !!o.allowStaleOnFetchRejection
    this.allowStaleOnFetchAbort = !!o.allowStaleOnFetchAbort
    this.ignoreFetchAbort = !!o.ignoreFetchAbort
    this.#name = o.name
    this.#policy = policy
    this.#perf = o.perf ?? performance
    this.#dispose = o.dispose
    this.#disposeAfter = o.disposeAfter
    this.#onInsert = o.onInsert
    this.#fetchMethod = o.fetchMethod
    this.#memoMethod = o.memoMethod
    this.#hashing = policy !== 'lru'
    if (o.stats || o.name !== undefined) this.#counts = newCounts()
    const logLen = max === 0 ? LOG_LEN : Math.min(LOG_LEN, Math.max(MIN_LOG_LEN, 2 ** Math.ceil(Math.log2(max))))
    const outLen = max === 0 ? OUT_LEN : Math.min(OUT_LEN, Math.max(MIN_OUT_LEN, max + 2))
    this.#core = coreCreate({ max, maxSize, policy, logLen, outLen })
    cores.register(this, this.#core)
    this.#log = coreLog(this.#core)
    this.#logAt = coreLogAt(this.#core)
    this.#out = coreOut(this.#core)
    this.#chooses = policy === 'lru' && max > 0 && !maxSize
    if (!this.#chooses) this.#args = coreArgs(this.#core) // only inserts the core chooses for use it
    if (maxEntrySize) this.#sizes = []
    if (ttl) this.#enableTtl()
    this.#plain = !this.#starts && !this.#fetchMethod
    this.#simple = this.#plain && !this.#sizes && !this.#dispose && !this.#disposeAfter
    if (this.#name !== undefined) {
      const entry = { ref: new WeakRef(this), name: this.#name, counts: this.#counts }
      named.add(entry)
      forget.register(this, entry)
    }
  }

  // ---- read-only views of the configuration, as lru-cache exposes them ----
  get max() { return this.#max }
  get maxSize() { return this.#maxSize }
  get size() { return this.#map.size }
  get calculatedSize() { return this.#calculatedSize }
  get dispose() { return this.#dispose }
  get disposeAfter() { return this.#disposeAfter }
  get onInsert() { return this.#onInsert }
  get fetchMethod() { return this.#fetchMethod }
  get memoMethod() { return this.#memoMethod }
  get perf() { return this.#perf }
  get name() { return this.#name }
  get policy() { return this.#policy }

  // ---- options that may be assigned later, checked as the constructor checks them ----
  get ttl() { return this.#ttl }
  set ttl(ttl) {
    ttl = checkDefaultTtl(ttl)
    checkStillBounded(this.#max, this.#maxSize, ttl, this.#ttlAutopurge)
    this.#ttl = ttl
    if (ttl !== 0 && this.#starts === null) this.#enableTtl() // leaves the fast paths that skip TTLs
  }

  get ttlResolution() { return this.#ttlResolution }
  set ttlResolution(ttlResolution) {
    this.#ttlResolution = checkTtlResolution(ttlResolution)
    this.#cachedNow = 0 // read afresh, then cached for the new resolution
    if (this.#clockTimer !== null) {
      clearTimeout(this.#clockTimer) // refresh() would rearm it with the old delay
      this.#clockTimer = null
    }
  }

  get ttlAutopurge() { return this.#ttlAutopurge }
  set ttlAutopurge(on) {
    on = !!on
    checkStillBounded(this.#max, this.#maxSize, this.#ttl, on)
    this.#ttlAutopurge = on
    if (!on) {
      this.#cancelPurge()
    } else if (this.#starts !== null) {
      // the entries already there were stored without a timer: arm it for the
      // earliest expiry the core's index holds, as #autopurge does
      coreDrain(this.#core, this.#take())
      const next = coreNextDue(this.#core)
      if (next >= 0) this.#armPurge(next)
    }
  }

  get maxEntrySize() { return this.#maxEntrySize }
  set maxEntrySize(maxEntrySize) {
    const n = checkMaxEntrySize(maxEntrySize, this.#maxSize)
    if (n && this.#sizes === null) {
      // sizes are tracked only by caches created with maxSize or maxEntrySize
      throw fail(TypeError, `maxEntrySize needs a cache created with maxSize or maxEntrySize, got ${show(maxEntrySize)}`)
    }
    this.#maxEntrySize = n || this.#maxSize // 0: maxSize, as in the constructor
  }

  get sizeCalculation() { return this.#sizeCalculation }
  set sizeCalculation(fn) {
    this.#sizeCalculation = checkSizeCalculation(fn, this.#sizes !== null)
  }
  get [Symbol.toStringTag]() { return 'LRUCache' }

  // ---- hot paths ----

  /** Returns the value for `key`, marking it most recently used. */
  get(key, options) {
    if (this.#plain && options === undefined) {
      const s = this.#map.get(key)
      if (s !== undefined) {
        const log = this.#log
        let p = this.#pos
        log[p] = s
        if (this.#chooses) this.#stamps[s] = this.#epoch // so an insert does not take it as a victim
        if (++p === log.length) {
          coreDrain(this.#core, p)
          p = 0
        }
        this.#pos = p
        if (this.#counts !== null) this.#counts.hits++
        return this.#vals[s]
      }
      if (this.#counts !== null) this.#counts.misses++
      return undefined
    }
    if (options === undefined && this.#fetchMethod === undefined) {
      // TTL caches: fresh hits stay on a short path too
      const s = this.#map.get(key)
      if (s !== undefined && (this.#ttls[s] === 0 || this.#now() - this.#starts[s] <= this.#ttls[s])) {
        this.#touch(s)
        if (this.#counts !== null) this.#counts.hits++
        if (this.updateAgeOnGet) this.#refreshAge(s)
        return this.#vals[s]
      }
      if (s === undefined) {
        if (this.#counts !== null) this.#counts.misses++
        return undefined
      }
    }
    if (options?.status === undefined) return this.#get(key, options ?? {})
    const value = this.#get(key, options)
    if (value !== undefined) options.status.value = value // as lru-cache's get(), not fetch()
    return value
  }

  /** Whether `key` is cached and fresh; does not change recency. */
  has(key, options) {
    if (this.#plain && options === undefined) return this.#map.has(key)
    return this.#has(key, options ?? NO_OPTIONS)
  }

  /** Returns the value for `key` without changing recency or age. */
  peek(key, options) {
    if (this.#plain && options === undefined) {
      const s = this.#map.get(key)
      return s === undefined ? undefined : this.#vals[s]
    }
    const { allowStale = this.allowStale, status } = options ?? NO_OPTIONS
    const s = this.#map.get(key)
    if (s === undefined || (!allowStale && this.#isStale(s))) {
      if (status) status.peek = s === undefined ? 'miss' : 'stale'
      return undefined
    }
    const v = this.#vals[s]
    const value = v instanceof InFlight ? v.stale : v
    if (status) {
      status.peek = value === undefined ? 'miss' : 'hit'
      if (value !== undefined) status.value = value
    }
    return value
  }

  /** Stores `value` under `key` as the most recently used entry; returns the cache. */
  set(key, value, options) {
    if (value === undefined) {
      if (options?.status) options.status.set = 'deleted'
      this.delete(key)
      return this
    }
    if (this.#plain && options === undefined && this.#sizes === null && this.#onInsert === undefined) {
      const s = this.#map.get(key)
      if (s === undefined) {
        // (an admission policy may refuse the entry: #insert then returns -1, having let it go)
        this.#insert(key, value, 0, 0, 0)
        if (this.#counts !== null) this.#counts.sets++
        if (this.#pending.length !== 0) this.#flush()
        return this
      }
      if (this.#dispose === undefined && this.#disposeAfter === undefined) {
        this.#vals[s] = value
        const log = this.#log
        let p = this.#pos
        log[p] = s
        if (this.#chooses) this.#stamps[s] = this.#epoch
        if (++p === log.length) {
          coreDrain(this.#core, p)
          p = 0
        }
        this.#pos = p
        if (this.#counts !== null) this.#counts.sets++
        return this
      }
    }
    if (options === undefined && this.#sizes === null && this.#fetchMethod === undefined && this.#onInsert === undefined && !this.#map.has(key)) {
      // TTL caches: a new key takes the same short insert path, under every
      // policy (one that refuses it has let it go, as above)
      const ttl = this.#ttl
      this.#insert(key, value, 0, ttl, ttl ? this.#perf.now() : 0)
      if (this.#counts !== null) this.#counts.sets++
      if (this.#pending.length !== 0) this.#flush()
      return this
    }
    this.#set(key, value, options ?? NO_OPTIONS, undefined)
    return this
  }

  // ---- the general paths ----

  #touch(s) {
    const log = this.#log
    log[this.#pos] = s
    if (this.#chooses) this.#stamps[s] = this.#epoch // read only when inserts choose slots in JS
    if (++this.#pos === log.length) {
      coreDrain(this.#core, this.#pos)
      this.#pos = 0
    }
  }

  /** Hands the log to the next core call, which also ends the ahead queue. */
  #take() {
    const p = this.#pos
    this.#pos = 0
    this.#freePos = this.#freeEnd = this.#victimPos = this.#victimEnd = 0
    return p
  }

  /** Refills the ahead queue: free slots while there is room, else victims. */
  #sync() {
    const size = this.#map.size
    const free = size < this.#max ? Math.min(AHEAD, this.#max - size) : 0
    coreSync(this.#core, this.#take(), free, free === 0 ? AHEAD : 0)
    this.#epoch = (this.#epoch + 1) >>> 0 || 1
    const out = this.#out
    this.#freePos = 2
    this.#freeEnd = this.#victimPos = 2 + out[0]
    this.#victimEnd = 2 + out[1]
  }

  /** Picks the slot for a new entry from the ahead queue, evicting if full. */
  #chooseSlot() {
    const out = this.#out
    for (let synced = false; ; synced = true) {
      if (this.#map.size < this.#max) {
        if (this.#freePos < this.#freeEnd) return out[this.#freePos++]
      } else {
        while (this.#victimPos < this.#victimEnd) {
          const s = out[this.#victimPos++]
          if (this.#stamps[s] === this.#epoch) continue // hit since the sync
          if (this.#counts !== null) this.#counts.evictions++
          if (this.#simple) {
            // nothing to dispose, size or abort: the caller overwrites the slot
            this.#map.delete(this.#keys[s])
          } else {
            this.#release(s, 'evict')
          }
          return s
        }
      }
      // A fresh sync always yields a candidate unless JS and the core disagree
      // about which slots are resident: say so rather than spin.
      if (synced) throw internalError(`no slot for an insert: ${this.#map.size} keys, max ${this.#max}`)
      this.#sync()
    }
  }

  #get(key, options) {
    const {
      allowStale = this.allowStale,
      updateAgeOnGet = this.updateAgeOnGet,
      noDeleteOnStaleGet = this.noDeleteOnStaleGet,
      status,
    } = options
    const s = this.#map.get(key)
    if (s === undefined) {
      if (status) status.get = 'miss'
      if (this.#counts !== null) this.#counts.misses++
      return undefined
    }
    const v = this.#vals[s]
    const inFlight = v instanceof InFlight
    if (status) this.#statusTtl(status, s)
    if (this.#isStale(s)) {
      if (this.#counts !== null) this.#counts.misses++
      if (!inFlight) {
        if (!noDeleteOnStaleGet) this.#delete(key, 'expire')
        if (status) status.get = 'stale'
        if (allowStale) {
          if (status) status.returnedStale = true
          return v
        }
        return undefined
      }
      if (status) status.get = 'stale-fetching'
      if (allowStale && v.stale !== undefined) {
        if (status) status.returnedStale = true
        return v.stale
      }
      return undefined
    }
    if (status) status.get = inFlight ? 'fetching' : 'hit'
    if (this.#counts !== null) this.#counts.hits++
    this.#touch(s)
    if (updateAgeOnGet) this.#refreshAge(s)
    return inFlight ? v.stale : v
  }

  #has(key, options) {
    const { updateAgeOnHas = this.updateAgeOnHas, status } = options
    const s = this.#map.get(key)
    if (s === undefined) {
      if (status) status.has = 'miss'
      return false
    }
    const v = this.#vals[s]
    if (v instanceof InFlight && v.stale === undefined) return false
    if (this.#isStale(s)) {
      if (status) {
        status.has = 'stale'
        this.#statusTtl(status, s)
      }
      return false
    }
    if (updateAgeOnHas) this.#refreshAge(s)
    if (status) {
      status.has = 'hit'
      this.#statusTtl(status, s)
    }
    return true
  }

  #entrySize(key, value, size, sizeCalculation) {
    if (this.#sizes === null) {
      if (size || sizeCalculation !== this.#sizeCalculation) {
        throw fail(TypeError, `size and sizeCalculation need maxSize or maxEntrySize on the cache, got size ${show(size)}`)
      }
      return 0
    }
    if (size) return checkSize(size, key, 'size')
    if (value instanceof InFlight) return 1 // provisional, until the fetch settles
    if (typeof sizeCalculation !== 'function') {
      throw fail(
        TypeError,
        `size must be a positive integer when maxSize or maxEntrySize is set: pass sizeCalculation or set(key, value, { size }), got ${show(size)} for key ${show(key)}`
      )
    }
    return checkSize(sizeCalculation(value, key), key, 'sizeCalculation result')
  }

  #set(key, value, options, resolving) {
    const {
      ttl: ttlOption,
      start,
      noDisposeOnSet = this.noDisposeOnSet,
      sizeCalculation = this.#sizeCalculation,
      status,
    } = options
    const ttl = ttlOption === undefined ? this.#ttl : checkTtl(ttlOption)
    // checked before anything changes (the TTL is set after the value is replaced)
    if (start !== undefined && (ttl !== 0 || this.#starts !== null)) checkStart(start)
    let { noUpdateTTL = this.noUpdateTTL } = options
    const inFlight = value instanceof InFlight
    if (status && !inFlight) status.value = value
    const size = this.#entrySize(key, value, options.size || 0, sizeCalculation)
    if (this.#maxEntrySize && size > this.#maxEntrySize) {
      // Too big to ever fit: it replaces nothing, and any old entry goes.
      this.#delete(key, 'set')
      if (status) {
        status.set = 'miss'
        status.maxEntrySizeExceeded = true
      }
      return
    }
    if (ttl !== 0 && this.#starts === null) this.#enableTtl()
    if (this.#counts !== null && !inFlight) this.#counts.sets++ // a fetch counts once, when its value lands
    let s = this.#map.get(key)
    let inserted // onInsert's kind, if it is to be called
    try {
      if (s === undefined) {
        const startAt = ttl ? (start === undefined ? this.#perf.now() : start) : 0
        s = this.#insert(key, value, size, ttl, startAt)
        if (s < 0) {
          if (status) status.set = 'miss'
          return
        }
        noUpdateTTL = true // the insert registered its TTL already
        if (status) status.set = 'add'
        if (!inFlight) inserted = 'add'
      } else {
        const old = this.#vals[s]
        if (old !== value) {
          // as lru-cache: the replaced value is disposed before any eviction the new
          // size causes, and only a changed value updates the size
          if (!noDisposeOnSet) {
            if (old instanceof InFlight) {
              if (old !== resolving) this.#queueAbort(old, key, 'replaced')
              if (old.stale !== undefined && old.stale !== value) this.#queue(old.stale, key, 'set')
            } else {
              this.#queue(old, key, 'set')
            }
          }
          this.#vals[s] = value
          if (this.#sizes !== null && this.#sizes[s] !== size) {
            this.#calculatedSize += size - this.#sizes[s]
            this.#sizes[s] = size
            coreResize(this.#core, this.#take(), s, size)
            if (this.#evicted(this.#out[0], s)) {
              // the policy evicted the entry itself, new value and all, as an
              // insert it refused at once
              if (status) status.set = 'miss'
              return
            }
          } else {
            this.#touch(s)
          }
          if (!inFlight) {
            const oldValue = old instanceof InFlight ? old.stale : old
            const kind = oldValue === undefined ? 'add' : oldValue !== value ? 'replace' : 'update'
            if (status) {
              status.set = kind
              if (oldValue !== undefined) status.oldValue = oldValue
            }
            inserted = kind
          }
        } else {
          this.#touch(s)
          if (!inFlight) {
            if (status) status.set = 'update'
            inserted = 'update'
          }
        }
      }
      if (this.#starts !== null) {
        if (!noUpdateTTL) this.#setTtl(s, ttl, start === undefined ? this.#perf.now() : start)
        if (status) this.#statusTtl(status, s)
      }
      if (status && this.#sizes !== null) {
        status.entrySize = size
        status.totalCalculatedSize = this.#calculatedSize
      }
      // Last, once the entry is complete: the hook may use the cache, even free `s`.
      if (inserted !== undefined && this.#onInsert !== undefined) this.#onInsert(value, key, inserted)
    } finally {
      this.#flush()
    }
  }

  /** Stores a new entry; returns its slot, or -1 if the policy evicted it at once. */
  #insert(key, value, size, ttl, start) {
    const at = ttl ? start + ttl : Infinity
    if (this.#chooses) {
      const slot = this.#chooseSlot()
      this.#logInsert(slot, at)
      this.#place(slot, key, value, size, ttl, start)
      this.#stamps[slot] = this.#epoch
      return slot
    }
    const args = this.#args
    args[0] = this.#take()
    args[1] = size
    args[2] = this.#hashing ? hashKey(key) : 0
    args[3] = at
    const slot = coreInsert(this.#core)
    this.#place(slot, key, value, size, ttl, start)
    const n = this.#out[0]
    if (n !== 0 && this.#evicted(n, slot)) return -1
    return slot
  }

  /** Logs `slot` as (re)inserted with expiry `at`, for the core to replay in order. */
  #logInsert(slot, at) {
    let p = this.#pos
    this.#log[p] = slot | INSERT_FLAG
    this.#logAt[p] = at
    if (++p === this.#log.length) {
      coreDrain(this.#core, p)
      p = 0
    }
    this.#pos = p
  }

  /** Stores a new entry at `slot`. */
  #place(slot, key, value, size, ttl, start) {
    if (slot >= this.#keys.length) this.#grow(slot)
    this.#map.set(key, slot)
    this.#keys[slot] = key
    this.#vals[slot] = value
    if (this.#sizes !== null) {
      this.#sizes[slot] = size
      this.#calculatedSize += size
    }
    if (this.#starts !== null) {
      this.#starts[slot] = start
      this.#ttls[slot] = ttl
      if (ttl && this.#ttlAutopurge) this.#armPurge(start + ttl)
    }
  }

  #grow(slot) {
    const keys = this.#keys
    const vals = this.#vals
    const len = Math.max(16, 2 ** Math.ceil(Math.log2(slot + 1)))
    // push keeps the arrays packed (holes would slow every read)
    while (keys.length < len) {
      keys.push(undefined)
      vals.push(undefined)
      if (this.#sizes !== null) this.#sizes.push(0)
    }
    if (this.#starts !== null && this.#starts.length < len) this.#growTtl(len)
    if (this.#stamps.length < len) {
      const stamps = new Uint32Array(len)
      stamps.set(this.#stamps)
      this.#stamps = stamps
    }
  }

  /** Removes the `n` slots the core just evicted; true if `self` was among them. */
  #evicted(n, self = -1) {
    if (n === 0) return false
    if (n === 1) {
      // the common case, without copying: nothing below calls into the core
      const s = this.#out[1]
      if (this.#counts !== null) this.#counts.evictions++
      this.#release(s, 'evict')
      return s === self
    }
    // copied, as the overflow is (nothing runs user code before #flush)
    const slots = n < this.#out.length ? this.#out.slice(1, n + 1) : coreTakeOverflow(this.#core)
    let hitSelf = false
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]
      if (s === self) hitSelf = true
      if (this.#counts !== null) this.#counts.evictions++
      this.#release(s, 'evict')
    }
    return hitSelf
  }

  /** Forgets the entry at a slot the core no longer holds, queueing its dispose. */
  #release(s, reason) {
    const key = this.#keys[s]
    const v = this.#vals[s]
    this.#map.delete(key)
    this.#keys[s] = undefined
    this.#vals[s] = undefined
    if (this.#sizes !== null) {
      this.#calculatedSize -= this.#sizes[s]
      this.#sizes[s] = 0
    }
    if (this.#starts !== null) this.#ttls[s] = 0
    if (v instanceof InFlight) {
      this.#queueAbort(v, key, reason === 'evict' ? 'evicted' : 'deleted')
      // as lru-cache: an evicted refresh disposes the stale value it held; a deleted one does not
      if (reason === 'evict' && v.stale !== undefined) this.#queue(v.stale, key, reason)
    } else {
      this.#queue(v, key, reason)
    }
  }

  #queue(value, key, reason) {
    if (this.#dispose !== undefined || this.#disposeAfter !== undefined) this.#pending.push(value, key, reason)
  }

  /** Queues the abort of a fetch whose entry left or was replaced. Its signal's
   * listeners may use the cache, so, like dispose, they run once it is consistent. */
  #queueAbort(f, key, message) {
    this.#pending.push(f, key, message)
  }

  /**
   * Runs queued aborts and dispose callbacks once the cache is consistent again. A
   * callback that throws does not stop the others; the first error is rethrown after all ran.
   */
  #flush() {
    if (this.#pending.length === 0 || this.#disposing) return
    this.#disposing = true
    let error
    let failed = false
    try {
      while (this.#pending.length !== 0) {
        const batch = this.#pending
        this.#pending = []
        for (let pass = 0; pass < 2; pass++) {
          const fn = pass === 0 ? this.#dispose : this.#disposeAfter
          for (let i = 0; i < batch.length; i += 3) {
            const v = batch[i]
            try {
              if (v instanceof InFlight) {
                // aborted in the first pass, in order with the disposals, as lru-cache does
                if (pass === 0) v.controller.abort(new Error(batch[i + 2]))
              } else if (fn !== undefined) {
                fn(v, batch[i + 1], batch[i + 2])
              }
            } catch (err) {
              if (!failed) [failed, error] = [true, err]
            }
          }
        }
      }
    } finally {
      this.#disposing = false
    }
    if (failed) throw error
  }

  /** Removes `key`; true if it was there. */
  delete(key) {
    return this.#delete(key, 'delete')
  }

  #delete(key, reason) {
    const s = this.#map.get(key)
    if (s === undefined) return false
    coreRemove(this.#core, this.#take(), s)
    if (this.#counts !== null) {
      if (reason === 'expire') this.#counts.expirations++
      else if (reason === 'delete') this.#counts.deletes++
    }
    this.#release(s, reason)
    this.#flush()
    return true
  }

  /** Removes every entry (dispose reason 'delete'). */
  clear() {
    const slots = coreOrder(this.#core, this.#take(), true)
    for (const s of slots) {
      const v = this.#vals[s]
      if (v instanceof InFlight) this.#queueAbort(v, this.#keys[s], 'deleted')
      else this.#queue(v, this.#keys[s], 'delete')
    }
    coreClear(this.#core)
    this.#map.clear()
    this.#keys.fill(undefined)
    this.#vals.fill(undefined)
    if (this.#sizes !== null) this.#sizes.fill(0)
    this.#calculatedSize = 0
    if (this.#starts !== null) this.#ttls.fill(0)
    this.#cancelPurge()
    this.#flush()
  }

  /** Removes and returns the least recently used value (dispose reason 'evict'). */
  pop() {
    while (this.#map.size !== 0) {
      const s = coreVictim(this.#core, this.#take())
      if (s < 0) return undefined
      const v = this.#vals[s]
      coreRemove(this.#core, 0, s)
      if (this.#counts !== null) this.#counts.evictions++
      this.#release(s, 'evict')
      this.#flush()
      const value = v instanceof InFlight ? v.stale : v
      if (value !== undefined) return value
    }
    return undefined
  }

  // ---- TTL ----

  #enableTtl() {
    const len = Math.max(16, this.#keys.length)
    this.#starts = new Float64Array(len)
    this.#ttls = new Float64Array(len)
    this.#plain = false
    this.#simple = false
  }

  #growTtl(len) {
    const starts = new Float64Array(len)
    const ttls = new Float64Array(len)
    starts.set(this.#starts)
    ttls.set(this.#ttls)
    this.#starts = starts
    this.#ttls = ttls
  }

  /** The clock, read at most once per `ttlResolution` ms. */
  #now() {
    if (this.#cachedNow !== 0) return this.#cachedNow
    const now = this.#perf.now()
    if (this.#ttlResolution > 0 && now !== 0) {
      this.#cachedNow = now
      if (this.#clockTimer === null) {
        const ref = new WeakRef(this)
        this.#clockTimer = setTimeout(() => ref.deref()?.#expireClock(), this.#ttlResolution)
        this.#clockTimer.unref()
      } else {
        this.#clockTimer.refresh()
      }
    }
    return now
  }

  #expireClock() {
    this.#cachedNow = 0
  }

  #isStale(s) {
    if (this.#starts === null) return false
    const ttl = this.#ttls[s]
    return ttl !== 0 && this.#now() - this.#starts[s] > ttl
  }

  #setTtl(s, ttl, start) {
    this.#starts[s] = start
    this.#ttls[s] = ttl
    const at = ttl ? start + ttl : Infinity
    if (this.#chooses) {
      // For LRU without weights, re-inserting a resident slot is a hit plus a new
      // expiry: log it like an insert, with no native call.
      this.#logInsert(s, at)
    } else {
      coreSetExpiry(this.#core, this.#take(), s, at)
    }
    if (ttl && this.#ttlAutopurge) this.#armPurge(at)
  }

  /** Restarts an entry's TTL from now. The core's expiry index may keep an earlier
   * time (expiry is checked again when it comes due), never a later one: only a
   * start that lay in the future (set with `start`, or loaded) moves expiry earlier
   * and needs a native call. */
  #refreshAge(s) {
    if (this.#starts === null || this.#ttls[s] === 0) return
    const now = this.#perf.now()
    const earlier = now < this.#starts[s]
    this.#starts[s] = now
    if (earlier) {
      const at = now + this.#ttls[s]
      coreSetExpiry(this.#core, this.#take(), s, at)
      if (this.#ttlAutopurge) this.#armPurge(at)
    }
  }

  /** On the cached clock, as get() judges staleness: the true time left, as
   * lru-cache reports it. It exceeds the ttl for a start in the future, or while the
   * cached clock lags a start read fresh by set(). */
  #remaining(s) {
    const ttl = this.#ttls[s]
    return ttl === 0 ? Infinity : ttl - (this.#now() - this.#starts[s])
  }

  #statusTtl(status, s) {
    if (this.#starts === null || this.#ttls[s] === 0) return
    status.ttl = this.#ttls[s]
    status.start = this.#starts[s]
    status.now = this.#now()
    status.remainingTTL = status.ttl - (status.now - status.start)
  }

  #armPurge(at) {
    if (at >= this.#purgeAt) return
    this.#cancelPurge()
    this.#purgeAt = at
    const ref = new WeakRef(this)
    const delay = Math.max(0, at - this.#perf.now()) + 1
    this.#purgeTimer = setTimeout(() => ref.deref()?.#autopurge(), Math.min(delay, 2 ** 31 - 1))
    this.#purgeTimer.unref()
  }

  #cancelPurge() {
    if (this.#purgeTimer !== null) clearTimeout(this.#purgeTimer)
    this.#purgeTimer = null
    this.#purgeAt = Infinity
  }

  #autopurge() {
    this.#purgeTimer = null
    this.#purgeAt = Infinity
    try {
      this.purgeStale()
    } finally {
      const next = coreNextDue(this.#core)
      if (next >= 0) this.#armPurge(next)
    }
  }

  /** Deletes every stale entry (dispose reason 'expire'); true if any was deleted. */
  purgeStale() {
    if (this.#starts === null) return false
    const now = this.#perf.now()
    const n = coreTakeDue(this.#core, this.#take(), now)
    if (n === 0) return false
    const due = n < this.#out.length ? this.#out.slice(1, n + 1) : coreTakeOverflow(this.#core)
    let deleted = false
    // The core has handed over these slots: all must be handled before a
    // throwing dispose can interrupt, or they would never be purged.
    const outer = this.#disposing
    this.#disposing = true
    try {
      for (const s of due) {
        const key = this.#keys[s]
        if (this.#map.get(key) !== s || this.#ttls[s] === 0) continue
        if (now - this.#starts[s] > this.#ttls[s]) {
          deleted = this.#delete(key, 'expire') || deleted
        } else {
          // its age was refreshed since it was registered: register the real expiry
          coreSetExpiry(this.#core, this.#take(), s, this.#starts[s] + this.#ttls[s])
        }
      }
    } finally {
      this.#disposing = outer
    }
    this.#flush()
    return deleted
  }

  /** Milliseconds left before `key` expires: 0 if absent, Infinity if it has no TTL. */
  getRemainingTTL(key) {
    const s = this.#map.get(key)
    if (s === undefined) return 0
    return this.#starts === null ? Infinity : this.#remaining(s)
  }

  // ---- iteration (most recently used first; r* variants least recent first) ----

  *#slots(reverse, allowStale = this.allowStale) {
    const slots = coreOrder(this.#core, this.#take(), reverse)
    for (const s of slots) {
      if (this.#map.get(this.#keys[s]) !== s) continue // removed while iterating
      if (allowStale || !this.#isStale(s)) yield s
    }
  }

  *entries() {
    for (const s of this.#slots(false)) {
      if (!(this.#vals[s] instanceof InFlight)) yield [this.#keys[s], this.#vals[s]]
    }
  }

  *rentries() {
    for (const s of this.#slots(true)) {
      if (!(this.#vals[s] instanceof InFlight)) yield [this.#keys[s], this.#vals[s]]
    }
  }

  *keys() {
    for (const s of this.#slots(false)) {
      if (!(this.#vals[s] instanceof InFlight)) yield this.#keys[s]
    }
  }

  *rkeys() {
    for (const s of this.#slots(true)) {
      if (!(this.#vals[s] instanceof InFlight)) yield this.#keys[s]
    }
  }

  *values() {
    for (const s of this.#slots(false)) {
      if (!(this.#vals[s] instanceof InFlight)) yield this.#vals[s]
    }
  }

  *rvalues() {
    for (const s of this.#slots(true)) {
      if (!(this.#vals[s] instanceof InFlight)) yield this.#vals[s]
    }
  }

  [Symbol.iterator]() {
    return this.entries()
  }

  #visible(s) {
    const v = this.#vals[s]
    return v instanceof InFlight ? v.stale : v
  }

  /** Calls `fn(value, key, cache)` for each fresh entry, most recent first. */
  forEach(fn, thisArg = this) {
    for (const s of this.#slots(false)) {
      const v = this.#visible(s)
      if (v !== undefined) fn.call(thisArg, v, this.#keys[s], this)
    }
  }

  /** As forEach, least recently used first. */
  rforEach(fn, thisArg = this) {
    for (const s of this.#slots(true)) {
      const v = this.#visible(s)
      if (v !== undefined) fn.call(thisArg, v, this.#keys[s], this)
    }
  }

  /** The first value (most recent first) for which `fn(value, key, cache)` is truthy, got as by get(). */
  find(fn, getOptions = {}) {
    for (const s of this.#slots(false)) {
      const v = this.#visible(s)
      if (v !== undefined && fn(v, this.#keys[s], this)) return this.#get(this.#keys[s], getOptions)
    }
    return undefined
  }

  /** `{ value, ttl?, start?, size? }` for `key` (stale entries included), or undefined. */
  info(key) {
    const s = this.#map.get(key)
    if (s === undefined) return undefined
    const value = this.#visible(s)
    if (value === undefined) return undefined
    const entry = { value }
    if (this.#starts !== null && this.#ttls[s] !== 0) {
      entry.ttl = this.#ttls[s] - (this.#perf.now() - this.#starts[s]) // the clock read now, as lru-cache's info()
      entry.start = Date.now()
    }
    if (this.#sizes !== null) entry.size = this.#sizes[s]
    return entry
  }

  /** Entries as `[key, { value, ttl?, start?, size? }]`, least recent first, for load().
   * `start` is a Date.now() timestamp so a dump can move between processes. */
  dump() {
    const out = []
    for (const s of this.#slots(true, true)) {
      const value = this.#visible(s)
      if (value === undefined) continue
      const entry = { value }
      if (this.#starts !== null) {
        // ttl 0 is kept: without it, load() would give the entry the cache's default ttl
        entry.ttl = this.#ttls[s]
        if (entry.ttl !== 0) entry.start = Math.floor(Date.now() - (this.#perf.now() - this.#starts[s]))
      }
      if (this.#sizes !== null) entry.size = this.#sizes[s]
      out.push([this.#keys[s], entry])
    }
    return out
  }

  /** Replaces the contents with a dump(), keeping each entry's remaining TTL. */
  load(entries) {
    this.clear()
    for (const [key, entry] of entries) {
      if (entry.value === undefined) {
        this.delete(key) // as set(key, undefined), which lru-cache's load() goes through
        continue
      }
      const options = { ...entry }
      if (entry.ttl === null) options.ttl = Infinity // JSON writes dump()'s Infinity as null
      if (entry.start) options.start = this.#perf.now() - (Date.now() - entry.start)
      this.#set(key, entry.value, options, undefined)
    }
  }

  /** Counters since creation (counted when created with `stats: true` or a `name`). */
  stats() {
    const { hits, misses, sets, evictions, expirations, deletes } = this.#counts ?? newCounts()
    const lookups = hits + misses
    return {
      hits,
      misses,
      sets,
      evictions,
      expirations,
      deletes,
      hitRatio: lookups === 0 ? 0 : hits / lookups,
      size: this.#map.size,
      calculatedSize: this.#calculatedSize,
    }
  }

  // ---- fetch and memo ----

  /**
   * Returns the cached value, or fetches it with fetchMethod. Concurrent fetches of
   * one key share one promise; a stale value can be served while it refreshes.
   */
  async fetch(key, fetchOptions = {}) {
    const {
      allowStale = this.allowStale,
      updateAgeOnGet = this.updateAgeOnGet,
      noDeleteOnStaleGet = this.noDeleteOnStaleGet,
      ttl = this.#ttl,
      noDisposeOnSet = this.noDisposeOnSet,
      size = 0,
      sizeCalculation = this.#sizeCalculation,
      noUpdateTTL = this.noUpdateTTL,
      noDeleteOnFetchRejection = this.noDeleteOnFetchRejection,
      allowStaleOnFetchRejection = this.allowStaleOnFetchRejection,
      ignoreFetchAbort = this.ignoreFetchAbort,
      allowStaleOnFetchAbort = this.allowStaleOnFetchAbort,
      context,
      forceRefresh = false,
      status,
      signal,
    } = fetchOptions
    if (this.#fetchMethod === undefined) {
      if (status) status.fetch = 'get'
      return this.#get(key, { allowStale, updateAgeOnGet, noDeleteOnStaleGet, status })
    }
    const options = {
      allowStale, updateAgeOnGet, noDeleteOnStaleGet, ttl, noDisposeOnSet, size, sizeCalculation,
      noUpdateTTL, noDeleteOnFetchRejection, allowStaleOnFetchRejection, allowStaleOnFetchAbort,
      ignoreFetchAbort, status, signal,
    }
    const s = this.#map.get(key)
    if (s === undefined) {
      if (status) status.fetch = 'miss'
      if (this.#counts !== null) this.#counts.misses++
      const f = this.#startFetch(key, undefined, options, context)
      f.returned = true
      return f.promise
    }
    const v = this.#vals[s]
    if (v instanceof InFlight) {
      const stale = allowStale && v.stale !== undefined
      if (status) {
        status.fetch = 'inflight'
        if (stale) status.returnedStale = true
      }
      if (stale) return v.stale
      v.returned = true
      return v.promise
    }
    const isStale = this.#isStale(s)
    if (!forceRefresh && !isStale) {
      if (status) status.fetch = 'hit'
      if (this.#counts !== null) this.#counts.hits++
      this.#touch(s)
      if (updateAgeOnGet) this.#refreshAge(s)
      if (status) this.#statusTtl(status, s)
      return v
    }
    if (this.#counts !== null) this.#counts.misses++
    const f = this.#startFetch(key, s, options, context)
    const serveStale = f.stale !== undefined && allowStale
    if (status) {
      status.fetch = isStale ? 'stale' : 'refresh'
      if (serveStale && isStale) status.returnedStale = true
    }
    if (serveStale) return f.stale
    f.returned = true
    return f.promise
  }

  /** As fetch(), but rejects instead of resolving to undefined. */
  async forceFetch(key, fetchOptions = {}) {
    const v = await this.fetch(key, fetchOptions)
    if (v === undefined) throw new Error('fetch() returned undefined')
    return v
  }

  #startFetch(key, s, options, context) {
    const stale = s === undefined ? undefined : this.#vals[s]
    const ac = new AbortController()
    const { signal } = options
    signal?.addEventListener('abort', () => ac.abort(signal.reason), { signal: ac.signal })
    const fetchOpts = { signal: ac.signal, options, context }
    const f = new InFlight(ac, stale)
    const current = () => {
      const at = this.#map.get(key)
      return at === undefined ? undefined : this.#vals[at]
    }
    const onFail = (err, proceed) => {
      const aborted = ac.signal.aborted
      const staleOnAbort = aborted && options.allowStaleOnFetchAbort
      const allowStale = staleOnAbort || options.allowStaleOnFetchRejection
      const keep = allowStale || options.noDeleteOnFetchRejection
      if (current() === f) {
        if (!keep || (!proceed && f.stale === undefined)) this.#delete(key, 'fetch')
        else if (!staleOnAbort) this.#vals[this.#map.get(key)] = f.stale
      }
      if (allowStale) {
        if (options.status && f.stale !== undefined) options.status.returnedStale = true
        return f.stale
      }
      if (f.returned) throw err
      return undefined
    }
    const settle = (value, lateUpdate = false) => {
      const aborted = ac.signal.aborted
      const ignoreAbort = options.ignoreFetchAbort && value !== undefined
      const proceed = options.ignoreFetchAbort || !!(options.allowStaleOnFetchAbort && value !== undefined)
      if (options.status) {
        if (aborted && !lateUpdate) {
          options.status.fetchAborted = true
          options.status.fetchError = ac.signal.reason
          if (ignoreAbort) options.status.fetchAbortIgnored = true
        } else {
          options.status.fetchResolved = true
        }
      }
      if (aborted && !ignoreAbort && !lateUpdate) return onFail(ac.signal.reason, proceed)
      const now = current()
      if (now === f || (now === undefined && ignoreAbort && lateUpdate && this.#hasRoom(key, value, options))) {
        if (value === undefined) {
          if (f.stale !== undefined) this.#vals[this.#map.get(key)] = f.stale
          else this.#delete(key, 'fetch')
        } else {
          if (options.status) options.status.fetchUpdated = true
          this.#set(key, value, options, f)
        }
      }
      return value
    }
    const rejected = (err) => {
      if (options.status) {
        options.status.fetchRejected = true
        options.status.fetchError = err
      }
      return onFail(err, false)
    }
    const run = (resolve, reject) => {
      const result = this.#fetchMethod(key, stale, fetchOpts)
      ac.signal.addEventListener('abort', () => {
        if (!options.ignoreFetchAbort || options.allowStaleOnFetchAbort) {
          resolve(undefined)
          // keep the late value when it arrives, if stale-on-abort asked for it
          if (options.allowStaleOnFetchAbort) resolve = (v) => settle(v, true)
        }
      })
      if (result !== null && typeof result?.then === 'function') {
        result.then((v) => resolve(v), reject)
      } else {
        resolve(result)
      }
    }
    options.status && (options.status.fetchDispatched = true)
    f.promise = new Promise(run).then(settle, rejected)
    if (s === undefined) {
      this.#set(key, f, { ...options, status: undefined }, undefined)
    } else {
      this.#vals[s] = f
    }
    return f
  }

  /** Whether a late fetch value for a key no longer cached would fit without evicting
   * anything: lru-cache writes it only if the evicted entry's place is still empty. */
  #hasRoom(key, value, options) {
    if (this.#max !== 0 && this.#map.size >= this.#max) return false
    if (this.#maxSize === 0) return true
    const size = this.#entrySize(key, value, options.size || 0, options.sizeCalculation)
    return this.#calculatedSize + size <= this.#maxSize
  }

  /** Returns the cached value, or computes it synchronously with memoMethod and caches it. */
  memo(key, memoOptions = {}) {
    if (this.#memoMethod === undefined) {
      throw fail(TypeError, 'memo() needs a memoMethod option on the cache, got none')
    }
    const { context, status, forceRefresh, ...options } = memoOptions
    const v = this.#get(key, options)
    const refresh = forceRefresh || v === undefined
    if (status) {
      status.memo = refresh ? 'miss' : 'hit'
      if (!refresh) status.value = v
    }
    if (!refresh) return v
    const computed = this.#memoMethod(key, v, { options, context })
    if (status) status.value = computed
    this.#set(key, computed, options, undefined)
    return computed
  }
}

module.exports = { LRUCache, namedCaches, namedCounts }
