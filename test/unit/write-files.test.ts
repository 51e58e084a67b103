import {spawnSync} from 'node:child_process'
import {chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ExitCode} from '../../src/lib/exit-codes.js'
import {type FileToWrite, outputDirProblem, writeFiles} from '../../src/lib/gateway/write-files.js'

const FILES: FileToWrite[] = [
  {content: 'conn a\n', mode: 0o644, name: 'ipsec.conf'},
  {content: '1.2.3.4 : PSK "k"\n', mode: 0o600, name: 'ipsec.secrets'},
]

/** The uid and gid of `nobody` on Debian and most Linux systems. */
const NOBODY = 65_534

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
    const error = await writeFiles(root, FILES, {force: false}).catch((error_: unknown) => error_)
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(`${join(root, 'ipsec.secrets')} exists`)
    expect((error as Error).message).toContain('Nothing was written.')
    expect(await readdir(root)).toEqual(['ipsec.secrets'])
    expect(await readFile(join(root, 'ipsec.secrets'), 'utf8')).toBe('old')
  })

  it('removes what it created when a later file cannot be written', async () => {
    const files = [FILES[0]!, {...FILES[1]!, name: join('no-such-dir', 'ipsec.secrets')}]
    const error = await writeFiles(root, files, {force: false}).catch((error_: unknown) => error_)
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
    const error = await writeFiles(root, FILES, {force: true}).catch((error_: unknown) => error_)
    expect(error).toMatchObject({exitCode: ExitCode.failed, message: expect.stringContaining('is a directory')})
    expect(await readFile(join(root, 'ipsec.conf'), 'utf8')).toBe('old')
    expect((await readdir(root)).sort()).toEqual(['ipsec.conf', 'ipsec.secrets'])
  })
})

describe('outputDirProblem', () => {
  it('accepts a directory that exists or can be created', async () => {
    expect(await outputDirProblem('--output-dir', root)).toBeUndefined()
    expect(await outputDirProblem('--output-dir', join(root, 'a', 'b'))).toBeUndefined()
  })

  it.each([['~/gw'], ['~']])('refuses %j, which the shell did not expand', async (dir) => {
    expect(await outputDirProblem('--output-dir', dir)).toContain(
      `--output-dir "${dir}" starts with ~, which the shell expands only at the start of a word`,
    )
  })

  it('refuses a regular file, and a path below one', async () => {
    await writeFile(join(root, 'file'), '')
    expect(await outputDirProblem('--output-dir', join(root, 'file'))).toBe(
      `--output-dir "${join(root, 'file')}" is a file, not a directory: give a directory to write the files into`,
    )
    expect(await outputDirProblem('--output-dir', join(root, 'file', 'gw'))).toBe(
      `--output-dir "${join(root, 'file', 'gw')}" cannot be created: ${join(root, 'file')} is a file`,
    )
  })

  /** outputDirProblem as an ordinary user sees it: root may write anywhere, so as root it runs as `nobody`. */
  function problemAsUser(dir: string): string | undefined {
    const source = fileURLToPath(new URL('../../src/lib/gateway/write-files.ts', import.meta.url))
    const script = `const {outputDirProblem} = await import(${JSON.stringify(source)}); process.stdout.write(JSON.stringify(await outputDirProblem('--output-dir', ${JSON.stringify(dir)}) ?? null))`
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
