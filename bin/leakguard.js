#!/usr/bin/env node
'use strict'
// The leakguard CLI. Each subcommand is an entry in COMMANDS: its usage line,
// its options (node:util parseArgs format) and a `run` that returns the text to print.
const { parseArgs } = require('node:util')

const COMMON = {
  top: { type: 'string', help: 'classes to list (default 20)' },
  json: { type: 'boolean', help: 'print the report as JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
}

const COMMANDS = {
  diff: {
    usage: 'leakguard diff BASE TARGET [--top N] [--paths N] [--samples N] [--json]',
    summary: 'what grew between two heap snapshots, and who holds it',
    positionals: ['BASE', 'TARGET'],
    options: {
      ...COMMON,
      paths: { type: 'string', help: 'top growing classes to trace retainer paths for (default 5)' },
      samples: { type: 'string', help: 'distinct retainer paths per traced class, most common first (default 3)' },
    },
    async run([base, target], opts) {
      const heap = require('../lib/heap')
      const report = await heap.compareSnapshots(base, target, opts)
      return report
    },
    format: (report) => require('../lib/heap').formatDiff(report),
    warnings: (report) =>
      report.baseLooksNewer
        ? [
            'BASE looks newer than TARGET: nearly all objects only BASE holds have ids above every id in TARGET, ' +
              "and V8's ids only grow within a process. If both snapshots come from one process, swap them: " +
              `leakguard diff ${report.target.path} ${report.base.path}`,
          ]
        : [],
  },
  inspect: {
    usage: 'leakguard inspect SNAPSHOT [--top N] [--json]',
    summary: 'per class: count, self size and retained size of one heap snapshot',
    positionals: ['SNAPSHOT'],
    options: { ...COMMON },
    async run([file], opts) {
      return require('../lib/heap').inspectSnapshot(file, opts)
    },
    format: (report) => require('../lib/heap').formatInspect(report),
  },
}

class UsageError extends Error {}

function mainHelp() {
  const lines = ['Usage: leakguard <command> [options]', '', 'Commands:']
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)}${c.summary}`)
  lines.push('', 'Run "leakguard <command> --help" for its options.')
  return lines.join('\n')
}

function commandHelp(c) {
  const lines = [`Usage: ${c.usage}`, '', c.summary, '', 'Options:']
  for (const [name, o] of Object.entries(c.options)) {
    const flag = (o.short ? `-${o.short}, ` : '    ') + `--${name}` + (o.type === 'string' ? ' N' : '')
    lines.push(`  ${flag.padEnd(16)}${o.help}`)
  }
  return lines.join('\n')
}

function count(name, text) {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`)
  return Number(text)
}

async function main(argv, out) {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(mainHelp())
    return name === undefined ? 2 : 0
  }
  const c = COMMANDS[name]
  if (!c) throw new UsageError(`unknown command ${JSON.stringify(name)}`)
  const options = Object.fromEntries(
    Object.entries(c.options).map(([k, { type, short }]) => [k, short ? { type, short } : { type }])
  )
  let parsed
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError(err.message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    out.stdout(commandHelp(c))
    return 0
  }
  if (positionals.length !== c.positionals.length) {
    throw new UsageError(`${name} takes ${c.positionals.join(' and ')}, got ${positionals.length} argument(s)`)
  }
  const opts = {}
  for (const key of ['top', 'paths', 'samples']) {
    if (key in c.options && values[key] !== undefined) opts[key] = count(key, values[key])
  }
  const report = await c.run(positionals, opts)
  for (const w of c.warnings?.(report) ?? []) out.stderr(`leakguard: warning: ${w}`)
  out.stdout(values.json ? JSON.stringify(report, null, 2) : c.format(report))
  return 0
}

if (require.main === module) {
  // `leakguard diff … | head`: the reader closing early is not a failure.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })
  const out = { stdout: (s) => process.stdout.write(s + '\n'), stderr: (s) => process.stderr.write(s + '\n') }
  main(process.argv.slice(2), out).then(
    (code) => {
      process.exitCode = code
    },
    (err) => {
      const usage = err instanceof UsageError || err.code === 'ERR_LEAKGUARD_OPTION'
      process.stderr.write(`leakguard: ${err.message}\n`)
      if (usage) process.stderr.write('Run "leakguard --help" for usage.\n')
      process.exitCode = usage ? 2 : 1
    }
  )
}

module.exports = { main, COMMANDS }
