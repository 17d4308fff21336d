'use strict'
// Under source maps (node --enable-source-maps), the audit names the original
// source's line, as Node's own stacks do: a TypeScript file compiled by tsc
// (__test__/fixtures/sourcemap: jobs.ts, and the jobs.js + jobs.js.map tsc made
// from it with the tsconfig.json there).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures', 'sourcemap')

// In a child, so the flag is the process's own: the site row of the fixture's
// listener, and the first line of its stack as a suspect names it.
function run(flags, env = {}) {
  const script = `
    const { auditListeners } = require(${JSON.stringify(ROOT)})
    const audit = auditListeners({ stackThreshold: 1, suspectLive: 1, suspectWindows: 1, windows: 2, logWarnings: false })
    let stack = null
    audit.onSuspect((row, s) => { if (row.site.includes('jobs.')) stack = s })
    const { subscribe } = require(${JSON.stringify(path.join(FIXTURE, 'jobs.js'))})
    audit.tick()
    for (let i = 0; i < 5; i++) {
      subscribe({ id: i })
      audit.tick()
    }
    const row = audit.report().find((r) => r.site !== null && r.site.includes('jobs.'))
    console.log(JSON.stringify({ site: row.site, live: row.live, frame: stack && stack.split('\\n')[0].trim() }))
  `
  const out = execFileSync(process.execPath, [...flags, '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' })
  return JSON.parse(out)
}

const TS = path.join(FIXTURE, 'jobs.ts')
const JS = path.join(FIXTURE, 'jobs.js')

test('with --enable-source-maps the site and the stack name the .ts line (jobs.ts:12:7, jobs.js:9:17 compiled)', () => {
  assert.deepEqual(run(['--enable-source-maps']), { site: `${TS}:12:7`, live: 5, frame: `at subscribe (${TS}:12:7)` })
})

test('the flag in NODE_OPTIONS works the same', () => {
  assert.deepEqual(run([], { NODE_OPTIONS: '--enable-source-maps' }).site, `${TS}:12:7`)
})

test('without source maps the compiled position is kept', () => {
  assert.deepEqual(run([]), { site: `${JS}:9:17`, live: 5, frame: `at subscribe (${JS}:9:17)` })
})
