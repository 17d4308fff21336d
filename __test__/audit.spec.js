'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const { once } = require('node:events')
const { auditListeners, currentAudit } = require('..')
const { startFromEnv } = require('../lib/audit') // internal: register.js calls it
const { sitesIn, start } = require('./support/audit')

// The line and column V8 reports for the `.on(` / `.addEventListener(` call
// on the line carrying `marker` in this file.
const siteOf = sitesIn(__filename)

const rowAt = (audit, site) => audit.report().filter((r) => r.site === site)

test('a shared emitter that gains a listener per call is named by file:line:column', (t) => {
  const audit = start(t)
  const shared = new EventEmitter()
  shared.setMaxListeners(0)
  const handle = () => shared.on('close', () => {}) // SEED-LEAK
  for (let i = 0; i < 40; i++) handle()
  const [row] = rowAt(audit, siteOf('SEED-LEAK', 'on('))
  // the first two listeners come before the stack threshold (3)
  assert.deepEqual(
    { emitterClass: row.emitterClass, event: row.event, added: row.added, live: row.live, peak: row.peak },
    { emitterClass: 'EventEmitter', event: 'close', added: 38, live: 38, peak: 38 }
  )
  const plain = audit.report().find((r) => r.site === null && r.event === 'close')
  assert.equal(plain.added, 2)
  assert.match(audit.format(), /^leakguard audit: top 1 listener call sites\nlive +peak/)
  assert.ok(audit.format().split('\n')[2].startsWith('38    38    38     0        -       EventEmitter  close  '))
})

test('once listeners that fired are not live, and removals balance adds', (t) => {
  const audit = start(t)
  const e = new EventEmitter()
  const fns = Array.from({ length: 12 }, () => () => {})
  for (const f of fns) e.once('ready', f) // ONCE-SITE
  for (const f of fns.slice(0, 4)) e.prependOnceListener('ready', f) // PREPEND-ONCE
  e.removeListener('ready', fns[11]) // a once listener removed by its function before firing
  e.emit('ready')
  const onceRows = audit.report().filter((r) => r.event === 'ready')
  assert.equal(onceRows.reduce((n, r) => n + r.live, 0), 0)
  assert.equal(onceRows.reduce((n, r) => n + r.added, 0), 16)
  assert.equal(onceRows.reduce((n, r) => n + r.removed, 0), 16)
  assert.equal(rowAt(audit, siteOf('ONCE-SITE', 'once('))[0].added, 10)
  assert.equal(rowAt(audit, siteOf('PREPEND-ONCE', 'prependOnceListener('))[0].added, 4)

  const f = () => {}
  for (let i = 0; i < 6; i++) e.on('a', f)
  for (let i = 0; i < 6; i++) e.off('a', f)
  e.off('a', f) // nothing left to remove: not counted
  for (let i = 0; i < 5; i++) e.on('b', () => {})
  for (let i = 0; i < 5; i++) e.on('c', () => {})
  e.removeAllListeners('b')
  e.on('d', f)
  e.removeAllListeners()
  const byEvent = {}
  for (const r of audit.report()) {
    const s = (byEvent[r.event] ??= { added: 0, removed: 0, live: 0 })
    s.added += r.added
    s.removed += r.removed
    s.live += r.live
  }
  assert.deepEqual(byEvent.a, { added: 6, removed: 6, live: 0 })
  assert.deepEqual(byEvent.b, { added: 5, removed: 5, live: 0 })
  assert.deepEqual(byEvent.c, { added: 5, removed: 5, live: 0 })
  assert.deepEqual(byEvent.d, { added: 1, removed: 1, live: 0 })
})

test('AbortSignal listeners: a leak is named, fired once listeners and removals are not live', (t) => {
  const audit = start(t)
  const ac = new AbortController()
  for (let i = 0; i < 30; i++) ac.signal.addEventListener('abort', () => {}) // SIGNAL-LEAK
  const leak = rowAt(audit, siteOf('SIGNAL-LEAK', 'addEventListener('))[0]
  assert.deepEqual([leak.emitterClass, leak.event, leak.live], ['AbortSignal', 'abort', 28])

  const other = new AbortController()
  const fns = Array.from({ length: 8 }, () => () => {})
  for (const f of fns) other.signal.addEventListener('abort', f, { once: true }) // SIGNAL-ONCE
  other.signal.addEventListener('abort', fns[0], { once: true }) // duplicate: a no-op, not counted
  other.signal.removeEventListener('abort', fns[7])
  other.abort()
  const [row] = rowAt(audit, siteOf('SIGNAL-ONCE', 'addEventListener('))
  assert.deepEqual([row.added, row.removed, row.live], [6, 6, 0])
})

