'use strict'
// Turns listener changes into [row, op] records for the Rust core.
//
// Below `stackThreshold` listeners of one event on one emitter, an add costs
// two Map lookups and two typed-array writes: it is counted on the row of its
// (emitter class, event) with no call site. From the threshold on, each add
// captures a short structured stack and is counted on its call-site row, and
// the emitter gets a record of which listener came from which row so removals
// balance exactly. Records are keyed weakly by the emitter; the
// FinalizationRegistry's held value (per-row counts) holds neither the
// emitter nor its listeners, so the audit never keeps either alive, and when
// an emitter is collected its attributed listeners stop counting as live.
//
// Nothing the audit keeps refers to a listener: a record names a listener by
// a number, found through a WeakMap keyed by the function, and holds only
// numbers. Were a listener held by our record, a heap snapshot would show
// our record as a retainer of everything the listener closes over, and a
// retainer-path search could blame the audit for the user's leak.
//
// Bounded memory: rows are never freed (the Rust core keeps them by number),
// so the number of rows is bounded instead. Rows are grouped in buckets, one
// per (call site or none, emitter class name); a bucket gives its own row to
// at most MAX_EVENTS distinct event names, and counts every further name on
// one '(other events)' row, so per-request names like 'reply-' + id cost at
// most MAX_EVENTS + 1 rows per call site (or per class below the threshold)
// however many there are. Past MAX_ROWS rows in all, a new bucket or name
// is counted on one spill row without a call site, and a process warning
// says so once (10,000 site rows with their stacks: about 12 MB of heap, a
// 57 ms report()). Per-emitter records drop an event's entry once it holds no
// attributed listener, so a long-lived emitter does not keep one per name.
const { captureFrames, userFrame, siteOf, formatStack } = require('./sites')
const { etCount, getEventListeners } = require('./counts')

const ADD = 0
const REMOVE = 1
const DROP = 2
const BATCH_WORDS = 8192
const NO_CLASS = {}
// The bounds above, also stated in the README's "Listener audit" section.
const MAX_EVENTS = 64
const MAX_ROWS = 10_000
const OTHER_EVENTS = '(other events)'
const OTHER_CLASS = '(other)'

function listenerKey(listener) {
  // Node's once() wrapper carries the user's function as `.listener`; removal
  // by that function, or by the wrapper when it fires, must find the same key.
  return listener !== null && typeof listener === 'function' && typeof listener.listener === 'function'
    ? listener.listener
    : listener
}

// A row's stack: null without a call site, '' when no user frame was found.
function stackOf(frames, i) {
  return frames === null ? null : i < 0 ? '' : formatStack(frames, i)
}

/** The rows of one (call site or none, class name): a row per event name, up to
 * MAX_EVENTS, then `other` for the rest (-1 until needed). */
function newBucket(site, emitterClass) {
  return { site, emitterClass, events: new Map(), other: -1 }
}

function className(emitter) {
  const c = emitter.constructor
  return (typeof c === 'function' && c.name) || 'Object'
}

class Recorder {
  constructor(core, batch, options) {
    this.core = core
    this.batch = batch
    this.pending = 0
    this.threshold = options.stackThreshold
    this.depth = options.stackDepth
    this.ignoreNodeModules = options.ignoreNodeModules
    this.removingAll = null
    this.plainRows = new WeakMap() // constructor -> bucket of its class name, without a call site
    this.plainByName = new Map() // class name -> bucket
    this.siteRows = new Map() // site -> Map(class name -> bucket)
    this.spill = -1 // the row past MAX_ROWS
    this.info = [] // row -> { site, emitterClass, event, stack }
    this.emitters = new WeakMap() // emitter -> { types: Map(event -> entry), counts, ref }
    this.listenerIds = new WeakMap() // listener -> id, the number records hold instead of it
    this.nextId = 0
    this.targets = new Set() // WeakRefs of EventTargets with attributed listeners
    this.registry = new FinalizationRegistry((counts) => this.collected(counts))
  }

  push(row, op) {
    const b = this.batch
    b[this.pending] = row
    b[this.pending + 1] = op
    this.pending += 2
    if (this.pending === b.length) this.flush()
  }

  flush() {
    if (this.pending === 0) return
    const n = this.pending
    this.pending = 0
    this.core.apply(n)
  }

  newRow(site, emitterClass, event, stack) {
    const row = this.info.length
    this.info.push({ site, emitterClass, event, stack })
    if (site === null) this.core.exempt(row)
    return row
  }

  full() {
    return this.info.length >= MAX_ROWS
  }

  /** The one row, without a call site, for everything past MAX_ROWS. */
  spillRow() {
    if (this.spill < 0) {
      this.spill = this.newRow(null, OTHER_CLASS, OTHER_EVENTS, null)
      process.emitWarning(
        `listener audit: ${MAX_ROWS} rows reached; further call sites, classes and events are counted on one row without a call site`,
        { code: 'LEAKGUARD_AUDIT_ROWS' }
      )
    }
    return this.spill
  }

