import {chmod, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import Config from '../../src/commands/spaces/vpn/config.js'
import {type ConfigOptions, showConfig} from '../../src/lib/actions/config.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {API, pendingConnection, testContext, vpnConnection} from '../support/fixtures.js'

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
  const error = await showConfig(options, context).catch((error_: unknown) => error_)
  return {context, error: error as Error & {exitCode: number; suggestions: readonly string[]}}
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

describe('config --format strongswan|swanctl', () => {
  it("prints ipsec.conf and ipsec.secrets for the article's values, and the next steps on stderr", async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await showConfig({...base, format: 'strongswan', localIp: '172.16.0.2'}, context)
    expect(context.stdout()).toBe(`${await golden('article.ipsec.conf')}\n${await golden('article.ipsec.secrets')}`)
    expect(context.stderr()).toBe(`Next steps:
  1. Install them on your VPN host as /etc/ipsec.conf and /etc/ipsec.secrets (mode 0600), or append them to the ones you have: their conn names all start with acme-space-office-.
  2. Let UDP 500 and 4500 through any firewall in front of the VPN host, to and from 34.203.187.158 and 34.227.70.143.
  3. Load the configuration:
       sudo ipsec restart
       # or, if strongSwan is running other tunnels: sudo ipsec reload && sudo ipsec rereadsecrets
  4. Your gateway must start the tunnels; Heroku never does. Bring them up now (traffic to 10.0.0.0/16 also does):
       sudo ipsec up acme-space-office-tunnel1
       sudo ipsec up acme-space-office-tunnel2
  5. Check that Heroku sees every tunnel UP:
       heroku spaces:vpn:wait office --space acme-space --tunnels-up
`)
  })

  it('prints swanctl.conf with its secrets, the connection’s public IP as the local address by default', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection({ike_version: 2}))
    await showConfig({...base, format: 'swanctl'}, context)
    expect(context.stdout()).toBe(await golden('ikev2-one-cidr.swanctl.conf'))
    expect(context.stderr()).toContain('sudo swanctl --load-all')
    expect(context.stderr()).toContain('sudo swanctl --initiate --child acme-space-office-tunnel2')
  })

  it('writes the files into --output-dir, keys 0600, and says what it wrote on stdout', async () => {
    const context = testContext()
    const out = join(dir, 'gateway')
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await showConfig({...base, format: 'strongswan', localIp: '172.16.0.2', outputDir: out}, context)
    expect(await readFile(join(out, 'ipsec.conf'), 'utf8')).toBe(await golden('article.ipsec.conf'))
    expect(await readFile(join(out, 'ipsec.secrets'), 'utf8')).toBe(await golden('article.ipsec.secrets'))
    expect(await mode(join(out, 'ipsec.conf'))).toBe(0o644)
    expect(await mode(join(out, 'ipsec.secrets'))).toBe(0o600)
    expect(context.stdout()).toBe(
      [
        `Wrote ${join(out, 'ipsec.conf')} (mode 0644), for /etc/ipsec.conf`,
        `Wrote ${join(out, 'ipsec.secrets')} (mode 0600, holds the pre-shared keys), for /etc/ipsec.secrets`,
        '',
      ].join('\n'),
    )
    expect(context.stderr()).toContain('Next steps:')
  })

  it('writes swanctl.conf 0600: it holds the keys', async () => {
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await showConfig({...base, format: 'swanctl', outputDir: dir}, testContext())
    expect(await mode(join(dir, 'swanctl.conf'))).toBe(0o600)
  })

  it('refuses existing files before sending any request (exit 2), naming them, and leaves them alone', async () => {
    await writeFile(join(dir, 'ipsec.conf'), 'mine')
    await writeFile(join(dir, 'ipsec.secrets'), 'mine too')
    const {context, error} = await failure({...base, format: 'strongswan', outputDir: dir})
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toBe(`These files exist: ${join(dir, 'ipsec.conf')}, ${join(dir, 'ipsec.secrets')}, and files are never overwritten without --force. Nothing was sent to Heroku.`)
    expect(error.suggestions.join()).toContain('--force')
    expect(await readFile(join(dir, 'ipsec.conf'), 'utf8')).toBe('mine')
    expect(context.stdout()).toBe('')
  })

  it('replaces them with --force, ending with mode 0600 for the keys even if the old file was wider', async () => {
    await writeFile(join(dir, 'swanctl.conf'), 'old')
    await chmod(join(dir, 'swanctl.conf'), 0o644)
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await showConfig({...base, force: true, format: 'swanctl', outputDir: dir}, testContext())
    expect(await readFile(join(dir, 'swanctl.conf'), 'utf8')).toContain('secrets {')
    expect(await mode(join(dir, 'swanctl.conf'))).toBe(0o600)
    expect(await readdir(dir)).toEqual(['swanctl.conf'])
  })

  it('says to wait (exit 1) when the connection has no tunnels yet, and writes nothing', async () => {
    nock(API).get(CONNECTION_PATH).reply(200, pendingConnection({status: 'provisioning'}))
    const out = join(dir, 'gateway')
    const {context, error} = await failure({...base, format: 'swanctl', outputDir: out})
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(error.message).toContain('is not ready (status: provisioning)')
    expect(error.suggestions.join()).toContain('heroku spaces:vpn:wait office --space acme-space')
    await expect(stat(out)).rejects.toThrow()
    expect(context.stdout()).toBe('')
  })

  it('refuses a tunnel IP that is not IPv4 (exit 1) instead of writing it into a file', async () => {
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({tunnels: [{ip: '34.203.187.158 %any', pre_shared_key: 'k'}, {ip: '34.227.70.143', pre_shared_key: 'k'}]}))
    const {error} = await failure({...base, format: 'strongswan', outputDir: dir})
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(error.message).toContain(`tunnel 1's IP "34.203.187.158 %any" is not an IPv4 address`)
    expect(await readdir(dir)).toEqual([])
  })
})

