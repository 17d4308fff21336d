'use strict'
// The audit's bookkeeping must never be on a retainer path of what a listener
// closes over: a heap-snapshot diff has to blame the user's emitter, not us.
const test = require('node:test')
const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const v8 = require('node:v8')
const { auditListeners, compareSnapshots } = require('..')

// One class per way of adding, so each gets its own retainer paths.
class ProbeOn {}
class ProbeOnce {}
class ProbePrepend {}
class ProbeTarget {}
class ProbeThrow {}
class ProbeBus extends EventEmitter {}
class ProbeEventTarget extends EventTarget {}
// once() adds through this.on(), a hooked add inside a hooked add; here the
// outer call then throws, and the hooks must still forget the emitter.
class ThrowingBus extends EventEmitter {
  on(type, listener) {
    super.on(type, listener)
    throw new Error('refused')
  }
}

// The emitters sit deep below the root, so that any path through the audit
// (which does not pass through them) would be shorter and win the search.
let deep = null
function keepDeep(hops) {
  deep = { value: [] }
  for (let i = 0; i < hops; i++) deep = { next: deep }
}
// Never through a local: a live frame's locals are roots of their own.
function keep(values) {
  let holder = deep
  while (holder.next) holder = holder.next
  holder.value.push(...values)
}

const N = 8

// Each listener closes over its own probe only (one function, one context),
// and nothing but `deep` holds the emitters once these return.
const listen = {
  on: (bus, probe) => bus.on('tick', () => probe),
  once: (bus, probe) => bus.once('tick', () => probe),
  prepend: (bus, probe) => bus.prependListener('tick', () => probe),
  target: (target, probe, capture) => target.addEventListener('tick', () => probe, { capture }),
  thrown: (bus, probe) => assert.throws(() => bus.once('tick', () => probe), /refused/),
}

function buildTarget() {
  const target = new ProbeEventTarget()
  for (let i = 0; i < N; i++) listen.target(target, new ProbeTarget(), i % 2 === 0)
  return target
}

function buildEmitters() {
  const bus = new ProbeBus()
  bus.setMaxListeners(0)
  const thrower = new ThrowingBus()
  for (let i = 0; i < N; i++) {
    listen.on(bus, new ProbeOn())
    listen.once(bus, new ProbeOnce())
    listen.prepend(bus, new ProbePrepend())
  }
  for (let i = 0; i < N; i++) listen.thrown(thrower, new ProbeThrow())
  return [bus, thrower]
}

test('no retainer path to what a listener closes over passes through the audit', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-audit-retainers-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // stackThreshold 1: every add is attributed to its call site and recorded per emitter.
  const audit = auditListeners({ stackThreshold: 1 })
  t.after(() => audit.stop())
  t.after(() => (deep = null))

  const a = path.join(dir, 'a.heapsnapshot')
  v8.writeHeapSnapshot(a)
  keepDeep(40)
  keep([buildTarget()])
  // A WeakRef keeps its target until the current job ends (the audit's
  // WeakRef to each EventTarget too): take B in a later job, as a signal
  // handler or timer does.
  await new Promise(setImmediate)
  // ...but in the same job as the throwing add, before any other add.
  keep(buildEmitters())
  const b = path.join(dir, 'b.heapsnapshot')
  v8.writeHeapSnapshot(b)

  // The audit did attribute them: every listener is on a call-site row.
  const attributed = audit.report().filter((r) => r.site !== null && r.event === 'tick')
  assert.equal(attributed.reduce((n, r) => n + r.live, 0), 5 * N)
  const report = await compareSnapshots(a, b, { top: 1000, paths: 1000, samples: 4 })

  const holders = {
    ProbeOn: 'ProbeBus',
    ProbeOnce: 'ProbeBus',
    ProbePrepend: 'ProbeBus',
    ProbeTarget: 'ProbeEventTarget',
    ProbeThrow: 'ThrowingBus',
  }
  for (const [probe, holder] of Object.entries(holders)) {
    const c = report.classes.find((x) => x.name === probe)
    assert.ok(c, `${probe} is in the diff`)
    assert.equal(c.newCount, N)
    assert.ok(c.retainerPaths.length > 0, `${probe} has retainer paths`)
    for (const steps of c.retainerPaths) {
      const shown = steps.map((s) => `${s.edgeName}→${s.className}`).join(' ')
      assert.equal(steps.at(-1).className, probe)
      // Through our chain to the emitter and its own listener store...
      const at = steps.findIndex((s) => s.className === holder)
      assert.ok(at >= 0, `${probe} is reached through its ${holder}: ${shown}`)
      assert.equal(steps[at - 1].edgeName, 'value', shown)
      assert.match(String(steps[at + 1].edgeName), /^_events$|kEvents/, shown)
      // ...and through nothing of the audit's.
      const ours = steps.filter((s) => /^(Recorder|ListenerAudit|AuditCore)$/.test(s.className))
      assert.deepEqual(ours, [], shown)
    }
  }
})

