'use strict'
// One example service run as a child under leakguard's register.js: reads the
// port from its stdout and the `leakguard: {...}` JSON lines from its stderr,
// sends the snapshot signal, and always ends the child.
const { spawn } = require('node:child_process')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const REGISTER = path.join(ROOT, 'register.js')
const SNAPSHOT_TIMEOUT_MS = 60_000

class Service {
  constructor(file, env) {
    this.file = file
    this.events = []
    this.stderr = []
    this.exited = false
    this.startedAt = Date.now()
    this.#waiters = []
    this.child = spawn(process.execPath, ['-r', REGISTER, file], {
      cwd: path.dirname(file),
      env: { ...process.env, ...env, PORT: '0' },
      // The IPC channel lets the service exit when the demo dies, however it dies.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    this.closed = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      this.exited = true
      this.#wake()
      resolve({ code, signal })
    }))
    this.port = new Promise((resolve, reject) => {
      let out = ''
      this.child.stdout.on('data', (d) => {
        out += d
        const m = /listening on port (\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      })
      this.closed.then(() => reject(new Error(`${path.basename(file)} exited before listening:\n${this.stderr.join('\n')}`)))
    })
    let pending = ''
    this.child.stderr.on('data', (d) => {
      pending += d
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const line of lines) this.#line(line)
    })
  }

  #waiters

  #line(line) {
    const m = /^leakguard: (\{.*\})$/.exec(line)
    if (m === null) {
      if (this.stderr.length < 200) this.stderr.push(line)
      return
    }
    try {
      this.events.push({ ...JSON.parse(m[1]), at: Date.now() })
    } catch {
      this.stderr.push(line)
    }
    this.#wake()
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w()
  }

  /** Resolves with the first event at or after index `from` passing `test`. */
  async waitEvent(from, test, ms) {
    const deadline = Date.now() + ms
    for (;;) {
      const hit = this.events.slice(from).find(test)
      if (hit) return hit
      if (this.exited) throw new Error(`${path.basename(this.file)} exited:\n${this.stderr.join('\n')}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for a leakguard event from ${path.basename(this.file)}`)
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  async url() {
    return `http://127.0.0.1:${await this.port}`
  }

  /** Signals a heap snapshot; resolves with its event and the audit rows logged with it. */
  async snapshot() {
    const from = this.events.length
    this.child.kill('SIGUSR2')
    const snap = await this.waitEvent(from, (e) => e.event.startsWith('snapshot'), SNAPSHOT_TIMEOUT_MS)
    if (snap.event !== 'snapshot') throw new Error(`no heap snapshot: ${JSON.stringify(snap)}`)
    const audit = await this.waitEvent(from, (e) => e.event === 'audit', 5_000)
    return { ...snap, rows: audit.rows, at: Date.now() }
  }

  async stats() {
    const res = await fetch(`${await this.url()}/stats`)
    return res.json()
  }

  /** SIGTERM, then SIGKILL if it lingers; safe to call twice. */
  async stop() {
    if (this.exited) return
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3_000)
    await this.closed
    clearTimeout(t)
  }
}

module.exports = { Service, ROOT }
