'use strict'
// Loads the compiled addon once, with an error that says how to fix a missing build.
const path = require('node:path')

const file = path.join(__dirname, '..', 'leakguard.node')
let native
try {
  native = require(file)
} catch (err) {
  const e = new Error(
    `leakguard: cannot load the native addon at ${file} (${err.message}). ` +
      'It is built from source on install; run "npm rebuild leakguard" in your project ' +
      '(needs the Rust toolchain: cargo and rustc).'
  )
  e.code = 'ERR_LEAKGUARD_NATIVE'
  e.cause = err
  throw e
}
module.exports = native
