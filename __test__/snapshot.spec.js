'use strict'
// Heap snapshots on a signal, as an operator uses them: a child started with
// -r register.js, real signals, real files on disk.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const http = require('node:http')
const { spawn } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const { writeSnapshot, installSnapshotSignal } = require('..')

const REGISTER = path.join(__dirname, '..', 'register.js')
// os.hostname() as it appears in snapshot file names
const HOST = require('../lib/native').snapshotHostName(os.hostname())
const HOST_RE = HOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const SERVER = `
  const http = require('node:http')
  const keep = Array.from({ length: 20000 }, (_, i) => ({ i, s: 'item' + i }))
  http.createServer((req, res) => res.end(String(keep.length))).listen(0, '127.0.0.1', function () {
    console.log(this.address().port)
  })
`

function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-snap-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Starts the server child with the register module; resolves once it listens. */
function startChild(t, env, { nodeArgs = [], ...spawnOptions } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, '-r', REGISTER, '-e', SERVER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOptions,
  })
  t.after(() => child.kill('SIGKILL'))
  const lines = []
  const waiters = []
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (d) => {
    err += d
    let i
    while ((i = err.indexOf('\n')) >= 0) {
      const line = err.slice(0, i)
      err = err.slice(i + 1)
      if (!line.startsWith('leakguard: ')) continue
      lines.push(JSON.parse(line.slice('leakguard: '.length)))
      for (const w of [...waiters]) w()
    }
  })
  const waitFor = (pred, ms = 20_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = lines.find(pred)
        if (hit) {
          waiters.splice(waiters.indexOf(check), 1)
          clearTimeout(timer)
          resolve(hit)
        }
      }
      const timer = setTimeout(() => reject(new Error(`timed out; log: ${JSON.stringify(lines)}`)), ms)
      waiters.push(check)
      check()
    })
  const port = new Promise((resolve) => child.stdout.setEncoding('utf8').once('data', (d) => resolve(Number(d))))
  return { child, lines, waitFor, port }
}

/** The first `leakguard: {…}` line on `child`'s stderr matching `re` (its JSON in group 1), parsed. */
function firstLogLine(child, re) {
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = re.exec(stderr)
      if (m) {
        clearInterval(timer)
        resolve(JSON.parse(m[1]))
      }
    }, 50)
    child.once('exit', () => {
      clearInterval(timer)
      reject(new Error(`exited: ${stderr}`))
    })
  })
}

function get(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d)).on('end', () => resolve(body))
    }).on('error', reject)
  })
}

function readSnapshot(file) {
  let buf = fs.readFileSync(file)
  if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf)
  return JSON.parse(buf.toString('utf8'))
}

function assertHeapSnapshot(file) {
  const snap = readSnapshot(file)
  assert.ok(Array.isArray(snap.snapshot.meta.node_fields), 'snapshot.meta.node_fields')
  assert.ok(snap.nodes.length > 0 && snap.edges.length > 0 && snap.strings.length > 0)
  assert.equal(snap.nodes.length, snap.snapshot.node_count * snap.snapshot.meta.node_fields.length)
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'mode 0600')
}

test('SIGUSR2 writes a whole, private, gzipped snapshot and leaves no temporary', async (t) => {
  const dir = tmpdir(t)
  const { child, waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir, LEAKGUARD_SNAPSHOT_GZIP: '1' })
  await port
  child.kill('SIGUSR2')
  const done = await waitFor((l) => l.event === 'snapshot')
  assert.match(path.basename(done.path), new RegExp(`^heap-\\d{8}T\\d{6}Z-${HOST_RE}-${child.pid}-1\\.heapsnapshot\\.gz$`))
  assert.equal(done.bytes, fs.statSync(done.path).size)
  assert.ok(done.pauseMs >= 0 && done.durationMs >= done.pauseMs)
  assertHeapSnapshot(done.path)
  assert.deepEqual(fs.readdirSync(dir), [path.basename(done.path)])
})

