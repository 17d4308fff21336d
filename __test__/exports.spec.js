'use strict'
// Every value index.d.ts declares (class, function, const) is exported at
// runtime by both entries, so nothing type-checks and then is undefined.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const declared = [...fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8').matchAll(
  /^export (?:declare )?(?:abstract )?(?:class|function|const|let|var|enum) (\w+)/gm
)].map((m) => m[1])

test('index.d.ts declares values that index.js and index.mjs both export', async () => {
  assert.ok(declared.includes('auditListeners') && declared.includes('LRUCache'), declared.join(', '))
  const cjs = require('..')
  const esm = await import('../index.mjs')
  for (const name of new Set(declared)) {
    assert.notEqual(cjs[name], undefined, `index.js does not export ${name}`)
    assert.notEqual(esm[name], undefined, `index.mjs does not export ${name}`)
  }
  assert.equal('ListenerAudit' in cjs, false) // a type only (see index.d.ts)
})

test('every name of index.js imports by path from ESM (Node finds them without running it), the same objects', () => {
  const { pathToFileURL } = require('node:url')
  const { execFileSync } = require('node:child_process')
  const names = Object.keys(require('..'))
  const file = path.join(root, 'index.js')
  const url = pathToFileURL(file).href
  // a static named import: a name Node's CommonJS lexer does not find is a SyntaxError
  const script = `
    import { ${names.join(', ')} } from ${JSON.stringify(url)}
    import { createRequire } from 'node:module'
    const cjs = createRequire(${JSON.stringify(url)})(${JSON.stringify(file)})
    const got = { ${names.join(', ')} }
    console.log(JSON.stringify(Object.keys(cjs).filter((k) => got[k] !== cjs[k])))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.deepEqual(JSON.parse(out), [])
  assert.ok(names.length >= 16 && names.includes('auditListeners'), names.join(', '))
})
