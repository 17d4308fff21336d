'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const EventEmitter = require('node:events')
const { auditListeners } = require('..')

function lineOf(marker) {
  const lines = require('node:fs').readFileSync(__filename, 'utf8').split('\n')
  const i = lines.findIndex((l) => l.includes(marker) && !l.includes('lineOf('))
  return { line: i + 1, text: lines[i] }
}

function get(agent, port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume()
        res.on('end', resolve)
      })
      .on('error', reject)
  })
}

test('seed case: middleware adding a close listener per request to a keep-alive socket', async (t) => {
  const audit = auditListeners({ ignoreNodeModules: true })
  t.after(() => audit.stop())
  const middleware = (req) => {
    req.socket.on('close', () => {}) // SOCKET-LEAK
  }
  const server = http.createServer((req, res) => {
    middleware(req)
    res.setHeader('content-type', 'application/json')
    res.end('{"ok":true}')
  })
  server.listen(0, '127.0.0.1')
  await EventEmitter.once(server, 'listening')
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => {
    agent.destroy()
    server.close()
  })
  const N = 40
  for (let i = 0; i < N; i++) await get(agent, server.address().port)
  const { line, text } = lineOf('SOCKET-LEAK')
  const site = `${__filename}:${line}:${text.indexOf('on(') + 1}`
  const rows = audit.report().filter((r) => r.site === site)
  assert.equal(rows.length, 1)
  assert.equal(rows[0].emitterClass, 'Socket')
  assert.equal(rows[0].event, 'close')
  // Node's own close listeners on the socket count toward the threshold, so
  // at most the first two of ours are unattributed.
  assert.ok(rows[0].live >= N - 2 && rows[0].live <= N, `live ${rows[0].live}`)
  assert.equal(rows[0].live, rows[0].added)
  const top = audit.report().find((r) => r.site !== null)
  assert.equal(top.site, site)
  assert.ok(audit.format().includes(site))
})

test('the audit works inside a worker thread', async (t) => {
  const src = `
    const { parentPort } = require('node:worker_threads')
    const EventEmitter = require('node:events')
    const { auditListeners } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const audit = auditListeners()
    const bus = new EventEmitter()
    bus.setMaxListeners(0)
    for (let i = 0; i < 25; i++) bus.on('job', () => {})
    const row = audit.report().find((r) => r.site !== null)
    audit.stop()
    parentPort.postMessage({ row, restored: EventEmitter.prototype.on === EventEmitter.prototype.addListener })
  `
  const worker = new Worker(src, { eval: true })
  t.after(() => worker.terminate())
  const [msg] = await EventEmitter.once(worker, 'message')
  const leakLine = src.split('\n')[7]
  assert.equal(msg.row.site, `[worker eval]:8:${leakLine.indexOf('on(') + 1}`)
  assert.deepEqual([msg.row.event, msg.row.live], ['job', 23])
  assert.equal(msg.restored, true)
})

test('with --expose-gc, emitters dropped by the app are collected while the audit runs', async (t) => {
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'fixtures', 'audit-gc.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => child.kill())
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const [code] = await EventEmitter.once(child, 'exit')
  assert.equal(code, 0)
  const { collected, row } = JSON.parse(out)
  assert.equal(collected, 200)
  // 3 of 5 listeners per emitter are past the threshold; all went away with it
  assert.deepEqual([row.added, row.dropped, row.live, row.peak], [600, 600, 0, 600])
})

function thirdPartyWrap(calls) {
  const proto = EventEmitter.prototype
  const orig = { on: proto.on, removeListener: proto.removeListener }
  proto.on = function on(...args) {
    calls.push(args[0])
    return orig.on.apply(this, args)
  }
  // an APM-style off() that goes through another wrapped method
  proto.removeListener = function removeListener(...args) {
    return orig.removeListener.apply(this, args)
  }
  return () => Object.assign(proto, orig)
}

test('coexists with a wrapper installed before the audit', (t) => {
  const calls = []
  const unwrap = thirdPartyWrap(calls)
  t.after(unwrap)
  const theirs = EventEmitter.prototype.on
  const audit = auditListeners()
  t.after(() => audit.stop())
  const e = new EventEmitter()
  const f = () => {}
  for (let i = 0; i < 6; i++) e.on('x', f)
  for (let i = 0; i < 6; i++) e.removeListener('x', f)
  assert.equal(calls.length, 6)
  const rows = audit.report().filter((r) => r.event === 'x')
  assert.equal(rows.reduce((n, r) => n + r.added, 0), 6)
  assert.equal(rows.reduce((n, r) => n + r.live, 0), 0)
  assert.ok(rows.some((r) => r.site && r.site.startsWith(`${__filename}:`)))
  assert.deepEqual(audit.stop(), [])
  assert.equal(EventEmitter.prototype.on, theirs)
})

test('coexists with a wrapper installed after the audit', (t) => {
  const original = EventEmitter.prototype.on
  const audit = auditListeners()
  t.after(() => audit.stop())
  const calls = []
  const unwrap = thirdPartyWrap(calls)
  const e = new EventEmitter()
  for (let i = 0; i < 6; i++) e.on('y', () => {})
  assert.equal(calls.length, 6)
  assert.equal(
    audit.report().filter((r) => r.event === 'y').reduce((n, r) => n + r.added, 0),
    6
  )
  // their wrappers stay; ours inside them only forwards from now on
  assert.deepEqual(audit.stop(), ['on', 'removeListener'])
  e.on('y', () => {})
  assert.equal(calls.length, 7)
  assert.equal(e.listenerCount('y'), 7)
  assert.equal(
    audit.report().filter((r) => r.event === 'y').reduce((n, r) => n + r.added, 0),
    6
  )
  unwrap()
  assert.notEqual(EventEmitter.prototype.on, original) // our inert wrapper is what they captured
  e.removeAllListeners('y')
  assert.equal(e.listenerCount('y'), 0)
})
