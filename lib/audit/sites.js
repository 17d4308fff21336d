'use strict'
// Call-site capture: the first frame that is not Node's, not leakguard's own
// and (when asked) not in node_modules. Uses structured frames so no stack
// string is formatted on the hot path.
const path = require('node:path')
const { findSourceMap } = require('node:module')
const { pathToFileURL, fileURLToPath } = require('node:url')

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

// `    at fn (file:line:column)` or `    at file:line:column`
const FRAME = /^\s*at (?:[^(]*\()?([^()\s]+):(\d+):(\d+)\)?$/

/**
 * From a formatted stack (a MaxListenersExceededWarning's, made at the add
 * that crossed the limit) the frame to attribute, as userFrame() picks it:
 * `{ site, stack }` with the stack from that frame on, or null.
 */
function stackSite(stack, ignoreNodeModules) {
  if (typeof stack !== 'string') return null
  const lines = stack.split('\n')
  let fallback = null
  for (let i = 0; i < lines.length; i++) {
    const m = FRAME.exec(lines[i])
    if (m === null || m[1].startsWith('node:') || isOwn(m[1])) continue
    const found = { site: `${m[1]}:${m[2]}:${m[3]}`, stack: lines.slice(i).filter((l) => /^\s*at /.test(l)).join('\n') }
    if (ignoreNodeModules && m[1].includes(`${path.sep}node_modules${path.sep}`)) {
      fallback ??= found
      continue
    }
    return found
  }
  return fallback
}

// ---- source maps: applied at report time, never on the add path ----

/** Whether Node maps stack traces through source maps (--enable-source-maps, process.setSourceMapsEnabled). */
function sourceMapsEnabled() {
  if (typeof process.sourceMapsEnabled === 'boolean') return process.sourceMapsEnabled
  const flag = /(^|\s)--enable-source-maps(\s|$)/
  return process.execArgv.includes('--enable-source-maps') || flag.test(process.env.NODE_OPTIONS || '')
}

/** A 1-based position in `file` mapped through its source map as `source:line:column`, or null. */
function sourcePosition(file, line, column) {
  try {
    // findEntry takes and gives 0-based lines and columns; a position it cannot map gives {}
    const entry = findSourceMap(file)?.findEntry(line - 1, column - 1)
    if (typeof entry?.originalSource !== 'string' || !(entry.originalLine >= 0)) return null
    let source = entry.originalSource
    // a path stays a path (CommonJS); an ES module's site is already a URL
    if (!file.startsWith('file:') && source.startsWith('file:')) source = fileURLToPath(source)
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`
  } catch {
    return null
  }
}

/** `file:line:column` in the original source when a source map covers it, else as it is. */
function sourceSite(site) {
  const m = /^(.+):(\d+):(\d+)$/.exec(site)
  return (m && sourcePosition(m[1], Number(m[2]), Number(m[3]))) ?? site
}

/** Each `at … (file:line:column)` line of a formatted stack, mapped as sourceSite() does. */
function sourceStack(stack) {
  return stack.replace(/^(\s*at (?:.*\()?)(.+?):(\d+):(\d+)(\)?)$/gm, (line, head, file, l, c, tail) => {
    const mapped = sourcePosition(file, Number(l), Number(c))
    return mapped === null ? line : head + mapped + tail
  })
}

module.exports = { captureFrames, userFrame, siteOf, formatStack, stackSite, sourceMapsEnabled, sourceSite, sourceStack }
