'use strict'
// compareSnapshots / inspectSnapshot on snapshots written at test time by a
// small leaky Node program, checked against memlab's numbers on the same files.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { pathToFileURL } = require('node:url')
const { spawn } = require('node:child_process')
const {
  compareSnapshots,
  compareSnapshotsSync,
  inspectSnapshot,
  inspectSnapshotSync,
  formatDiff,
  formatInspect,
} = require('..')
const { pathText } = require('../lib/heap') // internal: the leak report's one-line paths

const LEAKED = 5000
const CLI = path.join(__dirname, '..', 'bin', 'leakguard.js')

// Snapshot A holds 10 LeakyThings in a module-level Map, B 5,010.
const LEAKY_PROGRAM = `
const v8 = require('node:v8')
const path = require('node:path')
const [dir, count] = process.argv.slice(2)
class LeakyThing {
  constructor(i) { this.id = i; this.label = 'thing-' + i }
}
const leaks = new Map()
function leak(n) { for (let i = 0; i < n; i++) leaks.set(leaks.size, new LeakyThing(leaks.size)) }
leak(10)
v8.writeHeapSnapshot(path.join(dir, 'a.heapsnapshot'))
leak(Number(count))
v8.writeHeapSnapshot(path.join(dir, 'b.heapsnapshot'))
`

/** Runs `node args` (or `command args`) and resolves with its exit code and output; killed if the test ends first. */
/**
 * Writes `program` to `<dir>/<name>.js` and runs it; it writes `<name>-a` and
 * `<name>-b` snapshots into `dir`. Returns the program's path and their diff.
 */
async function diffProgram(t, name, program, options) {
  const file = path.join(dir, `${name}.js`)
  fs.writeFileSync(file, program)
  const { code, stderr } = await run(t, [file, dir])
  assert.equal(code, 0, stderr)
  const snap = (which) => path.join(dir, `${name}-${which}.heapsnapshot`)
  return { file, report: await compareSnapshots(snap('a'), snap('b'), options) }
}

function run(t, args, { command = process.execPath, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    t.after(() => child.kill())
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let dir
let A
let B

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-heap-'))
  const program = path.join(dir, 'leaky.js')
  fs.writeFileSync(program, LEAKY_PROGRAM)
  const { code, stderr } = await run({ after: (fn) => test.after(fn) }, [program, dir, String(LEAKED)])
  assert.equal(code, 0, stderr)
  A = path.join(dir, 'a.heapsnapshot')
  B = path.join(dir, 'b.heapsnapshot')
})

test.after(() => fs.rmSync(dir, { recursive: true, force: true }))

test('diff names LeakyThing with +5000 and traces it through the Map', async () => {
  const report = await compareSnapshots(A, B)
  const leaky = report.classes.find((c) => c.name === 'LeakyThing')
  assert.ok(leaky, `LeakyThing missing from ${report.classes.map((c) => c.name)}`)
  assert.equal(leaky.baseCount, 10)
  assert.equal(leaky.targetCount, 10 + LEAKED)
  assert.equal(leaky.newCount, LEAKED)
  assert.equal(leaky.deletedCount, 0)
  assert.equal(leaky.countDelta, LEAKED)
  const one = inspectSnapshotSync(A, { top: 1e6 }).classes.find((c) => c.name === 'LeakyThing')
  assert.equal(leaky.allocatedSize, LEAKED * (one.selfSize / one.count))
  assert.equal(leaky.sizeDelta, leaky.allocatedSize)
  assert.equal(leaky.freedSize, 0)
  assert.ok(report.classes.indexOf(leaky) < 5, 'LeakyThing is among the top growing classes')

  // All 5,000 sit in one Map: of the 1,000 sampled, all share one path.
  assert.equal(leaky.sampledCount, 1000)
  assert.deepEqual(leaky.retainerPathCounts, [1000])
  assert.equal(leaky.retainerPaths.length, 1)
  for (const steps of leaky.retainerPaths) {
    assert.equal(steps[0].nodeType, 'synthetic')
    assert.equal(steps[0].edgeName, undefined)
    const last = steps.at(-1)
    assert.equal(last.className, 'LeakyThing')
    const map = steps.findIndex((s) => s.className === 'Map')
    assert.ok(map > 0, 'the path goes through the Map')
    assert.equal(steps[map].edgeName, 'leaks')
    assert.equal(steps[map].edgeType, 'context')
  }

  const text = formatDiff(report)
  assert.match(text, /^LeakyThing\s+5,000\s+0\s+\+5,000\s/m)
  assert.match(text, /─leaks→ Map @\d+\n/)
  assert.match(text, /^LeakyThing: \+5,000 objects, .*\n {2}path 1 \(1,000 of 1,000 sampled new objects\):$/m)
})

