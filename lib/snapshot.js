'use strict'
// Heap snapshots written safely from a live process: atomically (hidden
// temporary, fsync, rename), mode 0600, rotated, rate-limited, with a free-disk
// check, optionally gzipped off the JS thread. V8 takes and writes the snapshot
// (v8.writeHeapSnapshot); leakguard owns where it goes and what can go wrong.

const v8 = require('node:v8')
const os = require('node:os')
const path = require('node:path')
const { isMainThread, threadId } = require('node:worker_threads')
const {
  SnapshotCapture,
  snapshotFreeBytes,
  snapshotHostName,
  snapshotFileName,
  snapshotOwnFiles,
  snapshotRotate,
  snapshotSweepTemps,
} = require('./native')
const { inspect } = require('node:util')
const { optionError } = require('./errors')
const { envFlag, envInt, envError } = require('./env')

// Per thread: one snapshot at a time, whoever takes it (each briefly needs
// about as much memory again as the heap), and `idle`, settled when it ends.
// Per kind of snapshot (`heap` for writeSnapshot and the signal, `leakreport`
// for the report): the time the last one started and the time the last failed
// before V8 paused the thread (one that never paused does not use up
// minIntervalMs: only a short back-off, against a storm of retries), and the
// sequence numbers in the file names, so the report's never shift the signal's.
const state = { busy: false, idle: Promise.resolve() }
const kinds = new Map()
const kindState = (prefix) => {
  if (!kinds.has(prefix)) kinds.set(prefix, { lastStart: -Infinity, lastFailure: -Infinity, seq: 0 })
  return kinds.get(prefix)
}
const FAILED_BACKOFF_MS = 1000

/** One structured line on stderr, as every leakguard log line. */
function log(fields) {
  process.stderr.write(`leakguard: ${JSON.stringify(fields)}\n`)
}

function show(v) {
  return inspect(v, { depth: 0, breakLength: Infinity, maxStringLength: 60 })
}

// `fn`: the function the caller called, named in the message.
function badOption(Ctor, message, fn = 'writeSnapshot') {
  return optionError(Ctor, `${fn}: ${message}`)
}

function snapshotError(code, message, cause) {
  const err = new Error(message, cause === undefined ? undefined : { cause })
  err.code = code
  return err
}

/**
 * `err` with one of the documented codes: leakguard's own pass through; a
 * full disk or quota (ENOSPC, EDQUOT: from V8's write, or the commit's
 * "os error 28") is ERR_LEAKGUARD_SNAPSHOT_DISK; anything else _IO.
 */
function asSnapshotError(err) {
  if (typeof err?.code === 'string' && err.code.startsWith('ERR_LEAKGUARD_SNAPSHOT_')) {
    if (err.code !== 'ERR_LEAKGUARD_SNAPSHOT_IO' || !NO_SPACE.test(err.message)) return err
  }
  const message = String(err?.message ?? err)
  const full = err?.code === 'ENOSPC' || err?.code === 'EDQUOT' || NO_SPACE.test(message)
  const code = full ? 'ERR_LEAKGUARD_SNAPSHOT_DISK' : 'ERR_LEAKGUARD_SNAPSHOT_IO'
  const systemError = full && err?.code !== 'ENOSPC' && err?.code !== 'EDQUOT'
  return snapshotError(code, `writing the heap snapshot failed: ${message}`, systemError ? systemCause(err, message) : err)
}

/**
 * For a failure the commit (Rust) reported as "… (os error 28)": the system
 * error as Node shapes one (`code` ENOSPC, `errno` -28), the cause the README
 * promises; `err` itself if the message names no errno.
 */
function systemCause(err, message) {
  const m = /\(os error (\d+)\)/.exec(message)
  const errno = m ? Number(m[1]) : NaN
  const name = Object.keys(os.constants.errno).find((k) => os.constants.errno[k] === errno)
  if (name === undefined) return err
  return Object.assign(new Error(message, { cause: err }), { code: name, errno: -errno })
}
const NO_SPACE = /ENOSPC|EDQUOT|no space left on device|disk quota exceeded|os error (?:28|122)\)/i

function int(name, value, fallback, fn) {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw badOption(TypeError, `${name} must be a number, got ${show(value)}`, fn)
  if (!Number.isInteger(value) || value < 0) {
    throw badOption(RangeError, `${name} must be a non-negative integer, got ${show(value)}`, fn)
  }
  return value
}

const OPTIONS = ['dir', 'gzip', 'keep', 'minIntervalMs', 'log', 'onSnapshot']

