import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const DEMO = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url))

describe('npm run demo', () => {
  it("runs the article's flow against the sandbox, exits 0 and leaves nothing running", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', DEMO], {
      env: {PATH: process.env.PATH},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    const code = await new Promise<null | number>((resolve) => {
      child.on('close', resolve)
    })
    expect(stderr).not.toContain('Warning: that step exited')
    expect(code).toBe(0)
    for (const command of ['connect', 'wait', 'info', 'config', 'destroy'])
      expect(stdout).toContain(`$ heroku spaces:vpn:${command} office`)
    expect(stdout).toMatch(
      /^Wrote \S+\/gateway\/heroku-vpn-swanctl\.conf \(mode 0600, holds the pre-shared keys\), for \/etc\/swanctl\/conf\.d\/cedar-space-office-[\da-f]{12}\.conf$/m,
    )
    expect(stdout).toContain('Demo complete: every step behaved as expected.')
  })
})
