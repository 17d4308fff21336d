'use strict'
// The traffic both services get: autocannon on loopback at a fixed rate, a
// mix of new users (the cache grows), repeat users, good orders, bad orders
// (the pool's error path) and health checks.
const autocannon = require('autocannon')

const CONNECTIONS = 8

function routes(seed) {
  let n = seed
  const next = (f) => (req) => ({ ...req, path: f(n++) })
  return [
    { method: 'GET', setupRequest: next((i) => `/users/${i}`) },
    { method: 'GET', setupRequest: next((i) => `/users/${i % 50}`) },
    { method: 'GET', setupRequest: next((i) => `/orders/${i}`) },
    { method: 'GET', setupRequest: next((i) => `/orders/x${i}`) },
    { method: 'GET', path: '/health' },
  ]
}

/** Drives `url` for `seconds` at `rate` requests/s; resolves with counts. */
async function drive(url, { seconds, rate, seed }) {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    overallRate: rate,
    requests: routes(seed),
  })
  return { requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts }
}

module.exports = { drive }