test('per-class counts, self sizes and top retained sizes equal memlab on the same file', async () => {
  const memlab = require('@memlab/core')
  memlab.config.muteConsole = true
  const { getFullHeapFromFile } = require('@memlab/heap-analysis')
  const heap = await getFullHeapFromFile(B)
  // DevTools' grouping, applied to memlab's nodes (memlab's names already carry "Detached ").
  const className = (n) =>
    n.type === 'object' || n.type === 'native'
      ? n.name
      : n.type === 'hidden'
        ? '(system)'
        : n.type === 'code'
          ? '(compiled code)'
          : `(${n.type})`
  const theirs = new Map()
  heap.nodes.forEach((n) => {
    if (n.self_size === 0 && n.type !== 'native') return
    const name = className(n)
    const g = theirs.get(name) ?? { count: 0, selfSize: 0, nodes: [] }
    theirs.set(name, g)
    g.count++
    g.selfSize += n.self_size
    g.nodes.push(n)
  })
  const ours = await inspectSnapshot(B, { top: 1e6 })
  assert.equal(ours.classCount, theirs.size)
  assert.equal(ours.classes.length, theirs.size)
  for (const c of ours.classes) {
    const g = theirs.get(c.name)
    assert.ok(g, `memlab has no class ${c.name}`)
    assert.deepEqual({ name: c.name, count: c.count, selfSize: c.selfSize }, { name: c.name, count: g.count, selfSize: g.selfSize })
  }
  // A class's retained size counts objects nested under another of the class once.
  const classRetained = (g) => {
    const ids = new Set(g.nodes.map((n) => n.id))
    let sum = 0
    for (const n of g.nodes) {
      let d = n.dominatorNode
      let nested = false
      while (d && d.id !== d.dominatorNode?.id) {
        if (ids.has(d.id)) {
          nested = true
          break
        }
        d = d.dominatorNode
      }
      if (!nested) sum += n.retainedSize
    }
    return sum
  }
  const top = ours.classes.slice(0, 10)
  top.push(ours.classes.find((c) => c.name === 'LeakyThing'))
  for (const c of top) {
    assert.equal(c.retainedSize, classRetained(theirs.get(c.name)), `retained size of ${c.name}`)
  }
})

test('gzip snapshots read the same as plain ones', async () => {
  const gz = path.join(dir, 'b.heapsnapshot.gz')
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(B), { level: 1 }))
  const plain = await inspectSnapshot(B)
  const packed = await inspectSnapshot(gz)
  assert.deepEqual(packed.classes, plain.classes)
  assert.equal(packed.snapshot.path, gz)
  const diff = compareSnapshotsSync(A, gz, { top: 3, paths: 0 })
  assert.equal(diff.classes.length, 3)
  assert.ok(diff.classes.every((c) => c.retainerPaths.length === 0))
})

