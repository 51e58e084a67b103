import {execFile} from 'node:child_process'
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {
  DEFAULT_BLOCKS_SPACE,
  type Sandbox,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
  startSandbox,
} from '../../src/sandbox/index.js'
import {REPO_ROOT} from '../support/heroku-cli.js'
import {startBarrierFront} from '../support/network.js'
import {BIN, runCli} from '../support/run-cli.js'

/* Pipelines that run twice, destroy --wait, and docs/key-rotation.md's script, run as it is against the sandbox. */

const FAST = {deprovisioning: 0.3, pending: 0.2, provisioning: 0.3, tunnelsUpAfter: 0.2}
const IP = '52.91.173.226'
const CIDRS = '172.16.0.0/16,192.168.50.0/24'

let sandbox: Sandbox
let scratch: string

beforeAll(async () => {
  sandbox = await startSandbox({timing: FAST})
  scratch = await mkdtemp(join(tmpdir(), 'pipelines-'))
})
afterAll(async () => {
  await sandbox.stop()
  await rm(scratch, {force: true, recursive: true})
})
beforeEach(() => sandbox.control.reset())

const cli = (...args: string[]) => runCli(args, {env: sandbox.env})
const posts = () => sandbox.control.requests().filter((entry) => entry.method === 'POST')
const connectArgv = (cidrs: string, ...extra: string[]) => [
  'spaces:vpn:connect',
  'office',
  '--space',
  DEFAULT_BLOCKS_SPACE,
  '--ip',
  IP,
  '--cidrs',
  cidrs,
  ...extra,
]
const connectWithCidrs = (cidrs: string, ...extra: string[]) => cli(...connectArgv(cidrs, ...extra))
const connect = (...extra: string[]) => connectWithCidrs(CIDRS, ...extra)
const flat = (text: string) => text.replaceAll(/\s*›\s*/g, ' ')

