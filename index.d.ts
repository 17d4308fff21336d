// Types of the public API. The addon's own typings are generated into
// binding.d.ts from the Rust doc comments; this file covers the JS layer.

// ---------------------------------------------------------------- LRUCache

/** Why an entry left the cache, as passed to `dispose` and `disposeAfter`. */
export type DisposeReason = 'evict' | 'set' | 'delete' | 'expire' | 'fetch'

/** How a value entered the cache, as passed to `onInsert`. */
export type InsertReason = 'add' | 'update' | 'replace'

/** A clock: `now()` in milliseconds. Defaults to `performance`. */
export interface Perf {
  now(): number
}

/** Filled in by an operation when passed as `status`, to see what it did. */
export interface Status<V> {
  set?: 'add' | 'update' | 'replace' | 'miss' | 'deleted'
  get?: 'hit' | 'miss' | 'stale' | 'fetching' | 'stale-fetching'
  has?: 'hit' | 'stale' | 'miss'
  peek?: 'hit' | 'miss' | 'stale'
  fetch?: 'get' | 'inflight' | 'miss' | 'hit' | 'stale' | 'refresh'
  memo?: 'hit' | 'miss'
  value?: V
  oldValue?: V
  ttl?: number
  start?: number
  now?: number
  remainingTTL?: number
  entrySize?: number
  totalCalculatedSize?: number
  maxEntrySizeExceeded?: true
  returnedStale?: true
  fetchDispatched?: true
  fetchUpdated?: true
  fetchResolved?: true
  fetchRejected?: true
  fetchAborted?: true
  fetchAbortIgnored?: true
  fetchError?: unknown
}

/** What `fetchMethod` receives besides the key and the stale value. */
export interface FetcherOptions<K, V, FC = unknown> {
  /** Aborts when the entry is evicted, deleted or replaced while fetching. */
  signal: AbortSignal
  options: FetchOptions<K, V, FC>
  /** The `context` given to `fetch()`. */
  context: FC
}

export type Fetcher<K, V, FC = unknown> = (
  key: K,
  staleValue: V | undefined,
  options: FetcherOptions<K, V, FC>
) => Promise<V | undefined | void> | V | undefined | void

export type Memoizer<K, V, FC = unknown> = (
  key: K,
  staleValue: V | undefined,
  options: { options: MemoOptions<K, V, FC>; context: FC }
) => V

export interface GetOptions<V> {
  allowStale?: boolean
  updateAgeOnGet?: boolean
  noDeleteOnStaleGet?: boolean
  status?: Status<V>
}

export interface SetOptions<K, V> {
  /** Time to live for this entry in ms, possibly fractional (0: none; Infinity: never expires); overrides the cache's `ttl`. */
  ttl?: number
  /** When the TTL starts, as a past `perf.now()` value. */
  start?: number
  noDisposeOnSet?: boolean
  /** This entry's size (positive integer), instead of calling `sizeCalculation`. */
  size?: number
  sizeCalculation?: (value: V, key: K) => number
  noUpdateTTL?: boolean
  status?: Status<V>
}

export interface HasOptions<V> {
  updateAgeOnHas?: boolean
  status?: Status<V>
}

export interface PeekOptions<V> {
  allowStale?: boolean
  status?: Status<V>
}

export interface FetchOptions<K, V, FC = unknown> extends GetOptions<V>, SetOptions<K, V> {
  noDeleteOnFetchRejection?: boolean
  allowStaleOnFetchRejection?: boolean
  allowStaleOnFetchAbort?: boolean
  ignoreFetchAbort?: boolean
  /** Fetch even if a fresh value is cached. */
  forceRefresh?: boolean
  /** Passed to `fetchMethod` as `options.context`. */
  context?: FC
  /** Aborting it aborts the fetch. */
  signal?: AbortSignal
}

export interface MemoOptions<K, V, FC = unknown> extends GetOptions<V>, SetOptions<K, V> {
  forceRefresh?: boolean
  context?: FC
}

/** An entry as `info()`, `dump()` and `load()` see it. */
export interface Entry<V> {
  value: V
  /** dump(): the TTL in ms; info(): the ms remaining (negative when stale). */
  ttl?: number
  /** A `Date.now()` timestamp. */
  start?: number
  size?: number
}

/** Counters since the cache was created (with `stats: true` or a `name`). */
export interface CacheStats {
  hits: number
  misses: number
  sets: number
  evictions: number
  expirations: number
  deletes: number
  /** hits / (hits + misses), 0 before any lookup. */
  hitRatio: number
  size: number
  calculatedSize: number
}

