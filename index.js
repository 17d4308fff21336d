'use strict'
// The public entry. Each capability's module in lib/ holds its API; the
// environment hooks (startFromEnv, installFromEnv) stay internal to register.js.
// The exports are one object literal of plain names, the form Node's CommonJS
// lexer reads, so `import { auditListeners } from '…/index.js'` works from ESM.
const { LRUCache, namedCaches } = require('./lib/cache')
const {
  compareSnapshots,
  compareSnapshotsSync,
  inspectSnapshot,
  inspectSnapshotSync,
  formatDiff,
  formatInspect,
} = require('./lib/heap')
const { auditListeners, currentAudit } = require('./lib/audit')
const { monitorMemory, MemoryMonitor } = require('./lib/monitor')
const { registerMetrics } = require('./lib/metrics')
const { writeSnapshot, installSnapshotSignal } = require('./lib/snapshot')
const { leakReport } = require('./lib/leak-report')

module.exports = {
  LRUCache,
  namedCaches,
  compareSnapshots,
  compareSnapshotsSync,
  inspectSnapshot,
  inspectSnapshotSync,
  formatDiff,
  formatInspect,
  auditListeners,
  currentAudit,
  monitorMemory,
  MemoryMonitor,
  registerMetrics,
  writeSnapshot,
  installSnapshotSignal,
  leakReport,
}
