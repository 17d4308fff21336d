'use strict'
// A small in-process pool standing in for a database driver's: a fixed number
// of PooledConnection objects, handed out by acquire() and given back by
// release(). When all are out, acquire() refuses at once (as a driver would
// after its wait timeout) so the demo sees exhaustion without waiting.

class PooledConnection {
  constructor(id) {
    this.id = id
    this.acquiredAt = 0
    this.purpose = null
  }

  /** A fake query: resolves on the next turn, or rejects for a bad order id. */
  query(sql, id) {
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (!/^\d+$/.test(id)) reject(new Error(`no such order ${JSON.stringify(id)}`))
        else resolve({ sql, id: Number(id), total: (Number(id) % 97) + 0.5 })
      })
    })
  }
}

class Pool {
  #free = []
  #size
  acquired = 0
  released = 0
  refused = 0
  inUse = new Set()

  constructor(size) {
    this.#size = size
    for (let i = 0; i < size; i++) this.#free.push(new PooledConnection(i + 1))
  }

  get size() {
    return this.#size
  }

  acquire(purpose) {
    const conn = this.#free.pop()
    if (conn === undefined) {
      this.refused++
      const e = new Error(`pool exhausted: ${this.#size} of ${this.#size} connections in use`)
      e.status = 503
      throw e
    }
    conn.acquiredAt = Date.now()
    conn.purpose = purpose
    this.inUse.add(conn)
    this.acquired++
    return conn
  }

  release(conn) {
    if (!this.inUse.delete(conn)) return
    conn.purpose = null
    this.#free.push(conn)
    this.released++
  }

  stats() {
    const now = Date.now()
    const out = [...this.inUse]
    return {
      size: this.#size,
      inUse: out.length,
      acquired: this.acquired,
      released: this.released,
      refused: this.refused,
      oldestMs: out.length ? now - Math.min(...out.map((c) => c.acquiredAt)) : 0,
      heldFor: [...new Set(out.map((c) => c.purpose))],
    }
  }
}

module.exports = { Pool, PooledConnection }
