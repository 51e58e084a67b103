import {spawn} from 'node:child_process'
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {BUILTIN_ENV, PLUGIN_NAME} from '../../../src/hooks/init/override-builtins.js'
import {DEFAULT_BLOCKS_SPACE, SEEDED_CONNECTION, SPACE_WITH_CONNECTION} from '../../../src/sandbox/index.js'
import {
  HEROKU_CLI_VERSION,
  type HerokuHome,
  installedPluginBin,
  installPlugin,
  leftoverProcesses,
  type PackedPlugin,
  packPlugin,
  type ProcessResult,
  run,
  runHeroku,
} from '../../support/heroku-cli.js'
import {BIN, runCli} from '../../support/run-cli.js'
import {requireCli, skipWithoutHerokuCli, useHerokuSuite} from './suite.js'

/*
 * The plugin inside the real Heroku CLI, which ships spaces:vpn commands of its own: packed with `npm pack`,
 * installed with `heroku plugins:install file:...` as a user would, and each command run through `heroku` against
 * the sandbox, side by side with ./bin/run.js; then what the package holds, and its bundled bin.
 */

const VPN_COMMANDS = new Set(
  ['config', 'connect', 'connections', 'destroy', 'info', 'update', 'wait'].map((verb) => `spaces:vpn:${verb}`),
)

/** Exit code and stdout, which must be the same through `heroku` and through ./bin/run.js. */
const outcome = (result: Pick<ProcessResult, 'code' | 'stdout'>) => ({code: result.code, stdout: result.stdout})

