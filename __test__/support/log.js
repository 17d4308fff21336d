'use strict'
// The `leakguard: {...}` lines this process writes to stderr, captured for a test.

/** Collects this process's `leakguard:` lines while a test runs. */
function captureLog(t) {
  const lines = []
  const waiters = new Set()
  const write = process.stderr.write
  process.stderr.write = function (chunk, ...rest) {
    const text = String(chunk)
    if (text.startsWith('leakguard: ')) {
      lines.push(JSON.parse(text.slice(11)))
      for (const w of waiters) w()
      return true
    }
    return write.call(this, chunk, ...rest)
  }
  t.after(() => (process.stderr.write = write))
  const waitFor = (pred, ms = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = lines.find(pred)
        if (!hit) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(hit)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`timed out; log: ${JSON.stringify(lines)}`))
      }, ms)
      waiters.add(check)
      check()
    })
  return { lines, waitFor, waiters }
}

module.exports = { captureLog }
