'use strict'
// Helpers shared by the audit's test files.
const fs = require('node:fs')
const { auditListeners } = require('../..')

/**
 * For a test file, a function giving the `file:line:column` V8 reports for
 * the `call` (`.on(`, `.addEventListener(` …) on the line of that file
 * carrying `marker`.
 */
function sitesIn(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  return (marker, call) => {
    const i = lines.findIndex((l) => l.includes(marker) && !l.includes('siteOf('))
    return `${file}:${i + 1}:${lines[i].indexOf(call) + 1}`
  }
}

/** Starts an audit that stops when test `t` ends. */
function start(t, options) {
  const audit = auditListeners(options)
  t.after(() => audit.stop())
  return audit
}

module.exports = { sitesIn, start }
