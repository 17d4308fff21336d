'use strict'
// The benchmarked app: Express serving a small JSON route. With
// LEAKGUARD_AUDIT=1 the listener audit runs, started as register.js will.
const { startFromEnv } = require('../lib/audit') // internal: register.js calls it
const audit = startFromEnv(process.env)
const express = require('express')

const app = express()
app.use(express.json())
app.get('/items', (req, res) => {
  res.json({ id: 42, name: 'widget', tags: ['a', 'b'], price: 9.5 })
})
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
let cpu0 = process.cpuUsage()
process.on('message', (m) => {
  if (m === 'exit') process.exit(0)
  if (m === 'start') {
    cpu0 = process.cpuUsage()
    process.send('started')
  }
  if (m === 'report') {
    const cpu = process.cpuUsage(cpu0)
    const rows = audit ? audit.report() : []
    process.send({
      rows: rows.length,
      attributed: rows.filter((r) => r.site !== null).length,
      added: rows.reduce((n, r) => n + r.added, 0),
      cpuMicros: cpu.user + cpu.system,
    })
  }
})
