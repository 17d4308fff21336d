'use strict'
// An Express service with the three leaks of a real incident. Run it under
// leakguard with `node -r leakguard/register leaky.js`; `npm run demo` does.
// The fixed version is fixed.js, beside it.
const { EventEmitter } = require('node:events')
const express = require('express')
const { Pool } = require('./pool')
const { loadUser } = require('./users')
const { listen } = require('./serve')

// A long-lived emitter: the service tells in-flight work to stop on shutdown.
const bus = new EventEmitter()
bus.setMaxListeners(0) // someone silenced the warning instead of fixing the leak

// Leak 2: a module-level cache with no bound, keyed by every user id ever seen.
const users = new Map()
const pool = new Pool(8)
const app = express()

// Leak 1: one 'close' listener per request on the bus, never removed.
app.use((req, res, next) => {
  bus.on('close', () => res.destroy())
  next()
})

app.get('/users/:id', (req, res) => {
  let user = users.get(req.params.id)
  if (user === undefined) {
    user = loadUser(req.params.id)
    users.set(req.params.id, user)
  }
  res.json(user.summary())
})

// Leak 3: the error path returns without releasing the connection.
app.get('/orders/:id', async (req, res) => {
  let conn
  try {
    conn = pool.acquire('GET /orders/:id')
    const order = await conn.query('select * from orders where id = ?', req.params.id)
    pool.release(conn)
    res.json(order)
  } catch (err) {
    res.status(err.status || 500).json({ error: err.message })
  }
})

app.get('/health', (req, res) => res.json({ ok: true }))

app.get('/stats', (req, res) => {
  res.json({ pool: pool.stats(), users: users.size, heapUsed: process.memoryUsage().heapUsed })
})

listen(app)