/**
 * lru-cache's options, same names and semantics, plus `policy`, `name` and
 * `stats`. At least one of `max`, `maxSize`, or `ttl` with `ttlAutopurge` is
 * required: an unbounded cache is refused.
 */
export interface LRUCacheOptions<K, V, FC = unknown> {
  /** Most entries held at once (integer, 0 to 2^31 - 1; 0 or absent: no count bound). */
  max?: number
  /** Most total size held at once, as measured by `sizeCalculation` or `size` (0: none). */
  maxSize?: number
  /** Largest single entry size stored; larger ones are not stored. Defaults to `maxSize`. */
  maxEntrySize?: number
  /** The size of an entry: a positive integer. Needs `maxSize` or `maxEntrySize`. */
  sizeCalculation?: (value: V, key: K) => number
  /** Default time to live in ms (0: entries do not expire). Stale entries are not returned. */
  ttl?: number
  /** The clock is read at most once per this many ms (default 1; 0: every check). */
  ttlResolution?: number
  /** Delete entries as they expire, with one timer per cache (not per entry). */
  ttlAutopurge?: boolean
  /** get() restarts the entry's TTL. */
  updateAgeOnGet?: boolean
  /** has() restarts the entry's TTL. */
  updateAgeOnHas?: boolean
  /** Return a stale value once (then delete it) rather than undefined. */
  allowStale?: boolean
  /** Keep stale entries on get() (return undefined, or the value with allowStale). */
  noDeleteOnStaleGet?: boolean
  /** Overwriting an entry keeps its TTL. */
  noUpdateTTL?: boolean
  /**
   * Called as `dispose(value, key, reason)` when an entry leaves the cache or its
   * value is replaced. Runs once the cache is consistent again, before the call
   * that caused it returns; an error thrown is rethrown after all disposes ran.
   */
  dispose?: (value: V, key: K, reason: DisposeReason) => void
  /** Like dispose, called after every dispose of the same operation. */
  disposeAfter?: (value: V, key: K, reason: DisposeReason) => void
  /** Do not dispose the old value when set() replaces it. */
  noDisposeOnSet?: boolean
  /** Called as `onInsert(value, key, reason)` when set() stores a value. */
  onInsert?: (value: V, key: K, reason: InsertReason) => void
  /** Loads missing or stale values for fetch(). */
  fetchMethod?: Fetcher<K, V, FC>
  /** Computes missing values for memo(). */
  memoMethod?: Memoizer<K, V, FC>
  noDeleteOnFetchRejection?: boolean
  allowStaleOnFetchRejection?: boolean
  allowStaleOnFetchAbort?: boolean
  ignoreFetchAbort?: boolean
  /** The clock for TTLs (default `performance`); useful to control time in tests. */
  perf?: Perf
  /**
   * Replacement policy: 'lru' (default, exact least-recently-used, lru-cache's
   * semantics) or 'tinylfu' (adaptive W-TinyLFU admission: higher hit ratios).
   */
  policy?: 'lru' | 'tinylfu'
  /** Names the cache for metrics (see registerMetrics); turns on `stats()`. */
  name?: string
  /** Count hits, misses and the rest for `stats()` (on when `name` is set). */
  stats?: boolean
}

/**
 * A bounded cache with Map's interface and lru-cache's options. Iteration is
 * most recently used first; the `r*` variants go least recently used first.
 */
export declare class LRUCache<K extends {} = any, V extends {} = any, FC = unknown> implements Iterable<[K, V]> {
  constructor(options: LRUCacheOptions<K, V, FC>)
  readonly max: number
  readonly maxSize: number
  /** Entries held, stale ones included. */
  readonly size: number
  /** Total size of the entries held (with maxSize / maxEntrySize). */
  readonly calculatedSize: number
  readonly name: string | undefined
  readonly policy: 'lru' | 'tinylfu'
  readonly perf: Perf
  readonly dispose: LRUCacheOptions<K, V, FC>['dispose']
  readonly disposeAfter: LRUCacheOptions<K, V, FC>['disposeAfter']
  readonly onInsert: LRUCacheOptions<K, V, FC>['onInsert']
  readonly fetchMethod: Fetcher<K, V, FC> | undefined
  readonly memoMethod: Memoizer<K, V, FC> | undefined
  ttl: number
  ttlResolution: number
  ttlAutopurge: boolean
  updateAgeOnGet: boolean
  updateAgeOnHas: boolean
  allowStale: boolean
  noDisposeOnSet: boolean
  noUpdateTTL: boolean
  maxEntrySize: number
  sizeCalculation: ((value: V, key: K) => number) | undefined
  noDeleteOnFetchRejection: boolean
  noDeleteOnStaleGet: boolean
  allowStaleOnFetchRejection: boolean
  allowStaleOnFetchAbort: boolean
  ignoreFetchAbort: boolean

