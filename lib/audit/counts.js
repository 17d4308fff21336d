'use strict'
// Listener counts read straight from the emitter, so a removal that matched
// nothing or an EventTarget duplicate (a no-op) is never recorded.
const { getEventListeners } = require('node:events')

function eeCount(ee, type) {
  const events = ee._events
  if (events === undefined || events === null) {
    return typeof ee.listenerCount === 'function' ? ee.listenerCount(type) : 0
  }
  const l = events[type]
  return l === undefined ? 0 : typeof l === 'function' ? 1 : l.length
}

// Node keeps EventTarget listeners in a Map under a private symbol; reading
// its `size` is O(1), where getEventListeners() copies the list.
const kEvents = Object.getOwnPropertySymbols(new EventTarget()).find((s) => s.description === 'kEvents')

function etCount(target, type) {
  if (kEvents !== undefined) {
    const map = target[kEvents]
    if (map !== undefined) {
      const root = map.get(type)
      return root === undefined ? 0 : root.size
    }
  }
  return getEventListeners(target, type).length
}

/** Every type on `ee` with its count, for removeAllListeners(). */
function eeTypes(ee, all, type) {
  if (!all) return [type]
  const events = ee._events
  return events ? Reflect.ownKeys(events) : []
}

module.exports = { eeCount, etCount, eeTypes, getEventListeners }