describe('connect --if-not-exists', () => {
  it('succeeds again for the same connection, saying it existed, and sends no second create', async () => {
    expect((await connect('--if-not-exists')).code).toBe(0)
    const again = await connect('--if-not-exists')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(
      `VPN connection office already existed in space ${DEFAULT_BLOCKS_SPACE} with the same public IP and routable CIDRs`,
    )
    expect(posts()).toHaveLength(1)
  })

  it('prints the API object, and nothing else, with --json; the CIDRs may come in another order', async () => {
    await connect()
    const again = await connectWithCidrs('192.168.50.0/24,172.16.0.0/16', '--if-not-exists', '--json')
    expect(again.code).toBe(0)
    const printed = JSON.parse(again.stdout) as {name: string; public_ip: string}
    expect(printed).toMatchObject({name: 'office', public_ip: IP})
    expect(again.stderr).toContain('already existed')
  })

  it('refuses the same name with another IP and other CIDRs with exit code 2, naming each difference and its command', async () => {
    await connect()
    const other = await cli(
      'spaces:vpn:connect',
      'office',
      '--space',
      DEFAULT_BLOCKS_SPACE,
      '--ip',
      '52.91.173.227',
      '--cidrs',
      '172.16.0.0/16',
      '--if-not-exists',
    )
    expect(other.code).toBe(2)
    const message = flat(other.stderr)
    expect(message).toContain('2 problems with the input:')
    expect(message).toContain(`--ip 52.91.173.227 differs from its public IP ${IP}, which cannot be changed`)
    expect(message).toContain(
      `./bin/run.js spaces:vpn:destroy office --space ${DEFAULT_BLOCKS_SPACE} --confirm office --wait`,
    )
    expect(message).toContain(`--cidrs 172.16.0.0/16 differ from its routable CIDRs 172.16.0.0/16,192.168.50.0/24`)
    expect(message).toContain(
      `./bin/run.js spaces:vpn:update office --space ${DEFAULT_BLOCKS_SPACE} --cidrs 172.16.0.0/16`,
    )
    expect(posts()).toHaveLength(1)
  })

  it('two at once both exit 0: the one whose create is refused looks again and finds the same connection', async () => {
    // both read the space's connections before either creates, as two pipeline runs started together can
    const connectionsPath = `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`
    const front = await startBarrierFront(
      sandbox.url,
      (request) => request.method === 'GET' && request.url === connectionsPath,
      2,
    )
    try {
      const env = {...sandbox.env, HEROKU_HOST: front.url}
      const runs = await Promise.all([1, 2].map(() => runCli(connectArgv(CIDRS, '--if-not-exists'), {env})))
      for (const run of runs) expect(run.code, run.stderr).toBe(0)
      expect(posts().map((entry) => entry.status)).toEqual(expect.arrayContaining([201, 422]))
      expect(posts()).toHaveLength(2)
      expect(runs.map((run) => run.stdout.split(' ').slice(0, 4).join(' ')).sort()).toEqual([
        'Created VPN connection office',
        'VPN connection office already',
      ])
    } finally {
      await front.close()
    }
  })

  it('says a connection that failed failed, advises replacing it and exits 1, with its settings the same or not', async () => {
    await connect()
    sandbox.control.failConnection(DEFAULT_BLOCKS_SPACE, 'office', 'Customer gateway rejected the proposal.')
    for (const cidrs of [CIDRS, '172.16.0.0/16']) {
      const again = await connectWithCidrs(cidrs, '--if-not-exists')
      expect(again).toMatchObject({code: 1, stdout: ''})
      const message = flat(again.stderr)
      expect(message).toContain(
        `VPN connection office in space ${DEFAULT_BLOCKS_SPACE} failed: Customer gateway rejected the proposal. Nothing was created.`,
      )
      expect(message).toContain(
        `Destroy it with \`./bin/run.js spaces:vpn:destroy office --space ${DEFAULT_BLOCKS_SPACE} --confirm office --wait\` and connect again`,
      )
      expect(message).not.toContain('spaces:vpn:wait')
    }

    expect(posts()).toHaveLength(1)
  })

  it('still refuses a second connection under another name', async () => {
    const second = await cli(
      'spaces:vpn:connect',
      'lab',
      '--space',
      SPACE_WITH_CONNECTION,
      '--ip',
      IP,
      '--cidrs',
      '192.168.60.0/24',
      '--if-not-exists',
    )
    expect(second.code).toBe(2)
    expect(flat(second.stderr)).toContain(`already has VPN connection "${SEEDED_CONNECTION}"`)
  })
})

describe('destroy --wait', () => {
  it('returns once the connection is gone, with progress on stderr and one JSON document on stdout', async () => {
    const result = await cli(
      'spaces:vpn:destroy',
      SEEDED_CONNECTION,
      '--space',
      SPACE_WITH_CONNECTION,
      '--confirm',
      SEEDED_CONNECTION,
      '--wait',
      '--interval',
      '1',
      '--json',
    )
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as {name: string}).name).toBe(SEEDED_CONNECTION)
    expect(result.stderr).toContain(
      `Waiting until VPN connection ${SEEDED_CONNECTION} in space ${SPACE_WITH_CONNECTION} is destroyed...`,
    )
    expect(result.stderr).toMatch(/deprovisioning/)
    expect(result.stderr).toMatch(/Destroyed after \d/)
    const listed = await cli('spaces:vpn:connections', '--space', SPACE_WITH_CONNECTION, '--json')
    expect(JSON.parse(listed.stdout)).toEqual([])
  })

  it('rides out a 503 while waiting, and ends with exit code 124 when --timeout runs out', async () => {
    const slow = await startSandbox({timing: {...FAST, deprovisioning: 30}})
    slow.control.injectFault({kind: 'error', method: 'GET', status: 503, times: 1})
    try {
      const result = await runCli(
        [
          'spaces:vpn:destroy',
          SEEDED_CONNECTION,
          '--space',
          SPACE_WITH_CONNECTION,
          '--confirm',
          SEEDED_CONNECTION,
          '--wait',
          '--interval',
          '1',
          '--timeout',
          '3',
        ],
        {env: slow.env},
      )
      expect(result.code).toBe(124)
      expect(result.stderr).toContain('trying again')
      expect(result.stderr).toContain(
        `waiting for VPN connection ${SEEDED_CONNECTION} in space ${SPACE_WITH_CONNECTION} to be destroyed. Last status: deprovisioning.`,
      )
    } finally {
      await slow.stop()
    }
  })

  it('takes --interval and --timeout only with --wait', async () => {
    const result = await cli(
      'spaces:vpn:destroy',
      SEEDED_CONNECTION,
      '--space',
      SPACE_WITH_CONNECTION,
      '--confirm',
      SEEDED_CONNECTION,
      '--timeout',
      '5',
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--wait')
    expect(sandbox.control.requests()).toEqual([])
  })
})

