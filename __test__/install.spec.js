'use strict'
// What `npm install leakguard` runs in a user's project: the build script it
// ships, and what it says when the Rust toolchain is missing.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')

test('without cargo on PATH the install script fails naming the toolchain and the way to retry', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-addon.js')], {
    cwd: root,
    env: { ...process.env, PATH: path.join(root, 'no-such-dir') },
    encoding: 'utf8',
  })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /needs the Rust toolchain \(cargo and rustc\)/)
  // a failed `npm install` rolls leakguard back out of node_modules, so `npm rebuild` alone would find nothing
  assert.match(r.stderr, /run "npm install" again/)
  assert.match(r.stderr, /npm rebuild leakguard/)
})

test('the published package ships the build script and sources, no build output, and installs no dependency', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const [pack] = JSON.parse(r.stdout)
  const files = pack.files.map((f) => f.path)
  for (const f of ['scripts/build-addon.js', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs', 'index.js', 'register.js']) {
    assert.ok(files.includes(f), `${f} missing from the package`)
  }
  assert.deepEqual(
    files.filter((f) => f.startsWith('target/') || f.endsWith('.node') || f.startsWith('node_modules/')),
    []
  )
  const manifest = require('../package.json')
  assert.equal(manifest.scripts.install, 'node scripts/build-addon.js')
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}), [])
})
