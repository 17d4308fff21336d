'use strict'
// The user records both services cache: about 2 KB of heap each, so a cache
// that never forgets shows in heapUsed within seconds.

class UserRecord {
  constructor(id) {
    this.id = id
    this.name = `user-${id}`
    this.email = `user-${id}@example.com`
    this.bio = `member ${id} `.repeat(64)
    this.recentScores = Array.from({ length: 96 }, (_, i) => (i * 31 + id.length) % 1000)
    this.loadedAt = Date.now()
  }

  summary() {
    return { id: this.id, name: this.name, email: this.email, scores: this.recentScores.length }
  }
}

/** Stands in for a database read. */
function loadUser(id) {
  return new UserRecord(id)
}

module.exports = { UserRecord, loadUser }
