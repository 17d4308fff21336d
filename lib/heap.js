'use strict'
// Heap-snapshot analysis: option checks in front of the native reader (which
// runs off the JS thread), and the text renderers the CLI prints.
const { fileURLToPath } = require('node:url')
const { inspect } = require('node:util')
const native = require('./native')
const { optionError } = require('./errors')

// Defaults (top 20, paths 5, samples 3) live in the Rust core.
const LIMITS = { top: [1, 1e6], paths: [0, 1e3], samples: [0, 100] }

function checkOptions(options, allowed) {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw optionError(TypeError, `options must be an object, got ${inspect(options)}`)
  }
  const out = {}
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw optionError(TypeError, `unknown option ${inspect(key)}; expected one of ${allowed.join(', ')}`)
    }
    const value = options[key]
    if (value === undefined) continue
    const [min, max] = LIMITS[key]
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw optionError(TypeError, `${key} must be an integer, got ${inspect(value)}`)
    }
    if (value < min || value > max) {
      throw optionError(RangeError, `${key} must be between ${min} and ${max}, got ${value}`)
    }
    out[key] = value
  }
  return out
}

// A path argument: a string, or a file: URL of this host, as a URL object (as
// fs takes) or a string starting with "file:" (which fs would take as a path).
function checkPath(name, value) {
  if (value instanceof URL || (typeof value === 'string' && /^file:/i.test(value))) {
    try {
      return fileURLToPath(value)
    } catch (err) {
      throw optionError(TypeError, `${name} must be a file path or a file: URL on this host, got ${inspect(String(value))} (${err.message})`)
    }
  }
  if (typeof value !== 'string' || value === '') {
    throw optionError(TypeError, `${name} must be a file path (string or file: URL), got ${inspect(value)}`)
  }
  return value
}

const DIFF_OPTIONS = ['top', 'paths', 'samples']
const INSPECT_OPTIONS = ['top']

/**
 * Compares two heap snapshots as DevTools' Comparison view does, off the JS thread.
 * @returns {Promise<object>} see index.d.ts `SnapshotDiff`
 */
async function compareSnapshots(base, target, options) {
  const a = checkPath('base', base)
  const b = checkPath('target', target)
  return native.compareSnapshots(a, b, checkOptions(options, DIFF_OPTIONS))
}

function compareSnapshotsSync(base, target, options) {
  const a = checkPath('base', base)
  const b = checkPath('target', target)
  return native.compareSnapshotsSync(a, b, checkOptions(options, DIFF_OPTIONS))
}

/** Per class: count, self size and retained size of one snapshot, off the JS thread. */
async function inspectSnapshot(path, options) {
  return native.inspectSnapshot(checkPath('path', path), checkOptions(options, INSPECT_OPTIONS))
}

function inspectSnapshotSync(path, options) {
  return native.inspectSnapshotSync(checkPath('path', path), checkOptions(options, INSPECT_OPTIONS))
}

// ---- text rendering ----

function bytes(n) {
  const sign = n < 0 ? '-' : ''
  let v = Math.abs(n)
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${sign}${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}

const int = (n) => n.toLocaleString('en-US')
const signed = (n, fmt) => (n > 0 ? '+' : '') + fmt(n)

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  // The first column (the class) is left-aligned, numbers right-aligned.
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}

/**
 * A path step's node in words: roots by their own name (`(GC roots)`, `(Stack roots)`), closures by
 * where their function is defined (`(closure) onClose /app/server.js:41:3`), the rest by class.
 */
function stepName(step) {
  if (step.nodeType === 'synthetic') return step.name || '(root)'
  if (step.location) return `${step.className} ${step.name ? `${step.name} ` : ''}${step.location}`
  return step.className
}

// A hop repeated this many times in a row (a linked list: `_idleNext`, `next`)
// prints once with ×N; a pair reads fine as it is.
const FOLD_MIN = 3

/**
 * The hops of a path with each run of FOLD_MIN or more equal ones (by `key`,
 * which leaves out the node id) merged into one: `{ step, count, last }`.
 * The root (no edge) is never merged.
 */
function foldSteps(steps, key) {
  const out = []
  let i = 0
  while (i < steps.length) {
    let j = i + 1
    if (i > 0) while (j < steps.length && key(steps[j]) === key(steps[i])) j++
    if (j - i >= FOLD_MIN) out.push({ step: steps[i], count: j - i, last: steps[j - 1] })
    else for (let k = i; k < j; k++) out.push({ step: steps[k], count: 1, last: steps[k] })
    i = j
  }
  return out
}