// `file:line` of the line carrying `marker` in this file.
function lineOf(marker) {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n')
  return `${__filename}:${lines.findIndex((l) => l.includes(marker) && !l.includes('lineOf(')) + 1}:`
}

function liveBySite(audit, event, markers) {
  const out = {}
  for (const [name, marker] of Object.entries(markers)) {
    const rows = audit.report().filter((r) => r.event === event && r.site !== null && r.site.startsWith(lineOf(marker)))
    out[name] = rows.reduce((n, r) => ({ added: n.added + r.added, live: n.live + r.live }), { added: 0, live: 0 })
  }
  return out
}

test('records that name listeners by number still balance each removal on its own row', (t) => {
  const audit = auditListeners({ stackThreshold: 1 })
  t.after(() => audit.stop())
  // One function on two emitters and two events, through on() and once().
  const f = () => {}
  const onA = (e, event) => e.on(event, f) // SITE-A
  const onceB = (e, event) => e.once(event, f) // SITE-B
  const e1 = new EventEmitter()
  const e2 = new EventEmitter()
  onA(e1, 'x')
  onA(e1, 'x')
  onceB(e1, 'x')
  onA(e1, 'y')
  onA(e2, 'x')
  onceB(e2, 'x')
  e1.removeListener('x', f) // Node removes the last match: the once wrapper from SITE-B
  e2.emit('x') // e2's once listener fires and goes
  e1.removeAllListeners('x')
  assert.deepEqual(liveBySite(audit, 'x', { a: 'SITE-A', b: 'SITE-B' }), {
    a: { added: 3, live: 1 },
    b: { added: 2, live: 0 },
  })
  assert.deepEqual(liveBySite(audit, 'y', { a: 'SITE-A' }), { a: { added: 1, live: 1 } })

  // EventTarget: one function with and without capture, a signal, a fired once.
  const target = new EventTarget()
  const g = () => {}
  const h = () => {}
  const ac = new AbortController()
  const both = (capture) => target.addEventListener('z', g, { capture }) // SITE-T
  both(true)
  both(false)
  target.addEventListener('z', h, { signal: ac.signal }) // SITE-S
  target.addEventListener('z', () => {}, { once: true }) // SITE-O
  target.removeEventListener('z', g, { capture: true })
  target.removeEventListener('z', g, { capture: true }) // already gone: a no-op
  ac.abort()
  target.dispatchEvent(new Event('z'))
  assert.deepEqual(liveBySite(audit, 'z', { t: 'SITE-T', s: 'SITE-S', o: 'SITE-O' }), {
    t: { added: 2, live: 1 },
    s: { added: 1, live: 0 },
    o: { added: 1, live: 0 },
  })
  target.removeEventListener('z', g)
  assert.equal(liveBySite(audit, 'z', { t: 'SITE-T' }).t.live, 0)
})
