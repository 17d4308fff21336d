'use strict'
// The public entry. Each capability's module in lib/ holds its API; the
// environment hooks (startFromEnv, installFromEnv) stay internal to register.js.
const cache = require('./lib/cache')
const heap = require('./lib/heap')
const audit = require('./lib/audit')
const monitor = require('./lib/monitor')
const metrics = require('./lib/metrics')
const snapshot = require('./lib/snapshot')
const report = require('./lib/leak-report')

module.exports = {
  LRUCache: cache.LRUCache,
  namedCaches: cache.namedCaches,
  compareSnapshots: heap.compareSnapshots,
  compareSnapshotsSync: heap.compareSnapshotsSync,
  inspectSnapshot: heap.inspectSnapshot,
  inspectSnapshotSync: heap.inspectSnapshotSync,
  formatDiff: heap.formatDiff,
  formatInspect: heap.formatInspect,
  auditListeners: audit.auditListeners,
  currentAudit: audit.currentAudit,
  monitorMemory: monitor.monitorMemory,
  MemoryMonitor: monitor.MemoryMonitor,
  registerMetrics: metrics.registerMetrics,
  writeSnapshot: snapshot.writeSnapshot,
  installSnapshotSignal: snapshot.installSnapshotSignal,
  leakReport: report.leakReport,
}
