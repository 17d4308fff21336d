'use strict'
// The one shape of a bad-option error across leakguard: a TypeError or
// RangeError whose message names the option and the value, with a code callers
// can test for.

/** An error of class `Ctor` with `message` and code `ERR_LEAKGUARD_OPTION`. */
function optionError(Ctor, message) {
  const err = new Ctor(message)
  err.code = 'ERR_LEAKGUARD_OPTION'
  return err
}

module.exports = { optionError }