describe('config flags', () => {
  it.each([
    ['--local-ip with the table', {format: 'table', localIp: '172.16.0.2'}, '--local-ip applies to --format strongswan and --format swanctl only, not to --format table'],
    ['--output-dir with json', {format: 'json', outputDir: '/tmp/x'}, '--output-dir applies to --format strongswan and --format swanctl only, not to --format json'],
    ['all three with the table', {force: true, format: 'table', localIp: '172.16.0.2', outputDir: '/tmp/x'}, '--local-ip, --output-dir, --force apply to'],
    ['--force without --output-dir', {force: true, format: 'swanctl'}, '--force applies to files written with --output-dir'],
    ['an empty --output-dir', {format: 'swanctl', outputDir: ' '}, '--output-dir is empty'],
    ['a --local-ip that is not an address', {format: 'strongswan', localIp: '172.16.0.0/16'}, '--local-ip "172.16.0.0/16" is a network, not an address'],
    ['a loopback --local-ip', {format: 'swanctl', localIp: '127.0.0.1'}, '--local-ip 127.0.0.1 is in 127.0.0.0/8'],
  ] as const)('refuses %s with exit 2 before any request', async (_case, flags, words) => {
    const {context, error} = await failure({...base, ...flags})
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toContain(words)
    expect(error.message).toContain('Nothing was sent to Heroku.')
    expect(context.stdout()).toBe('')
  })

  it('are parsed by the command into the same checks: the message on stderr, exit 2', async () => {
    let stderr = ''
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk)
      return true
    })
    const error = await runCommand(['office', '--space', 'acme-space', '--local-ip', '10.0.0.1']).finally(() => spy.mockRestore())
    expect(error).toMatchObject({oclif: {exit: ExitCode.usage}})
    expect(stderr).toContain('--local-ip applies to --format strongswan and --format swanctl only')
  })

  it("show in the help the article's files exactly as the command prints them", async () => {
    const example = String(Config.examples?.find((entry) => String(entry).includes('--format strongswan')))
    expect(example.slice(example.indexOf('\n') + 1)).toBe(`${await golden('article.ipsec.conf')}\n${await golden('article.ipsec.secrets')}`.trimEnd())
  })

  it('offer the gateway formats in --format, and keep --json exclusive of it', async () => {
    expect(((await runCommand(['office', '-s', 'acme-space', '--format', 'openswan'])) as Error).message).toContain('table, json, strongswan, swanctl')
    expect(((await runCommand(['office', '-s', 'acme-space', '--format', 'swanctl', '--json'])) as Error).message).toContain('cannot also be provided')
  })
})
