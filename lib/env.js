'use strict'
// Reading LEAKGUARD_* environment variables the same way in every capability.

const { optionError } = require('./errors')

/** A RangeError for variable `name` set to `value`, which it carries as `variable` and `value` for log lines. */
function envError(name, value, message) {
  const err = optionError(RangeError, message)
  err.variable = name
  err.value = value
  return err
}

/**
 * An on/off variable: unset, '', '0' or 'false' is off, '1' or 'true' is on;
 * anything else ('yes', 'on', 'TRUE') throws a RangeError naming the variable,
 * rather than being silently taken as off.
 */
function envFlag(env, name) {
  const v = env[name]
  if (v === undefined || v === '' || v === '0' || v === 'false') return false
  if (v === '1' || v === 'true') return true
  throw envError(name, v, `${name} must be "1", "true", "0" or "false", got ${JSON.stringify(v)}`)
}

/**
 * A whole-number variable: undefined when unset or '', else its value. Only
 * decimal digits are taken (Number() would also read "0x20", "1e3", " 32 "
 * and "Infinity"); anything else throws a RangeError naming the variable.
 */
function envInt(env, name) {
  const v = env[name]
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v)) {
    throw envError(name, v, `${name} must be a whole number in decimal digits, got ${JSON.stringify(v)}`)
  }
  return Number(v)
}

module.exports = { envFlag, envInt, envError }