describe.skipIf(skipWithoutHerokuCli)(
  `heroku@${HEROKU_CLI_VERSION} with the plugin installed from its npm pack`,
  () => {
    const suite = useHerokuSuite()
    const apiRequests = () => suite.sandbox.control.requests().map((entry) => `${entry.method} ${entry.path}`)

    let home: HerokuHome
    let packDir: string
    let packed: PackedPlugin

    beforeAll(async () => {
      packDir = await mkdtemp(join(tmpdir(), 'heroku-spaces-vpn-tgz-'))
      packed = await packPlugin(packDir)
      home = await suite.newHome()
      await installPlugin(requireCli(), home, packed.tarball)
      await mkdir(join(packDir, 'tree'))
      await mkdir(join(packDir, 'installed'))
      await symlink(BIN, join(packDir, 'tree', 'heroku'))
      await symlink(installedPluginBin(home), join(packDir, 'installed', 'heroku'))
    }, 600_000)

    afterAll(async () => {
      if (packDir) await rm(packDir, {force: true, recursive: true})
    })

    afterEach(async () => {
      expect(await leftoverProcesses(home)).toEqual([])
    })

    /** A connection for the wait tests, which then never has its tunnels up. */
    const CONNECT_LAB = [
      'spaces:vpn:connect',
      'lab',
      '--space',
      DEFAULT_BLOCKS_SPACE,
      '--ip',
      '52.91.173.226',
      '--cidrs',
      '172.16.0.0/16',
    ]
    const heroku = (args: readonly string[], env: Record<string, string> = {}) =>
      runHeroku(requireCli(), home, args, {env: {...suite.sandbox.env, ...env}})
    // Run under the name `heroku`, the standalone program's usage and hints read as the plugin's do inside heroku.
    const standalone = (args: readonly string[]) =>
      runCli(args, {bin: join(packDir, 'tree', 'heroku'), env: suite.sandbox.env})

    it('answers every spaces:vpn command itself and leaves every other command to the Heroku CLI', async () => {
      const ours = await heroku(['commands', '--json'])
      const builtin = await heroku(['commands', '--json'], {[BUILTIN_ENV]: '1'})
      const plugins = (result: ProcessResult) =>
        new Map(
          (JSON.parse(result.stdout) as Array<{id: string; pluginName: string}>).map((command) => [
            command.id,
            command.pluginName,
          ]),
        )
      const withPlugin = plugins(ours)
      const withoutPlugin = plugins(builtin)
      expect([...withPlugin.keys()].sort()).toEqual([...withoutPlugin.keys()].sort())
      for (const [id, plugin] of withPlugin) {
        if (VPN_COMMANDS.has(id)) {
          expect(plugin, id).toBe(PLUGIN_NAME)
          expect(withoutPlugin.get(id), id).toBe('heroku')
        } else {
          expect(plugin, id).toBe(withoutPlugin.get(id))
        }
      }
    })

    it('names the plugin in `heroku which`, and the built-in with the opt-out variable', async () => {
      const which = await heroku(['which', 'spaces:vpn:info'])
      expect(which.code).toBe(0)
      expect(which.stdout).toMatch(new RegExp(`plugin: ${PLUGIN_NAME}$`, 'm'))
      const builtin = await heroku(['which', 'spaces:vpn:info'], {[BUILTIN_ENV]: '1'})
      expect(builtin.stdout).toMatch(/plugin: heroku$/m)
    })

    it("shows the plugin's flags, description and exit codes in --help and in `heroku help`", async () => {
      const help = await heroku(['spaces:vpn:wait', '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain('--tunnels-up')
      expect(help.stdout).toContain('124')
      expect(help.stdout).toBe((await standalone(['spaces:vpn:wait', '--help'])).stdout)
      const topicHelp = await heroku(['help', 'spaces:vpn:connect'])
      expect(topicHelp.stdout).toContain('-n, --name=<value>')
      expect(topicHelp.stdout).not.toContain('--prompt')
    })

    it('refuses a private gateway IP with exit code 2 and sends nothing, as only the plugin does', async () => {
      const args = [
        'spaces:vpn:connect',
        'office',
        '--space',
        DEFAULT_BLOCKS_SPACE,
        '--ip',
        '192.168.1.10',
        '--cidrs',
        '172.16.0.0/16',
      ]
      const result = await heroku(args)
      expect(result).toMatchObject({code: 2, stdout: ''})
      expect(result.stderr).toContain('is in 192.168.0.0/16')
      expect(apiRequests()).toEqual([])
      const alone = await standalone(args)
      expect(outcome(result)).toEqual(outcome(alone))
      expect(result.stderr).toBe(alone.stderr)
    })

    it('prints the info table, and the same JSON, as ./bin/run.js does', async () => {
      for (const extra of [[], ['--json']]) {
        const args = ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, ...extra]
        const result = await heroku(args)
        expect(result.code).toBe(0)
        expect(result.stderr).toBe('')
        expect(outcome(result)).toEqual(outcome(await standalone(args)))
      }

      const table = await heroku(['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION])
      expect(table.stdout).toMatch(/^VPN Tunnel {2}Customer Gateway {2}VPN Gateway +Routable Subnets {2}IKE Version$/m)
    })

    it('exits 2 for a connection that does not exist, as for other wrong input, and names it', async () => {
      const args = ['spaces:vpn:info', 'nope', '--space', SPACE_WITH_CONNECTION]
      const result = await heroku(args)
      expect(result).toMatchObject({code: 2, stdout: ''})
      expect(result.stderr).toContain('VPN connection "nope" was not found in space "acme-space"')
      expect(outcome(result)).toEqual(outcome(await standalone(args)))
    })

    it('prints JSON from wait --json when the connection is already active (the built-in prints a sentence)', async () => {
      const args = ['spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']
      const result = await heroku(args)
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({name: SEEDED_CONNECTION, status: 'active'})
      expect(apiRequests()).toHaveLength(1)
      expect(outcome(result)).toEqual(outcome(await standalone(args)))

      const builtin = await heroku(args, {[BUILTIN_ENV]: '1'})
      expect(builtin.code).toBe(0)
      expect(() => JSON.parse(builtin.stdout)).toThrow()
    })

    it('connects, waits with --json until active, lists and updates, through heroku', async () => {
      const connect = [
        'spaces:vpn:connect',
        'office',
        '--space',
        DEFAULT_BLOCKS_SPACE,
        '--ip',
        '52.91.173.226',
        '--cidrs',
        '172.16.0.0/16',
      ]
      const connected = await heroku(connect)
      expect(connected).toMatchObject({
        code: 0,
        stdout: `Created VPN connection office in space ${DEFAULT_BLOCKS_SPACE} (status: pending).\n`,
      })

      const waited = await heroku([
        'spaces:vpn:wait',
        'office',
        '--space',
        DEFAULT_BLOCKS_SPACE,
        '--interval',
        '1',
        '--json',
      ])
      expect(waited.code).toBe(0)
      expect(JSON.parse(waited.stdout)).toMatchObject({name: 'office', status: 'active'})
      expect(waited.stderr).toMatch(/Ready after [\d.]+s: active/)

      const listed = await heroku(['spaces:vpn:connections', '--space', DEFAULT_BLOCKS_SPACE, '--json'])
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({name: 'office', status: 'active'})])
      expect(outcome(listed)).toEqual(
        outcome(await standalone(['spaces:vpn:connections', '--space', DEFAULT_BLOCKS_SPACE, '--json'])),
      )

      const updated = await heroku([
        'spaces:vpn:update',
        'office',
        '--space',
        DEFAULT_BLOCKS_SPACE,
        '--cidrs',
        '172.16.0.0/16,192.168.20.0/24',
      ])
      expect(updated.code).toBe(0)
      expect(updated.stdout).toContain('172.16.0.0/16, 192.168.20.0/24')
      expect(suite.sandbox.control.connection(DEFAULT_BLOCKS_SPACE, 'office').routable_cidrs).toEqual([
        '172.16.0.0/16',
        '192.168.20.0/24',
      ])
    })

    it('ends wait with exit code 124 on its deadline', async () => {
      suite.sandbox.control.setTiming({tunnelsUpAfter: null})
      expect((await heroku(CONNECT_LAB)).code).toBe(0)
      const result = await heroku([
        'spaces:vpn:wait',
        'lab',
        '--space',
        DEFAULT_BLOCKS_SPACE,
        '--tunnels-up',
        '--interval',
        '1',
        '--timeout',
        '1',
      ])
      expect(result).toMatchObject({code: 124, stdout: ''})
      expect(result.stderr).toContain('Timed out after 1s')
    })

    it.each([
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)(
      'ends wait with %s as 128 + the signal number even when the host has signal handlers (telemetry)',
      async (signal, code) => {
        suite.sandbox.control.setTiming({tunnelsUpAfter: null})
        expect((await heroku(CONNECT_LAB)).code).toBe(0)
        // What the Heroku CLI's telemetry does when it is on (DISABLE_TELEMETRY keeps it off in these tests).
        const telemetry = `data:text/javascript,for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(1))`
        const child = spawn(
          process.execPath,
          [
            '--import',
            telemetry,
            requireCli().bin,
            'spaces:vpn:wait',
            'lab',
            '--space',
            DEFAULT_BLOCKS_SPACE,
            '--tunnels-up',
            '--interval',
            '1',
            '--timeout',
            '60',
          ],
          {
            env: {...home.env, ...suite.sandbox.env},
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        )
        let stderr = ''
        const exited = new Promise<null | number>((resolve) => {
          child.on('close', (exitCode) => resolve(exitCode))
        })
        const waiting = new Promise<void>((resolve) => {
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString('utf8')
            if (stderr.includes('Waiting until')) resolve()
          })
        })
        await Promise.race([waiting, exited])
        child.kill(signal)
        expect(await exited, stderr).toBe(code)
      },
    )

    it('shows the gateway configuration with the pre-shared keys, as ./bin/run.js does', async () => {
      const args = ['spaces:vpn:config', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION]
      const result = await heroku(args)
      expect(result.code).toBe(0)
      for (const tunnel of suite.sandbox.control.connection(SPACE_WITH_CONNECTION, SEEDED_CONNECTION).tunnels) {
        expect(result.stdout).toContain(tunnel.pre_shared_key)
      }

      expect(outcome(result)).toEqual(outcome(await standalone(args)))
    })

    it('does not destroy without --confirm off a terminal (exit 2, nothing sent), and destroys with it', async () => {
      const unconfirmed = await heroku(['spaces:vpn:destroy', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION])
      expect(unconfirmed).toMatchObject({code: 2, stdout: ''})
      expect(unconfirmed.stderr).toContain(`pass --confirm ${SEEDED_CONNECTION}`)
      expect(apiRequests()).toEqual([])

      const args = [
        'spaces:vpn:destroy',
        SEEDED_CONNECTION,
        '--space',
        SPACE_WITH_CONNECTION,
        '--confirm',
        SEEDED_CONNECTION,
      ]
      const destroyed = await heroku(args)
      expect(destroyed.code).toBe(0)
      expect(apiRequests()).toContain(`DELETE /spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`)
      suite.sandbox.control.reset()
      expect(outcome(destroyed)).toEqual(outcome(await standalone(args)))
    })

    it('reads the token from ~/.netrc without HEROKU_API_KEY, through heroku and in the bundled standalone bin', async () => {
      const netrc = join(home.dir, '.netrc')
      await writeFile(
        netrc,
        `machine ${new URL(suite.sandbox.url).host}\n  login demo@example.com\n  password ${suite.sandbox.apiKey}\n`,
        {mode: 0o600},
      )
      try {
        const args = ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']
        const env = {HEROKU_HOST: suite.sandbox.url}
        const through = await runHeroku(requireCli(), home, args, {env})
        const bundled = await run(process.execPath, [installedPluginBin(home), ...args], {
          env: {HOME: home.dir, PATH: process.env.PATH, ...env},
        })
        for (const result of [through, bundled]) {
          expect(result.code, result.stderr).toBe(0)
          expect(JSON.parse(result.stdout)).toMatchObject({name: SEEDED_CONNECTION})
        }
      } finally {
        await rm(netrc, {force: true})
      }
    })

    it("leaves the Heroku CLI's other commands alone", async () => {
      // Its version hook also warns on stderr that HEROKU_API_KEY is set.
      const version = await heroku(['--version'])
      expect(version.code).toBe(0)
      expect(version.stdout).toContain(`heroku/${HEROKU_CLI_VERSION}`)
      expect((await heroku(['which', 'spaces:info'])).stdout).toMatch(/plugin: heroku$/m)
    })

    it('packs the manifest, the compiled plugin, the sandbox, the bundled bin and the licence, and nothing else', () => {
      const top = new Set(
        packed.files.map((path) =>
          path
            .split('/')
            .slice(0, path.startsWith('dist/') || path.startsWith('bin/') ? 2 : 1)
            .join('/'),
        ),
      )
      expect([...top].sort()).toEqual([
        'LICENSE',
        'README.md',
        'bin/run.js',
        'bin/standalone',
        'dist/cli',
        'dist/commands',
        'dist/hooks',
        'dist/lib',
        'dist/sandbox',
        'oclif.manifest.json',
        'package.json',
      ])
      expect(packed.files).toContain('bin/standalone/cli.cjs')
      expect(packed.files).toContain('dist/hooks/init/override-builtins.js')
      expect(packed.files).toContain('dist/sandbox/cli.js')
    })

    it.each([
      ['the info table', ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION]],
      ['info --json', ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']],
      ['wait --json', ['spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']],
      ['config', ['spaces:vpn:config', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--format', 'swanctl']],
      ['connections', ['spaces:vpn:connections', '--space', SPACE_WITH_CONNECTION]],
      [
        'bad input',
        ['spaces:vpn:connect', 'lab', '--space', DEFAULT_BLOCKS_SPACE, '--ip', '10.0.0.1', '--cidrs', '8.8.8.0/24'],
      ],
      ['a missing flag', ['spaces:vpn:update', 'office', '--cidrs', '10.0.0.0/8']],
      ['an unconfirmed destroy', ['spaces:vpn:destroy', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION]],
      ['a connection that does not exist', ['spaces:vpn:info', 'nope', '--space', SPACE_WITH_CONNECTION]],
      ["a command's help", ['spaces:vpn:connect', '--help']],
      ['the help', ['--help']],
      ['an unknown command', ['spaces:vpn:nope']],
    ])("ships a standalone bin/run.js that answers %s as the working tree's does", async (_case, args) => {
      const bundled = await run(process.execPath, [join(packDir, 'installed', 'heroku'), ...args], {
        env: {PATH: process.env.PATH, ...suite.sandbox.env},
      })
      const modules = await standalone(args)
      // the same words, and the time a wait took however long each machine took
      const elapsed = (stderr: string) => stderr.replaceAll(/\b\d+(?:\.\d+)?s\b/g, 'Ns')
      expect({...outcome(bundled), stderr: elapsed(bundled.stderr)}).toEqual({
        ...outcome(modules),
        stderr: elapsed(modules.stderr),
      })
    })
  },
)
