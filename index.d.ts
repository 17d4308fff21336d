// Types of the public API. The addon's own typings are generated into
// binding.d.ts from the Rust doc comments; this file covers the JS layer.

// ---- Memory trend monitor (lib/monitor.js) ----

import { EventEmitter } from 'node:events'

/** The memory figures the monitor judges (`process.memoryUsage()` keys). */
export type MonitoredMetric = 'heapUsed' | 'external' | 'arrayBuffers' | 'rss'

export interface MonitorOptions {
  /** Sampling period of `process.memoryUsage()`, ms (integer, 10 to 2^31-1). Default 5000. */
  intervalMs?: number
  /** How far back the trend is judged, ms. At least 2 × minSamples × intervalMs. Default 600000 (10 min). */
  windowMs?: number
  /** Fewest points a series needs to be judged (8 to 100). Default 12. */
  minSamples?: number
  /** Mann–Kendall confidence an upward trend needs, in (0.5, 1). Default 0.99. */
  confidence?: number
  /** Smallest growth worth an alarm, bytes per minute (> 0). Default 1048576 (1 MiB/min). */
  thresholdBytesPerMinute?: number
  /** Readings of the first warmupMs after start are left out (a starting process's floor rises), ms. Default 60000. */
  warmupMs?: number
}

export interface LeakEvent {
  metric: MonitoredMetric
  /** Theil–Sen slope over the window, bytes per minute. */
  bytesPerMinute: number
  /** Start of the window the growth was measured over, ms since the epoch. */
  since: number
  /** Mann–Kendall confidence of the upward trend, 0..1. */
  confidence: number
}

export interface RecoveredEvent {
  metric: MonitoredMetric
  /** Slope over the newer half of the window, bytes per minute. */
  bytesPerMinute: number
  /** The `since` of the alarm this ends. */
  since: number
}

export interface MemorySample extends NodeJS.MemoryUsage {
  /** ms since the epoch. */
  time: number
}

export interface MetricStatus {
  /** Newest floor: the lowest reading of the newest bucket (after GC; for rss, periodic). */
  floorBytes: number | null
  /** Theil–Sen slope over the window, bytes per minute. */
  bytesPerMinute: number | null
  confidence: number | null
  /** Points in the judged series. */
  points: number
  /** Whether the series had enough points and span to be judged. */
  judged: boolean
  /** Whether a leak alarm stands. */
  suspected: boolean
  /** `since` of the standing alarm, ms since the epoch. */
  since: number | null
  /** Leak alarms raised so far. */
  alarms: number
}

export interface MonitorStatus {
  running: boolean
  /** True during the first options.warmupMs: nothing is judged yet. */
  warmingUp: boolean
  /** Periodic samples taken. */
  samples: number
  /** Readings taken right after a garbage collection. */
  gcReadings: number
  latest: NodeJS.MemoryUsage | null
  metrics: Record<MonitoredMetric, MetricStatus>
}

export declare class MemoryMonitor extends EventEmitter {
  /** Same as monitorMemory(options). */
  constructor(options?: MonitorOptions)
  readonly options: Readonly<Required<MonitorOptions>>
  readonly running: boolean
  readonly warmingUp: boolean
  /** Stops sampling (idempotent); status() keeps the last verdicts. */
  stop(): void
  status(): MonitorStatus
  on(event: 'leak', listener: (e: LeakEvent) => void): this
  on(event: 'recovered', listener: (e: RecoveredEvent) => void): this
  on(event: 'sample', listener: (s: MemorySample) => void): this
  once(event: 'leak', listener: (e: LeakEvent) => void): this
  once(event: 'recovered', listener: (e: RecoveredEvent) => void): this
  once(event: 'sample', listener: (s: MemorySample) => void): this
}

/** Starts watching this process's memory on an unref'd timer and after GCs. */
export declare function monitorMemory(options?: MonitorOptions): MemoryMonitor

/**
 * Starts the monitor when `LEAKGUARD_MONITOR=1` (options from the
 * `LEAKGUARD_MONITOR_*` variables), logging one `leakguard: {json}` line per
 * verdict to stderr. Returns the monitor (the same one on later calls) or null.
 */
export declare function startFromEnv(env?: NodeJS.ProcessEnv): MemoryMonitor | null

// ---- Prometheus metrics (lib/metrics.js) ----

export interface MetricsOptions {
  /** Prefix of every metric name. Default 'leakguard_'. */
  prefix?: string
  /** The monitor to report on. Default: the newest running one, at each scrape. */
  monitor?: MemoryMonitor
  /** How many listener-audit call sites (most live listeners first) to export. Default 10. */
  topListenerSites?: number
  /** The prom-client module to build metrics with. Default require('prom-client'). */
  client?: unknown
}

/**
 * Registers leakguard's collectors on a prom-client registry (default: the
 * global one) and returns the created metric objects.
 */
export declare function registerMetrics(register?: unknown, options?: MetricsOptions): unknown[]