  get(key: K, options?: GetOptions<V>): V | undefined
  /** Stores `value` as the most recently used entry; `undefined` deletes. */
  set(key: K, value: V | undefined, options?: SetOptions<K, V>): this
  has(key: K, options?: HasOptions<V>): boolean
  peek(key: K, options?: PeekOptions<V>): V | undefined
  delete(key: K): boolean
  clear(): void
  /** Removes and returns the least recently used value. */
  pop(): V | undefined
  /** ms left before `key` expires: 0 if absent, Infinity without a TTL. */
  getRemainingTTL(key: K): number
  /** Deletes stale entries; true if any was deleted. */
  purgeStale(): boolean
  info(key: K): Entry<V> | undefined
  dump(): Array<[K, Entry<V>]>
  load(entries: Array<[K, Entry<V>]>): void
  stats(): CacheStats
  fetch(key: K, options?: FetchOptions<K, V, FC>): Promise<V | undefined>
  forceFetch(key: K, options?: FetchOptions<K, V, FC>): Promise<V>
  memo(key: K, options?: MemoOptions<K, V, FC>): V
  find(fn: (value: V, key: K, cache: this) => boolean | undefined | void, options?: GetOptions<V>): V | undefined
  forEach<T = this>(fn: (this: T, value: V, key: K, cache: this) => void, thisArg?: T): void
  rforEach<T = this>(fn: (this: T, value: V, key: K, cache: this) => void, thisArg?: T): void
  entries(): Generator<[K, V], void, void>
  rentries(): Generator<[K, V], void, void>
  keys(): Generator<K, void, void>
  rkeys(): Generator<K, void, void>
  values(): Generator<V, void, void>
  rvalues(): Generator<V, void, void>
  [Symbol.iterator](): Generator<[K, V], void, void>
  readonly [Symbol.toStringTag]: string
}

/** Live caches created with a `name` option. */
export declare function namedCaches(): LRUCache[]

// ---- Heap snapshots: compareSnapshots / inspectSnapshot (lib/heap.js) ----

export interface HeapDiffOptions {
  /** Classes listed, largest size delta first. Integer 1..1e6, default 20. */
  top?: number
  /** How many of the top growing classes get retainer paths. Integer 0..1000, default 5. */
  paths?: number
  /** Retainer paths per traced class: the paths the largest groups of its new objects share. Integer 0..100, default 3. */
  samples?: number
}

export interface HeapInspectOptions {
  /** Classes listed, largest retained size first. Integer 1..1e6, default 20. */
  top?: number
}

export interface SnapshotSummary {
  path: string
  nodeCount: number
  edgeCount: number
  /** Sum of all self sizes, in bytes. */
  totalSize: number
}

/** One hop of a retainer path: the edge followed (absent for the root) and the node reached. */
export interface PathStep {
  edgeType?: 'context' | 'element' | 'property' | 'internal' | 'hidden' | 'shortcut' | string
  /** Property or variable name; `[i]` for elements. */
  edgeName?: string
  className: string
  /** The node's own name (a string's text, a function's name), cut at 120 characters. */
  name: string
  nodeType: string
  /** V8's node id (DevTools shows it as `@id`). */
  id: number
  selfSize: number
  /**
   * For a closure: where its function is defined, `file:line:column` (1-based, as stack traces count),
   * from the snapshot's source positions; `<script N>` stands in for a script whose name is not found.
   */
  location?: string
}

export interface ClassDiff {
  /** DevTools' class name: the constructor name, or `(string)`, `(system)`, `(compiled code)`, ... */
  name: string
  baseCount: number
  targetCount: number
  /** Objects (by V8 node id) only in the target. */
  newCount: number
  /** Objects only in the base. */
  deletedCount: number
  countDelta: number
  /** Self size of the new objects, in bytes. */
  allocatedSize: number
  /** Self size of the deleted objects, in bytes. */
  freedSize: number
  sizeDelta: number
  /** The class's retained size in the target, in bytes (nested same-class objects counted once). */
  retainedSize: number
  /**
   * Shortest retainer paths from the root (weak edges skipped), one per group of sampled new objects
   * whose paths end in the same 4 hops (element and slot numbers aside), largest group first; among
   * equal groups, paths through `(Stack roots)` or `(Handle scope)` come last.
   */
  retainerPaths: PathStep[][]
  /** For each of `retainerPaths`, how many of the sampled new objects share its last hops. */
  retainerPathCounts: number[]
  /** New objects grouped: all of them up to 1000, else 1000 spread over the id range; 0 if not traced. */
  sampledCount: number
}