  /** The row for `event` in `bucket`, past its MAX_EVENTS names the '(other events)' row. */
  rowIn(bucket, event, frames, i) {
    if (bucket.events.size < MAX_EVENTS) {
      if (this.full()) return this.spillRow()
      const row = this.newRow(bucket.site, bucket.emitterClass, event, stackOf(frames, i))
      bucket.events.set(event, row)
      return row
    }
    if (bucket.other < 0) {
      if (this.full()) return this.spillRow()
      bucket.other = this.newRow(bucket.site, bucket.emitterClass, OTHER_EVENTS, stackOf(frames, i))
    }
    return bucket.other
  }

  plainRow(emitter, event) {
    const ctor = emitter.constructor
    const key = typeof ctor === 'function' ? ctor : NO_CLASS
    const bucket = this.plainRows.get(key)
    const row = bucket === undefined ? undefined : bucket.events.get(event)
    return row === undefined ? this.newPlainRow(key, emitter, event, bucket) : row
  }

  newPlainRow(key, emitter, event, bucket) {
    if (bucket === undefined) {
      // Classes are grouped by name: a class made per instance adds no rows.
      const name = className(emitter)
      bucket = this.plainByName.get(name)
      if (bucket === undefined) {
        if (this.full()) return this.spillRow()
        bucket = newBucket(null, name)
        this.plainByName.set(name, bucket)
      }
      this.plainRows.set(key, bucket)
      const row = bucket.events.get(event)
      if (row !== undefined) return row
    }
    return this.rowIn(bucket, event, null, -1)
  }

  siteRow(emitter, event) {
    const frames = captureFrames(this.depth)
    const i = Array.isArray(frames) ? userFrame(frames, this.ignoreNodeModules) : -1
    const site = i < 0 ? '(unknown)' : siteOf(frames[i])
    const name = className(emitter)
    let byClass = this.siteRows.get(site)
    let bucket = byClass === undefined ? undefined : byClass.get(name)
    if (bucket === undefined) {
      if (this.full()) return this.spillRow()
      if (byClass === undefined) this.siteRows.set(site, (byClass = new Map()))
      bucket = newBucket(site, name)
      byClass.set(name, bucket)
    }
    const row = bucket.events.get(event)
    return row === undefined ? this.rowIn(bucket, event, frames, i) : row
  }

  entryOf(emitter, event, create) {
    let rec = this.emitters.get(emitter)
    if (rec === undefined) {
      if (!create) return undefined
      rec = { types: new Map(), counts: new Map(), ref: null, watched: false }
      this.emitters.set(emitter, rec)
    }
    let entry = rec.types.get(event)
    if (entry === undefined && create) {
      // ids[i] and rows[i]: the listener id and the row of the i-th attributed add still on the emitter
      // (settle() deletes the entry once none is left, so names do not pile up)
      entry = { ids: [], rows: [], counts: rec.counts, types: rec.types, expected: 0, lastRow: -1 }
      rec.types.set(event, entry)
    }
    return entry
  }

  /**
   * A listener was attached; `count` is the emitter's count for `event` after
   * it. `once`: an EventTarget listener Node removes itself when it fires.
   */
  added(emitter, event, listener, count, isTarget, before, once) {
    if (isTarget) this.drift(emitter, event, before)
    if (count < this.threshold) {
      this.push(this.plainRow(emitter, event), ADD)
      if (isTarget) this.plainTarget(emitter, event, count, once === true)
      return
    }
    const row = this.siteRow(emitter, event)
    const entry = this.entryOf(emitter, event, true)
    this.watch(emitter)
    if (isTarget) this.track(emitter)
    const key = listenerKey(listener)
    let id = this.listenerIds.get(key)
    if (id === undefined) this.listenerIds.set(key, (id = this.nextId++))
    entry.ids.push(id)
    entry.rows.push(row)
    entry.lastRow = row
    entry.expected = count
    entry.counts.set(row, (entry.counts.get(row) || 0) + 1)
    this.push(row, ADD)
  }

  /**
   * An EventTarget listener below the threshold. A `once` one vanishes inside
   * Node without a removeEventListener call: the target gets a record, so
   * drift() sees it go (at the target's next add or removal) and takes it off
   * the plain row; from its second record on (a long-lived target, not a
   * per-request signal: a WeakRef each would cost more than the add),
   * reconcile() also visits it, so report() sees it go too.
   */
  plainTarget(target, event, count, once) {
    const known = once && this.emitters.has(target)
    const entry = this.entryOf(target, event, once)
    if (entry !== undefined) entry.expected = count
    if (known) this.track(target)
  }

  /**
   * One listener went away through removeListener/off (or removeEventListener:
   * `after` is then the target's count for `event` after it).
   */
  removed(emitter, event, listener, after) {
    const entry = this.entryOf(emitter, event, false)
    const row = entry === undefined ? -1 : this.take(entry, listenerKey(listener))
    this.push(row < 0 ? this.plainRow(emitter, event) : row, REMOVE)
    if (entry !== undefined) this.settle(entry, event, after)
  }