function checkOptions(o, known = OPTIONS, fn = 'writeSnapshot') {
  if (o === null || typeof o !== 'object') throw badOption(TypeError, `options must be an object, got ${show(o)}`, fn)
  for (const key of Object.keys(o)) {
    // a typo such as `dirr` would otherwise write into the working directory
    if (!known.includes(key)) throw badOption(TypeError, `unknown option ${JSON.stringify(key)}; known: ${known.join(', ')}`, fn)
  }
  if (o.dir !== undefined && (typeof o.dir !== 'string' || o.dir === '')) {
    throw badOption(TypeError, `dir must be a non-empty string, got ${show(o.dir)}`, fn)
  }
  for (const name of ['gzip', 'log']) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') {
      throw badOption(TypeError, `${name} must be a boolean, got ${show(o[name])}`, fn)
    }
  }
  if (o.onSnapshot !== undefined && typeof o.onSnapshot !== 'function') {
    throw badOption(TypeError, `onSnapshot must be a function, got ${show(o.onSnapshot)}`, fn)
  }
  return {
    dir: path.resolve(o.dir ?? process.cwd()),
    gzip: o.gzip ?? false,
    keep: int('keep', o.keep, 5, fn),
    minIntervalMs: int('minIntervalMs', o.minIntervalMs, 0, fn),
    log: o.log ?? true,
    onSnapshot: o.onSnapshot,
  }
}

const MB = 1024 * 1024

// This host's name as it goes into file names (sanitized in Rust): replicas
// sharing a volume are all PID 1 in their containers, so the host (the pod's
// name in Kubernetes) is what keeps their files apart, and rotation touches
// only this host's. Naming, listing, rotation and the temp sweep live in
// src/snapshot/naming.rs.
const HOST = snapshotHostName(os.hostname())

/** This host's `prefix` snapshot files in `dir` as { name, stamp, pid, seq }, oldest first. */
function ownFiles(dir, prefix) {
  return snapshotOwnFiles(dir, prefix, HOST)
}

/**
 * Removes the temporaries in `dir` that no live writer owns, left by a crash
 * (kill -9, OOM kill) mid-snapshot: this host's from before this process
 * started (a restarted container is PID 1 again), this host's whose PID is
 * gone (untouched for 10 minutes), and anyone's untouched for an hour. Logs
 * what it removed; never throws.
 */
function sweepTemps(dir) {
  const { files, bytes } = snapshotSweepTemps(dir, HOST, process.pid, Date.now() - process.uptime() * 1000)
  if (files.length > 0) log({ event: 'snapshot-temp-removed', dir, files, bytes })
}

/**
 * Writes a heap snapshot of this thread's heap into `dir`; resolves to
 * `{ path, bytes, durationMs, pauseMs }`. Rejects with a code: `…_BUSY` (one is
 * being written), `…_RATE` (within minIntervalMs of the last), `…_DISK` (not
 * enough free space), `…_DIR`/`…_IO` (cannot write; nothing is left behind).
 */
async function writeSnapshot(options = {}) {
  return write(checkOptions(options), 'heap')
}

/**
 * The leak report's snapshots: named `leakreport-…`, which rotation (of
 * `heap-…` files) never matches; the report bounds its files itself.
 */
async function writeReportSnapshot({ dir, gzip }) {
  // never limited by the signal's minIntervalMs (the report has its own); it
  // waits for a snapshot being written instead of failing as busy
  while (state.busy) await state.idle
  return write(checkOptions({ dir, gzip, keep: 0, log: false }), 'leakreport')
}

/**
 * Whether a snapshot may start now under `minIntervalMs`: null if so, else
 * `{ reason, retryAfterMs, message }` (retryAfterMs null while one is written).
 */
function refusal(minIntervalMs, now = performance.now(), prefix = 'heap') {
  if (state.busy) return { reason: 'busy', retryAfterMs: null, message: 'a heap snapshot is already being written' }
  const kind = kindState(prefix)
  const since = now - kind.lastStart
  if (since < minIntervalMs) {
    return {
      reason: 'rate',
      retryAfterMs: Math.ceil(minIntervalMs - since),
      message: `the last heap snapshot started ${Math.round(since)} ms ago, within minIntervalMs ${minIntervalMs}`,
    }
  }
  const backoff = Math.min(minIntervalMs, FAILED_BACKOFF_MS)
  const sinceFailure = now - kind.lastFailure
  if (sinceFailure < backoff) {
    return {
      reason: 'failed',
      retryAfterMs: Math.ceil(backoff - sinceFailure),
      message: `the last heap snapshot failed ${Math.round(sinceFailure)} ms ago, within the ${backoff} ms back-off after a failure`,
    }
  }
  return null
}

