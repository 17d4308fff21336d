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

// The audit line logged with each signal snapshot: the call sites whose live
// listeners grew most since the previous line (since the audit started, for
// the first), then the most live. Rows without a call site are left out, as
// in the leak report and the metrics: they count adds below the stack
// threshold, and their `live` cannot see emitters that were collected.
const AUDIT_ROWS = 20
function auditLine(audit, before) {
  const key = (r) => `${r.site}\0${r.emitterClass}\0${r.event}`
  const rows = audit
    .report()
    .filter((r) => r.site !== null)
    .map((r) => ({ ...r, grew: r.live - (before.get(key(r)) ?? 0) }))
  for (const r of rows) before.set(key(r), r.live)
  const top = rows
    .filter((r) => r.live > 0)
    .sort((a, b) => b.grew - a.grew || b.live - a.live)
    .slice(0, AUDIT_ROWS)
  return { event: 'audit', rows: top }
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
  const seen = new Map() // call-site row -> live at the previous audit line
  start('snapshot', () =>
    snapshot.installFromEnv(process.env, {
      // with each snapshot, what the audit saw: the call sites whose listeners grew
      onSignal: () => {
        if (listeners) log(auditLine(listeners, seen))
      },
    })
  )
}