/**
 * One retainer path on one line, `(root) -> edge -> Class -> ...`, runs folded (the leak report's form).
 * With `maxHops`, only the last `maxHops` (folded) hops, after a leading `…`, each node clipped to 200
 * characters: what directly holds the objects, in a bounded line.
 */
function pathText(steps, maxHops = Infinity) {
  const cut = maxHops === Infinity ? String : (x) => clip(String(x), 200)
  const parts = foldSteps(steps, (s) => `${s.edgeName}\0${stepName(s)}`).map(({ step, count }) => {
    const node = cut(stepName(step)) + (count > 1 ? ` ×${int(count)}` : '')
    return step.edgeName === undefined ? node : `${cut(step.edgeName)} -> ${node}`
  })
  return parts.length > maxHops ? ['…', ...parts.slice(-maxHops)].join(' -> ') : parts.join(' -> ')
}

/** A node as the CLI shows it, without its id. */
function nodeText(step) {
  if (step.nodeType === 'synthetic') return stepName(step)
  let label = clip(step.className, 60)
  const named = step.nodeType !== 'object' && step.nodeType !== 'native' && step.name
  if (named) label += ` ${clip(JSON.stringify(step.name), 40)}`
  if (step.location) label += ` ${step.location}`
  return label
}

function formatPath(steps, indent) {
  return foldSteps(steps, (s) => `${s.edgeName}\0${nodeText(s)}`)
    .map(({ step, count, last }) => {
      let node = nodeText(step)
      if (count > 1) node += ` ×${int(count)} (@${step.id} … @${last.id})`
      else if (step.nodeType !== 'synthetic') node += ` @${step.id}`
      return step.edgeName === undefined ? indent + node : `${indent}─${step.edgeName}→ ${node}`
    })
    .join('\n')
}

/** Renders a `compareSnapshots` report as the text `leakguard diff` prints. */
function formatDiff(report) {
  const { base, target } = report
  const out = [
    `base:   ${base.path} (${int(base.nodeCount)} nodes, ${bytes(base.totalSize)})`,
    `target: ${target.path} (${int(target.nodeCount)} nodes, ${bytes(target.totalSize)})`,
    `${int(report.newCount)} new and ${int(report.deletedCount)} deleted objects in ` +
      `${int(report.changedClasses)} classes; size delta ${signed(report.sizeDelta, bytes)}`,
    '',
  ]
  if (report.classes.length === 0) {
    out.push('No objects were allocated or freed between the snapshots.')
    return out.join('\n')
  }
  out.push(
    table(
      ['Class', 'New', 'Deleted', 'Delta', 'Alloc. size', 'Freed size', 'Size delta', 'Retained'],
      report.classes.map((c) => [
        clip(c.name, 50),
        int(c.newCount),
        int(c.deletedCount),
        signed(c.countDelta, int),
        bytes(c.allocatedSize),
        bytes(c.freedSize),
        signed(c.sizeDelta, bytes),
        bytes(c.retainedSize),
      ])
    )
  )
  const traced = report.classes.filter((c) => c.retainerPaths.length > 0)
  if (traced.length > 0) {
    out.push('', 'Retainer paths (shortest from the root; weak edges skipped; the paths most new objects share first):')
    for (const c of traced) {
      out.push('', `${c.name}: ${signed(c.countDelta, int)} objects, ${signed(c.sizeDelta, bytes)}`)
      c.retainerPaths.forEach((steps, i) => {
        const share = `${int(c.retainerPathCounts[i])} of ${int(c.sampledCount)} sampled new objects`
        out.push(`  path ${i + 1} (${share}):`, formatPath(steps, '    '))
      })
    }
  }
  return out.join('\n')
}

/** Renders an `inspectSnapshot` report as the text `leakguard inspect` prints. */
function formatInspect(report) {
  const s = report.snapshot
  return [
    `${s.path}: ${int(s.nodeCount)} nodes, ${int(s.edgeCount)} edges, ${bytes(s.totalSize)} in ` +
      `${int(report.classCount)} classes (top ${report.classes.length} by retained size)`,
    '',
    table(
      ['Class', 'Count', 'Self size', 'Retained size'],
      report.classes.map((c) => [clip(c.name, 60), int(c.count), bytes(c.selfSize), bytes(c.retainedSize)])
    ),
  ].join('\n')
}

module.exports = {
  LIMITS,
  compareSnapshots,
  compareSnapshotsSync,
  inspectSnapshot,
  inspectSnapshotSync,
  formatDiff,
  formatInspect,
  // internal: the leak report's and the demo's one-line paths
  pathText,
  foldSteps,
  stepName,
}
