'use strict'
// Shared start-up for leaky.js and fixed.js: listen on 127.0.0.1 at $PORT
// (0 picks a free port) and print the port on stdout for whoever started us.

function listen(app) {
  const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
    process.stdout.write(`listening on port ${server.address().port}\n`)
  })
  // Started by a parent over IPC (the demo): never outlive it, even if it is killed hard.
  if (process.send !== undefined) process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections())
  return server
}

module.exports = { listen }
