// Types of the public API. The addon's own typings are generated into
// binding.d.ts from the Rust doc comments; this file covers the JS layer.

// ---- Heap snapshots: compareSnapshots / inspectSnapshot (lib/heap.js) ----

export interface HeapDiffOptions {
  /** Classes listed, largest size delta first. Integer 1..1e6, default 20. */
  top?: number
  /** How many of the top growing classes get retainer paths. Integer 0..1000, default 5. */
  paths?: number
  /** Retainer paths per traced class, to new objects spread over its id range. Integer 0..100, default 3. */
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
  /** Shortest retainer paths from the root to sampled new objects (weak edges skipped). */
  retainerPaths: PathStep[][]
}

export interface SnapshotDiff {
  base: SnapshotSummary
  target: SnapshotSummary
  /** Classes with any new or deleted object. */
  changedClasses: number
  newCount: number
  deletedCount: number
  sizeDelta: number
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
/** The text `leakguard diff` prints. */
export function formatDiff(report: SnapshotDiff): string
/** The text `leakguard inspect` prints. */
export function formatInspect(report: SnapshotInspection): string
