import nock from 'nock'
import {chmod, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import Config from '../../src/commands/spaces/vpn/config.js'
import {configOptions, type ConfigOptions, runConfig} from '../../src/lib/actions/config.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {API, pendingConnection, rejection, space, testContext, vpnConnection} from '../support/fixtures.js'

const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'
const base = {name: 'office', space: 'acme-space'}
const golden = (name: string) => readFile(new URL(`golden/${name}`, import.meta.url), 'utf8')

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-gateway-'))
})
afterEach(async () => {
  await rm(dir, {force: true, recursive: true})
})

async function failure(options: ConfigOptions, context = testContext()) {
  const error = await rejection(runConfig(options, context))
  return {context, error: error as Error & {advice: readonly string[]; exitCode: number}}
}

/** Runs the command class in this process, as oclif would; resolves with the error it ends with. */
function runCommand(argv: string[]): Promise<unknown> {
  return Config.run(argv, new URL('../..', import.meta.url).pathname).then(
    () => new Error('the command succeeded'),
    (error: unknown) => error,
  )
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

/** The connection, then the space (for the names as the API spells them). */
function answers(connection = vpnConnection(), path = CONNECTION_PATH, spacePath = '/spaces/acme-space') {
  nock(API).get(path).reply(200, connection).get(spacePath).reply(200, space())
}

describe('config --format strongswan|swanctl', () => {
  it("prints every file under a line naming where it goes, for the article's values, and the next steps on stderr", async () => {
    const context = testContext()
    answers()
    await runConfig({...base, format: 'strongswan', localIp: '172.16.0.2'}, context)
    expect(context.stdout()).toBe(await golden('article.strongswan.txt'))
    expect(context.stderr()).toBe(`Next steps:
  1. Save each file on your VPN host at the path on the line above it (that line is not part of the file), with these modes:
       0644 /etc/ipsec.conf
       0600 /etc/ipsec.secrets
       0755 /etc/ipsec.d/acme-space-office-f74e4feff17f-updown.sh
       0644 /etc/strongswan.d/heroku-spaces-vpn.conf
       0644 /etc/sysctl.d/90-heroku-spaces-vpn.conf
     /etc/ipsec.conf and /etc/ipsec.secrets replace the ones there: if they hold other connections, append these to them instead (every name here starts with acme-space-office-f74e4feff17f-).
     The updown script adds, while a tunnel is up, two rules to this host's firewall (iptables' mangle table, or an nftables table of its own where there is no iptables) that lower the TCP MSS of connections through that tunnel to 1379, and removes them when the tunnel goes down: AWS drops larger packets without a word.
     /etc/strongswan.d/heroku-spaces-vpn.conf changes charon for every connection on this host, not only these tunnels: charon installs no routes of its own (routing table 220), and gives up on an unanswered IKE message after about 16 s instead of 165 s.
     /etc/sysctl.d/90-heroku-spaces-vpn.conf turns on IPv4 forwarding for the whole host.
  2. Let UDP 500 and 4500 and ESP (IP protocol 50) through any firewall in front of the VPN host, to and from 34.203.187.158 and 34.227.70.143.
     Behind a 1:1 NAT (a cloud VM whose public IP 52.91.173.226 maps to a private address), forward UDP 500 and 4500 to the host: the tunnels then run in UDP 4500.
  3. Apply the kernel settings and restart strongSwan. Both tunnels come up by themselves, now and whenever strongSwan starts:
       sudo sysctl -p /etc/sysctl.d/90-heroku-spaces-vpn.conf
       sudo ipsec restart
  4. Check that Heroku sees every tunnel UP:
       heroku spaces:vpn:wait office --space acme-space --tunnels-up
`)
  })

  it('prints swanctl.conf and what it relies on, the connection’s public IP as the local address by default', async () => {
    const context = testContext()
    answers(vpnConnection({ike_version: 2}))
    await runConfig({...base, format: 'swanctl'}, context)
    expect(context.stdout()).toBe(await golden('ikev2.swanctl.txt'))
    expect(context.stderr()).toContain('       sudo systemctl restart strongswan\n')
  })

  it('names the files after the names the API gives, however the connection and space were asked for', async () => {
    const context = testContext()
    const id = '5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b'
    const spaceId = '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a'
    answers(vpnConnection({ike_version: 2}), `/spaces/${spaceId}/vpn-connections/${id}`, `/spaces/${spaceId}`)
    await runConfig({format: 'swanctl', name: id, space: spaceId}, context)
    expect(context.stdout()).toBe(await golden('ikev2.swanctl.txt'))
  })

  it('writes the same files into --output-dir with their modes, says what it wrote, and gives the install commands', async () => {
    const context = testContext()
    const out = join(dir, 'gateway')
    answers()
    await runConfig({...base, format: 'strongswan', localIp: '172.16.0.2', outputDir: out}, context)
    const printed = await golden('article.strongswan.txt')
    expect(printed).toContain(`# /etc/ipsec.conf\n${await readFile(join(out, 'heroku-vpn-ipsec.conf'), 'utf8')}`)
    expect(printed).toContain(
      `# /etc/ipsec.d/acme-space-office-f74e4feff17f-updown.sh\n${await readFile(join(out, 'heroku-vpn-updown.sh'), 'utf8')}`,
    )
    expect(await mode(join(out, 'heroku-vpn-ipsec.conf'))).toBe(0o644)
    expect(await mode(join(out, 'heroku-vpn-ipsec.secrets'))).toBe(0o600)
    expect(await mode(join(out, 'heroku-vpn-updown.sh'))).toBe(0o755)
    expect(context.stdout()).toBe(
      [
        `Wrote ${join(out, 'heroku-vpn-ipsec.conf')} (mode 0644), for /etc/ipsec.conf`,
        `Wrote ${join(out, 'heroku-vpn-ipsec.secrets')} (mode 0600, holds the pre-shared keys), for /etc/ipsec.secrets`,
        `Wrote ${join(out, 'heroku-vpn-updown.sh')} (mode 0755), for /etc/ipsec.d/acme-space-office-f74e4feff17f-updown.sh`,
        `Wrote ${join(out, 'heroku-vpn-strongswan.conf')} (mode 0644), for /etc/strongswan.d/heroku-spaces-vpn.conf`,
        `Wrote ${join(out, 'heroku-vpn-sysctl.conf')} (mode 0644), for /etc/sysctl.d/90-heroku-spaces-vpn.conf`,
        '',
      ].join('\n'),
    )
    expect(context.stderr()).toContain(
      `       sudo install -D -m 0600 ${join(out, 'heroku-vpn-ipsec.secrets')} /etc/ipsec.secrets\n`,
    )
    expect(context.stderr()).toContain(
      `       sudo install -D -m 0755 ${join(out, 'heroku-vpn-updown.sh')} /etc/ipsec.d/acme-space-office-f74e4feff17f-updown.sh\n`,
    )
  })

  it("is shown in the README for the article's values exactly as it prints, next steps included", async () => {
    const context = testContext()
    answers()
    await runConfig({...base, format: 'swanctl', localIp: '172.16.0.2', outputDir: join(dir, 'gateway')}, context)
    const shown = `$ heroku spaces:vpn:config office --space acme-space --format swanctl --local-ip 172.16.0.2 --output-dir gateway\n${context.stdout()}${context.stderr()}`
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    expect(readme).toContain(shown.replaceAll(`${dir}/`, ''))
  })

  it('writes swanctl.conf 0600: it holds the keys', async () => {
    answers()
    await runConfig({...base, format: 'swanctl', outputDir: dir}, testContext())
    expect(await mode(join(dir, 'heroku-vpn-swanctl.conf'))).toBe(0o600)
  })

  it('refuses existing files before sending any request (exit 2), naming them, and leaves them alone', async () => {
    await writeFile(join(dir, 'heroku-vpn-ipsec.conf'), 'mine')
    await writeFile(join(dir, 'heroku-vpn-ipsec.secrets'), 'mine too')
    const {context, error} = await failure({...base, format: 'strongswan', outputDir: dir})
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toBe(
      `These files exist: ${join(dir, 'heroku-vpn-ipsec.conf')}, ${join(dir, 'heroku-vpn-ipsec.secrets')}, and files are never overwritten without --force. Nothing was sent to Heroku.`,
    )
    expect(error.advice.join(',')).toContain('--force')
    expect(await readFile(join(dir, 'heroku-vpn-ipsec.conf'), 'utf8')).toBe('mine')
    expect(context.stdout()).toBe('')
  })

  it('replaces them with --force, ending with mode 0600 for the keys even if the old file was wider', async () => {
    await writeFile(join(dir, 'heroku-vpn-swanctl.conf'), 'old')
    await chmod(join(dir, 'heroku-vpn-swanctl.conf'), 0o644)
    answers()
    await runConfig({...base, force: true, format: 'swanctl', outputDir: dir}, testContext())
    expect(await readFile(join(dir, 'heroku-vpn-swanctl.conf'), 'utf8')).toContain('secrets {')
    expect(await mode(join(dir, 'heroku-vpn-swanctl.conf'))).toBe(0o600)
    expect((await readdir(dir)).sort()).toEqual([
      'heroku-vpn-strongswan.conf',
      'heroku-vpn-swanctl.conf',
      'heroku-vpn-sysctl.conf',
      'heroku-vpn-updown.sh',
    ])
  })

  it('says to wait (exit 1) when the connection has no tunnels yet, and writes nothing', async () => {
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'provisioning'}))
    const out = join(dir, 'gateway')
    const {context, error} = await failure({...base, format: 'swanctl', outputDir: out})
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(error.message).toContain('is not ready (status: provisioning)')
    expect(error.advice.join(',')).toContain('heroku spaces:vpn:wait office --space acme-space')
    await expect(stat(out)).rejects.toThrow()
    expect(context.stdout()).toBe('')
  })

  it('refuses a tunnel IP that is not IPv4 (exit 1) instead of writing it into a file, and says how to see the data', async () => {
    answers(
      vpnConnection({
        tunnels: [
          {ip: '34.203.187.158 %any', pre_shared_key: 'k'},
          {ip: '34.227.70.143', pre_shared_key: 'k'},
        ],
      }),
    )
    const {error} = await failure({...base, format: 'strongswan', outputDir: dir})
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(error.message).toContain(`tunnel 1's IP "34.203.187.158 %any" is not an IPv4 address`)
    expect(error.advice.join(',')).toContain('heroku spaces:vpn:info office --space acme-space --json')
    expect(await readdir(dir)).toEqual([])
  })
})

