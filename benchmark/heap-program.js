'use strict'
// Builds a large, varied heap, snapshots it (A), grows a leak, snapshots again (B).
// Usage: node --max-old-space-size=N heap-program.js DIR UNITS
const v8 = require('node:v8')
const path = require('node:path')

const [dir, unitsArg] = process.argv.slice(2)
const units = Number(unitsArg)

class Session {
  constructor(i) {
    this.id = i
    this.user = { name: 'user-' + i, tags: ['a' + (i % 97), 'b' + (i % 89)], createdAt: i * 1000 }
    this.onClose = () => this.id
  }
}
class CacheEntry {
  constructor(key, value) {
    this.key = key
    this.value = value
    this.hits = 0
  }
}
class LeakyThing {
  constructor(i) {
    this.id = i
    this.payload = { index: i, label: 'leak-' + i }
  }
}

const sessions = new Map()
const cache = []
const leaks = new Map()
function grow(n, from) {
  for (let i = from; i < from + n; i++) {
    sessions.set(i, new Session(i))
    cache.push(new CacheEntry('k' + i, [i, i + 1, { nested: i }]))
  }
}
// A closure uses `leaks`, so the Map lives in the module's context (a plain
// local that is dead after its last use would not be a GC root).
function leak(n) {
  for (let i = 0; i < n; i++) leaks.set(leaks.size, new LeakyThing(leaks.size))
}
grow(units, 0)
v8.writeHeapSnapshot(path.join(dir, 'a.heapsnapshot'))
// Churn: drop a tenth of the sessions, add a tenth more, and leak LeakyThings.
for (let i = 0; i < units / 10; i++) sessions.delete(i)
grow(units / 10, units)
leak(units / 5)
v8.writeHeapSnapshot(path.join(dir, 'b.heapsnapshot'))
console.log(JSON.stringify({ units, sessions: sessions.size, leaks: leaks.size }))
