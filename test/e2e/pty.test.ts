import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {
  DEFAULT_BLOCKS_SPACE,
  type Sandbox,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
  startSandbox,
} from '../../src/sandbox/index.js'
import {packPlugin} from '../support/heroku-cli.js'
import {runInPty} from '../support/pty.js'
import {BIN} from '../support/run-cli.js'

let sandbox: Sandbox
let packedDir: string
const programs: Array<[string, () => string]> = [
  ['the bundled program (./bin/run.js)', () => BIN],
  ['the packed program', () => join(packedDir, 'package', 'bin', 'run.js')],
]

beforeAll(async () => {
  // deprovisioning outlasts the checks after a destroy, however slow the machine is
  sandbox = await startSandbox({timing: {deprovisioning: 30, pending: 0.5, provisioning: 0.5, tunnelsUpAfter: 0.2}})
  packedDir = await mkdtemp(join(tmpdir(), 'heroku-spaces-vpn-packed-'))
  const {tarball} = await packPlugin(packedDir)
  // as npm installs it, without the development tree around it
  execFileSync('tar', ['-xzf', tarball, '-C', packedDir])
}, 300_000)

afterAll(async () => {
  await sandbox?.stop()
  if (packedDir) await rm(packedDir, {force: true, recursive: true})
})

beforeEach(() => sandbox.control.reset())

const connectionStatus = () => sandbox.control.connection(SPACE_WITH_CONNECTION, SEEDED_CONNECTION).status

describe.each(programs)('%s at a terminal', (_name, bin) => {
  const pty = (...args: string[]) => runInPty(['node', bin(), ...args], sandbox.env)
  const atDestroyPrompt = async () => {
    const session = pty('spaces:vpn:destroy', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION)
    await session.waitFor(`To proceed, type ${SEEDED_CONNECTION}: `)
    return session
  }

  it('wait draws its spinner and ends with the connection', async () => {
    const connect = runInPty(
      [
        'node',
        bin(),
        'spaces:vpn:connect',
        'lab',
        '--space',
        DEFAULT_BLOCKS_SPACE,
        '--ip',
        '52.91.173.226',
        '--cidrs',
        '172.16.0.0/16',
      ],
      sandbox.env,
    )
    expect(await connect.exit).toBe(0)
    const session = pty('spaces:vpn:wait', 'lab', '--space', DEFAULT_BLOCKS_SPACE, '--interval', '1')
    expect(await session.exit).toBe(0)
    expect(session.output()).toContain('Waiting until VPN connection lab in space cedar-space is active...')
    expect(session.output()).toMatch(/active, tunnels \w+\/\w+ after \d/)
    expect(session.output()).toContain('=== cedar-space VPN connection lab')
    expect(session.output()).not.toMatch(/TypeError|Unexpected failure| {4}at /)
  })

  it('Ctrl-C ends a wait with exit code 130', async () => {
    sandbox.control.setTunnelStatus({connection: SEEDED_CONNECTION, space: SPACE_WITH_CONNECTION, tunnel: 1}, 'DOWN')
    const session = pty(
      'spaces:vpn:wait',
      SEEDED_CONNECTION,
      '--space',
      SPACE_WITH_CONNECTION,
      '--tunnels-up',
      '--interval',
      '1',
    )
    await session.waitFor('Waiting until')
    session.type('\u0003')
    expect(await session.exit).toBe(130)
  })

  it("destroy asks for the connection's name and destroys when it is typed", async () => {
    const session = await atDestroyPrompt()
    session.type(`${SEEDED_CONNECTION}\r`)
    expect(await session.exit).toBe(0)
    expect(session.output()).toContain('Destroying VPN connection office in space acme-space')
    expect(connectionStatus()).toBe('deprovisioning')
  })

  it('Ctrl-D at the prompt ends its line, says the destroy was cancelled, and destroys nothing', async () => {
    const session = await atDestroyPrompt()
    session.type('\u0004')
    expect(await session.exit).toBe(2)
    expect(session.output()).toMatch(/To proceed, type office: \r\n.*Error: The destroy was cancelled/)
    expect(connectionStatus()).toBe('active')
  })

  it('Ctrl-C at the prompt exits with 130 and destroys nothing', async () => {
    const session = await atDestroyPrompt()
    session.type('\u0003')
    expect(await session.exit).toBe(130)
    expect(connectionStatus()).toBe('active')
    expect(sandbox.control.requests().map((entry) => entry.method)).not.toContain('DELETE')
  })
})
