'use strict'
// The public entry: one line per capability. Each lib/ module exports its API.
module.exports = {
  ...require('./lib/cache'),
  ...require('./lib/monitor'),
  ...require('./lib/metrics'),
}