export interface SnapshotDiff {
  base: SnapshotSummary
  target: SnapshotSummary
  /** Classes with any new or deleted object. */
  changedClasses: number
  newCount: number
  deletedCount: number
  sizeDelta: number
  /**
   * True when `base` looks like a later snapshot than `target`: nearly all (90%+) of the objects only
   * `base` holds have ids above every id in `target`, while V8's ids only grow within a process. The
   * arguments are probably swapped. The diff is still made; snapshots of other processes number other
   * objects, so their ids interleave and are not flagged.
   */
  baseLooksNewer: boolean
  /** The `top` changed classes, largest size delta first. */
  classes: ClassDiff[]
}

export interface ClassSummary {
  name: string
  count: number
  selfSize: number
  retainedSize: number
}

export interface SnapshotInspection {
  snapshot: SnapshotSummary
  classCount: number
  /** The `top` classes, largest retained size first. */
  classes: ClassSummary[]
}

/** Compares two `.heapsnapshot` files (plain or gzip) off the JS thread, as DevTools' Comparison view. */
export function compareSnapshots(base: string | URL, target: string | URL, options?: HeapDiffOptions): Promise<SnapshotDiff>
export function compareSnapshotsSync(base: string | URL, target: string | URL, options?: HeapDiffOptions): SnapshotDiff
/** Per class: count, self size and retained size of one snapshot, off the JS thread. */
export function inspectSnapshot(path: string | URL, options?: HeapInspectOptions): Promise<SnapshotInspection>
export function inspectSnapshotSync(path: string | URL, options?: HeapInspectOptions): SnapshotInspection
/** The text `leakguard diff` prints; a run of 3 or more identical hops in a path prints once, with ×N. */
export function formatDiff(report: SnapshotDiff): string
/** The text `leakguard inspect` prints. */
export function formatInspect(report: SnapshotInspection): string

// ---- Listener audit (lib/audit.js) ----
import type { EventEmitter as NodeEventEmitter } from 'node:events'

export interface AuditListenersOptions {
  /** Listeners of one event on one emitter from which adds capture a call site: the add reaching this count and each further one. Default 3. */
  stackThreshold?: number
  /** Stack frames captured per attributed add (1..200). Default 16. */
  stackDepth?: number
  /** Attribute to the first frame outside node_modules (falls back to node_modules frames). Default false. */
  ignoreNodeModules?: boolean
  /** Length of one growth window in milliseconds. Default 10000. */
  windowMs?: number
  /** Window ends kept per row; `growth` covers windows - 1 windows. Default 6. */
  windows?: number
  /** Live listeners a call site needs before it can be a suspect. Default 10. */
  suspectLive?: number
  /** Consecutive growing windows that make a suspect (< windows). Default 3. */
  suspectWindows?: number
  /** Also hook EventTarget (AbortSignal, MessagePort, ...). Default true. */
  eventTarget?: boolean
  /** Print the call site behind each MaxListenersExceededWarning to stderr. Default true. */
  logWarnings?: boolean
  /** Print each suspect and its stack to stderr. Default false (true via startFromEnv). */
  logSuspects?: boolean
}

export interface ListenerAuditRow {
  /** `file:line:column` of the first user frame, or null for adds below stackThreshold. */
  site: string | null
  emitterClass: string
  event: string
  added: number
  removed: number
  /** Listeners that went away with their garbage-collected emitter. */
  dropped: number
  live: number
  peak: number
  /** Live-count change per closed window, oldest first. */
  growth: number[]
  /** A MaxListenersExceededWarning named this row's site. */
  maxListenersWarning: boolean
}

export interface MaxListenersWarningSite {
  emitterClass: string
  event: string
  count: number
  site: string | null
  stack: string | null
}

/**
 * What auditListeners() returns. A type only: the class is not exported (one
 * audit per thread, started by auditListeners()), so use `import type` and
 * test for an audit with `currentAudit() !== null` rather than `instanceof`.
 */
