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
const { captureFrames, userFrame, siteOf, formatStack } = require('./sites')
const { etCount, getEventListeners } = require('./counts')

const ADD = 0
const REMOVE = 1
const DROP = 2
const BATCH_WORDS = 8192
const NO_CLASS = {}

function listenerKey(listener) {
  // Node's once() wrapper carries the user's function as `.listener`; removal
  // by that function, or by the wrapper when it fires, must find the same key.
  return listener !== null && typeof listener === 'function' && typeof listener.listener === 'function'
    ? listener.listener
    : listener
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
    this.plainRows = new WeakMap() // constructor -> Map(event -> row)
    this.siteRows = new Map() // site -> WeakMap(constructor -> Map(event -> row))
    this.info = [] // row -> { site, emitterClass, event, stack }
    this.emitters = new WeakMap() // emitter -> { types: Map(event -> entry), counts }
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

  newRow(site, emitter, event, stack) {
    const row = this.info.length
    this.info.push({ site, emitterClass: className(emitter), event, stack })
    if (site === null) this.core.exempt(row)
    return row
  }

  plainRow(emitter, event) {
    const ctor = emitter.constructor
    const key = typeof ctor === 'function' ? ctor : NO_CLASS
    let byEvent = this.plainRows.get(key)
    if (byEvent === undefined) this.plainRows.set(key, (byEvent = new Map()))
    let row = byEvent.get(event)
    if (row === undefined) byEvent.set(event, (row = this.newRow(null, emitter, event, null)))
    return row
  }

  siteRow(emitter, event) {
    const frames = captureFrames(this.depth)
    const i = Array.isArray(frames) ? userFrame(frames, this.ignoreNodeModules) : -1
    const site = i < 0 ? '(unknown)' : siteOf(frames[i])
    let byClass = this.siteRows.get(site)
    if (byClass === undefined) this.siteRows.set(site, (byClass = new WeakMap()))
    const ctor = emitter.constructor
    const key = typeof ctor === 'function' ? ctor : NO_CLASS
    let byEvent = byClass.get(key)
    if (byEvent === undefined) byClass.set(key, (byEvent = new Map()))
    let row = byEvent.get(event)
    if (row === undefined) {
      const stack = i < 0 ? '' : formatStack(frames, i)
      byEvent.set(event, (row = this.newRow(site, emitter, event, stack)))
    }
    return row
  }

  entryOf(emitter, event, create) {
    let rec = this.emitters.get(emitter)
    if (rec === undefined) {
      if (!create) return undefined
      rec = { types: new Map(), counts: new Map() }
      this.emitters.set(emitter, rec)
      this.registry.register(emitter, rec.counts)
    }
    let entry = rec.types.get(event)
    if (entry === undefined && create) {
      // ids[i] and rows[i]: the listener id and the row of the i-th attributed add still on the emitter
      entry = { ids: [], rows: [], counts: rec.counts, expected: 0, lastRow: -1 }
      rec.types.set(event, entry)
    }
    return entry
  }

  /** A listener was attached; `count` is the emitter's count for `event` after it. */
  added(emitter, event, listener, count, isTarget, before) {
    if (isTarget) this.drift(emitter, event, before)
    if (count < this.threshold) {
      this.push(this.plainRow(emitter, event), ADD)
      const entry = isTarget ? this.entryOf(emitter, event, false) : undefined
      if (entry !== undefined) entry.expected = count
      return
    }
    const row = this.siteRow(emitter, event)
    const entry = this.entryOf(emitter, event, true)
    if (isTarget && entry.ids.length === 0) this.targets.add(new WeakRef(emitter))
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

  /** One listener went away through removeListener/off. */
  removed(emitter, event, listener) {
    const entry = this.entryOf(emitter, event, false)
    const row = entry === undefined ? -1 : this.take(entry, listenerKey(listener))
    this.push(row < 0 ? this.plainRow(emitter, event) : row, REMOVE)
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
  }

  removedEvent(target, event, listener, before, after) {
    this.drift(target, event, before)
    this.removed(target, event, listener)
    const entry = this.entryOf(target, event, false)
    if (entry !== undefined) entry.expected = after
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
    for (const listener of getEventListeners(target, event)) {
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
    entry.expected = now
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
      let any = false
      for (const [event, entry] of rec.types) {
        this.drift(target, event, etCount(target, event))
        if (entry.ids.length > 0) any = true
      }
      if (!any) this.targets.delete(ref)
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

module.exports = { Recorder, BATCH_WORDS }