async function write(o, prefix) {
  const started = performance.now()
  const refused = refusal(o.minIntervalMs, started, prefix)
  if (refused) {
    throw snapshotError(refused.reason === 'busy' ? 'ERR_LEAKGUARD_SNAPSHOT_BUSY' : 'ERR_LEAKGUARD_SNAPSHOT_RATE', refused.message)
  }
  const kind = kindState(prefix)
  state.busy = true
  let settle
  state.idle = new Promise((resolve) => {
    settle = resolve
  })
  const previousStart = kind.lastStart
  const previousSeq = kind.seq
  kind.lastStart = started
  let capture
  let paused = false
  try {
    sweepTemps(o.dir) // before the disk check: what a crash left counts as free
    // unique within the process: worker threads number theirs apart
    const seq = (isMainThread ? 0 : threadId * 100_000) + ++kind.seq
    // the empty temporary first: a directory that cannot take it (missing,
    // read-only, not ours) is named as such, not as a disk too small
    capture = new SnapshotCapture(o.dir, snapshotFileName(prefix, HOST, process.pid, seq, o.gzip), o.gzip)
    // V8 writes about twice the used heap as JSON; gzip keeps about a quarter of that.
    const used = v8.getHeapStatistics().used_heap_size
    const need = Math.ceil(used * 2 * (o.gzip ? 1.25 : 1)) + 16 * MB // gzip needs the raw file too, briefly
    const free = snapshotFreeBytes(o.dir)
    if (free < need) {
      const msg = `not enough disk for a heap snapshot in ${o.dir}: about ${Math.ceil(need / MB)} MB needed, ${Math.floor(free / MB)} MB free`
      throw snapshotError('ERR_LEAKGUARD_SNAPSHOT_DISK', msg)
    }
    const t0 = performance.now()
    paused = true
    v8.writeHeapSnapshot(capture.rawPath)
    const pauseMs = performance.now() - t0
    let written
    try {
      written = await capture.commit()
    } catch (err) {
      const [code, ...rest] = err.message.split(': ')
      throw snapshotError(code.startsWith('ERR_') ? code : 'ERR_LEAKGUARD_SNAPSHOT_IO', code.startsWith('ERR_') ? rest.join(': ') : err.message, err)
    }
    if (o.keep > 0) {
      try {
        snapshotRotate(o.dir, 'heap', HOST, o.keep)
      } catch (err) {
        // the snapshot is in place: a failed rotation is worth a line, not a rejection
        log({ event: 'snapshot-rotate-failed', dir: o.dir, code: err.code, message: err.message })
      }
    }
    const result = { path: written.path, bytes: written.bytes, durationMs: performance.now() - started, pauseMs }
    if (o.log) log({ event: 'snapshot', ...result, durationMs: Math.round(result.durationMs), pauseMs: Math.round(pauseMs) })
    if (o.onSnapshot) {
      try {
        await o.onSnapshot(result)
      } catch (err) {
        log({ event: 'snapshot-hook-failed', path: result.path, message: String(err?.message ?? err) })
      }
    }
    return result
  } catch (err) {
    capture?.abort()
    if (!paused) {
      // nothing cost the process a pause: retrying soon is fine
      kind.lastStart = previousStart
      kind.seq = previousSeq // nor a number: <seq> counts snapshots
      kind.lastFailure = performance.now()
    }
    throw asSnapshotError(err)
  } finally {
    state.busy = false
    settle()
  }
}

