'use strict'
// `leakguard diff` against memlab on the same two snapshots, plus the floor
// (streaming the files and parsing their integers, storing nothing).
//
//   npm run bench:heapdiff                       # two ~500 MB snapshots
//   npm run bench:heapdiff -- --size 100         # two ~100 MB snapshots
//   npm run bench:heapdiff -- --dir /big/disk --keep   # reuse files between runs
//
// Each contender runs in its own process; wall time is from spawn to exit,
// CPU time (all threads, user + system) and peak RSS are the process's own.
// On a shared machine CPU time is the steadier comparison.
const { spawn, execFileSync } = require('node:child_process')
const { parseArgs } = require('node:util')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: process.env.HEAPDIFF_MB || '500' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'leakguard-heapdiff-bench') },
    keep: { type: 'boolean', default: false },
    'skip-memlab': { type: 'boolean', default: false },
  },
})
const sizeMb = Number(args.size)
if (!(sizeMb >= 1)) throw new RangeError(`--size must be a number of MB >= 1, got ${args.size}`)
const root = path.join(__dirname, '..')
const dir = path.join(args.dir, `${sizeMb}mb`)
const A = path.join(dir, 'a.heapsnapshot')
const B = path.join(dir, 'b.heapsnapshot')

/** Spawns a process; resolves with its stdout's last line as JSON and the wall time. */
function measure(cmd, argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      if (code !== 0) return reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err.slice(-2000)}`))
      const last = out.trim().split('\n').at(-1)
      resolve({ seconds, ...JSON.parse(last) })
    })
  })
}

// A child script reports its result and its own peak RSS (KB) as one JSON line.
const REPORT =
  'const u = process.resourceUsage(); process.stdout.write("\\n" + JSON.stringify({ ...r, maxRSS: u.maxRSS, ' +
  'cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }) + "\\n")'

const OURS = `
const { compareSnapshots } = require(${JSON.stringify(root)})
compareSnapshots(process.argv[1], process.argv[2]).then((d) => {
  const r = { classes: d.changedClasses, top: d.classes.slice(0, 5).map((c) => [c.name, c.countDelta, c.sizeDelta]),
    leaky: d.classes.find((c) => c.name === 'LeakyThing')?.countDelta }
  ${REPORT}
})`

// memlab loads each snapshot (parse, dominators, retained sizes), then the
// same DevTools grouping and id matching is done over its nodes.
const MEMLAB = `
const memlab = require('@memlab/core')
memlab.config.muteConsole = true
const { getFullHeapFromFile } = require('@memlab/heap-analysis')
const cls = (n) => n.type === 'object' || n.type === 'native' ? n.name
  : n.type === 'hidden' ? '(system)' : n.type === 'code' ? '(compiled code)' : '(' + n.type + ')'
function groups(heap) {
  const m = new Map()
  heap.nodes.forEach((n) => {
    if (n.self_size === 0 && n.type !== 'native') return
    const c = cls(n)
    let g = m.get(c)
    if (!g) m.set(c, (g = new Map()))
    g.set(n.id, n.self_size)
  })
  return m
}
;(async () => {
  const a = groups(await getFullHeapFromFile(process.argv[1]))
  const b = groups(await getFullHeapFromFile(process.argv[2]))
  const rows = []
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name) ?? new Map()
    const y = b.get(name) ?? new Map()
    let added = 0, removed = 0, alloc = 0, freed = 0
    for (const [id, s] of y) if (!x.has(id)) { added++; alloc += s }
    for (const [id, s] of x) if (!y.has(id)) { removed++; freed += s }
    if (added || removed) rows.push([name, added - removed, alloc - freed])
  }
  rows.sort((p, q) => q[2] - p[2] || q[1] - p[1] || (p[0] < q[0] ? -1 : 1))
  const r = { classes: rows.length, top: rows.slice(0, 5), leaky: rows.find((x) => x[0] === 'LeakyThing')?.[1] }
  ${REPORT}
})()`

async function main() {
  fs.mkdirSync(dir, { recursive: true })
  if (!fs.existsSync(A) || !fs.existsSync(B)) {
    // About 1.1 KB of snapshot per unit (a Session and a CacheEntry with their parts).
    const units = Math.round(sizeMb * 890)
    console.log(`writing two ~${sizeMb} MB snapshots (${units} units) into ${dir} ...`)
    const t0 = Date.now()
    await measure(process.execPath, ['--max-old-space-size=8192', path.join(__dirname, 'heap-program.js'), dir, String(units)])
    console.log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  const floorBin = path.join(root, 'target', 'heap-floor')
  if (!fs.existsSync(floorBin)) {
    fs.mkdirSync(path.dirname(floorBin), { recursive: true })
    execFileSync('rustc', ['-O', path.join(__dirname, 'heap-floor.rs'), '-o', floorBin])
  }
  const mb = (f) => fs.statSync(f).size / 2 ** 20
  console.log(`base ${mb(A).toFixed(0)} MB, target ${mb(B).toFixed(0)} MB; ${os.cpus().length} CPUs, node ${process.version}\n`)

  const rows = []
  const floor = await measure(floorBin, [A, B])
  rows.push(['floor (read + parse integers)', floor])
  const ours = await measure(process.execPath, ['-e', OURS, A, B])
  rows.push(['leakguard compareSnapshots', ours])
  let theirs
  if (!args['skip-memlab']) {
    const heapMb = Math.min(Math.floor(os.totalmem() / 2 ** 20) - 1024, 32768)
    theirs = await measure(process.execPath, [`--max-old-space-size=${heapMb}`, '-e', MEMLAB, A, B])
    rows.push(['memlab (load both + group diff)', theirs])
  }

  const header = ['', 'wall time', 'CPU time', 'peak RSS', 'wall vs ours', 'CPU vs ours', 'RSS vs ours']
  const body = rows.map(([name, r]) => [
    name,
    `${r.seconds.toFixed(2)} s`,
    `${r.cpu.toFixed(2)} s`,
    `${(r.maxRSS / 1024).toFixed(0)} MB`,
    `${(r.seconds / ours.seconds).toFixed(2)}×`,
    `${(r.cpu / ours.cpu).toFixed(2)}×`,
    `${((100 * r.maxRSS) / ours.maxRSS).toFixed(0)}%`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  for (const line of [header, ...body]) {
    console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
  }
  if (theirs) {
    console.log(
      `\nleakguard is ${(theirs.seconds / ours.seconds).toFixed(1)}× faster than memlab in wall time ` +
        `(${(theirs.cpu / ours.cpu).toFixed(1)}× in CPU time; goal ≥ 10×) ` +
        `at ${((100 * ours.maxRSS) / theirs.maxRSS).toFixed(0)}% of its peak RSS (goal ≤ 25%).`
    )
    const agree = ours.classes === theirs.classes && JSON.stringify(ours.top) === JSON.stringify(theirs.top)
    console.log(`results agree (changed classes, top 5 by size delta, LeakyThing +${ours.leaky}): ${agree ? 'yes' : 'NO'}`)
    if (!agree) console.log({ ours: ours.top, memlab: theirs.top })
  }
  if (!args.keep) fs.rmSync(dir, { recursive: true, force: true })
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
