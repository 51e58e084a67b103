import {spawnSync} from 'node:child_process'
import {
  chmod,
  chown,
  lchown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {processUser} from '../../src/cli/context.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {type FileToWrite, outputDirProblem, writeFiles} from '../../src/lib/gateway/write-files.js'
import {rejection} from '../support/fixtures.js'

const FILES: FileToWrite[] = [
  {content: 'conn a\n', mode: 0o644, name: 'ipsec.conf'},
  {content: '1.2.3.4 : PSK "k"\n', mode: 0o600, name: 'ipsec.secrets'},
]

/** The uid and gid of `nobody` on Debian and most Linux systems. */
const NOBODY = 65_534
const USER = processUser()!

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'write-files-'))
})
afterEach(async () => {
  await rm(root, {force: true, recursive: true})
})

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('writeFiles', () => {
  it('creates the directory (0700) and each file with its exact mode', async () => {
    const dir = join(root, 'new', 'gateway')
    const written = await writeFiles(dir, FILES, {force: false})
    expect(written).toEqual([join(dir, 'ipsec.conf'), join(dir, 'ipsec.secrets')])
    expect(await mode(dir)).toBe(0o700)
    expect(await mode(join(dir, 'ipsec.conf'))).toBe(0o644)
    expect(await mode(join(dir, 'ipsec.secrets'))).toBe(0o600)
    expect(await readFile(join(dir, 'ipsec.secrets'), 'utf8')).toBe('1.2.3.4 : PSK "k"\n')
  })

  it('refuses (exit 2) when any file exists, names all of them, and writes nothing', async () => {
    await writeFile(join(root, 'ipsec.secrets'), 'old')
    const error = await rejection(writeFiles(root, FILES, {force: false}))
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(`${join(root, 'ipsec.secrets')} exists`)
    expect((error as Error).message).toContain('Nothing was written.')
    expect(await readdir(root)).toEqual(['ipsec.secrets'])
    expect(await readFile(join(root, 'ipsec.secrets'), 'utf8')).toBe('old')
  })

  it('removes what it created when a later file cannot be written', async () => {
    const files = [FILES[0]!, {...FILES[1]!, name: join('no-such-dir', 'ipsec.secrets')}]
    const error = await rejection(writeFiles(root, files, {force: false}))
    expect(error).toMatchObject({
      exitCode: ExitCode.failed,
      message: `Could not write the files into ${root}: the system refused (ENOENT). Nothing was written.`,
    })
    expect(await readdir(root)).toEqual([])
  })

  it('with force, replaces existing files and narrows a wider mode to 0600', async () => {
    await writeFile(join(root, 'ipsec.secrets'), 'old')
    await chmod(join(root, 'ipsec.secrets'), 0o666)
    await writeFiles(root, FILES, {force: true})
    expect(await readFile(join(root, 'ipsec.secrets'), 'utf8')).toBe(FILES[1]!.content)
    expect(await mode(join(root, 'ipsec.secrets'))).toBe(0o600)
    expect((await readdir(root)).sort()).toEqual(['ipsec.conf', 'ipsec.secrets'])
  })

  it('with force, replaces a symbolic link instead of writing through it', async () => {
    const elsewhere = join(root, 'elsewhere')
    await writeFile(elsewhere, 'untouched')
    const dir = join(root, 'out')
    await writeFiles(dir, [FILES[0]!], {force: false})
    await symlink(elsewhere, join(dir, 'ipsec.secrets'))
    await writeFiles(dir, FILES, {force: true})
    expect(await readFile(elsewhere, 'utf8')).toBe('untouched')
    expect((await lstat(join(dir, 'ipsec.secrets'))).isSymbolicLink()).toBe(false)
    await expect(readlink(join(dir, 'ipsec.secrets'))).rejects.toThrow()
  })

  it('never writes through a link without force either', async () => {
    const elsewhere = join(root, 'elsewhere')
    await writeFile(elsewhere, 'untouched')
    await symlink(elsewhere, join(root, 'ipsec.conf'))
    await expect(writeFiles(root, FILES, {force: false})).rejects.toMatchObject({exitCode: ExitCode.usage})
    expect(await readFile(elsewhere, 'utf8')).toBe('untouched')
  })

  it('with force, leaves every file as it was when a target is a directory', async () => {
    await writeFile(join(root, 'ipsec.conf'), 'old')
    await mkdir(join(root, 'ipsec.secrets'))
    const error = await rejection(writeFiles(root, FILES, {force: true}))
    expect(error).toMatchObject({exitCode: ExitCode.failed, message: expect.stringContaining('is a directory')})
    expect(await readFile(join(root, 'ipsec.conf'), 'utf8')).toBe('old')
    expect((await readdir(root)).sort()).toEqual(['ipsec.conf', 'ipsec.secrets'])
  })
})

