// ES module entry: the same objects as the CommonJS entry.
import cjs from './index.js'

export const { LRUCache, namedCaches } = cjs
export default cjs
export const { monitorMemory, startFromEnv, MemoryMonitor, registerMetrics } = cjs