describe('config flags', () => {
  const defaults = {force: false, format: 'table', json: false, space: 'acme-space'} as const
  it.each([
    [
      '--local-ip with the table',
      {'local-ip': '172.16.0.2'},
      '--local-ip applies to --format strongswan and --format swanctl only, not to --format table',
    ],
    [
      '--output-dir with json',
      {format: 'json', 'output-dir': '/tmp/x'},
      '--output-dir applies to --format strongswan and --format swanctl only, not to --format json',
    ],
    [
      'all three with the table',
      {force: true, 'local-ip': '172.16.0.2', 'output-dir': '/tmp/x'},
      '--local-ip, --output-dir, --force apply to',
    ],
    [
      '--force without --output-dir',
      {force: true, format: 'swanctl'},
      '--force applies to files written with --output-dir',
    ],
    ['an empty --output-dir', {format: 'swanctl', 'output-dir': ' '}, '--output-dir is empty'],
    [
      'a --local-ip that is not an address',
      {format: 'strongswan', 'local-ip': '172.16.0.0/16'},
      '--local-ip "172.16.0.0/16" is a network, not an address',
    ],
    ['a loopback --local-ip', {format: 'swanctl', 'local-ip': '127.0.0.1'}, '--local-ip 127.0.0.1 is in 127.0.0.0/8'],
  ] as const)('refuses %s with exit 2 before any request', (_case, flags, words) => {
    expect(() => configOptions({name: 'office'}, {...defaults, ...flags})).toThrow(
      expect.objectContaining({exitCode: ExitCode.usage, message: expect.stringContaining(words)}),
    )
    expect(() => configOptions({name: 'office'}, {...defaults, ...flags})).toThrow('Nothing was sent to Heroku.')
  })

  it('are parsed by the command into the same checks: the message on stderr, exit 2', async () => {
    let stderr = ''
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk)
      return true
    })
    const error = await runCommand(['office', '--space', 'acme-space', '--local-ip', '10.0.0.1']).finally(() =>
      spy.mockRestore(),
    )
    expect(error).toMatchObject({oclif: {exit: ExitCode.usage}})
    expect(stderr).toContain('--local-ip applies to --format strongswan and --format swanctl only')
  })

  it("show in the help what the command says it wrote for the article's values", async () => {
    const example = String(Config.examples?.find((entry) => String(entry).includes('--output-dir gateway')))
    const context = testContext()
    answers()
    await runConfig({...base, format: 'strongswan', localIp: '172.16.0.2', outputDir: join(dir, 'gateway')}, context)
    expect(example.slice(example.indexOf('\n') + 1)).toBe(context.stdout().replaceAll(`${dir}/`, '').trimEnd())
  })

  it('offer the gateway formats in --format, and keep --json exclusive of it', async () => {
    expect(((await runCommand(['office', '-s', 'acme-space', '--format', 'openswan'])) as Error).message).toContain(
      'table, json, strongswan, swanctl',
    )
    expect(
      ((await runCommand(['office', '-s', 'acme-space', '--format', 'swanctl', '--json'])) as Error).message,
    ).toContain('cannot also be provided')
  })
})