describe("docs/key-rotation.md's script", () => {
  it('changes the keys, and the new gateway files hold the new keys and not the old ones', async () => {
    const doc = await readFile(join(REPO_ROOT, 'docs', 'key-rotation.md'), 'utf8')
    const script = /<!-- key-rotation:start -->\n```bash\n([\s\S]+?)```\n<!-- key-rotation:end -->/.exec(doc)?.[1]
    expect(script).toBeDefined()
    const bin = join(scratch, 'bin')
    await mkdir(bin, {recursive: true})
    await writeFile(join(bin, 'heroku'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    await writeFile(join(bin, 'sudo'), `#!/bin/sh\necho "$@" >> "${join(scratch, 'sudo.log')}"\n`)
    await Promise.all(['heroku', 'sudo'].map((name) => chmod(join(bin, name), 0o755)))
    await writeFile(join(scratch, 'rotate.sh'), script!)

    const keysOf = async () => {
      const shown = await cli('spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json')
      return (JSON.parse(shown.stdout) as {tunnels: Array<{pre_shared_key: string}>}).tunnels.map(
        (tunnel) => tunnel.pre_shared_key,
      )
    }

    const oldKeys = await keysOf()
    const out = join(scratch, 'gateway')
    const env = {
      ...sandbox.env,
      CIDRS: '172.16.0.0/16',
      GATEWAY_IP: IP,
      INTERVAL: '1',
      LOCAL_IP: '172.16.0.2',
      NAME: SEEDED_CONNECTION,
      OUT: out,
      PATH: `${bin}:${process.env.PATH}`,
      SPACE: SPACE_WITH_CONNECTION,
    }
    const {stderr} = await promisify(execFile)('bash', [join(scratch, 'rotate.sh')], {env, timeout: 60_000})
    expect(stderr).toContain('Ready after')

    const newKeys = await keysOf()
    expect(newKeys).toHaveLength(2)
    for (const key of newKeys) expect(oldKeys).not.toContain(key)
    const written = await Promise.all((await readdir(out)).map((file) => readFile(join(out, file), 'utf8')))
    for (const key of newKeys) expect(written.some((text) => text.includes(key))).toBe(true)
    for (const key of oldKeys) expect(written.some((text) => text.includes(key))).toBe(false)
    const sudo = (await readFile(join(scratch, 'sudo.log'), 'utf8')).split('\n')
    // the script runs exactly the commands config's next steps print, in their order
    for (const line of sudo.filter(Boolean)) expect(stderr).toContain(`sudo ${line}\n`)
    const base = `${SPACE_WITH_CONNECTION}-${SEEDED_CONNECTION}-[\\da-f]{12}`
    expect(sudo.map((line) => line.replaceAll(new RegExp(base, 'g'), 'BASE'))).toEqual([
      `install -D -m 0600 ${out}/heroku-vpn-swanctl.conf /etc/swanctl/conf.d/BASE.conf`,
      `install -D -m 0755 ${out}/heroku-vpn-updown.sh /etc/swanctl/BASE-updown.sh`,
      `install -D -m 0644 ${out}/heroku-vpn-strongswan.conf /etc/strongswan.d/heroku-spaces-vpn.conf`,
      `install -D -m 0644 ${out}/heroku-vpn-sysctl.conf /etc/sysctl.d/90-heroku-spaces-vpn.conf`,
      'sysctl -p /etc/sysctl.d/90-heroku-spaces-vpn.conf',
      'systemctl restart strongswan',
      '',
    ])
  })
})
