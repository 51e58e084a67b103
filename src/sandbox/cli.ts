#!/usr/bin/env node
import type {RequestLogEntry} from './request-log.js'

import {ExitCode} from '../lib/exit-codes.js'
import {describeSeededSpaces, describeTiming, parseCliArguments, SANDBOX_USAGE} from './cli-options.js'
import {startSandbox} from './index.js'
import {ADMIN_PREFIX} from './routes.js'

function requestLine(entry: RequestLogEntry): string {
  const status = entry.status ?? 'dropped'
  const fault = entry.fault === null ? '' : ` [fault: ${entry.fault}]`
  return `${entry.method} ${entry.path} -> ${status} in ${entry.durationMs} ms${fault}\n`
}

async function main(): Promise<void> {
  const command = parseCliArguments(process.argv.slice(2))
  if (command.kind === 'help') {
    process.stdout.write(`${SANDBOX_USAGE}\n`)
    return
  }

  if (command.kind === 'invalid') {
    process.stderr.write(`${command.message}\nRun with --help for the flags.\n`)
    process.exitCode = ExitCode.usage
    return
  }

  const log = (line: string) => process.stderr.write(line)
  const sandbox = await startSandbox({
    ...command.options,
    onRequest: command.quiet ? undefined : (entry) => log(requestLine(entry)),
  })
  // stdout carries only lines a shell or a CI env file can take as they are: a comment and two assignments.
  process.stdout.write(
    `# Heroku Platform API sandbox listening on ${sandbox.url}\nHEROKU_HOST=${sandbox.url}\nHEROKU_API_KEY=${sandbox.apiKey}\n`,
  )
  log(`Seeded spaces:\n${describeSeededSpaces()}\nTiming: ${describeTiming(sandbox.control.timing())}\n`)
  log(`Admin endpoints (no API key): ${sandbox.url}${ADMIN_PREFIX}\nPress Ctrl-C to stop.\n`)

  const stop = (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    log(`${signal}: stopping the sandbox.\n`)
    // No process.exit: once the server is closed nothing is left to keep the process alive.
    sandbox.stop().catch((error: unknown) => {
      log(`Could not stop cleanly: ${String(error)}\n`)
      process.exitCode = ExitCode.failed
    })
  }

  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

try {
  await main()
} catch (error) {
  const {code} = error as NodeJS.ErrnoException
  process.stderr.write(
    code === 'EADDRINUSE'
      ? 'That port is already in use: choose another with --port, or leave it out for a free one.\n'
      : `${String(error)}\n`,
  )
  process.exitCode = ExitCode.failed
}