// Signals a snapshot handler must not take, and why.
const STOPS = 'it asks the process to stop (Kubernetes, Docker and Ctrl-C send it): handling it would stop graceful shutdown'
const WHY = {
  SIGUSR1: "Node's inspector owns SIGUSR1",
  SIGKILL: 'SIGKILL cannot be caught',
  SIGSTOP: 'SIGSTOP cannot be caught',
  SIGTERM: STOPS,
  SIGINT: STOPS,
  SIGQUIT: STOPS,
  SIGTSTP: 'it is job control (stop from the terminal)',
  SIGTTIN: 'it is job control (background read from the terminal)',
  SIGTTOU: 'it is job control (background write to the terminal)',
  SIGCONT: 'it is job control (resume after a stop)',
  SIGSEGV: 'it reports a fault: JS must not run on it',
  SIGBUS: 'it reports a fault: JS must not run on it',
  SIGFPE: 'it reports a fault: JS must not run on it',
  SIGILL: 'it reports a fault: JS must not run on it',
  SIGSYS: 'it reports a fault (a bad system call, as seccomp sends it): JS must not run on it',
  SIGABRT: 'it aborts the process',
  SIGTRAP: 'debuggers use it',
  SIGCHLD: 'the runtime gets it whenever a child process ends',
  SIGPIPE: 'the kernel sends it on writes to closed pipes and sockets',
  SIGPROF: 'profilers use it',
  SIGXFSZ: 'the kernel sends it when a write passes the file-size limit, as a snapshot\'s may',
  SIGXCPU: 'the kernel sends it at the CPU-time limit, to stop the process',
  SIGURG: 'the kernel sends it on urgent data on a socket',
}

/** The reason `signal` may not be used for snapshots, or null. `what` names it in messages. */
function signalRefusal(signal, what) {
  if (Object.hasOwn(WHY, signal)) return `${what} is refused: ${WHY[signal]}`
  if (!Object.hasOwn(os.constants.signals, signal)) return `${what} is refused: ${signal} is not a signal on this platform`
  return null
}

let installed = null
// At most one snapshot-dropped line per this many ms: a signal storm is one line.
const DROP_LOG_MS = 10_000

/**
 * Writes a snapshot each time the process gets `signal` (default SIGUSR2), with
 * writeSnapshot's options. Signals that arrive while one is written, or within
 * minIntervalMs (default 60 s), are dropped, never queued: the first drop logs
 * a `snapshot-dropped` line saying why and when the next is allowed (then one
 * per 10 s, or when the reason changes), and the next snapshot's line counts them. A
 * snapshot that failed before V8 paused the thread (a missing directory, a full
 * disk) holds the next back only 1 s. Returns a function that removes the handler.
 */
function installSnapshotSignal(options = {}) {
  const FN = 'installSnapshotSignal'
  const { signal = 'SIGUSR2', onSignal, ...rest } = options
  if (typeof signal !== 'string' || !/^SIG[A-Z0-9]+$/.test(signal)) {
    throw badOption(TypeError, `signal must be a signal name such as "SIGUSR2", got ${show(signal)}`, FN)
  }
  const refused = signalRefusal(signal, `signal ${signal}`)
  if (refused) throw badOption(RangeError, refused, FN)
  if (onSignal !== undefined && typeof onSignal !== 'function') {
    throw badOption(TypeError, `onSignal must be a function, got ${show(onSignal)}`, FN)
  }
  if (!isMainThread) {
    throw badOption(RangeError, 'signals reach only the main thread: install the handler there (writeSnapshot works in workers)', FN)
  }
  const o = checkOptions({ minIntervalMs: 60_000, ...rest }, [...OPTIONS, 'signal', 'onSignal'], FN)
  if (installed) installed()
  let dropped = 0 // since the last snapshot
  let unlogged = 0 // since the last snapshot-dropped line
  let lastDropLog = -Infinity
  let lastDropReason = null
  const handler = () => {
    const now = performance.now()
    const refused = refusal(o.minIntervalMs, now)
    if (refused) {
      dropped++
      unlogged++
      if (now - lastDropLog >= DROP_LOG_MS || refused.reason !== lastDropReason) {
        lastDropLog = now
        lastDropReason = refused.reason
        const { reason, retryAfterMs, message } = refused
        const nextAllowedAt = retryAfterMs === null ? null : new Date(Date.now() + retryAfterMs).toISOString()
        log({ event: 'snapshot-dropped', signal, reason, retryAfterMs, nextAllowedAt, droppedSignals: unlogged, message })
        unlogged = 0
      }
      return
    }
    const droppedBefore = dropped
    dropped = 0
    unlogged = 0
    lastDropLog = -Infinity // the first drop after this attempt is logged again
    lastDropReason = null
    writeSnapshot({ ...o, log: false })
      .then(
        (r) => {
          log({ event: 'snapshot', signal, ...r, durationMs: Math.round(r.durationMs), pauseMs: Math.round(r.pauseMs), droppedSignals: droppedBefore })
          // the snapshot is written: a failing hook is its own line, as onSnapshot's, never snapshot-failed
          Promise.resolve()
            .then(() => onSignal?.(r))
            .catch((err) => log({ event: 'snapshot-hook-failed', path: r.path, message: String(err?.message ?? err) }))
        },
        (err) => log({ event: 'snapshot-failed', signal, code: err.code, message: err.message })
      )
  }
  process.on(signal, handler)
  installed = () => {
    process.removeListener(signal, handler)
    installed = null
  }
  return installed
}

