'use strict'
// The public entry. Each capability's module in lib/ holds its API; the
// environment hooks (startFromEnv, installFromEnv) stay internal to register.js.
const cache = require('./lib/cache')
const heap = require('./lib/heap')
const audit = require('./lib/audit')

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
}
