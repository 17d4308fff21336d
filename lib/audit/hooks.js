'use strict'
// Wraps prototype methods and puts them back. A wrapper reads `state.rec`
// on every call: after stop() it is null and the wrapper only forwards, which
// keeps things working when another tool wrapped on top of us and we could
// not take our wrapper out of its chain.
const { eeCount, etCount, eeTypes } = require('./counts')

const apply = Reflect.apply

// An add made through another hooked add (Node's once() calls this.on(), an
// APM's on() may call addListener()) is recorded once, by the innermost hook.
// The target is forgotten when the outermost call returns or throws, so it is
// never kept alive.
let depth = 0
let addSeq = 0
let addTarget = null
let addType
let removeSeq = 0
let removeTarget = null
let removeType

// The audit must never break the app: if bookkeeping throws, it switches
// itself off and says so once.
function fail(state, err) {
  state.rec = null
  process.emitWarning(`listener audit disabled after an internal error: ${err && err.message}`, {
    code: 'LEAKGUARD_AUDIT_FAILED',
  })
}

function wrapAdd(state, orig) {
  return function (type, listener) {
    const rec = state.rec
    if (rec === null) return apply(orig, this, arguments)
    const seq = addSeq
    depth++
    let r
    try {
      r = apply(orig, this, arguments)
    } catch (err) {
      if (depth === 1) addTarget = removeTarget = null // the outermost call threw
      throw err
    } finally {
      depth--
    }
    if (seq === addSeq || addTarget !== this || addType !== type) {
      addSeq++
      addTarget = this
      addType = type
      try {
        rec.added(this, type, listener, eeCount(this, type), false)
      } catch (err) {
        fail(state, err)
      }
    }
    if (depth === 0) addTarget = removeTarget = null
    return r
  }
}

function wrapRemove(state, orig) {
  return function (type, listener) {
    const rec = state.rec
    if (rec === null || rec.removingAll === this) return apply(orig, this, arguments)
    const before = eeCount(this, type)
    const seq = removeSeq
    depth++
    let r
    try {
      r = apply(orig, this, arguments)
    } catch (err) {
      if (depth === 1) addTarget = removeTarget = null // the outermost call threw
      throw err
    } finally {
      depth--
    }
    const nested = seq !== removeSeq && removeTarget === this && removeType === type
    if (!nested && eeCount(this, type) < before) {
      removeSeq++
      removeTarget = this
      removeType = type
      try {
        rec.removed(this, type, listener)
      } catch (err) {
        fail(state, err)
      }
    }
    if (depth === 0) addTarget = removeTarget = null
    return r
  }
}

function wrapRemoveAll(state, orig) {
  return function (type) {
    const rec = state.rec
    if (rec === null || rec.removingAll === this) return apply(orig, this, arguments)
    const types = eeTypes(this, arguments.length === 0, type)
    const before = types.map((t) => eeCount(this, t))
    const outer = rec.removingAll
    rec.removingAll = this
    let r
    try {
      r = apply(orig, this, arguments)
    } finally {
      rec.removingAll = outer
    }
    try {
      for (let i = 0; i < types.length; i++) {
        const gone = before[i] - eeCount(this, types[i])
        if (gone > 0) rec.removedAll(this, types[i], gone)
      }
    } catch (err) {
      fail(state, err)
    }
    return r
  }
}

// Whether addEventListener's options ask for a listener Node removes itself once it fired.
function isOnce(options) {
  return options !== null && typeof options === 'object' && Boolean(options.once)
}

/**
 * addEventListener and removeEventListener: EventTarget does not say whether a
 * call changed anything (duplicates are ignored), so the count before and after
 * tells, and only a real change is recorded.
 */
function wrapEventMethod(adding) {
  return (state, orig) =>
    function (type, listener) {
      const rec = state.rec
      if (rec === null || arguments.length < 2) return apply(orig, this, arguments)
      const t = typeof type === 'symbol' ? type : `${type}`
      const before = etCount(this, t)
      const r = apply(orig, this, arguments)
      const after = etCount(this, t)
      if (adding ? after > before : after < before) {
        try {
          if (adding) rec.added(this, t, listener, after, true, before, isOnce(arguments[2]))
          else rec.removedEvent(this, t, listener, before, after)
        } catch (err) {
          fail(state, err)
        }
      }
      return r
    }
}

const EE_METHODS = {
  addListener: wrapAdd,
  on: wrapAdd,
  prependListener: wrapAdd,
  once: wrapAdd,
  prependOnceListener: wrapAdd,
  removeListener: wrapRemove,
  off: wrapRemove,
  removeAllListeners: wrapRemoveAll,
}
const ET_METHODS = { addEventListener: wrapEventMethod(true), removeEventListener: wrapEventMethod(false) }

/** Installs wrappers; returns what uninstall() needs. */
function install(state, eventTarget) {
  const EventEmitter = require('node:events')
  const plan = [[EventEmitter.prototype, EE_METHODS]]
  if (eventTarget) plan.push([EventTarget.prototype, ET_METHODS])
  const installed = []
  for (const [proto, methods] of plan) {
    for (const [name, make] of Object.entries(methods)) {
      const desc = Object.getOwnPropertyDescriptor(proto, name)
      if (!desc || typeof desc.value !== 'function') continue
      const wrapper = make(state, desc.value)
      Object.defineProperty(wrapper, 'name', { value: desc.value.name })
      Object.defineProperty(wrapper, 'length', { value: desc.value.length })
      Object.defineProperty(proto, name, { ...desc, value: wrapper })
      installed.push({ proto, name, desc, wrapper })
    }
  }
  return installed
}

/**
 * Puts back each original whose property still holds our wrapper; returns the
 * names it had to leave (someone wrapped them after us).
 */
function uninstall(installed) {
  const left = []
  for (const { proto, name, desc, wrapper } of installed) {
    const now = Object.getOwnPropertyDescriptor(proto, name)
    if (now && now.value === wrapper) Object.defineProperty(proto, name, desc)
    else left.push(name)
  }
  return left
}

module.exports = { install, uninstall }
