'use strict'
// Call-site capture: the first frame that is not Node's, not leakguard's own
// and (when asked) not in node_modules. Uses structured frames so no stack
// string is formatted on the hot path.
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const libDir = path.join(__dirname, '..')
const root = path.join(libDir, '..')
const ownPrefixes = [libDir + path.sep, pathToFileURL(libDir).href + '/']
const ownFiles = new Set(
  ['index.js', 'index.mjs', 'register.js'].flatMap((f) => {
    const p = path.join(root, f)
    return [p, pathToFileURL(p).href]
  })
)

function structured(_err, frames) {
  return frames
}

function isOwn(file) {
  return ownFiles.has(file) || file.startsWith(ownPrefixes[0]) || file.startsWith(ownPrefixes[1])
}

/** The current stack as V8 CallSite objects, at most `depth` frames. */
function captureFrames(depth) {
  const limit = Error.stackTraceLimit
  const prepare = Error.prepareStackTrace
  Error.stackTraceLimit = depth
  Error.prepareStackTrace = structured
  try {
    const holder = {}
    Error.captureStackTrace(holder, captureFrames)
    return holder.stack
  } finally {
    Error.prepareStackTrace = prepare
    Error.stackTraceLimit = limit
  }
}

/** Index of the frame to attribute in `frames`, or -1. */
function userFrame(frames, ignoreNodeModules) {
  let fallback = -1
  for (let i = 0; i < frames.length; i++) {
    const file = frames[i].getFileName()
    if (!file || file.startsWith('node:') || isOwn(file)) continue
    if (ignoreNodeModules && file.includes(`${path.sep}node_modules${path.sep}`)) {
      if (fallback < 0) fallback = i
      continue
    }
    return i
  }
  return fallback
}

function siteOf(frame) {
  return `${frame.getFileName()}:${frame.getLineNumber()}:${frame.getColumnNumber()}`
}

function formatStack(frames, from) {
  let s = ''
  for (let i = Math.max(from, 0); i < frames.length; i++) s += `\n    at ${String(frames[i])}`
  return s.slice(1)
}

module.exports = { captureFrames, userFrame, siteOf, formatStack }