test("a damaged gzip snapshot's error says its offset is in the decompressed data", async () => {
  const bytes = fs.readFileSync(A)
  // A snapshot cut inside its nodes, then compressed: the offset is past the gzip file's end.
  const cut = path.join(dir, 'cut.heapsnapshot.gz')
  const nodesAt = bytes.indexOf('"nodes":[')
  fs.writeFileSync(cut, zlib.gzipSync(bytes.subarray(0, nodesAt + 1000)))
  await assert.rejects(compareSnapshots(A, cut), {
    code: 'ERR_LEAKGUARD_SNAPSHOT',
    message: new RegExp(
      `^${cut} is not a valid heap snapshot: file ends early, .*\\(section "nodes", byte ${nodesAt + 1000} of the decompressed data\\)$`
    ),
  })
  // A whole snapshot compressed, then the gzip file cut: the decoder fails part way.
  const packed = zlib.gzipSync(bytes, { level: 1 })
  const short = path.join(dir, 'short.heapsnapshot.gz')
  fs.writeFileSync(short, packed.subarray(0, packed.length >> 1))
  assert.throws(() => inspectSnapshotSync(short), {
    code: 'ERR_LEAKGUARD_SNAPSHOT',
    message: new RegExp(`^cannot read heap snapshot ${short} at byte \\d+ of the decompressed data: `),
  })
  // Plain files' offsets are the file's own.
  const plainCut = path.join(dir, 'cut.heapsnapshot')
  fs.writeFileSync(plainCut, bytes.subarray(0, nodesAt + 1000))
  assert.throws(() => inspectSnapshotSync(plainCut), { message: new RegExp(`byte ${nodesAt + 1000}\\)$`) })
})

test('the comparison runs off the JS thread', async () => {
  let turned = false
  setImmediate(() => (turned = true))
  const pending = compareSnapshots(A, B, { top: 1 })
  assert.ok(pending instanceof Promise)
  await pending
  assert.equal(turned, true, 'the event loop turned while the snapshots were read')
})

test('truncated, corrupt and foreign files are errors naming what and where', async () => {
  const bytes = fs.readFileSync(A)
  const cut = path.join(dir, 'cut.heapsnapshot')
  // Cut inside the nodes array: the message names the section and the offset.
  const nodesAt = bytes.indexOf('"nodes":[')
  fs.writeFileSync(cut, bytes.subarray(0, nodesAt + 1000))
  await assert.rejects(compareSnapshots(A, cut), {
    name: 'Error',
    code: 'ERR_LEAKGUARD_SNAPSHOT',
    // The cut lands after a digit or after a comma.
    message: new RegExp(
      `^${cut} is not a valid heap snapshot: file ends early, expected (a number|',' or '\\]') ` +
        `\\(section "nodes", byte ${nodesAt + 1000}\\)$`
    ),
  })
  // Every truncation point fails cleanly (a fuzz-style sweep over the real file).
  for (let i = 1; i < 40; i++) {
    const at = Math.floor((bytes.length * i) / 40)
    fs.writeFileSync(cut, bytes.subarray(0, at))
    assert.throws(() => inspectSnapshotSync(cut), (err) => {
      assert.equal(err.code, 'ERR_LEAKGUARD_SNAPSHOT')
      const where = Number(/byte (\d+)\)$/.exec(err.message)?.[1])
      assert.ok(where <= at, err.message)
      return true
    })
  }
  const corrupt = path.join(dir, 'corrupt.heapsnapshot')
  const edgesAt = bytes.indexOf('"edges":[') + 9
  const bad = Buffer.from(bytes)
  bad.write('x', edgesAt + 5)
  fs.writeFileSync(corrupt, bad)
  await assert.rejects(inspectSnapshot(corrupt), {
    code: 'ERR_LEAKGUARD_SNAPSHOT',
    message: new RegExp(`section "edges", byte ${edgesAt + 5}\\)$`),
  })
  const foreign = path.join(dir, 'package.json')
  fs.writeFileSync(foreign, '{"name": "not-a-snapshot", "version": "1.0.0"}')
  await assert.rejects(inspectSnapshot(foreign), {
    message: `${foreign} is not a valid heap snapshot: the "snapshot" section is missing (section "end", byte 46)`,
  })
  const missing = path.join(dir, 'nope.heapsnapshot')
  assert.throws(() => compareSnapshotsSync(missing, B), {
    code: 'ERR_LEAKGUARD_SNAPSHOT',
    message: `cannot read heap snapshot ${missing}: No such file or directory (os error 2)`,
  })
})

