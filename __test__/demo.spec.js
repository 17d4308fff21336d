'use strict'
// End to end: a short `npm run demo` must name the line in leaky.js that adds
// the listeners and the UserRecord constructor, and show fixed.js flat.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const LEAKY = path.join(ROOT, 'examples', 'leaky-express', 'leaky.js')

// The line that adds a 'close' listener per request, found in the source so
// that an edit to leaky.js cannot leave the test asserting a stale number.
function listenerLine() {
  const lines = fs.readFileSync(LEAKY, 'utf8').split('\n')
  const hits = lines.flatMap((l, i) => (l.includes("bus.on('close'") ? [i + 1] : []))
  assert.equal(hits.length, 1, "leaky.js has one bus.on('close', ...) line")
  return hits[0]
}

function section(out, title) {
  const start = out.indexOf(`== ${title} ==`)
  assert.notEqual(start, -1, `the report has a "${title}" section:\n${out}`)
  const end = out.indexOf('\n== ', start + 1)
  return out.slice(start, end === -1 ? undefined : end)
}

test('npm run demo names the leaks in leaky.js and shows fixed.js flat', { timeout: 90_000 }, async (t) => {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.js')], {
    env: { ...process.env, DEMO_SECONDS: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const [code] = await new Promise((resolve) => child.once('exit', (...a) => resolve(a)))
  assert.equal(code, 0, `demo exited ${code}:\n${out}\n${err}`)

  const leaky = section(out, 'examples/leaky-express/leaky.js')
  const site = new RegExp(`^\\s+[\\d,]+\\s+\\+[\\d,]+\\s+0\\s+EventEmitter\\s+close\\s+examples/leaky-express/leaky\\.js:${listenerLine()}:\\d+$`, 'm')
  assert.match(leaky, site)
  assert.match(leaky, /^\s+UserRecord\s+[\d,]+\s+0\s+\+[\d,]+\s/m)
  assert.match(leaky, /UserRecord held by: .*users → Map → .*→ UserRecord$/m)
  // through the bus's own listener array (bus._events.close), not the audit's records of it, and the
  // listener closure named by the line that made it
  const held = `ServerResponse held by: .*close → Array → \\[\\d+\\] → \\(closure\\) examples/leaky-express/leaky\\.js:${listenerLine()}:\\d+ → .*res → ServerResponse$`
  assert.match(leaky, new RegExp(held, 'm'))
  assert.match(leaky, /pool in use 8 of 8 \(acquired/)
  assert.match(leaky, /never released: 8 PooledConnection/)

  const fixed = section(out, 'examples/leaky-express/fixed.js')
  assert.match(fixed, /flat: no call site holds a growing number of listeners/)
  assert.match(fixed, /flat: no growing class/)
  assert.match(fixed, /pool in use 0 of 8 \(acquired ([\d,]+), released \1, refused 0\)/)

  // Every service the demo started is gone.
  const pids = [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]))
  assert.equal(pids.length, 2)
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
})
