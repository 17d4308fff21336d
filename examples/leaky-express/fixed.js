'use strict'
// leaky.js with its three leaks fixed; the comments name each fix.
const { EventEmitter } = require('node:events')
const express = require('express')
const { LRUCache } = require('../..')
const { Pool } = require('./pool')
const { loadUser } = require('./users')
const { listen } = require('./serve')

const bus = new EventEmitter()

// Fix 2: a bounded cache; the least recently used records go first.
const users = new LRUCache({ max: 100 })
const pool = new Pool(8)
const app = express()

// Fix 1: the listener lives as long as its request, not as long as the bus.
app.use((req, res, next) => {
  const onClose = () => res.destroy()
  bus.once('close', onClose)
  res.once('close', () => bus.removeListener('close', onClose))
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

// Fix 3: finally gives the connection back on every path.
app.get('/orders/:id', async (req, res) => {
  let conn
  try {
    conn = pool.acquire('GET /orders/:id')
    res.json(await conn.query('select * from orders where id = ?', req.params.id))
  } catch (err) {
    res.status(err.status || 500).json({ error: err.message })
  } finally {
    if (conn !== undefined) pool.release(conn)
  }
})

app.get('/health', (req, res) => res.json({ ok: true }))

app.get('/stats', (req, res) => {
  res.json({ pool: pool.stats(), users: users.size, heapUsed: process.memoryUsage().heapUsed })
})

listen(app)
