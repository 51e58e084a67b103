import type {Hook} from '@oclif/core'

import {afterEach, describe, expect, it, vi} from 'vitest'

import overrideBuiltins, {BUILTIN_ENV, PLUGIN_NAME} from '../../src/hooks/init/override-builtins.js'

/*
 * The init hook on the shapes of oclif's Config and Plugin objects, including the fallback for an oclif whose
 * command map is not where 4.x keeps it. test/e2e/heroku/installed.test.ts runs it inside the real Heroku CLI.
 */

interface FakeCommand {
  readonly id: string
  readonly pluginName: string
}

const command = (id: string, pluginName: string): FakeCommand => ({id, pluginName})

function fakeHost(options: {commandMap?: boolean; ourIds?: readonly string[]} = {}) {
  const core = {
    commands: [command('apps', 'heroku'), command('spaces:vpn:info', 'heroku'), command('spaces:vpn:wait', 'heroku')],
    isRoot: true,
    name: 'heroku',
  }
  const other = {commands: [command('pg:info', 'other-plugin')], isRoot: false, name: 'other-plugin'}
  const ours = {
    commands: (options.ourIds ?? ['spaces:vpn:info', 'spaces:vpn:wait']).map((id) => command(id, PLUGIN_NAME)),
    isRoot: false,
    name: PLUGIN_NAME,
  }
  const plugins = new Map<string, {commands: FakeCommand[]; isRoot: boolean; name: string}>([
    [core.name, core],
    [other.name, other],
    [ours.name, ours],
  ])
  // What oclif's loadCommands leaves: for a shared id, the core plugin's command.
  const registry = new Map<string, FakeCommand>()
  for (const plugin of [ours, other, core])
    for (const entry of plugin.commands) if (!registry.has(entry.id) || plugin === core) registry.set(entry.id, entry)
  const config = {
    ...(options.commandMap === false ? {} : {_commands: registry}),
    findCommand: (id: string) => registry.get(id),
    plugins,
  }
  return {config, core, ours}
}

async function runHook(config: unknown): Promise<string[]> {
  const lines: string[] = []
  const context = {debug: (line: string) => lines.push(line)} as unknown as Hook.Context
  await overrideBuiltins.call(context, {
    argv: [],
    config,
    context,
    id: 'spaces:vpn:info',
  } as unknown as Parameters<Hook.Init>[0])
  return lines
}

const resolved = (config: {findCommand: (id: string) => FakeCommand | undefined}, id: string) =>
  config.findCommand(id)?.pluginName

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('the init hook that lets the plugin answer its commands inside the Heroku CLI', () => {
  it("points the shared ids at the plugin's commands and removes them from the other plugins", async () => {
    const {config, core} = fakeHost()
    const debug = await runHook(config)
    expect(resolved(config, 'spaces:vpn:info')).toBe(PLUGIN_NAME)
    expect(resolved(config, 'spaces:vpn:wait')).toBe(PLUGIN_NAME)
    expect(resolved(config, 'apps')).toBe('heroku')
    expect(resolved(config, 'pg:info')).toBe('other-plugin')
    expect(core.commands.map((entry) => entry.id)).toEqual(['apps'])
    expect(debug).toEqual([
      `spaces:vpn:info, spaces:vpn:wait: answered by ${PLUGIN_NAME} (${BUILTIN_ENV}=1 restores the built-ins)`,
    ])
  })

  it('wraps findCommand when the command map is not a Map', async () => {
    const {config, core} = fakeHost({commandMap: false})
    await runHook(config)
    expect(resolved(config, 'spaces:vpn:info')).toBe(PLUGIN_NAME)
    expect(resolved(config, 'apps')).toBe('heroku')
    expect(core.commands.map((entry) => entry.id)).toEqual(['apps'])
  })

  it.each(['1', 'true', 'TRUE'])(`leaves everything alone with ${BUILTIN_ENV}=%s`, async (value) => {
    vi.stubEnv(BUILTIN_ENV, value)
    const {config, core} = fakeHost()
    await runHook(config)
    expect(resolved(config, 'spaces:vpn:info')).toBe('heroku')
    expect(core.commands).toHaveLength(3)
  })

  it('does nothing for the plugin run on its own, where it is the root plugin', async () => {
    const {config, ours} = fakeHost()
    ours.isRoot = true
    await runHook(config)
    expect(resolved(config, 'spaces:vpn:info')).toBe('heroku')
  })

  it('does nothing when no other plugin has its ids', async () => {
    const {config, core} = fakeHost({ourIds: ['spaces:vpn:extra']})
    expect(await runHook(config)).toEqual([])
    expect(core.commands).toHaveLength(3)
    expect(resolved(config, 'spaces:vpn:info')).toBe('heroku')
  })

  it("leaves the built-ins answering, and every plugin's commands as they were, when one list cannot be changed", async () => {
    const {config, core} = fakeHost()
    const other = config.plugins.get('other-plugin')!
    other.commands.push(command('spaces:vpn:wait', 'other-plugin'))
    Object.freeze(other)
    const debug = await runHook(config)
    expect(resolved(config, 'spaces:vpn:info')).toBe('heroku')
    expect(core.commands).toHaveLength(3)
    expect(debug).toEqual([
      `left the built-in commands in place: Error: another plugin's command list cannot be changed`,
    ])
  })

  it('leaves the built-ins answering when the objects are not what it expects', async () => {
    const {config} = fakeHost()
    Object.defineProperty(config.plugins.get('heroku')!, 'commands', {get: () => 'not an array'})
    const debug = await runHook(config)
    expect(resolved(config, 'spaces:vpn:info')).toBe('heroku')
    expect(debug).toEqual([])
  })
})