/** A three-node snapshot; `extra` is spliced in after its "nodes" section. */
function tinySnapshot(extra = '') {
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'detachedness'],
    node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'], 'string', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
  }
  return (
    `{"snapshot":${JSON.stringify({ meta, node_count: 3, edge_count: 2 })},` +
    `"nodes":[9,0,1,0,2,0,3,1,3,40,1,0,3,2,5,24,0,0]${extra},` +
    '"edges":[1,0,6,2,3,12],"strings":["","Foo","Bar","x"]}'
  )
}

test('a repeated section is an ERR_LEAKGUARD_SNAPSHOT error naming it, never an abort', async (t) => {
  // A second, shorter "nodes" section once got past the reader and made the
  // graph code index out of bounds: on the libuv pool that aborted Node. The
  // reader refuses it now, and a panic would still reject (binding/error.rs guard).
  const file = path.join(dir, 'dup-nodes.heapsnapshot')
  const text = tinySnapshot(',"nodes":[9,0,1,0,2,0]')
  fs.writeFileSync(file, text)
  const script = `
    const { inspectSnapshot, inspectSnapshotSync, compareSnapshots } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const f = process.argv[1]
    const outcome = (e) => ({ name: e.name, code: e.code, message: e.message })
    let sync
    try { inspectSnapshotSync(f) } catch (e) { sync = outcome(e) }
    Promise.all([inspectSnapshot(f).catch(outcome), compareSnapshots(f, f).catch(outcome)])
      .then(([inspect, compare]) => console.log(JSON.stringify({ sync, inspect, compare })))`
  const api = await run(t, ['-e', script, file])
  assert.equal(api.code, 0, api.stderr)
  const error = {
    name: 'Error',
    code: 'ERR_LEAKGUARD_SNAPSHOT',
    message: `${file} is not a valid heap snapshot: the "nodes" section is repeated (section "top level", byte ${text.lastIndexOf('"nodes"') + 7})`,
  }
  assert.deepEqual(JSON.parse(api.stdout), { sync: error, inspect: error, compare: error })
  assert.equal(api.stderr, '', 'no panic report or backtrace on stderr')

  for (const args of [['inspect', file], ['diff', file, file]]) {
    const cli = await run(t, [CLI, ...args])
    assert.equal(cli.code, 1, cli.stderr)
    assert.match(cli.stderr, /^leakguard: [^\n]+\n$/, 'one line of error, nothing else')
  }
})

