'use strict'
// Turns what the demo gathered from each service into the text a person reads:
// per service the listener call sites, the growing constructors and what
// retains them, the memory slope and the pool; then leaky and fixed side by side.
const path = require('node:path')
const { foldSteps, stepName } = require('../../lib/heap')

// A named constructor whose net count grows by at least this much between the
// snapshots is called growing; below it, churn and timing noise.
const GROWING_MIN = 100
// A call site holding at least this many live listeners that grew is a leak (the audit's suspectLive default).
const LISTENERS_MIN = 10

const int = (n) => Math.round(n).toLocaleString('en-US')
const signed = (n, f = int) => (n > 0 ? '+' : n < 0 ? '-' : '') + f(Math.abs(n))
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`

function table(head, rows, align) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) =>
    '  ' + cells.map((c, i) => (align[i] === 'r' ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd()
  return [line(head), ...rows.map(line)].join('\n')
}

function relSite(site, root) {
  if (site == null) return '(below stack threshold)'
  const s = site.startsWith('file://') ? site.slice(7) : site
  return s.startsWith(root + path.sep) ? s.slice(root.length + 1) : s
}

const key = (r) => `${r.site}\u0000${r.emitterClass}\u0000${r.event}`

/** Call sites whose live listeners grew between the snapshots, most live first. */
function listenerLeaks(run) {
  const before = new Map(run.a.rows.map((r) => [key(r), r.live]))
  return run.b.rows
    .filter((r) => r.site !== null)
    .map((r) => ({ ...r, delta: r.live - (before.get(key(r)) ?? 0) }))
    .filter((r) => r.live >= LISTENERS_MIN && r.delta > 0)
}

function isConstructor(name) {
  return !name.startsWith('(') && !name.startsWith('system /') && name !== 'Object' && name !== 'Array'
}

/** Named constructors whose instances keep piling up, largest retained size first. */
function growingClasses(run) {
  return run.diff.classes
    .filter((c) => isConstructor(c.name) && c.countDelta >= GROWING_MIN)
    .sort((x, y) => y.retainedSize - x.retainedSize)
}

// The last hops of the shortest retainer path: what directly holds the objects
// (a closure's variable, a Map's table); the hops above it are framework plumbing.
const PATH_HOPS = 4

function retainerPath(c, root) {
  const steps = c.retainerPaths[0]?.map((s) => (s.location ? { ...s, location: relSite(s.location, root) } : s))
  if (!steps) return null
  // runs of one hop (a linked list) count as one part, `next → Node ×40`
  const parts = foldSteps(steps, (s) => `${s.edgeName}\0${stepName(s)}`).map(({ step, count }) => {
    const label = stepName(step) + (count > 1 ? ` ×${int(count)}` : '')
    return step.edgeName === undefined ? label : `${step.edgeName} → ${label}`
  })
  const tail = parts.slice(-PATH_HOPS).join(' → ')
  return parts.length > PATH_HOPS ? `… ${tail}` : tail
}

function slope(run) {
  const dt = (run.b.at - run.a.at) / 60000
  return (run.statsB.heapUsed - run.statsA.heapUsed) / dt
}

function section(run, root) {
  const out = []
  const span = ((run.b.at - run.a.at) / 1000).toFixed(1)
  out.push(`== ${run.file} ==`)
  out.push(
    `${int(run.requests)} requests (${int(run.non2xx)} answered non-2xx) in ${run.seconds.toFixed(1)} s; ` +
      `snapshot A after warm-up, B ${span} s later (${mb(run.b.bytes)} written in ${int(run.b.durationMs)} ms)`
  )

  out.push('', 'Listeners (audit: call sites whose live listeners grew from A to B)')
  const leaks = listenerLeaks(run)
  if (leaks.length === 0) out.push('  flat: no call site holds a growing number of listeners')
  else {
    out.push(
      table(
        ['live', 'A→B', 'removed', 'emitter', 'event', 'added at'],
        leaks.slice(0, 3).map((r) => [int(r.live), signed(r.delta), int(r.removed), r.emitterClass, r.event, relSite(r.site, root)]),
        ['r', 'r', 'r', 'l', 'l', 'l']
      )
    )
  }

  out.push('', 'Heap (diff of snapshots A → B: named constructors whose instances pile up)')
  const grow = growingClasses(run)
  if (grow.length === 0) out.push('  flat: no growing class')
  else {
    out.push(
      table(
        ['class', 'new', 'freed', 'net', 'retained at B'],
        grow.slice(0, 5).map((c) => [c.name, int(c.newCount), int(c.deletedCount), signed(c.countDelta), mb(c.retainedSize)]),
        ['l', 'r', 'r', 'r', 'r']
      )
    )
    for (const c of grow.slice(0, 3)) {
      const p = retainerPath(c, root)
      if (p) out.push(`  ${c.name} held by: ${p}`)
    }
  }

  out.push('', 'Memory (heapUsed after the full GC of each snapshot)')
  out.push(`  A ${mb(run.statsA.heapUsed)}, B ${mb(run.statsB.heapUsed)}: ${signed(slope(run), mb)}/min`)
  // Each alarm the monitor raised, and when it recovered if it did.
  const alarms = run.monitor.filter((e) => e.event === 'leak')
  if (alarms.length === 0) out.push('  monitor: no leak alarm')
  for (const e of alarms) {
    const at = ((Date.parse(e.since) - run.startedAt) / 1000).toFixed(1)
    const later = run.monitor.find((r) => r.event === 'recovered' && r.metric === e.metric && r.at > e.at)
    const rec = later ? `, recovered ${((later.at - run.startedAt) / 1000).toFixed(1)} s after start` : ''
    out.push(`  monitor: leak alarm on ${e.metric}, ${signed(e.bytesPerMinute, mb)}/min, trend since ${at} s after start${rec}`)
  }

  out.push('', 'Pool (GET /stats after B)')
  const p = run.statsB.pool
  const held = p.inUse > 0 ? `; oldest held ${(p.oldestMs / 1000).toFixed(1)} s, by ${p.heldFor.join(', ')}` : ''
  out.push(
    `  pool in use ${p.inUse} of ${p.size} (acquired ${int(p.acquired)}, released ${int(p.released)}, ` +
      `refused ${int(p.refused)})${held}`
  )
  if (p.inUse > 0) out.push(`  never released: ${int(p.acquired - p.released)} PooledConnection(s)`)
  return out.join('\n')
}

function summary(leaky, fixed) {
  const listeners = (run) => {
    const l = listenerLeaks(run)
    return l.length ? `${int(l[0].live)} live (${signed(l[0].delta)})` : 'flat'
  }
  const classes = (run) => {
    const g = growingClasses(run)
    return g.length ? g.slice(0, 3).map((c) => c.name).join(', ') : 'none'
  }
  const alarmed = (run) => [...new Set(run.monitor.filter((e) => e.event === 'leak').map((e) => e.metric))].join(', ') || 'none'
  const pool = (run) => `${run.statsB.pool.inUse} of ${run.statsB.pool.size}`
  const rows = [
    ['listeners from one call site', listeners(leaky), listeners(fixed)],
    ['growing classes', classes(leaky), classes(fixed)],
    ['heapUsed slope', `${signed(slope(leaky), mb)}/min`, `${signed(slope(fixed), mb)}/min`],
    ['monitor alarms', alarmed(leaky), alarmed(fixed)],
    ['pool in use after load', pool(leaky), pool(fixed)],
  ]
  return ['== leaky vs fixed ==', table(['', 'leaky.js', 'fixed.js'], rows, ['l', 'r', 'r'])].join('\n')
}

function render(leaky, fixed, { root }) {
  return [section(leaky, root), '', section(fixed, root), '', summary(leaky, fixed), ''].join('\n')
}

module.exports = { render, listenerLeaks, growingClasses }
