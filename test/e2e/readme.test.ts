import {spawnSync} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('README', () => {
  it('carries the command reference oclif generates from the commands (run `npm run readme` after changing them)', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const generated = spawnSync(
      process.execPath,
      ['node_modules/oclif/bin/run.js', 'readme', '--no-aliases', '--dry-run'],
      {
        cwd: root,
        encoding: 'utf8',
        env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'},
      },
    )
    expect(generated.status).toBe(0)
    const readme = generated.stdout.slice(generated.stdout.indexOf('\n') + 1)
    expect((await read('README.md')).trimEnd()).toBe(readme.trimEnd())
  })
})
