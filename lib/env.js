'use strict'
// Reading LEAKGUARD_* environment variables the same way in every capability.

const { optionError } = require('./errors')

/**
 * An on/off variable: unset, '', '0' or 'false' is off, '1' or 'true' is on;
 * anything else ('yes', 'on', 'TRUE') throws a RangeError naming the variable,
 * rather than being silently taken as off.
 */
function envFlag(env, name) {
  const v = env[name]
  if (v === undefined || v === '' || v === '0' || v === 'false') return false
  if (v === '1' || v === 'true') return true
  throw optionError(RangeError, `${name} must be "1", "true", "0" or "false", got ${JSON.stringify(v)}`)
}

module.exports = { envFlag }
