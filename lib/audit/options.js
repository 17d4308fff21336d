'use strict'
// Validates auditListeners() options; messages name the option (or the
// environment variable it came from) and the value.

const { optionError } = require('../errors')
const { envFlag, envInt } = require('../env')
const DEFAULTS = Object.freeze({
  stackThreshold: 3,
  stackDepth: 16,
  ignoreNodeModules: false,
  windowMs: 10_000,
  windows: 6,
  suspectLive: 10,
  suspectWindows: 3,
  eventTarget: true,
  logWarnings: true,
  logSuspects: false,
})

function integer(name, v, min, max) {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw optionError(TypeError, `${name} must be an integer, got ${describe(v)}`)
  }
  if (v < min || v > max) {
    throw optionError(RangeError, `${name} must be between ${min} and ${max}, got ${v}`)
  }
  return v
}

function boolean(name, v) {
  if (typeof v !== 'boolean') {
    throw optionError(TypeError, `${name} must be a boolean, got ${describe(v)}`)
  }
  return v
}

function describe(v) {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'symbol' ? v.toString() : String(v)
}

// `names` maps an option to the name its errors use (default: the option).
function auditOptions(options = {}, names = {}) {
  if (options === null || typeof options !== 'object') {
    throw optionError(TypeError, `options must be an object, got ${describe(options)}`)
  }
  const o = { ...DEFAULTS }
  for (const k of Object.keys(options)) {
    if (!(k in DEFAULTS)) {
      throw optionError(TypeError, `unknown option ${JSON.stringify(k)}`)
    }
    if (options[k] !== undefined) o[k] = options[k]
  }
  const n = (k) => names[k] ?? k
  integer(n('stackThreshold'), o.stackThreshold, 1, 1_000_000)
  integer(n('stackDepth'), o.stackDepth, 1, 200)
  integer(n('windowMs'), o.windowMs, 1, 2 ** 31 - 1)
  integer(n('windows'), o.windows, 2, 1000)
  integer(n('suspectLive'), o.suspectLive, 1, 2 ** 32 - 1)
  integer(n('suspectWindows'), o.suspectWindows, 1, o.windows - 1)
  for (const k of ['ignoreNodeModules', 'eventTarget', 'logWarnings', 'logSuspects']) boolean(n(k), o[k])
  return o
}

// LEAKGUARD_AUDIT_* variables, documented in the README.
const ENV = {
  LEAKGUARD_AUDIT_THRESHOLD: 'stackThreshold',
  LEAKGUARD_AUDIT_DEPTH: 'stackDepth',
  LEAKGUARD_AUDIT_WINDOW_MS: 'windowMs',
  LEAKGUARD_AUDIT_SUSPECT_LIVE: 'suspectLive',
  LEAKGUARD_AUDIT_SUSPECT_WINDOWS: 'suspectWindows',
  LEAKGUARD_AUDIT_IGNORE_NODE_MODULES: 'ignoreNodeModules',
}

const OPTION_ENV = Object.fromEntries(Object.entries(ENV).map(([name, key]) => [key, name]))

/** The options the LEAKGUARD_AUDIT_* variables set, validated; errors name the variable. */
function envOptions(env) {
  const o = { logSuspects: true }
  for (const [name, key] of Object.entries(ENV)) {
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    if (key === 'ignoreNodeModules') {
      o[key] = envFlag(env, name)
      continue
    }
    o[key] = envInt(env, name)
  }
  auditOptions(o, OPTION_ENV)
  return o
}

module.exports = { auditOptions, envOptions, integer, DEFAULTS }
