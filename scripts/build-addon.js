'use strict'
// `npm install` builds the addon from source with cargo alone, so installing
// leakguard into a service pulls in no build tool from npm. (`npm run build`,
// for development, also regenerates binding.d.ts through @napi-rs/cli.)
//
// cargo reports where it wrote the library (`--message-format json`), which
// holds under CARGO_TARGET_DIR, a target-dir in .cargo/config or a --target
// in CARGO_BUILD_TARGET alike; it is copied to leakguard.node through a
// temporary file and a rename, so a failed build never leaves half an addon.
// Installed as a dependency, the package then drops its cargo target folder
// (about 100 MB of intermediate files a Docker image would carry for nothing).
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const out = path.join(root, 'leakguard.node')
const LIB = { linux: '.so', darwin: '.dylib', win32: '.dll' }[process.platform] ?? '.so'

function fail(message) {
  console.error(`leakguard: ${message}`)
  process.exit(1)
}

const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' })
if (probe.error || probe.status !== 0) {
  fail(
    'building the native addon from source needs the Rust toolchain (cargo and rustc), ' +
      `and "cargo --version" failed (${probe.error ? probe.error.code : probe.stderr.trim()}). ` +
      'Install it (https://rustup.rs), then run "npm install" again: npm leaves a package whose install failed ' +
      'out of node_modules ("npm rebuild leakguard" builds one that is in place, e.g. installed with --ignore-scripts).'
  )
}

const build = spawnSync('cargo', ['build', '--release', '--lib', '--message-format', 'json-render-diagnostics'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'], // cargo's progress and errors go straight to the terminal
  maxBuffer: 64 * 1024 * 1024,
})
if (build.error) fail(`cannot run cargo: ${build.error.message}`)
if (build.status !== 0) fail(`cargo build failed (exit ${build.status}); its errors are above.`)

let library
for (const line of build.stdout.split('\n')) {
  if (!line.startsWith('{')) continue
  const msg = JSON.parse(line)
  if (msg.reason !== 'compiler-artifact' || msg.target?.name !== 'leakguard') continue
  if (!msg.target.kind.includes('cdylib')) continue
  library = msg.filenames.find((f) => f.endsWith(LIB))
}
if (library === undefined) fail(`cargo built no leakguard${LIB} library (no cdylib artifact in its report).`)

const tmp = `${out}.${process.pid}.tmp`
fs.copyFileSync(library, tmp)
fs.renameSync(tmp, out)
console.error(`leakguard: built ${path.relative(root, out)} from ${path.relative(root, library)}`)

const target = path.join(root, 'target')
const installedAsDependency = root.split(path.sep).includes('node_modules')
if (installedAsDependency && library.startsWith(target + path.sep)) {
  fs.rmSync(target, { recursive: true, force: true })
}