test('stop() restores the exact original prototype methods', (t) => {
  const names = ['addListener', 'on', 'prependListener', 'once', 'prependOnceListener', 'removeListener', 'off', 'removeAllListeners']
  const desc = (proto, n) => Object.getOwnPropertyDescriptor(proto, n)
  const before = names.map((n) => desc(EventEmitter.prototype, n))
  const beforeET = ['addEventListener', 'removeEventListener'].map((n) => desc(EventTarget.prototype, n))
  const audit = auditListeners()
  t.after(() => audit.stop())
  assert.equal(currentAudit(), audit)
  assert.notEqual(EventEmitter.prototype.on, before[1].value)
  assert.equal(EventEmitter.prototype.on.name, 'addListener')
  assert.deepEqual(audit.stop(), [])
  assert.equal(currentAudit(), null)
  names.forEach((n, i) => assert.deepEqual(desc(EventEmitter.prototype, n), before[i]))
  ;['addEventListener', 'removeEventListener'].forEach((n, i) => assert.deepEqual(desc(EventTarget.prototype, n), beforeET[i]))
})

test('a call site whose live count keeps growing becomes a suspect, with its stack', (t) => {
  const audit = start(t, { windowMs: 3_600_000, suspectLive: 10, suspectWindows: 3, windows: 5 })
  const seen = []
  audit.onSuspect((row, stack) => seen.push({ row, stack }))
  const e = new EventEmitter()
  e.setMaxListeners(0)
  const healthy = new EventEmitter()
  for (let w = 0; w < 6; w++) {
    for (let i = 0; i < 5; i++) e.on('data', () => {}) // SUSPECT-SITE
    for (let i = 0; i < 5; i++) healthy.on('tick', () => {})
    healthy.removeAllListeners('tick')
    audit.tick()
  }
  assert.equal(seen.length, 1)
  assert.equal(seen[0].row.site, siteOf('SUSPECT-SITE', 'on('))
  assert.deepEqual(seen[0].row.growth.slice(-3), [5, 5, 5])
  assert.equal(seen[0].row.live, 18) // 4 windows × 5, minus 2 below the threshold
  assert.match(seen[0].stack, new RegExp(`^    at .*audit\\.spec\\.js:${siteOf('SUSPECT-SITE', 'on(').split(':').at(-2)}:`))
})

test('MaxListenersExceededWarning gets the call site that caused it', async (t) => {
  const audit = start(t, { logWarnings: false })
  const e = new EventEmitter()
  const warned = once(process, 'warning')
  for (let i = 0; i < 11; i++) e.on('message', () => {}) // WARN-SITE
  const [w] = await warned
  assert.equal(w.name, 'MaxListenersExceededWarning')
  await new Promise((resolve) => setImmediate(resolve))
  const got = audit.warnings().find((x) => x.event === 'message')
  assert.deepEqual(
    { emitterClass: got.emitterClass, count: got.count, site: got.site },
    { emitterClass: 'EventEmitter', count: 11, site: siteOf('WARN-SITE', 'on(') }
  )
  assert.equal(rowAt(audit, got.site)[0].maxListenersWarning, true)
})

test('options are validated with messages naming the option and value', (t) => {
  assert.throws(() => auditListeners({ stackThreshold: 0 }), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'stackThreshold must be between 1 and 1000000, got 0',
  })
  assert.throws(() => auditListeners({ windowMs: '10' }), { name: 'TypeError', message: 'windowMs must be an integer, got "10"' })
  assert.throws(() => auditListeners({ suspectWindows: 6, windows: 6 }), {
    name: 'RangeError',
    message: 'suspectWindows must be between 1 and 5, got 6',
  })
  assert.throws(() => auditListeners({ treshold: 1 }), { name: 'TypeError', message: 'unknown option "treshold"' })
  assert.equal(currentAudit(), null)
  const audit = start(t)
  assert.throws(() => auditListeners(), { code: 'ERR_LEAKGUARD_AUDIT_ACTIVE' })
  assert.throws(() => audit.onSuspect(3), { name: 'TypeError', message: 'onSuspect expects a function, got number' })
})

