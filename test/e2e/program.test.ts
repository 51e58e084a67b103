import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {copyFile, mkdir, mkdtemp, readFile, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../support/heroku-cli.js'
import {BIN, runCli} from '../support/run-cli.js'

/* The standalone program is a program of its own: its usage, help and hints name it, not `heroku`. */

let linkDir: string

beforeAll(async () => {
  linkDir = await mkdtemp(join(tmpdir(), 'program-name-'))
  // What `npm install -g` makes: a link named after the package's bin entry.
  await symlink(BIN, join(linkDir, 'heroku-spaces-vpn'))
})
afterAll(() => rm(linkDir, {force: true, recursive: true}))

describe('the standalone program', () => {
  it('names itself in usage and hints as it was run: ./bin/run.js in a checkout', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('$ ./bin/run.js [COMMAND]')
    expect(help.stdout).not.toContain('$ heroku')
  })

  it('names itself heroku-spaces-vpn when run through the bin link, in help and in the hints of a command', async () => {
    const help = await runCli(['spaces:vpn:destroy', '--help'], {bin: join(linkDir, 'heroku-spaces-vpn')})
    expect(help.stdout).toContain('$ heroku-spaces-vpn spaces:vpn:destroy [NAME]')
    const refused = await runCli(['spaces:vpn:destroy', 'office', '--space', 'acme-space'], {
      bin: join(linkDir, 'heroku-spaces-vpn'),
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('heroku-spaces-vpn spaces:vpn:destroy office --space acme-space --confirm office')
  })

  it('answers `help COMMAND` as `COMMAND --help`', async () => {
    const [viaHelp, viaFlag] = await Promise.all([
      runCli(['help', 'spaces:vpn:info']),
      runCli(['spaces:vpn:info', '--help']),
    ])
    expect(viaHelp).toMatchObject({code: 0, stdout: viaFlag.stdout})
    expect(viaHelp.stdout).toContain('$ ./bin/run.js spaces:vpn:info [NAME]')
  })

  it('suggests the closest command for a typo, with exit code 2', async () => {
    const result = await runCli(['spaces:vpn:inf', 'office'])
    expect(result.code).toBe(2)
    expect(result.stderr.replaceAll(/\s*›\s*/g, ' ')).toContain(
      'command spaces:vpn:inf not found. Did you mean spaces:vpn:info? Run `./bin/run.js help`',
    )
  })

  it('says in one line how to build it when the bundle is missing, with exit code 1', async () => {
    const checkout = await mkdtemp(join(tmpdir(), 'program-unbuilt-'))
    try {
      await mkdir(join(checkout, 'bin'))
      await copyFile(BIN, join(checkout, 'bin', 'run.js'))
      await copyFile(join(REPO_ROOT, 'package.json'), join(checkout, 'package.json'))
      const result = await runCli(['spaces:vpn:info', 'office', '--space', 'acme-space'], {
        bin: join(checkout, 'bin', 'run.js'),
      })
      expect(result).toMatchObject({
        code: 1,
        stderr: `${join(checkout, 'bin', 'standalone', 'cli.cjs')} is missing: build it with \`npm run build\`.\n`,
        stdout: '',
      })
    } finally {
      await rm(checkout, {force: true, recursive: true})
    }
  })

  it('suggests nothing for a word far from every command', async () => {
    const result = await runCli(['deploy'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('command deploy not found.')
    expect(result.stderr).not.toContain('Did you mean')
  })
})

describe('the sandbox', () => {
  it('has a bin entry of its own, so that CI can start it by name', async () => {
    const pjson = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
      files: string[]
    }
    const entry = pjson.bin['heroku-spaces-vpn-sandbox']!
    expect(pjson.files.some((folder) => entry.replace(/^\.\//, '').startsWith(`${folder}/`))).toBe(true)
    expect(await readFile(join(REPO_ROOT, entry), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    await symlink(join(REPO_ROOT, entry), join(linkDir, 'heroku-spaces-vpn-sandbox'))
    const child = spawn(process.execPath, [join(linkDir, 'heroku-spaces-vpn-sandbox'), '--quiet'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    while (!stdout.includes('HEROKU_API_KEY='))
      await new Promise((resolve) => {
        setTimeout(resolve, 20)
      })
    expect(stdout).toMatch(/^HEROKU_HOST=http:\/\/127\.0\.0\.1:\d+$/m)
    child.kill('SIGTERM')
    expect((await once(child, 'exit'))[0]).toBe(0)
  })
})