export interface ListenerAudit extends NodeEventEmitter {
  readonly stopped: boolean
  /** Method names another wrapper had wrapped over ours when stop() ran (left in place, inert). */
  readonly leftWrapped: string[]
  report(): ListenerAuditRow[]
  format(top?: number): string
  warnings(): MaxListenersWarningSite[]
  /** Closes the current growth window now. */
  tick(): void
  onSuspect(fn: (row: ListenerAuditRow, stack: string) => void): this
  on(event: 'suspect', fn: (row: ListenerAuditRow, stack: string) => void): this
  stop(): string[]
}

export declare function auditListeners(options?: AuditListenersOptions): ListenerAudit
export declare function currentAudit(): ListenerAudit | null

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

// ---------------------------------------------------------------- heap snapshots

export interface WriteSnapshotOptions {
  /** Directory for the snapshot (created files are mode 0600). Default: the current directory. */
  dir?: string
  /** gzip the file (compressed off the JS thread). Default false. */
  gzip?: boolean
  /** Keep the newest N of this host's leakguard snapshot files in `dir` (0: keep all). Default 5. */
  keep?: number
  /** Refuse a snapshot within this many ms of the last one's start. Default 0 (60000 for signals). */
  minIntervalMs?: number
  /** Log one `leakguard: {json}` line on stderr per snapshot. Default true. */
  log?: boolean
  /** Called with the result (e.g. to upload it); errors are logged, not thrown. */
  onSnapshot?: (result: SnapshotResult) => unknown
}

export interface SnapshotResult {
  /** Final path: `<dir>/heap-<UTC time>-<host>-<pid>-<seq>.heapsnapshot[.gz]` (host: os.hostname(), sanitized). */
  path: string
  /** Size on disk in bytes. */
  bytes: number
  /** From the call to the file in place, in ms. */
  durationMs: number
  /** How long the JS thread was blocked while V8 took and wrote the snapshot, in ms. */
  pauseMs: number
}

/**
 * Writes a heap snapshot of this thread's heap, atomically (never visible under
 * its final name until whole), after checking free disk space. Rejects with
 * `code` ERR_LEAKGUARD_SNAPSHOT_BUSY, _RATE, _DISK (also a disk or quota that
 * fills during the write), _DIR or _IO; an unknown option is a TypeError.
 */
export declare function writeSnapshot(options?: WriteSnapshotOptions): Promise<SnapshotResult>

/**
 * Writes a snapshot on each `signal` (default SIGUSR2; SIGUSR1, uncatchable,
 * termination, job-control and fault signals, and names that are not signals,
 * are refused with a RangeError). Signals during a snapshot or within `minIntervalMs`
 * (default 60000) are dropped, never queued. Main thread only. Returns a
 * function that removes the handler.
 */
export declare function installSnapshotSignal(
  options?: WriteSnapshotOptions & { signal?: string; onSignal?: (result: SnapshotResult) => void }
): () => void

// ---------------------------------------------------------------- automatic leak report

export interface LeakReportOptions {
  /** Where the baseline and target snapshots go (required). */
  dir: string
  gzip?: boolean
  /** When the baseline snapshot is taken, in ms after start (at most 2147483647). Default 60000. */
  baselineAfterMs?: number
  /** Least time between two reports, in ms. Default 1800000 (30 min). */
  minIntervalMs?: number
  /** Classes (and listener call sites) reported, each class with one retainer path. Integer 1..1000, default 5. */
  top?: number
  onReport?: (report: LeakReport) => void
}

export interface LeakReport {
  event: 'leak-report'
  /** The monitor's alarm that triggered it. */
  alarm: { metric: string; bytesPerMinute: number; since: number; confidence: number }
  base: string
  target: string
  classes: Array<{
    name: string
    countDelta: number
    sizeDelta: number
    retainedSize: number
    /** The retainer path most of the class's new objects share, as `root -> edge -> Class -> ...`. */
    retainedBy: string | null
    /** How many of the `sampledCount` sampled new objects share `retainedBy`'s last hops. */
    retainedByCount: number
    sampledCount: number
  }>
  listeners: Array<{ site: string; emitter: string; event: string; live: number }> | null
  /** Present when the line would have passed 12 KB: how many of the last classes and listener rows were left out. */
  omitted?: { classes: number; listeners: number }
}

/**
 * On each leak alarm of `monitor` (rate-limited), compares a baseline snapshot
 * with a new one and logs (and passes to onReport) what grew and what retains it.
 */
export declare function leakReport(monitor: MemoryMonitor, options: LeakReportOptions): { stop(): void }
