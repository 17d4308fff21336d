'use strict'
// writeSnapshot against v8.writeHeapSnapshot on a heap of about HEAP_MB (default 200)
// MB, in one child process: event-loop pause (the longest gap a 1 ms timer sees),
// total time, and file size with and without gzip. Run: npm run bench:snapshot
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const HEAP_MB = Number(process.env.HEAP_MB || 200)
const child = `
  const v8 = require('node:v8')
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const { writeSnapshot } = require(${JSON.stringify(path.join(__dirname, '..'))})
  const keep = []
  while (process.memoryUsage().heapUsed < ${HEAP_MB} * 1048576) {
    const block = []
    for (let i = 0; i < 10000; i++) block.push({ id: i, name: 'user-' + i, tags: ['a', 'b'], at: Date.now() })
    keep.push(block)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-'))
  // the longest event-loop gap while a snapshot is taken
  async function measure(run) {
    let last = performance.now(), worst = 0
    const timer = setInterval(() => { const n = performance.now(); worst = Math.max(worst, n - last); last = n }, 1)
    await new Promise((r) => setTimeout(r, 50))
    last = performance.now()
    const t0 = performance.now()
    const out = await run()
    const total = performance.now() - t0
    await new Promise((r) => setTimeout(r, 20))
    clearInterval(timer)
    return { pause: worst, total, bytes: out }
  }
  ;(async () => {
    const rows = {}
    rows['v8.writeHeapSnapshot'] = await measure(async () => fs.statSync(v8.writeHeapSnapshot(path.join(dir, 'v8.heapsnapshot'))).size)
    rows['writeSnapshot'] = await measure(async () => (await writeSnapshot({ dir, log: false, keep: 0 })).bytes)
    rows['writeSnapshot gzip'] = await measure(async () => (await writeSnapshot({ dir, log: false, keep: 0, gzip: true })).bytes)
    fs.rmSync(dir, { recursive: true, force: true })
    console.log(JSON.stringify({ heapMB: process.memoryUsage().heapUsed / 1048576, rows }))
  })()
`
const r = spawnSync(process.execPath, ['--max-old-space-size=4096', '-e', child], { encoding: 'utf8', timeout: 600_000 })
if (r.status !== 0) {
  console.error(r.stderr)
  process.exit(1)
}
const { heapMB, rows } = JSON.parse(r.stdout)
const base = rows['v8.writeHeapSnapshot']
console.log(`heap used ${heapMB.toFixed(0)} MB, Node ${process.version}\n`)
console.log('| method | event-loop pause (ms) | pause vs v8 | total (ms) | file (MB) |')
console.log('|---|---:|---:|---:|---:|')
for (const [name, v] of Object.entries(rows)) {
  console.log(`| ${name} | ${v.pause.toFixed(0)} | ${(v.pause / base.pause).toFixed(2)} | ${v.total.toFixed(0)} | ${(v.bytes / 1048576).toFixed(1)} |`)
}
