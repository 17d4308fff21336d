// ES module entry: the same objects as the CommonJS entry.
import cjs from './index.js'

export const { LRUCache, namedCaches } = cjs
export const { compareSnapshots, compareSnapshotsSync, inspectSnapshot, inspectSnapshotSync, formatDiff, formatInspect } = cjs
export const { auditListeners, currentAudit } = cjs
export const { monitorMemory, MemoryMonitor, registerMetrics } = cjs
export const { writeSnapshot, installSnapshotSignal, leakReport } = cjs
export default cjs