describe('outputDirProblem', () => {
  it('accepts a directory that exists or can be created', async () => {
    expect(await outputDirProblem('--output-dir', root, USER)).toBeUndefined()
    expect(await outputDirProblem('--output-dir', join(root, 'a', 'b'), USER)).toBeUndefined()
  })

  it.each([['~/gw'], ['~']])('refuses %j, which the shell did not expand', async (dir) => {
    expect(await outputDirProblem('--output-dir', dir, USER)).toContain(
      `--output-dir "${dir}" starts with ~, which the shell expands only at the start of a word`,
    )
  })

  it('refuses a regular file, and a path below one', async () => {
    await writeFile(join(root, 'file'), '')
    expect(await outputDirProblem('--output-dir', join(root, 'file'), USER)).toBe(
      `--output-dir "${join(root, 'file')}" is a file, not a directory: give a directory to write the files into`,
    )
    expect(await outputDirProblem('--output-dir', join(root, 'file', 'gw'), USER)).toBe(
      `--output-dir "${join(root, 'file', 'gw')}" cannot be created: ${join(root, 'file')} is a file`,
    )
  })

  /** outputDirProblem as an ordinary user sees it: root may write anywhere, so as root it runs as `nobody`. */
  function problemAsUser(dir: string): string | undefined {
    const source = fileURLToPath(new URL('../../src/lib/gateway/write-files.ts', import.meta.url))
    const script = `const {outputDirProblem} = await import(${JSON.stringify(source)}); const user = {gid: process.getgid(), uid: process.getuid()}; process.stdout.write(JSON.stringify(await outputDirProblem('--output-dir', ${JSON.stringify(dir)}, user) ?? null))`
    const asRoot = process.getuid?.() === 0
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      ...(asRoot ? {gid: NOBODY, uid: NOBODY} : {}),
    })
    expect(child.status, child.stderr).toBe(0)
    return JSON.parse(child.stdout) ?? undefined
  }

  it('refuses a directory it cannot write to, or create in', async () => {
    // readable and searchable by everyone, writable by its owner only: root here, or the user running the tests
    await chmod(root, 0o755)
    await mkdir(join(root, 'locked'), {mode: 0o555})
    expect(problemAsUser(join(root, 'locked'))).toContain('is a directory you cannot write to')
    expect(problemAsUser(join(root, 'locked', 'gw'))).toContain(
      `cannot be created: you cannot write to ${join(root, 'locked')}`,
    )
    expect(problemAsUser(root)).toBe(
      process.getuid?.() === 0 ? `--output-dir "${root}" is a directory you cannot write to` : undefined,
    )
  })
})