test('bad options are TypeErrors and RangeErrors naming the option and value', async () => {
  await assert.rejects(compareSnapshots(A, B, { top: 0 }), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'top must be between 1 and 1000000, got 0',
  })
  await assert.rejects(compareSnapshots(A, B, { top: '5' }), { name: 'TypeError', message: "top must be an integer, got '5'" })
  await assert.rejects(compareSnapshots(A, B, { depth: 3 }), {
    name: 'TypeError',
    message: "unknown option 'depth'; expected one of top, paths, samples",
  })
  await assert.rejects(inspectSnapshot(B, { paths: 1 }), { name: 'TypeError', message: "unknown option 'paths'; expected one of top" })
  await assert.rejects(compareSnapshots(42, B), {
    name: 'TypeError',
    message: 'base must be a file path (string or file: URL), got 42',
  })
  assert.throws(() => inspectSnapshotSync(B, null), { name: 'TypeError', message: 'options must be an object, got null' })
  // file: URLs, as URL objects (like fs) or strings; anything else that looks like a URL is a bad argument.
  const local = 'base must be a file path or a file: URL on this host'
  await assert.rejects(compareSnapshots(new URL('http://example.com/a.heapsnapshot'), B), {
    name: 'TypeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: `${local}, got 'http://example.com/a.heapsnapshot' (The URL must be of scheme file)`,
  })
  assert.throws(() => compareSnapshotsSync(new URL('file://otherhost/tmp/a'), B), {
    name: 'TypeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: `${local}, got 'file://otherhost/tmp/a' (File URL host must be "localhost" or empty on linux)`,
  })
  await assert.rejects(inspectSnapshot('file://otherhost/tmp/a'), {
    code: 'ERR_LEAKGUARD_OPTION',
    message: `path must be a file path or a file: URL on this host, got 'file://otherhost/tmp/a' (File URL host must be "localhost" or empty on linux)`,
  })
  const byString = await compareSnapshots(pathToFileURL(A).href, `file://localhost${B}`, { top: 3, paths: 0 })
  assert.deepEqual(byString.classes, (await compareSnapshots(A, B, { top: 3, paths: 0 })).classes)
  assert.equal(byString.base.path, A)
  const r = await inspectSnapshot(new URL(`file://${B}`), { top: 2 })
  assert.equal(r.classes.length, 2)
  assert.ok(r.classes[0].retainedSize >= r.classes[1].retainedSize)
  assert.match(formatInspect(r), /^Class\s+Count\s+Self size\s+Retained size$/m)
})

test('CLI: diff and inspect print text or JSON; bad input exits non-zero', async (t) => {
  const diff = await run(t, [CLI, 'diff', A, B, '--top', '5'])
  assert.equal(diff.code, 0, diff.stderr)
  assert.match(diff.stdout, /^LeakyThing\s+5,000\s+0\s+\+5,000\s/m)
  assert.match(diff.stdout, /─leaks→ Map @\d+\n/)

  const json = await run(t, [CLI, 'diff', A, B, '--top', '5', '--paths', '1', '--samples', '2', '--json'])
  assert.equal(json.code, 0, json.stderr)
  const report = JSON.parse(json.stdout)
  assert.equal(report.classes.length, 5)
  const traced = report.classes.filter((c) => c.retainerPaths.length > 0)
  assert.equal(traced.length, 1)
  assert.ok(traced[0].retainerPaths.length >= 1 && traced[0].retainerPaths.length <= 2)
  assert.equal(traced[0].retainerPathCounts.length, traced[0].retainerPaths.length)
  assert.equal(report.classes.find((c) => c.name === 'LeakyThing').countDelta, LEAKED)

  const inspect = await run(t, [CLI, 'inspect', B, '--top', '3', '--json'])
  assert.equal(inspect.code, 0, inspect.stderr)
  assert.deepEqual(JSON.parse(inspect.stdout), await inspectSnapshot(B, { top: 3 }))

  const foreign = await run(t, [CLI, 'inspect', CLI])
  assert.equal(foreign.code, 1)
  assert.equal(foreign.stdout, '')
  assert.match(foreign.stderr, /^leakguard: .*leakguard\.js is not a valid heap snapshot: expected '\{' at the start/)

  const usage = await run(t, [CLI, 'diff', A])
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /diff takes BASE and TARGET, got 1 argument/)
  const badTop = await run(t, [CLI, 'inspect', B, '--top', 'lots'])
  assert.equal(badTop.code, 2)
  assert.match(badTop.stderr, /--top must be a non-negative integer, got "lots"/)
  const unknown = await run(t, [CLI, 'frobnicate'])
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /unknown command "frobnicate"/)

  const help = await run(t, [CLI, '--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^ {2}diff {6}what grew between two heap snapshots/m)
  const diffHelp = await run(t, [CLI, 'diff', '--help'])
  assert.equal(diffHelp.code, 0)
  assert.match(diffHelp.stdout, /Usage: leakguard diff BASE TARGET/)
})