test('startFromEnv starts an audit only when LEAKGUARD_AUDIT=1', (t) => {
  assert.equal(startFromEnv({}), null)
  assert.throws(() => startFromEnv({ LEAKGUARD_AUDIT: '1', LEAKGUARD_AUDIT_THRESHOLD: 'x' }), {
    name: 'RangeError',
    message: 'LEAKGUARD_AUDIT_THRESHOLD must be a whole number in decimal digits, got "x"',
  })
  const audit = startFromEnv({ LEAKGUARD_AUDIT: '1', LEAKGUARD_AUDIT_THRESHOLD: '1' })
  t.after(() => audit.stop())
  assert.equal(currentAudit(), audit)
  assert.equal(startFromEnv({ LEAKGUARD_AUDIT: '1' }), audit)
  const e = new EventEmitter()
  e.on('x', () => {}) // ENV-SITE
  assert.equal(rowAt(audit, siteOf('ENV-SITE', 'on('))[0].added, 1)
})

test('audit variables parse like the monitor\'s: a flag other than 1/true/0/false is refused, errors name the variable', () => {
  for (const off of ['', '0', 'false']) assert.equal(startFromEnv({ LEAKGUARD_AUDIT: off }), null)
  const refused = (env, message) => {
    assert.throws(() => startFromEnv(env), { name: 'RangeError', code: 'ERR_LEAKGUARD_OPTION', message })
    assert.equal(currentAudit(), null)
  }
  refused({ LEAKGUARD_AUDIT: 'yes' }, 'LEAKGUARD_AUDIT must be "1", "true", "0" or "false", got "yes"')
  refused(
    { LEAKGUARD_AUDIT: 'true', LEAKGUARD_AUDIT_IGNORE_NODE_MODULES: 'yes' },
    'LEAKGUARD_AUDIT_IGNORE_NODE_MODULES must be "1", "true", "0" or "false", got "yes"'
  )
  refused({ LEAKGUARD_AUDIT: '1', LEAKGUARD_AUDIT_THRESHOLD: '0' }, 'LEAKGUARD_AUDIT_THRESHOLD must be between 1 and 1000000, got 0')
  refused({ LEAKGUARD_AUDIT: '1', LEAKGUARD_AUDIT_SUSPECT_WINDOWS: '9' }, 'LEAKGUARD_AUDIT_SUSPECT_WINDOWS must be between 1 and 5, got 9')
  // integers in decimal digits only, as the monitor's and the snapshot's variables
  for (const raw of [' ', '0x10', '1e1', '5.0', ' 5 ']) {
    refused({ LEAKGUARD_AUDIT: '1', LEAKGUARD_AUDIT_DEPTH: raw }, `LEAKGUARD_AUDIT_DEPTH must be a whole number in decimal digits, got ${JSON.stringify(raw)}`)
  }
})

test('leakguard/register logs a refused LEAKGUARD_AUDIT value and the app runs on', () => {
  const { spawnSync } = require('node:child_process')
  const register = require.resolve('../register')
  const r = spawnSync(process.execPath, ['-r', register, '-e', 'console.log("app ran")'], {
    env: { ...process.env, LEAKGUARD_AUDIT: 'yes' },
    encoding: 'utf8',
  })
  assert.equal(r.status, 0)
  assert.equal(r.stdout, 'app ran\n')
  const line = JSON.parse(r.stderr.split('\n').find((l) => l.includes('config-refused')).replace(/^leakguard: /, ''))
  assert.deepEqual(line, {
    event: 'config-refused',
    part: 'audit',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'LEAKGUARD_AUDIT must be "1", "true", "0" or "false", got "yes"',
  })
})

test('an internal error switches the audit off instead of breaking the app', async (t) => {
  const audit = start(t)
  const e = new EventEmitter()
  Object.defineProperty(e, 'constructor', {
    get() {
      throw new Error('hostile getter')
    },
  })
  const warned = once(process, 'warning')
  e.on('x', () => {})
  assert.equal(e.listenerCount('x'), 1)
  const [w] = await warned
  assert.equal(w.code, 'LEAKGUARD_AUDIT_FAILED')
  assert.equal(w.message, 'listener audit disabled after an internal error: hostile getter')
  new EventEmitter().on('y', () => {})
  assert.equal(audit.report().filter((r) => r.event === 'y').length, 0)
})

