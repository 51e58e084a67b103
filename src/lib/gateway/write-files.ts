import {randomBytes} from 'node:crypto'
import {constants, type Stats} from 'node:fs'
import {access, lstat, mkdir, open, readlink, rename, stat, unlink} from 'node:fs/promises'
import {dirname, join, resolve, sep} from 'node:path'

import {InputError, NOTHING_WRITTEN, type NothingDone, OperationError} from '../errors.js'
import {shellWord} from '../ui/command-lines.js'

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

/** Who runs the command, for deciding whom a directory can be trusted to: undefined where there are no POSIX owners. */
export interface LocalUser {
  readonly gid: number
  readonly uid: number
}

const ROOT_UID = 0
const STICKY_BIT = 0o1000
/** What is at stake when someone else can change the files before they are installed. */
const AT_STAKE = 'the updown script that the next steps install with sudo and charon runs as root'
const SAFE_DIRECTORY =
  'use a directory that only you and root can change, such as one in your home directory or one made by mktemp -d'

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0')
}

/** Writable by someone other than its owner: everyone, or a group that is not the user's own. */
function othersCanWrite(info: Stats, user: LocalUser): boolean {
  return (info.mode & 0o002) !== 0 || ((info.mode & 0o020) !== 0 && info.gid !== user.gid)
}

/** Why `info`, a directory on the way to the files (`path`), lets someone else change them; undefined when it does not. */
function untrustedDirectory(
  subject: string,
  path: string,
  info: Stats,
  place: {readonly holdsFiles: boolean; readonly user: LocalUser},
): string | undefined {
  const {holdsFiles, user} = place
  const where = holdsFiles ? 'is a directory that' : `is inside ${path}, which`
  if (info.uid !== user.uid && info.uid !== ROOT_UID) {
    return `${subject} ${where} belongs to another user (uid ${info.uid}), who could replace the files or the directory, ${AT_STAKE} among them: ${SAFE_DIRECTORY}`
  }

  if (!othersCanWrite(info, user)) return undefined
  const sticky = (info.mode & STICKY_BIT) !== 0
  if (!holdsFiles) {
    if (sticky) return undefined
    return `${subject} ${where} other users can write to (mode ${octal(info.mode)}, no sticky bit): one of them could swap the directory for one of their own, with their own ${AT_STAKE}: ${SAFE_DIRECTORY}`
  }

  if (sticky) {
    return `${subject} ${where} other users can write to (mode ${octal(info.mode)}): the sticky bit keeps them from replacing your files, not from creating files under the same names whenever yours are not there, ${AT_STAKE} among them: ${SAFE_DIRECTORY}`
  }

  const ownAdvice = info.uid === user.uid ? `take their access away (chmod go-w ${shellWord(path)}), or ` : ''
  return `${subject} ${where} other users can write to (mode ${octal(info.mode)}): one of them could replace the files, ${AT_STAKE} among them: ${ownAdvice}${SAFE_DIRECTORY}`
}

/**
 * Whether anyone but the user and root could change what ends up in `dir` (an existing directory; `isTarget` when
 * the files go into it, not into directories still to be created below it) before the next steps install it: every
 * directory from / down, and every link on the way, which is followed as the kernel would.
 */
async function othersCanChange(
  subject: string,
  dir: string,
  isTarget: boolean,
  user: LocalUser,
): Promise<string | undefined> {
  const pending = resolve(dir).split(sep).filter(Boolean)
  let current: string = sep
  let links = 0
  for (;;) {
    const info = await lstat(current).catch((error: unknown) => {
      throw cannotWrite(dir, error)
    })
    if (info.isSymbolicLink()) {
      if (info.uid !== user.uid && info.uid !== ROOT_UID) {
        return `${subject} goes through the link ${current}, which belongs to another user (uid ${info.uid}), who could point it at a directory of their own: ${SAFE_DIRECTORY}`
      }

      // more links than the kernel follows: the write will fail and say so
      if (++links > 40) return undefined
      const target = await readlink(current).catch((error: unknown) => {
        throw cannotWrite(dir, error)
      })
      pending.unshift(...target.split(sep).filter(Boolean))
      current = target.startsWith(sep) ? sep : dirname(current)
      continue
    }

    const holdsFiles = isTarget && pending.length === 0
    const problem = untrustedDirectory(subject, current, info, {holdsFiles, user})
    if (problem !== undefined || pending.length === 0) return problem
    current = join(current, pending.shift()!)
  }
}

/**
 * What stops `dir` from taking the files, found before anything is fetched: a path the shell did not expand, a
 * file in the way, a directory that cannot be written or created, or one that someone other than the user and root
 * could change (see othersCanChange). Undefined when the files can go there.
 */
export async function outputDirProblem(
  flag: string,
  dir: string,
  user: LocalUser | undefined,
): Promise<string | undefined> {
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

    if (!(await writable(existing))) {
      return isTarget
        ? `${flag} "${dir}" is a directory you cannot write to`
        : `${flag} "${dir}" cannot be created: you cannot write to ${existing}`
    }

    // the directories created below `existing` are the user's, mode 0700
    return user === undefined ? undefined : othersCanChange(`${flag} "${dir}"`, existing, isTarget, user)
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