test('CLI: a reader that closes the pipe early (| head) ends it quietly, status 0', async (t) => {
  const child = spawn(process.execPath, [CLI, 'diff', A, B, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => child.kill())
  child.stdout.destroy() // gone before the report is written: its write fails with EPIPE
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const [code, signal] = await new Promise((resolve) => child.on('close', (...r) => resolve(r)))
  assert.equal(stderr, '')
  assert.deepEqual({ code, signal }, { code: 0, signal: null })
})

test('CLI: a snapshot can come through a pipe (/dev/stdin), plain or gzip', async (t) => {
  const gz = path.join(dir, 'b-pipe.heapsnapshot.gz')
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(B), { level: 1 }))
  const want = await compareSnapshots(A, B, { top: 3 })
  for (const file of [B, gz]) {
    // `cat FILE | leakguard diff A /dev/stdin`: a real pipe, which cannot seek
    const sh = 'cat "$1" | "$2" "$3" diff "$4" /dev/stdin --top 3 --json'
    const piped = await run(t, ['-c', sh, 'sh', file, process.execPath, CLI, A], { command: '/bin/sh' })
    assert.equal(piped.code, 0, piped.stderr)
    const got = JSON.parse(piped.stdout)
    assert.equal(got.target.path, '/dev/stdin')
    assert.deepEqual(got.classes, want.classes)
  }
})

test('a swapped pair is still compared, but flagged: baseLooksNewer, and a warning from the CLI', async (t) => {
  assert.equal((await compareSnapshots(A, B, { paths: 0 })).baseLooksNewer, false)
  const swapped = await compareSnapshots(B, A, { top: 1e6, paths: 0 })
  assert.equal(swapped.baseLooksNewer, true)
  assert.equal(swapped.classes.find((c) => c.name === 'LeakyThing').countDelta, -LEAKED)

  const cli = await run(t, [CLI, 'diff', B, A, '--top', '3', '--paths', '0'])
  assert.equal(cli.code, 0, cli.stderr)
  assert.equal(
    cli.stderr,
    'leakguard: warning: BASE looks newer than TARGET: nearly all objects only BASE holds have ids above every id in ' +
      "TARGET, and V8's ids only grow within a process. If both snapshots come from one process, swap them: " +
      `leakguard diff ${A} ${B}\n`
  )
  const right = await run(t, [CLI, 'diff', A, B, '--top', '3', '--paths', '0'])
  assert.equal(right.stderr, '')

  // Another process numbers its own objects: ids interleave, and though its
  // snapshot is the smaller (its highest id below B's), nothing is flagged.
  const other = path.join(dir, 'other.heapsnapshot')
  const program = `class Other { constructor(i) { this.i = i } }
    const keep = []; for (let i = 0; i < 1000; i++) keep.push(new Other(i))
    require('node:v8').writeHeapSnapshot(${JSON.stringify(other)})`
  const { code, stderr } = await run(t, ['-e', program])
  assert.equal(code, 0, stderr)
  assert.equal((await compareSnapshots(B, other, { paths: 0 })).baseLooksNewer, false)
})

