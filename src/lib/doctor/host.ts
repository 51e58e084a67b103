import {execFile} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

/** What a file read gave: its text, or why there is none. */
export type FileRead = {readonly status: 'denied' | 'missing'} | {readonly status: 'ok'; readonly text: string}

export interface CommandResult {
  readonly code: number
  readonly stderr: string
  readonly stdout: string
}

/**
 * Everything doctor reads from the gateway host, handed in so that every check runs in tests on captured state.
 * Doctor only reads: nothing here changes the host.
 */
export interface DoctorHost {
  readonly isRoot: boolean
  listDir(path: string): Promise<readonly string[] | undefined>
  readonly platform: NodeJS.Platform
  readFile(path: string): Promise<FileRead>
  /** Runs a program; undefined when it is not installed. */
  run(program: string, args: readonly string[]): Promise<CommandResult | undefined>
  sleep(ms: number): Promise<void>
}

/** The text of a file that could be read, else undefined. */
export function textOf(read: FileRead): string | undefined {
  return read.status === 'ok' ? read.text : undefined
}

/** Where the tools live; a user's PATH often lacks the sbin folders. */
const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** No tool doctor runs needs longer; a hung one must not hang a monitoring loop. */
const COMMAND_TIMEOUT_MS = 10_000

/** The host doctor runs on, read through node:fs and node:child_process. */
export function nodeDoctorHost(): DoctorHost {
  return {
    isRoot: process.getuid?.() === 0,
    async listDir(path) {
      return readdir(path).catch(() => undefined)
    },
    platform: process.platform,
    async readFile(path) {
      try {
        return {status: 'ok', text: await readFile(path, 'utf8')}
      } catch (error) {
        const {code} = error as NodeJS.ErrnoException
        return {status: code === 'EACCES' || code === 'EPERM' ? 'denied' : 'missing'}
      }
    },
    run(program, args) {
      return new Promise((resolve) => {
        execFile(
          program,
          args,
          {
            encoding: 'utf8',
            env: {...process.env, LC_ALL: 'C', PATH: `${process.env.PATH ?? ''}:${TOOL_PATH}`},
            maxBuffer: 16 * 1024 * 1024,
            timeout: COMMAND_TIMEOUT_MS,
          },
          (error, stdout, stderr) => {
            const code = (error as (NodeJS.ErrnoException & {code?: number | string}) | null)?.code
            if (code === 'ENOENT') resolve(undefined)
            else resolve({code: typeof code === 'number' ? code : error ? 1 : 0, stderr, stdout})
          },
        )
      })
    },
    sleep: (ms) => sleep(ms),
  }
}