test("rotation keeps this host's newest N snapshots and never touches another host's", async (t) => {
  const dir = tmpdir(t)
  // other files: unrelated, another replica's (same PID 1, another pod name), and older than all of ours
  const others = [
    'unrelated.heapsnapshot',
    `heap-20200101T000000Z-${HOST}x-1-1.heapsnapshot`,
    `heap-20200101T000000Z-other-pod-1-1.heapsnapshot.gz`,
    'heap-20200101T000000Z-1-1.heapsnapshot',
  ]
  for (const name of others) fs.writeFileSync(path.join(dir, name), 'not ours')
  const { child, waitFor, lines, port } = startChild(t, {
    LEAKGUARD_SNAPSHOT_DIR: dir,
    LEAKGUARD_SNAPSHOT_KEEP: '2',
    LEAKGUARD_SNAPSHOT_MIN_INTERVAL: '0',
  })
  await port
  for (let n = 1; n <= 4; n++) {
    child.kill('SIGUSR2')
    await waitFor(() => lines.filter((l) => l.event === 'snapshot').length === n)
  }
  const written = lines.filter((l) => l.event === 'snapshot').map((l) => path.basename(l.path))
  assert.deepEqual(fs.readdirSync(dir).sort(), [...written.slice(2), ...others].sort())
})

test('a flood of 50 signals yields one snapshot per interval, and the child keeps serving', async (t) => {
  const dir = tmpdir(t)
  const { child, lines, waitFor, port } = startChild(t, {
    LEAKGUARD_SNAPSHOT_DIR: dir,
    LEAKGUARD_SNAPSHOT_MIN_INTERVAL: '60000',
  })
  const p = await port
  for (let i = 0; i < 50; i++) child.kill('SIGUSR2')
  await waitFor((l) => l.event === 'snapshot')
  assert.equal(await get(p), '20000', 'still answering')
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(lines.filter((l) => l.event === 'snapshot').length, 1)
  assert.equal(fs.readdirSync(dir).length, 1)
  // (the kernel merges a burst of one pending signal: how many of the 50 were dropped varies)
  const before = lines.filter((l) => l.event === 'snapshot-dropped').length
  assert.ok(before <= 1)
  // signals within the minute are dropped, and said so once (not once per signal): why, and when the next may come
  for (let i = 0; i < 5; i++) {
    child.kill('SIGUSR2')
    await new Promise((r) => setTimeout(r, 30))
  }
  const dropped = await waitFor((l) => l.event === 'snapshot-dropped' && l.reason === 'rate')
  assert.ok(dropped.retryAfterMs > 50_000 && dropped.retryAfterMs <= 60_000, String(dropped.retryAfterMs))
  assert.ok(Date.parse(dropped.nextAllowedAt) > Date.now() + 50_000)
  assert.match(dropped.message, /within minIntervalMs 60000/)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(lines.filter((l) => l.event === 'snapshot-dropped').length, before + 1, JSON.stringify(lines))
  assert.equal(lines.filter((l) => l.event === 'snapshot').length, 1)
})

test('a failed snapshot does not use up the minute: once the directory exists, a signal a second later works', async (t) => {
  const parent = tmpdir(t)
  const dir = path.join(parent, 'snaps')
  const { child, lines, waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir }) // default interval: 60 s
  await port
  child.kill('SIGUSR2')
  await waitFor((l) => l.event === 'snapshot-failed')
  fs.mkdirSync(dir)
  const t0 = Date.now()
  // the SRE retries; within the 1 s back-off a retry is dropped and says so
  const retry = setInterval(() => child.kill('SIGUSR2'), 250)
  t.after(() => clearInterval(retry))
  const done = await waitFor((l) => l.event === 'snapshot', 10_000)
  clearInterval(retry)
  assert.ok(Date.now() - t0 < 10_000)
  assert.equal(path.dirname(done.path), dir)
  for (const d of lines.filter((l) => l.event === 'snapshot-dropped')) {
    assert.ok(d.reason === 'failed' || d.reason === 'busy', JSON.stringify(d))
    if (d.reason === 'failed') assert.ok(d.retryAfterMs <= 1000)
  }
  assert.equal(lines.filter((l) => l.event === 'snapshot-failed').length, 1)
})

test('an unusable directory is logged, leaves no file anywhere, and the child lives', async (t) => {
  const parent = tmpdir(t)
  const missing = path.join(parent, 'no', 'such', 'dir')
  const { child, waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: missing, LEAKGUARD_SNAPSHOT_MIN_INTERVAL: '0' })
  const p = await port
  await waitFor((l) => l.event === 'snapshot-dir-unusable' && l.dir === missing)
  child.kill('SIGUSR2')
  const failed = await waitFor((l) => l.event === 'snapshot-failed')
  assert.equal(failed.code, 'ERR_LEAKGUARD_SNAPSHOT_DIR')
  assert.match(failed.message, /no[/]such[/]dir/)
  assert.equal(await get(p), '20000')
  assert.deepEqual(fs.readdirSync(parent), [])

  // a path that is a file, not a directory
  const file = path.join(parent, 'file')
  fs.writeFileSync(file, '')
  await assert.rejects(writeSnapshot({ dir: file }), { code: 'ERR_LEAKGUARD_SNAPSHOT_DIR', message: /not a directory/ })
  assert.deepEqual(fs.readdirSync(parent), ['file'])
})

