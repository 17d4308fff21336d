'use strict'
// Bootstrap: `node -r leakguard/register app.js`, NODE_OPTIONS=--require=leakguard/register,
// or `import 'leakguard/register'` first thing. Each capability starts from its
// LEAKGUARD_* environment variables (see README); a bad setting is logged on
// stderr and that capability stays off: this file never throws into the app.
const audit = require('./lib/audit')
const monitor = require('./lib/monitor')
const snapshot = require('./lib/snapshot')
const leakReport = require('./lib/leak-report')
const { isMainThread } = require('node:worker_threads')

function log(fields) {
  process.stderr.write(`leakguard: ${JSON.stringify(fields)}\n`)
}

function start(part, fn) {
  try {
    return fn()
  } catch (err) {
    log({ event: 'config-refused', part, code: err.code, message: err.message })
    return null
  }
}

const listeners = start('audit', () => audit.startFromEnv(process.env))
// Preloads (-r, NODE_OPTIONS) run again in every worker thread. The audit above
// runs in each thread: listeners live per isolate, so a worker's audit sees what
// the main thread's cannot, and it is cheap. The monitor (process-wide rss), the
// leak report (its snapshots) and the snapshot signal are process-wide: they
// start on the main thread only, once per process.
if (isMainThread) {
  const memory = start('monitor', () => monitor.startFromEnv(process.env))
  start('report', () => leakReport.startFromEnv(process.env, memory))
  start('snapshot', () =>
    snapshot.installFromEnv(process.env, {
      // with each snapshot, what the audit saw: the call sites that add listeners
      onSignal: () => {
        if (listeners) log({ event: 'audit', rows: listeners.report().slice(0, 20) })
      },
    })
  )
}