/**
 * The signal Node's own `--heapsnapshot-signal` is set to, from the command
 * line (process.execArgv) or NODE_OPTIONS, or null.
 */
function nodeSnapshotSignal(nodeOptions) {
  const words = (nodeOptions ?? '').match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []
  const args = [...process.execArgv, ...words.map((w) => w.replace(/["']/g, ''))]
  let found = null
  for (let i = 0; i < args.length; i++) {
    const m = /^--heapsnapshot[-_]signal(?:=(.*))?$/.exec(args[i])
    if (m) found = m[1] ?? args[++i] ?? null
  }
  return found
}

/** Reads the LEAKGUARD_SNAPSHOT_* variables (see README); never throws into the app. */
function installFromEnv(env = process.env, { onSignal } = {}) {
  const dir = env.LEAKGUARD_SNAPSHOT_DIR
  // signals reach the main thread only; preloads also run in workers
  if (dir === undefined || dir === '' || !isMainThread) return null
  try {
    const gzip = envFlag(env, 'LEAKGUARD_SNAPSHOT_GZIP')
    const signal = env.LEAKGUARD_SNAPSHOT_SIGNAL || 'SIGUSR2'
    const what = `LEAKGUARD_SNAPSHOT_SIGNAL=${JSON.stringify(signal)}`
    const refused = /^SIG[A-Z0-9]+$/.test(signal)
      ? signalRefusal(signal, what)
      : `${what} is refused: not a signal name such as "SIGUSR2"`
    if (refused) {
      log({ event: 'snapshot-config-refused', variable: 'LEAKGUARD_SNAPSHOT_SIGNAL', value: signal, message: refused })
      return null
    }
    if (nodeSnapshotSignal(env.NODE_OPTIONS) === signal) {
      // Node writes one on this signal already: a second, leakguard's, would double the pause
      log({
        event: 'snapshot-signal-skipped',
        signal,
        message:
          `node's --heapsnapshot-signal=${signal} already writes a heap snapshot on ${signal} (into --diagnostic-dir, ` +
          'default the working directory); leakguard does not install its handler, which would write a second one ' +
          'and double the pause. Remove --heapsnapshot-signal to get leakguard\'s (atomic, private, rotated, in ' +
          'LEAKGUARD_SNAPSHOT_DIR), or set LEAKGUARD_SNAPSHOT_SIGNAL to another signal to get both.',
      })
      return null
    }
    const options = {
      dir,
      keep: envInt(env, 'LEAKGUARD_SNAPSHOT_KEEP'),
      minIntervalMs: envInt(env, 'LEAKGUARD_SNAPSHOT_MIN_INTERVAL') ?? 60_000,
      gzip,
      signal,
      onSignal,
    }
    const nearLimit = envInt(env, 'LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT')
    // v8.setHeapSnapshotNearHeapLimit takes a uint32: checked before anything is installed
    if (nearLimit !== undefined && nearLimit > 0xffff_ffff) {
      const value = env.LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT
      throw envError('LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT', value, `LEAKGUARD_SNAPSHOT_NEAR_HEAP_LIMIT must be at most 4294967295, got ${JSON.stringify(value)}`)
    }
    const remove = installSnapshotSignal(options)
    sweepTemps(path.resolve(dir))
    try {
      require('node:fs').accessSync(path.resolve(dir), require('node:fs').constants.W_OK)
    } catch (err) {
      log({ event: 'snapshot-dir-unusable', dir: path.resolve(dir), message: err.message })
    }
    if (nearLimit) {
      try {
        // V8 writes these itself, into Node's --diagnostic-dir (default: the cwd)
        v8.setHeapSnapshotNearHeapLimit(nearLimit)
      } catch (err) {
        remove() // a refused line must mean nothing is installed
        throw err
      }
    }
    return remove
  } catch (err) {
    // as the signal's refusal: the variable and its value, for log queries
    const named = typeof err?.variable === 'string' ? { variable: err.variable, value: err.value } : {}
    log({ event: 'snapshot-config-refused', ...named, message: err.message })
    return null
  }
}

module.exports = { writeSnapshot, installSnapshotSignal, installFromEnv, writeReportSnapshot, ownFiles }