describe('config', () => {
  it('prints the tunnel table with the pre-shared keys', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runConfig({...base, format: 'table'}, context)
    expect(context.stdout()).toBe(`=== acme-space VPN connection office: tunnel configuration

VPN Tunnel  Customer Gateway  VPN Gateway     Pre-shared Key  Routable Subnets  IKE Version
──────────  ────────────────  ──────────────  ──────────────  ────────────────  ───────────
Tunnel 1    52.91.173.226     34.203.187.158  abcdef12345     10.0.0.0/16       1
Tunnel 2    52.91.173.226     34.227.70.143   123456abcdef    10.0.0.0/16       1
`)
  })

  it('says to wait when the connection has no tunnels yet, with exit code 1', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'provisioning'}))
    const error = await rejection(runConfig({...base, format: 'table'}, context))
    expect(error).toMatchObject({
      exitCode: ExitCode.failed,
      message: expect.stringContaining('is not ready (status: provisioning)'),
    })
    expect((error as {advice: string[]}).advice.join(',')).toContain('heroku spaces:vpn:wait office --space acme-space')
  })

  it('prints the table of a failed connection, keys included, with a warning on stderr saying how to replace it', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'failed', status_message: 'rejected'}))
    await runConfig({...base, format: 'table'}, context)
    expect(context.stdout()).toContain('Tunnel 1    52.91.173.226     34.203.187.158  abcdef12345')
    expect(context.stderr()).toBe(
      'Warning: VPN connection office in space acme-space failed: rejected. Its tunnels will not come up. Destroy it with `heroku spaces:vpn:destroy office --space acme-space --confirm office --wait` and connect again once the cause is fixed.\n',
    )
  })

  it('refuses a failed connection without tunnels, having no table to show (exit code 1)', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'failed'}))
    await expect(runConfig({...base, format: 'table'}, context)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
      message: 'VPN connection office in space acme-space failed, so it has no tunnels to configure.',
    })
    expect(context.stdout()).toBe('')
  })

  it('prints the object unchanged with the json format, whatever its status', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, pendingConnection())
    await runConfig({...base, format: 'json'}, context)
    expect(JSON.parse(context.stdout())).toEqual(pendingConnection())
  })
})
