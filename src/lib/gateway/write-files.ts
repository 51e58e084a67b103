import {randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {access, lstat, mkdir, open, rename, stat, unlink} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

import {InputError, NOTHING_WRITTEN, type NothingDone, OperationError} from '../errors.js'

export interface FileToWrite {
  readonly content: string
  /** Exactly this mode, whatever the umask: 0o600 for files that hold keys. */
  readonly mode: number
  readonly name: string
}

export interface WriteOptions {
  /** Replace files that exist; without it an existing file is never touched. */
  readonly force: boolean
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** The reason without the path Node puts in its message, which may be a hidden temporary file's. */
function reason(error: unknown): string {
  const code = errorCode(error)
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EDQUOT: 'the disk quota is used up',
    ENOSPC: 'no space left on the device',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
  }
  if (code === undefined) return error instanceof Error ? error.message : String(error)
  return `${words[code] ?? 'the system refused'} (${code})`
}

function cannotWrite(dir: string, error: unknown): OperationError {
  return new OperationError(`Could not write the files into ${dir}: ${reason(error)}. ${NOTHING_WRITTEN}`)
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  )
}

/**
 * What stops `dir` from taking the files, found before anything is fetched: a path the shell did not expand, a
 * file in the way, a directory that cannot be written or created. Undefined when the files can go there.
 */
export async function outputDirProblem(flag: string, dir: string): Promise<string | undefined> {
  if (dir === '~' || dir.startsWith('~/')) {
    return `${flag} "${dir}" starts with ~, which the shell expands only at the start of a word (not after ${flag}=): write ${flag} ${dir} with a space, or use $HOME`
  }

  let existing = resolve(dir)
  for (;;) {
    const info = await stat(existing).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined
      throw cannotWrite(dir, error)
    })
    if (info === undefined) {
      if (dirname(existing) === existing) return undefined
      existing = dirname(existing)
      continue
    }

    const isTarget = existing === resolve(dir)
    if (!info.isDirectory()) {
      return isTarget
        ? `${flag} "${dir}" is a file, not a directory: give a directory to write the files into`
        : `${flag} "${dir}" cannot be created: ${existing} is a file`
    }

    if (await writable(existing)) return undefined
    return isTarget
      ? `${flag} "${dir}" is a directory you cannot write to`
      : `${flag} "${dir}" cannot be created: you cannot write to ${existing}`
  }
}

/** The paths among `names` in `dir` that exist already (as anything: file, link, directory). */
export async function existingFiles(dir: string, names: readonly string[]): Promise<string[]> {
  const found: string[] = []
  for (const name of names) {
    const path = join(dir, name)
    try {
      await lstat(path)
      found.push(path)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw cannotWrite(dir, error)
    }
  }

  return found
}

/** The error for files that would be overwritten, naming all of them; `outcome` says what was left undone. */
export function refuseToOverwrite(paths: readonly string[], outcome: NothingDone): InputError {
  const listed = paths.length === 1 ? `${paths[0]} exists` : `These files exist: ${paths.join(', ')}`
  return new InputError(`${listed}, and files are never overwritten without --force. ${outcome}`, [
    'Choose another --output-dir, move the files away, or add --force to replace them.',
  ])
}

async function writeWithMode(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode)
  try {
    await handle.writeFile(content, 'utf8')
    await handle.chmod(mode)
  } finally {
    await handle.close()
  }
}

async function removeQuietly(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => unlink(path).catch(() => undefined)))
}

/** Creates each file with O_EXCL; if one cannot be created, the ones created before it are removed again. */
async function createAll(dir: string, files: readonly FileToWrite[]): Promise<string[]> {
  const created: string[] = []
  try {
    for (const file of files) {
      const path = join(dir, file.name)
      await writeWithMode(path, file.content, file.mode)
      created.push(path)
    }
  } catch (error) {
    await removeQuietly(created)
    if (errorCode(error) === 'EEXIST')
      throw refuseToOverwrite(
        await existingFiles(
          dir,
          files.map((file) => file.name),
        ),
        NOTHING_WRITTEN,
      )
    throw cannotWrite(dir, error)
  }

  return created
}

/**
 * Writes every file to a new temporary name first, then renames each over its target: a replaced file is a new
 * inode with the new mode (never an old, wider one), a link in its place is replaced rather than followed, and a
 * failure before the renames leaves every old file as it was.
 */
async function replaceAll(dir: string, files: readonly FileToWrite[]): Promise<string[]> {
  const staged: Array<{readonly path: string; readonly temporary: string}> = []
  try {
    for (const file of files) {
      const path = join(dir, file.name)
      const temporary = join(dir, `.${file.name}.${randomBytes(6).toString('hex')}.tmp`)
      await writeWithMode(temporary, file.content, file.mode)
      staged.push({path, temporary})
    }

    for (const {path, temporary} of staged) await rename(temporary, path)
  } catch (error) {
    await removeQuietly(staged.map(({temporary}) => temporary))
    throw cannotWrite(dir, error)
  }

  return staged.map(({path}) => path)
}

/**
 * Writes the files into `dir`, creating it (mode 0700) if missing. Every target is checked before anything is
 * written, so an existing file stops the whole write unless `force` is set. Returns the paths written.
 */
export async function writeFiles(dir: string, files: readonly FileToWrite[], options: WriteOptions): Promise<string[]> {
  try {
    await mkdir(dir, {mode: 0o700, recursive: true})
  } catch (error) {
    throw cannotWrite(dir, error)
  }

  if (!options.force) {
    const existing = await existingFiles(
      dir,
      files.map((file) => file.name),
    )
    if (existing.length > 0) throw refuseToOverwrite(existing, NOTHING_WRITTEN)
    return createAll(dir, files)
  }

  // a rename cannot replace a directory: find that out before any file is replaced
  for (const path of await existingFiles(
    dir,
    files.map((file) => file.name),
  )) {
    if ((await lstat(path)).isDirectory())
      throw new OperationError(`${path} is a directory, not a file. ${NOTHING_WRITTEN}`)
  }

  return replaceAll(dir, files)
}