describe('outputDirProblem: directories someone other than the user and root could change', () => {
  const SAFE =
    'use a directory that only you and root can change, such as one in your home directory or one made by mktemp -d'
  const AT_STAKE = 'the updown script that the next steps install with sudo and charon runs as root'

  it('refuses a directory everyone can write to, saying why and what to do', async () => {
    await chmod(root, 0o777)
    expect(await outputDirProblem('--output-dir', root, USER)).toBe(
      `--output-dir "${root}" is a directory that other users can write to (mode 0777): one of them could replace the files, ${AT_STAKE} among them: take their access away (chmod go-w ${root}), or ${SAFE}`,
    )
  })

  it('refuses one everyone can write to even with the sticky bit, as /tmp itself, and takes a directory of yours in it', async () => {
    await chmod(root, 0o1777)
    expect(await outputDirProblem('--output-dir', root, USER)).toContain(
      `is a directory that other users can write to (mode 1777): the sticky bit keeps them from replacing your files, not from creating files under the same names whenever yours are not there`,
    )
    await mkdir(join(root, 'mine'), {mode: 0o700})
    expect(await outputDirProblem('--output-dir', join(root, 'mine'), USER)).toBeUndefined()
    expect(await outputDirProblem('--output-dir', join(root, 'new', 'gw'), USER)).toBeUndefined()
  })

  it.each([['gw'], [join('new', 'gw')]])(
    'refuses %s in a directory everyone can write to without the sticky bit, where the directory can be swapped',
    async (below) => {
      await chmod(root, 0o777)
      await mkdir(join(root, 'gw'), {mode: 0o700})
      expect(await outputDirProblem('--output-dir', join(root, below), USER)).toBe(
        `--output-dir "${join(root, below)}" is inside ${root}, which other users can write to (mode 0777, no sticky bit): one of them could swap the directory for one of their own, with their own ${AT_STAKE}: ${SAFE}`,
      )
    },
  )

  it("refuses a group's write access unless the group is the user's own", async () => {
    await chmod(root, 0o770)
    const {gid} = await stat(root)
    expect(await outputDirProblem('--output-dir', root, {...USER, gid})).toBeUndefined()
    expect(await outputDirProblem('--output-dir', root, {...USER, gid: gid + 1})).toContain(
      'is a directory that other users can write to (mode 0770)',
    )
  })

  it('refuses a directory of another user (root is trusted: it can change anything anyway)', async () => {
    // root owns nothing here that is not trusted: as root the directory goes to nobody, else another user looks at it
    const asRoot = USER.uid === 0
    if (asRoot) await chown(root, NOBODY, NOBODY)
    const owner = asRoot ? NOBODY : USER.uid
    const checking = asRoot ? USER : {gid: USER.gid, uid: USER.uid + 4242}
    expect(await outputDirProblem('--output-dir', root, checking)).toBe(
      `--output-dir "${root}" is a directory that belongs to another user (uid ${owner}), who could replace the files or the directory, ${AT_STAKE} among them: ${SAFE}`,
    )
    expect(await outputDirProblem('--output-dir', join(root, 'gw'), checking)).toContain(
      `is inside ${root}, which belongs to another user (uid ${owner})`,
    )
  })

  it('follows links, judging where they lead', async () => {
    await mkdir(join(root, 'open'), {mode: 0o777})
    await chmod(join(root, 'open'), 0o777)
    await symlink('open', join(root, 'link'))
    expect(await outputDirProblem('--output-dir', join(root, 'link'), USER)).toContain(
      `--output-dir "${join(root, 'link')}" is a directory that other users can write to (mode 0777)`,
    )
  })

  it.skipIf(process.getuid?.() !== 0)('refuses a link of another user on the way (root: it can make one)', async () => {
    await mkdir(join(root, 'mine'), {mode: 0o700})
    await symlink('mine', join(root, 'link'))
    await lchown(join(root, 'link'), NOBODY, NOBODY)
    expect(await outputDirProblem('--output-dir', join(root, 'link', 'gw'), USER)).toContain(
      `goes through the link ${join(root, 'link')}, which belongs to another user (uid ${NOBODY}), who could point it at a directory of their own`,
    )
  })
})