test('a path through a linked list prints each run of the same hop once, with ×N', () => {
  const step = (edgeName, className, id, nodeType = 'object') => ({ edgeType: 'property', edgeName, className, name: className, nodeType, id, selfSize: 8 })
  const list = Array.from({ length: 460 }, (_, i) => step('_idleNext', 'Timeout', 1001 + 2 * i))
  const steps = [
    { className: '(synthetic)', name: '', nodeType: 'synthetic', id: 1, selfSize: 0 },
    step('list', 'TimersList', 501),
    ...list,
    step('_onTimeout', '(closure)', 9001, 'closure'),
  ]
  const cls = { name: 'Timeout', baseCount: 0, targetCount: 460, newCount: 460, deletedCount: 0, countDelta: 460, allocatedSize: 0, freedSize: 0, sizeDelta: 0, retainedSize: 0 }
  const report = {
    base: { path: 'a', nodeCount: 1, edgeCount: 0, totalSize: 0 },
    target: { path: 'b', nodeCount: 1, edgeCount: 0, totalSize: 0 },
    changedClasses: 1,
    newCount: 460,
    deletedCount: 0,
    sizeDelta: 0,
    baseLooksNewer: false,
    classes: [{ ...cls, retainerPaths: [steps], retainerPathCounts: [460], sampledCount: 460 }],
  }
  const text = formatDiff(report)
  assert.match(
    text,
    /\n {4}\(root\)\n {4}─list→ TimersList @501\n {4}─_idleNext→ Timeout ×460 \(@1001 … @1919\)\n {4}─_onTimeout→ \(closure\) "\(closure\)" @9001$/
  )
  assert.ok(text.split('\n').length < 20, text)
  // Two in a row stay as they are.
  const two = formatDiff({ ...report, classes: [{ ...report.classes[0], retainerPaths: [[steps[0], ...list.slice(0, 2)]] }] })
  assert.match(two, /─_idleNext→ Timeout @1001\n {4}─_idleNext→ Timeout @1003$/)
  // The leak report's one-line form folds the same way.
  assert.equal(pathText(steps), '(root) -> list -> TimersList -> _idleNext -> Timeout ×460 -> _onTimeout -> (closure)')
})

// Per "request", a listener closure that keeps the request's context alive.
const LISTENER_PROGRAM = `
const v8 = require('node:v8')
const path = require('node:path')
const { EventEmitter } = require('node:events')
const [dir] = process.argv.slice(2)
const bus = new EventEmitter()
bus.setMaxListeners(0)
class RequestCtx { constructor(i) { this.id = i } }
function handle(i) {
  const req = new RequestCtx(i)
  bus.on('close', () => { req.closed = true }) // LEAK
}
for (let i = 0; i < 10; i++) handle(i)
v8.writeHeapSnapshot(path.join(dir, 'listeners-a.heapsnapshot'))
for (let i = 0; i < 1000; i++) handle(i)
v8.writeHeapSnapshot(path.join(dir, 'listeners-b.heapsnapshot'))
`

test("a leaked listener's path names the line that added it", async (t) => {
  const { file: program, report } = await diffProgram(t, 'listeners', LISTENER_PROGRAM)
  const lines = LISTENER_PROGRAM.split('\n')
  const at = lines.findIndex((l) => l.includes('// LEAK'))
  // V8 places an arrow function at its parameter list, 1-based as stack traces count.
  const site = `${program}:${at + 1}:${lines[at].indexOf('() =>') + 1}`

  const closures = report.classes.find((c) => c.name === '(closure)')
  assert.equal(closures.countDelta, 1000)
  const leaked = closures.retainerPaths[0].at(-1)
  assert.equal(leaked.location, site)
  assert.equal(closures.retainerPaths[0].at(-2).edgeName, 'close')
  // The context it keeps alive is reached through it: the path says where it was made.
  const ctx = report.classes.find((c) => c.name === 'RequestCtx').retainerPaths[0]
  assert.equal(ctx.at(-3).location, site)
  assert.equal(ctx.at(-1).edgeName, 'req')
  assert.match(formatDiff(report), new RegExp(`─\\[\\d+\\]→ \\(closure\\) ${site.replace(/[.]/g, '\\.')} @\\d+\\n`))
  assert.ok(pathText(ctx).includes(`-> (closure) ${site} -> context ->`), pathText(ctx))
})