  /** `gone` listeners of `event` went away through removeAllListeners. */
  removedAll(emitter, event, gone) {
    const entry = this.entryOf(emitter, event, false)
    if (entry !== undefined) {
      while (gone > 0 && entry.rows.length > 0) {
        this.push(this.takeAt(entry, entry.rows.length - 1), REMOVE)
        gone--
      }
    }
    const plain = gone > 0 ? this.plainRow(emitter, event) : -1
    for (; gone > 0; gone--) this.push(plain, REMOVE)
    if (entry !== undefined) this.settle(entry, event, undefined)
  }

  removedEvent(target, event, listener, before, after) {
    this.drift(target, event, before)
    this.removed(target, event, listener, after)
  }

  /**
   * After removals: records `count` (an EventTarget's listeners of `event`
   * now; undefined for an EventEmitter) and deletes the entry once it holds
   * no attributed listener (for a target, once it holds no listener at all,
   * so drift() still sees its unattributed once/signal listeners go).
   */
  settle(entry, event, count) {
    if (count !== undefined) entry.expected = count
    if (entry.ids.length === 0 && !(count > 0)) entry.types.delete(event)
  }

  /**
   * Once the emitter holds an attributed listener: its collection is to move
   * its attributed listeners to `dropped` (a record for plain `once`
   * listeners alone needs no such care).
   */
  watch(emitter) {
    const rec = this.emitters.get(emitter)
    if (rec.watched) return
    rec.watched = true
    this.registry.register(emitter, rec.counts)
  }

  /** Puts an EventTarget with attributed (or plain `once`) listeners on the list reconcile() walks, once. */
  track(target) {
    const rec = this.emitters.get(target)
    if (rec.ref === null) this.targets.add((rec.ref = new WeakRef(target)))
  }

  /** Removes the last attributed listener with `key`; returns its row or -1. */
  take(entry, key) {
    const id = this.listenerIds.get(key)
    const i = id === undefined ? -1 : entry.ids.lastIndexOf(id)
    return i < 0 ? -1 : this.takeAt(entry, i)
  }

  /** Removes the i-th attributed listener; returns its row. */
  takeAt(entry, i) {
    const row = entry.rows[i]
    entry.ids.splice(i, 1)
    entry.rows.splice(i, 1)
    const n = entry.counts.get(row) - 1
    if (n > 0) entry.counts.set(row, n)
    else entry.counts.delete(row)
    return row
  }

  /**
   * EventTarget listeners added with `once` or `signal` vanish inside Node
   * without a removeEventListener call; when the count fell behind what we
   * last saw, find which attributed ones are gone.
   */
  drift(target, event, now) {
    const entry = this.entryOf(target, event, false)
    if (entry === undefined || now >= entry.expected) return
    // How many registrations of each attributed listener are still there
    // (the same function may be on twice: with and without capture).
    const alive = new Map()
    // (with no attributed listener, all that went are plain ones)
    if (entry.ids.length > 0) for (const listener of getEventListeners(target, event)) {
      const id = this.listenerIds.get(listenerKey(listener))
      if (id !== undefined) alive.set(id, (alive.get(id) || 0) + 1)
    }
    let gone = entry.expected - now
    for (let i = entry.ids.length - 1; i >= 0 && gone > 0; i--) {
      const n = alive.get(entry.ids[i])
      if (n > 0) {
        alive.set(entry.ids[i], n - 1)
        continue
      }
      this.push(this.takeAt(entry, i), REMOVE)
      gone--
    }
    if (gone > 0) {
      const plain = this.plainRow(target, event)
      for (; gone > 0; gone--) this.push(plain, REMOVE)
    }
    this.settle(entry, event, now)
  }

  /** Catches up on EventTargets whose listeners fired or were aborted since. */
  reconcile() {
    for (const ref of this.targets) {
      const target = ref.deref()
      const rec = target === undefined ? undefined : this.emitters.get(target)
      if (rec === undefined) {
        this.targets.delete(ref)
        continue
      }
      // visited while it holds an entry: attributed listeners, or plain ones
      // that came with a `once` add (drift() deletes it once all are gone)
      let any = false
      for (const [event, entry] of rec.types) {
        this.drift(target, event, etCount(target, event))
        if (rec.types.get(event) === entry) any = true
      }
      if (!any) {
        this.targets.delete(ref)
        rec.ref = null
      }
    }
  }

  collected(counts) {
    for (const [row, n] of counts) this.push(row, DROP | (n << 2))
    counts.clear()
  }

  /** The row of the last attributed add of `event` on `emitter`, or -1. */
  lastRow(emitter, event) {
    const entry = this.entryOf(emitter, event, false)
    return entry === undefined ? -1 : entry.lastRow
  }
}

module.exports = { Recorder, BATCH_WORDS, MAX_EVENTS, MAX_ROWS, OTHER_EVENTS }