test('a directory the process may not write to (child runs as nobody): logged, nothing left', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to start the child as another user')
  const dir = tmpdir(t)
  fs.chmodSync(dir, 0o755) // searchable by nobody, writable only by root
  const { child, waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir }, { uid: 65534, gid: 65534 })
  const p = await port
  await waitFor((l) => l.event === 'snapshot-dir-unusable')
  child.kill('SIGUSR2')
  const failed = await waitFor((l) => l.event === 'snapshot-failed')
  assert.equal(failed.code, 'ERR_LEAKGUARD_SNAPSHOT_DIR')
  assert.match(failed.message, /not writable \(permission denied\)/)
  assert.equal(await get(p), '20000')
  assert.deepEqual(fs.readdirSync(dir), [])
})

test('a read-only mount is reported as the directory (_DIR), not as a full disk or an I/O error', async (t) => {
  const { spawnSync } = require('node:child_process')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-snap-ro-'))
  // a small one (less free space than a snapshot needs) and a large one (enough)
  for (const size of ['1m', '4g']) {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},ro`, 'leakguard-ro', dir]).status !== 0) {
      fs.rmdirSync(dir)
      return t.skip('needs root to mount a read-only tmpfs')
    }
    try {
      await assert.rejects(writeSnapshot({ dir, log: false }), {
        code: 'ERR_LEAKGUARD_SNAPSHOT_DIR',
        message: /not writable \(read-only file system\)/,
      })
    } finally {
      spawnSync('umount', [dir])
    }
  }
  fs.rmdirSync(dir)
})

test('as PID 1 in its own PID namespace, `kill -USR2 1` from another process works', async (t) => {
  const probe = require('node:child_process').spawnSync('unshare', ['-fp', '--mount-proc', 'true'])
  if (probe.status !== 0) return t.skip('unshare of a PID namespace is not available here')
  const dir = tmpdir(t)
  // as `kubectl exec POD -- kill -USR2 1`: a second process in the namespace signals PID 1
  const script = `
    if (process.pid !== 1) throw new Error('not PID 1: ' + process.pid)
    require('node:child_process').execFile('kill', ['-USR2', '1'])
    setTimeout(() => process.exit(0), 20000)
  `
  const child = spawn('unshare', ['-fp', '--mount-proc', '--kill-child', process.execPath, '-r', REGISTER, '-e', script], {
    env: { ...process.env, LEAKGUARD_SNAPSHOT_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  t.after(() => child.kill('SIGKILL'))
  const line = await firstLogLine(child, /^leakguard: (\{"event":"snapshot",.*)$/m)
  assert.match(path.basename(line.path), /-1-1\.heapsnapshot$/, 'written by PID 1')
  assert.deepEqual(fs.readdirSync(dir), [path.basename(line.path)])
  assertHeapSnapshot(line.path)
})

test('two replicas sharing a volume, both PID 1 (own PID and UTS namespaces): files apart, rotation leaves the other alone', async (t) => {
  const probe = require('node:child_process').spawnSync('unshare', ['-u', '-fp', '--mount-proc', 'true'])
  if (probe.status !== 0) return t.skip('unshare of PID and UTS namespaces is not available here')
  const dir = tmpdir(t)
  const script = `
    require('node:child_process').execFile('kill', ['-USR2', '1'])
    setTimeout(() => process.exit(0), 20000)
  `
  const replica = (host) => {
    const child = spawn(
      'unshare',
      ['-u', '-fp', '--mount-proc', '--kill-child', 'sh', '-c', `hostname ${host} && exec "$0" -r "$1" -e "$2"`, process.execPath, REGISTER, script],
      { env: { ...process.env, LEAKGUARD_SNAPSHOT_DIR: dir, LEAKGUARD_SNAPSHOT_KEEP: '1' }, stdio: ['ignore', 'ignore', 'pipe'] }
    )
    t.after(() => child.kill('SIGKILL'))
    return firstLogLine(child, /^leakguard: (\{"event":"snapshot.*)$/m) // snapshot-failed too
  }
  const [a, b] = await Promise.all([replica('pod-a'), replica('pod-b')])
  assert.equal(a.event, 'snapshot', JSON.stringify(a))
  assert.equal(b.event, 'snapshot', JSON.stringify(b))
  assert.match(path.basename(a.path), /^heap-\d{8}T\d{6}Z-pod-a-1-1\.heapsnapshot$/)
  assert.match(path.basename(b.path), /^heap-\d{8}T\d{6}Z-pod-b-1-1\.heapsnapshot$/)
  // each kept its newest one (keep 1) and left the other's
  assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(a.path), path.basename(b.path)].sort())
  assertHeapSnapshot(a.path)
  assertHeapSnapshot(b.path)
})

test('SIGUSR1 and uncatchable signals are refused with a logged reason', async (t) => {
  for (const [signal, why] of [['SIGUSR1', /inspector/], ['SIGKILL', /cannot be caught/]]) {
    const { waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: tmpdir(t), LEAKGUARD_SNAPSHOT_SIGNAL: signal })
    const refused = await waitFor((l) => l.event === 'snapshot-config-refused')
    assert.match(refused.message, why)
    assert.equal(await get(await port), '20000')
  }
  assert.throws(() => installSnapshotSignal({ signal: 'SIGUSR1' }), {
    name: 'RangeError',
    message: "installSnapshotSignal: signal SIGUSR1 is refused: Node's inspector owns SIGUSR1",
  })
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGTSTP', 'SIGCONT', 'SIGCHLD', 'SIGSYS', 'SIGXFSZ', 'SIGXCPU', 'SIGURG']) {
    assert.throws(() => installSnapshotSignal({ signal }), { name: 'RangeError', message: new RegExp(`^installSnapshotSignal: signal ${signal} is refused: `) })
  }
  assert.throws(() => installSnapshotSignal({ signal: 'SIGFOO' }), {
    name: 'RangeError',
    message: 'installSnapshotSignal: signal SIGFOO is refused: SIGFOO is not a signal on this platform',
  })
  // every option error names the function called, the ones it shares with writeSnapshot too
  assert.throws(() => installSnapshotSignal({ sig: 'SIGHUP' }), {
    name: 'TypeError',
    message: 'installSnapshotSignal: unknown option "sig"; known: dir, gzip, keep, minIntervalMs, log, onSnapshot, signal, onSignal',
  })
  assert.throws(() => installSnapshotSignal({ keep: -1 }), {
    name: 'RangeError',
    message: 'installSnapshotSignal: keep must be a non-negative integer, got -1',
  })
})

test('LEAKGUARD_SNAPSHOT_SIGNAL=SIGTERM is refused, and SIGTERM still shuts the process down', async (t) => {
  const { child, waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: tmpdir(t), LEAKGUARD_SNAPSHOT_SIGNAL: 'SIGTERM' })
  const refused = await waitFor((l) => l.event === 'snapshot-config-refused')
  assert.equal(refused.variable, 'LEAKGUARD_SNAPSHOT_SIGNAL')
  assert.equal(refused.value, 'SIGTERM')
  assert.match(refused.message, /^LEAKGUARD_SNAPSHOT_SIGNAL="SIGTERM" is refused: .*graceful shutdown/)
  await port
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)))
  child.kill('SIGTERM')
  assert.equal(await exit, 'SIGTERM')

  const other = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: tmpdir(t), LEAKGUARD_SNAPSHOT_SIGNAL: 'SIGFOO' })
  const unknown = await other.waitFor((l) => l.event === 'snapshot-config-refused')
  assert.equal(unknown.message, 'LEAKGUARD_SNAPSHOT_SIGNAL="SIGFOO" is refused: SIGFOO is not a signal on this platform')
  assert.equal(await get(await other.port), '20000')
})

test("with node's --heapsnapshot-signal on the same signal, leakguard leaves it to Node, says so, and one snapshot is written", async (t) => {
  const cwd = tmpdir(t)
  const dir = tmpdir(t)
  const { child, waitFor, port } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir }, { cwd, nodeArgs: ['--heapsnapshot-signal=SIGUSR2'] })
  const skipped = await waitFor((l) => l.event === 'snapshot-signal-skipped')
  assert.equal(skipped.signal, 'SIGUSR2')
  assert.match(skipped.message, /--heapsnapshot-signal=SIGUSR2 .*double the pause/)
  await port
  child.kill('SIGUSR2')
  // Node's snapshot lands in the working directory; leakguard's directory stays empty
  const deadline = Date.now() + 10_000
  while (!fs.readdirSync(cwd).some((n) => n.endsWith('.heapsnapshot')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(fs.readdirSync(cwd).some((n) => n.endsWith('.heapsnapshot')), "Node's snapshot")
  await new Promise((r) => setTimeout(r, 200))
  assert.deepEqual(fs.readdirSync(dir), [])
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited

  // the same from NODE_OPTIONS, spelled with a space
  const other = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir, NODE_OPTIONS: '--heapsnapshot-signal SIGUSR2' })
  await other.waitFor((l) => l.event === 'snapshot-signal-skipped')
  // on another signal, both run
  const both = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir }, { nodeArgs: ['--heapsnapshot-signal=SIGHUP'], cwd })
  await both.port
  assert.deepEqual(both.lines.filter((l) => l.event === 'snapshot-signal-skipped'), [])
})

test('writeSnapshot: one at a time, rate limit, options named in errors', async (t) => {
  const dir = tmpdir(t)
  const first = writeSnapshot({ dir, log: false })
  await assert.rejects(writeSnapshot({ dir, log: false }), { code: 'ERR_LEAKGUARD_SNAPSHOT_BUSY' })
  const r = await first
  assertHeapSnapshot(r.path)
  await assert.rejects(writeSnapshot({ dir, log: false, minIntervalMs: 3_600_000 }), {
    code: 'ERR_LEAKGUARD_SNAPSHOT_RATE',
    message: /within minIntervalMs 3600000/,
  })
  await assert.rejects(writeSnapshot({ dir, keep: -1 }), {
    name: 'RangeError',
    message: 'writeSnapshot: keep must be a non-negative integer, got -1',
  })
  await assert.rejects(writeSnapshot({ dir: 7 }), { name: 'TypeError', message: 'writeSnapshot: dir must be a non-empty string, got 7' })
  await assert.rejects(writeSnapshot({ dir, gzip: 'yes' }), { name: 'TypeError', message: "writeSnapshot: gzip must be a boolean, got 'yes'" })
  await assert.rejects(writeSnapshot({ dirr: dir }), {
    name: 'TypeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'writeSnapshot: unknown option "dirr"; known: dir, gzip, keep, minIntervalMs, log, onSnapshot',
  })
  assert.throws(() => installSnapshotSignal({ dir, signl: 'SIGHUP' }), { name: 'TypeError', message: /unknown option "signl"; known: .*signal, onSignal$/ })
  let seen
  const r2 = await writeSnapshot({ dir, log: false, onSnapshot: (x) => (seen = x) })
  assert.equal(seen, r2)
})

test("temporaries a crash left are removed, at start and before each snapshot; live writers' are kept", async (t) => {
  const dir = tmpdir(t)
  const S = '20200101T000000Z'
  const minutesAgo = (m) => new Date(Date.now() - m * 60_000)
  const dead = require('node:child_process').spawnSync('true').pid // exited and reaped
  const files = {
    // removed
    ownOld: [`.heap-${S}-${HOST}-${process.pid}-1.heapsnapshot.raw.tmp`, new Date(Date.now() - process.uptime() * 1000 - 5000)],
    deadPid: [`.heap-${S}-${HOST}-${dead}-1.heapsnapshot.gz.tmp`, minutesAgo(20)],
    abandoned: [`.leakreport-${S}-other-pod-1-1.heapsnapshot.raw.tmp`, minutesAgo(120)],
    legacy: [`.heap-${S}-1-1.heapsnapshot.raw.tmp`, minutesAgo(120)],
    // kept
    deadPidRecent: [`.heap-${S}-${HOST}-${dead}-2.heapsnapshot.raw.tmp`, minutesAgo(1)],
    livePid: [`.heap-${S}-${HOST}-${process.ppid}-1.heapsnapshot.raw.tmp`, minutesAgo(20)],
    otherHost: [`.heap-${S}-other-pod-1-1.heapsnapshot.raw.tmp`, minutesAgo(20)],
    unrelated: ['.notes.tmp', minutesAgo(120)],
  }
  for (const [name, mtime] of Object.values(files)) {
    fs.writeFileSync(path.join(dir, name), 'x'.repeat(1000))
    fs.utimesSync(path.join(dir, name), mtime, mtime)
  }
  const r = await writeSnapshot({ dir, log: false })
  const kept = ['deadPidRecent', 'livePid', 'otherHost', 'unrelated'].map((k) => files[k][0])
  assert.deepEqual(fs.readdirSync(dir).sort(), [...kept, path.basename(r.path)].sort())

  // at start, under register: the reviewer's case, a kill -9 mid-snapshot of a restarted container
  const [legacy, mtime] = files.legacy
  fs.writeFileSync(path.join(dir, legacy), 'x'.repeat(1000))
  fs.utimesSync(path.join(dir, legacy), mtime, mtime)
  const { waitFor } = startChild(t, { LEAKGUARD_SNAPSHOT_DIR: dir })
  const removed = await waitFor((l) => l.event === 'snapshot-temp-removed')
  assert.deepEqual(removed, { event: 'snapshot-temp-removed', dir, files: [legacy], bytes: 1000 })
  assert.ok(!fs.existsSync(path.join(dir, legacy)))
})

test('a full disk during the write rejects with ERR_LEAKGUARD_SNAPSHOT_DISK and leaves nothing', async (t) => {
  const dir = tmpdir(t)
  const v8 = require('node:v8')
  const real = v8.writeHeapSnapshot
  t.after(() => (v8.writeHeapSnapshot = real))
  // as V8's write fails when the disk fills after the free-space check
  v8.writeHeapSnapshot = () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
  }
  const err = await writeSnapshot({ dir, log: false }).then(() => null, (e) => e)
  assert.equal(err.code, 'ERR_LEAKGUARD_SNAPSHOT_DISK')
  assert.match(err.message, /no space left on device/)
  assert.equal(err.cause.code, 'ENOSPC')
  v8.writeHeapSnapshot = () => {
    throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' })
  }
  await assert.rejects(writeSnapshot({ dir, log: false }), { code: 'ERR_LEAKGUARD_SNAPSHOT_IO', message: /EIO/ })
  assert.deepEqual(fs.readdirSync(dir), [])
})

test('a disk that fills while the snapshot is gzipped: _DISK with the system error (ENOSPC) as cause, nothing left', async (t) => {
  const { spawnSync } = require('node:child_process')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-snap-full-'))
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'leakguard-full', dir]).status !== 0) {
    fs.rmdirSync(dir)
    return t.skip('needs root to mount a tmpfs')
  }
  t.after(() => {
    spawnSync('umount', [dir])
    fs.rmdirSync(dir)
  })
  const v8 = require('node:v8')
  const real = v8.writeHeapSnapshot
  t.after(() => (v8.writeHeapSnapshot = real))
  // V8's file fits; then someone else fills the disk before the gzip pass writes
  v8.writeHeapSnapshot = (file) => {
    real(file)
    const fd = fs.openSync(path.join(dir, 'filler'), 'w')
    try {
      const block = Buffer.alloc(1 << 20)
      for (;;) fs.writeSync(fd, block)
    } catch (err) {
      assert.equal(err.code, 'ENOSPC')
    } finally {
      fs.closeSync(fd)
    }
    return file
  }
  const err = await writeSnapshot({ dir, gzip: true, log: false }).then(() => null, (e) => e)
  assert.equal(err?.code, 'ERR_LEAKGUARD_SNAPSHOT_DISK', String(err))
  assert.equal(err.cause?.code, 'ENOSPC', String(err.cause))
  assert.deepEqual(fs.readdirSync(dir), ['filler'])
})

test('writeSnapshot works inside a worker thread', async (t) => {
  const dir = tmpdir(t)
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const { writeSnapshot } = require(workerData.pkg)
     globalThis.kept = new Array(1000).fill('worker data')
     writeSnapshot({ dir: workerData.dir, log: false }).then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage({ error: e.message }))`,
    { eval: true, workerData: { dir, pkg: path.join(__dirname, '..') } }
  )
  t.after(() => worker.terminate())
  const r = await new Promise((resolve) => worker.once('message', resolve))
  assert.equal(r.error, undefined)
  assert.match(path.basename(r.path), /-\d{6,}\.heapsnapshot$/, 'worker snapshots are numbered apart')
  assertHeapSnapshot(r.path)
})

test('the rotate binding refuses a negative count instead of deleting every file', (t) => {
  const { snapshotRotate, snapshotHostName } = require('../lib/native')
  const dir = tmpdir(t)
  const host = snapshotHostName(os.hostname())
  const file = path.join(dir, `heap-20260101T000000Z-${host}-1-1.heapsnapshot`)
  fs.writeFileSync(file, '{}')
  assert.throws(() => snapshotRotate(dir, 'heap', host, -1), {
    name: 'RangeError',
    code: 'ERR_LEAKGUARD_OPTION',
    message: 'keep must be a non-negative integer, got -1',
  })
  assert.ok(fs.existsSync(file))
})
