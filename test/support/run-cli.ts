import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
/** The sandbox as the package installs it (`heroku-spaces-vpn-sandbox`), built. */
export const SANDBOX_BIN = fileURLToPath(new URL('../../dist/sandbox/cli.js', import.meta.url))

export interface CliResult {
  readonly code: null | number
  /** When the process ended (Unix ms), to compare with the sandbox's request log. */
  readonly endedAt: number
  readonly ms: number
  readonly stderr: string
  readonly stdout: string
}

export interface CliOptions {
  /** Another path to the program, such as a link named like the package's bin entry. */
  readonly bin?: string
  readonly cwd?: string
  /** Added to a clean environment: nothing of the developer's own Heroku setup leaks in. */
  readonly env?: Record<string, string | undefined>
  readonly input?: string
  readonly timeoutMs?: number
}

/** Runs the built CLI as its own process, the way a user or a CI step does. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {PATH: process.env.PATH ?? '/usr/bin:/bin'}
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const endedAt = Date.now()
      resolve({code, endedAt, ms: endedAt - started, stderr, stdout})
    })
    child.stdin.end(options.input ?? '')
  })
}

/**
 * From the first request the program sent (Unix ms) to its exit: how long its own deadline took to end it, whatever
 * the machine's load did to its start-up before that request.
 */
export function msFromFirstRequestToExit(result: CliResult, firstRequestAt: number | undefined): number {
  if (firstRequestAt === undefined) throw new Error('the program sent no request')
  return result.endedAt - firstRequestAt
}
