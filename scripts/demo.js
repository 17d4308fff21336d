#!/usr/bin/env node
'use strict'
// `npm run demo`: runs examples/leaky-express/leaky.js under leakguard, loads
// it, takes two heap snapshots by signal, diffs them, and prints what leaks and
// where; then the same for fixed.js, which stays flat. DEMO_SECONDS sets the
// length of each load phase (default 20; warm-up is a third of it).
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { compareSnapshots } = require('..')
const { Service, ROOT } = require('./demo/service')
const { drive } = require('./demo/load')
const { render } = require('./demo/report')

const SECONDS = positive('DEMO_SECONDS', 20)
const RATE = positive('DEMO_RATE', 300) // requests/s, kept modest: the leaky service keeps every response
const EXAMPLE = path.join(ROOT, 'examples', 'leaky-express')

function positive(name, dflt) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return dflt
  const v = Number(raw)
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`${name} must be a positive number, got ${JSON.stringify(raw)}\n`)
    process.exit(2)
  }
  return v
}

const services = new Set()
// Long enough for fixed.js's cache to fill, so what remains is steady state.
const warmup = () => Math.max(2, Math.round(SECONDS / 3))

async function examine(file, dir) {
  const env = {
    LEAKGUARD_SNAPSHOT_DIR: dir,
    LEAKGUARD_SNAPSHOT_MIN_INTERVAL: '0', // A and B are seconds apart, not the default minute
    LEAKGUARD_SNAPSHOT_KEEP: '4',
    LEAKGUARD_AUDIT: '1',
    LEAKGUARD_AUDIT_WINDOW_MS: '1000',
    LEAKGUARD_MONITOR: '1',
    LEAKGUARD_MONITOR_INTERVAL_MS: '250',
    LEAKGUARD_MONITOR_MIN_SAMPLES: '8',
    // The whole load phase: a shorter window holds too few GC floors to judge
    // each quarter of it on, and missed the leak in about half the runs.
    LEAKGUARD_MONITOR_WINDOW_MS: String(Math.max(4000, Math.round(SECONDS * 1000))),
    // leaky.js leaks about 100 MB/min; the default 1 MiB/min, over seconds,
    // is within the rss noise of fixed.js (an alarm at 4–10 MB/min, 2 runs in 5).
    LEAKGUARD_MONITOR_THRESHOLD_BYTES_PER_MINUTE: String(16 * 1024 * 1024),
    // Judge from the measured phase on: start-up and the cache filling are not leaks.
    LEAKGUARD_MONITOR_WARMUP_MS: String(warmup() * 1000),
  }
  const svc = new Service(file, env)
  services.add(svc)
  process.stdout.write(`running ${path.relative(ROOT, file)} (pid ${svc.child.pid}) under -r register.js ...\n`)
  try {
    const url = await svc.url()
    const t0 = Date.now()
    const warm = await drive(url, { seconds: warmup(), rate: RATE, seed: 1e6 })
    const a = await svc.snapshot()
    const statsA = await svc.stats()
    const load = await drive(url, { seconds: SECONDS, rate: RATE, seed: 2e6 })
    const b = await svc.snapshot()
    const statsB = await svc.stats()
    const diff = await compareSnapshots(a.path, b.path, { top: 80, paths: 80, samples: 1 })
    return {
      file: path.relative(ROOT, file),
      requests: warm.requests + load.requests,
      non2xx: warm.non2xx + load.non2xx,
      seconds: (Date.now() - t0) / 1000,
      a,
      b,
      statsA,
      statsB,
      diff,
      startedAt: svc.startedAt,
      monitor: svc.events.filter((e) => e.event === 'leak' || e.event === 'recovered'),
    }
  } finally {
    await svc.stop()
    services.delete(svc)
  }
}

async function stopAll() {
  await Promise.all([...services].map((s) => s.stop()))
}

let snapshotDir = null

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const s of services) s.child.kill('SIGKILL')
    if (snapshotDir !== null) fs.rmSync(snapshotDir, { recursive: true, force: true })
    process.exit(128 + os.constants.signals[sig])
  })
}
process.on('exit', () => {
  for (const s of services) if (!s.exited) s.child.kill('SIGKILL')
})

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-demo-'))
  snapshotDir = dir
  const started = Date.now()
  try {
    process.stdout.write(
      `leakguard demo: ${SECONDS}s of load at ${RATE} req/s on each service (warm-up ${warmup()}s)\n`
    )
    const leaky = await examine(path.join(EXAMPLE, 'leaky.js'), dir)
    const fixed = await examine(path.join(EXAMPLE, 'fixed.js'), dir)
    process.stdout.write('\n')
    process.stdout.write(render(leaky, fixed, { root: ROOT }))
    process.stdout.write(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  } finally {
    await stopAll()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch(async (err) => {
  process.stderr.write(`demo failed: ${err.stack || err}\n`)
  await stopAll()
  process.exitCode = 1
})