test('an EventTarget MaxListenersExceededWarning gets its call site too', async (t) => {
  const audit = start(t, { logWarnings: false })
  const ac = new AbortController()
  const warned = new Promise((resolve) => {
    const on = (w) => {
      if (w.name === 'MaxListenersExceededWarning' && w.target === ac.signal) {
        process.off('warning', on)
        resolve()
      }
    }
    process.on('warning', on)
  })
  for (let i = 0; i < 11; i++) ac.signal.addEventListener('abort', () => {}) // ET-WARN
  await warned
  await new Promise((resolve) => setImmediate(resolve))
  const got = audit.warnings().find((x) => x.emitterClass === 'AbortSignal')
  assert.deepEqual([got.event, got.count, got.site], ['abort', 11, siteOf('ET-WARN', 'addEventListener(')])
})

test('EventTarget once listeners that fire below the stack threshold are not left live', (t) => {
  const audit = start(t, { logWarnings: false })
  // A long-lived target used as a bus: each waiter adds one `once` listener,
  // which fires and is removed inside Node, without a removeEventListener call.
  const bus = new EventTarget()
  for (let i = 0; i < 50; i++) {
    bus.addEventListener('reply', () => {}, { once: true })
    bus.dispatchEvent(new Event('reply'))
  }
  // two waiters at a time, both below the threshold (3)
  for (let i = 0; i < 20; i++) {
    bus.addEventListener('pair', () => {}, { once: true })
    bus.addEventListener('pair', () => {}, { once: true })
    bus.dispatchEvent(new Event('pair'))
  }
  const sum = (event) =>
    audit
      .report()
      .filter((r) => r.emitterClass === 'EventTarget' && r.event === event)
      .reduce((s, r) => ({ added: s.added + r.added, removed: s.removed + r.removed, live: s.live + r.live }), {
        added: 0,
        removed: 0,
        live: 0,
      })
  assert.deepEqual(sum('reply'), { added: 50, removed: 50, live: 0 })
  assert.deepEqual(sum('pair'), { added: 40, removed: 40, live: 0 })
})

test('format(top) refuses a top that is not a positive integer, naming it and the value', (t) => {
  const audit = start(t, { logWarnings: false })
  const e = new EventEmitter()
  for (let i = 0; i < 5; i++) e.on('x', () => {}) // FORMAT-TOP
  assert.equal(audit.format(1).split('\n').length, 3)
  // before: -1 silently left out the last row, 0 claimed no call site held listeners
  assert.throws(() => audit.format(-1), { name: 'RangeError', code: 'ERR_LEAKGUARD_OPTION', message: /^top .*got -1$/ })
  assert.throws(() => audit.format(0), { name: 'RangeError', message: /^top .*got 0$/ })
  assert.throws(() => audit.format('3'), { name: 'TypeError', message: 'top must be an integer, got "3"' })
  assert.throws(() => audit.format(2.5), { name: 'TypeError', message: 'top must be an integer, got 2.5' })
})

test('a MaxListenersExceededWarning below the stack threshold (setMaxListeners) still gets its call site', async (t) => {
  const audit = start(t, { logWarnings: false })
  const e = new EventEmitter()
  e.setMaxListeners(1)
  const warned = once(process, 'warning')
  for (let i = 0; i < 2; i++) e.on('low', () => {}) // LOW-WARN
  await warned
  await new Promise((resolve) => setImmediate(resolve))
  const got = audit.warnings().find((x) => x.event === 'low')
  assert.deepEqual([got.count, got.site], [2, siteOf('LOW-WARN', 'on(')])
  assert.match(got.stack, /^ {4}at .*audit\.spec\.js:\d+:\d+\)?$/m)
  assert.doesNotMatch(got.stack, /node:events|lib[/\\]audit/)

  const ac = new AbortController()
  require('node:events').setMaxListeners(1, ac.signal)
  const etWarned = once(process, 'warning')
  for (let i = 0; i < 2; i++) ac.signal.addEventListener('abort', () => {}) // LOW-ET-WARN
  await etWarned
  await new Promise((resolve) => setImmediate(resolve))
  const et = audit.warnings().find((x) => x.emitterClass === 'AbortSignal')
  assert.equal(et.site, siteOf('LOW-ET-WARN', 'addEventListener('))
})
