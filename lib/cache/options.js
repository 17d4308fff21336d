'use strict'
// Validation of LRUCache options. Every message names the option and the value
// it got: TypeError for a value of the wrong type, RangeError for one out of range.

const { inspect } = require('node:util')

const { INSERT_FLAG } = require('../native')
const { optionError } = require('../errors')

// the core's limit: a slot index must stay below the log's insert flag bit
const MAX_ENTRIES = INSERT_FLAG - 1

function show(value) {
  return inspect(value, { depth: 0, breakLength: Infinity, maxStringLength: 40 })
}

function fail(Ctor, message) {
  return optionError(Ctor, `LRUCache: ${message}`)
}

/** A whole number in [min, max], or `undefined`/0 meaning "not set". */
function optionalInt(name, value, { min = 0, max = Number.MAX_SAFE_INTEGER, what } = {}) {
  if (value === undefined) return 0
  if (typeof value !== 'number') {
    throw fail(TypeError, `${name} must be a number, got ${show(value)}`)
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fail(RangeError, `${name} must be ${what}, got ${show(value)}`)
  }
  return value
}

function optionalFn(name, value) {
  if (value !== undefined && typeof value !== 'function') {
    throw fail(TypeError, `${name} must be a function, got ${show(value)}`)
  }
  return value
}

// Only what the core implements, so a bad policy fails here with our message.
const POLICIES = ['lru', 'tinylfu']
const POLICY_LIST = POLICIES.map((p) => `"${p}"`).join(' or ')

/** Checks constructor options; returns the normalized numeric limits. */
function checkOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw fail(TypeError, `options must be an object with max, maxSize or ttl, got ${show(options)}`)
  }
  const o = options
  const max = optionalInt('max', o.max, { max: MAX_ENTRIES, what: `an integer from 0 to ${MAX_ENTRIES}` })
  const maxSize = optionalInt('maxSize', o.maxSize, { what: 'a non-negative integer' })
  const maxEntrySize = checkMaxEntrySize(o.maxEntrySize, maxSize)
  const ttl = checkDefaultTtl(o.ttl)
  const ttlResolution = checkTtlResolution(o.ttlResolution)
  checkSizeCalculation(o.sizeCalculation, !!(maxSize || maxEntrySize))
  for (const name of ['dispose', 'disposeAfter', 'onInsert', 'fetchMethod', 'memoMethod']) {
    optionalFn(name, o[name])
  }
  if (o.perf !== undefined && typeof o.perf?.now !== 'function') {
    throw fail(TypeError, `perf must be an object with a now() method, got ${show(o.perf)}`)
  }
  const policy = o.policy === undefined ? 'lru' : o.policy
  if (typeof policy !== 'string') {
    throw fail(TypeError, `policy must be a string (${POLICY_LIST}), got ${show(policy)}`)
  }
  if (!POLICIES.includes(policy)) {
    throw fail(RangeError, `policy must be ${POLICY_LIST}, got ${show(policy)}`)
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) {
    throw fail(TypeError, `name must be a non-empty string, got ${show(o.name)}`)
  }
  if (!max && !maxSize && !(ttl && o.ttlAutopurge)) {
    throw fail(
      TypeError,
      'refusing to create an unbounded cache: set max, maxSize, or ttl with ttlAutopurge ' +
        `(got max: ${show(o.max)}, maxSize: ${show(o.maxSize)}, ttl: ${show(o.ttl)}, ttlAutopurge: ${show(o.ttlAutopurge)})`
    )
  }
  return { max, maxSize, maxEntrySize: maxEntrySize || maxSize, ttl, ttlResolution, policy }
}

// The options below are also checked when assigned to a cache after construction.

/** The cache's default ttl: whole milliseconds, as lru-cache's constructor requires. */
function checkDefaultTtl(ttl) {
  return optionalInt('ttl', ttl, { what: 'a non-negative integer (milliseconds)' })
}

function checkTtlResolution(ttlResolution) {
  if (ttlResolution === undefined) return 1
  return optionalInt('ttlResolution', ttlResolution, { what: 'a non-negative integer (milliseconds)' })
}

/** 0 (not set) or a whole number up to maxSize, so no entry it admits can exceed maxSize. */
function checkMaxEntrySize(maxEntrySize, maxSize) {
  const n = optionalInt('maxEntrySize', maxEntrySize, { what: 'a non-negative integer' })
  if (n && maxSize && n > maxSize) {
    throw fail(RangeError, `maxEntrySize must not exceed maxSize (${maxSize}), got ${show(n)}`)
  }
  return n
}

/** `sized`: whether the cache was created with maxSize or maxEntrySize. */
function checkSizeCalculation(fn, sized) {
  optionalFn('sizeCalculation', fn)
  if (fn && !sized) {
    throw fail(TypeError, 'sizeCalculation needs maxSize or maxEntrySize to be set, got neither')
  }
  return fn
}

/** A cache without max or maxSize must keep a ttl with ttlAutopurge. */
function checkStillBounded(max, maxSize, ttl, ttlAutopurge) {
  if (!max && !maxSize && !(ttl && ttlAutopurge)) {
    throw fail(
      TypeError,
      'refusing to make the cache unbounded: it has no max or maxSize, so it needs ttl with ttlAutopurge ' +
        `(got ttl: ${show(ttl)}, ttlAutopurge: ${show(ttlAutopurge)})`
    )
  }
}

/** Checks an entry size given to set() or returned by sizeCalculation. */
function checkSize(size, key, from) {
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0 || size > Number.MAX_SAFE_INTEGER) {
    const Ctor = typeof size === 'number' ? RangeError : TypeError
    throw fail(Ctor, `${from} must be a positive integer, got ${show(size)} for key ${show(key)}`)
  }
  return size
}

/** A per-call ttl: as lru-cache, any non-negative number of milliseconds, Infinity for never. */
function checkTtl(ttl) {
  if (typeof ttl !== 'number') {
    throw fail(TypeError, `ttl must be a number, got ${show(ttl)}`)
  }
  if (!(ttl >= 0)) {
    throw fail(RangeError, `ttl must be a non-negative number of milliseconds (Infinity: never expires), got ${show(ttl)}`)
  }
  return ttl
}

function checkStart(start) {
  if (typeof start !== 'number' || !Number.isFinite(start)) {
    throw fail(TypeError, `start must be a finite number (a past perf.now() value), got ${show(start)}`)
  }
  return start
}

module.exports = {
  checkOptions, checkSize, checkTtl, checkStart, checkDefaultTtl, checkTtlResolution, checkMaxEntrySize,
  checkSizeCalculation, checkStillBounded, fail, show,
}