// 1,000 values in a WeakMap whose keys an array keeps alive.
const WEAKMAP_PROGRAM = `
const v8 = require('node:v8')
const path = require('node:path')
const dir = process.argv[2]
class Cached { constructor(i) { this.i = i } }
const cache = new WeakMap()
const keys = []
function add(n) { for (let i = 0; i < n; i++) { const k = {}; keys.push(k); cache.set(k, new Cached(i)) } }
add(10)
v8.writeHeapSnapshot(path.join(dir, 'weakmap-a.heapsnapshot'))
add(1000)
v8.writeHeapSnapshot(path.join(dir, 'weakmap-b.heapsnapshot'))
`

test("a WeakMap's values share one path: its entries' edge names are slots, not names", async (t) => {
  const { report } = await diffProgram(t, 'weakmap', WEAKMAP_PROGRAM)
  const cached = report.classes.find((c) => c.name === 'Cached')
  assert.equal(cached.countDelta, 1000)
  assert.equal(cached.sampledCount, 1000)
  // V8 names each entry's edge "<slot> / part of key (...) -> value (...) pair in WeakMap (...)".
  assert.match(cached.retainerPaths[0].at(-1).edgeName, /^\d+ \/ part of key/)
  assert.deepEqual(cached.retainerPathCounts, [1000])
  assert.ok(cached.retainerPaths[0].some((s) => s.edgeName === 'cache'), pathText(cached.retainerPaths[0]))
})

// 1,000 objects each in three dictionaries: an object keyed by strings, one
// keyed by symbols, and globalThis.
const DICTIONARY_PROGRAM = `
const v8 = require('node:v8')
const path = require('node:path')
const dir = process.argv[2]
class Session { constructor(i) { this.i = i; this.data = { payload: 'p' + i } } }
class Tagged { constructor(i) { this.i = i } }
class OnGlobal { constructor(i) { this.i = i } }
const sessions = {}
const tagged = {}
function add(n, round) {
  for (let i = 0; i < n; i++) {
    sessions['sess-' + round + '-' + i] = new Session(i)
    tagged[Symbol('tag' + round + '-' + i)] = new Tagged(i)
    globalThis['onGlobal' + round + '_' + i] = new OnGlobal(i)
  }
}
add(10, 0)
v8.writeHeapSnapshot(path.join(dir, 'dict-a.heapsnapshot'))
add(1000, 1)
v8.writeHeapSnapshot(path.join(dir, 'dict-b.heapsnapshot'))
`

test("a dictionary's values share one path: keys that each lead to one object are not grouped apart", async (t) => {
  const { report } = await diffProgram(t, 'dict', DICTIONARY_PROGRAM, { top: 1e6, paths: 1e3 })
  for (const [name, holder] of [
    ['Session', 'sessions'],
    ['Tagged', 'tagged'],
    ['OnGlobal', 'global'],
  ]) {
    const c = report.classes.find((x) => x.name === name)
    assert.equal(c.countDelta, 1000, name)
    assert.equal(c.sampledCount, 1000, name)
    assert.equal(c.retainerPathCounts[0], 1000, `${name}: ${c.retainerPathCounts}`)
    const p = c.retainerPaths[0]
    assert.ok(p.at(-2).edgeName === holder || p.at(-2).className === holder, `${name}: ${pathText(p)}`)
  }
  // What the values hold is grouped through them: the new strings are the
  // keys (internalized), the sessions' payloads and the symbols' descriptions.
  const strings = report.classes.find((x) => x.name === '(string)')
  const shown = strings.retainerPaths.map((p) => pathText(p)).join('\n')
  // (A few others, such as the snapshot's file name, may be among them.)
  const top3 = strings.retainerPathCounts.slice(0, 3).reduce((a, b) => a + b)
  assert.ok(top3 >= strings.sampledCount - 10, `${strings.retainerPathCounts}\n${shown}`)
  assert.ok(strings.retainerPaths.some((p) => p.at(-1).edgeName === 'payload'), shown)
})
