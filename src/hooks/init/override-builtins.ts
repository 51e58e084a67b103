import type {Hook} from '@oclif/core'

// No runtime imports: this module is loaded on every `heroku` command, whatever its id.

/** The package name, which is also the key of this plugin in the Heroku CLI's plugin map. */
export const PLUGIN_NAME = 'heroku-spaces-vpn'

/** Set to 1 or true to let the Heroku CLI's built-in spaces:vpn commands answer instead of this plugin's. */
export const BUILTIN_ENV = 'HEROKU_SPACES_VPN_BUILTIN'

type Config = Parameters<Hook.Init>[0]['config']
type Loadable = Config['commands'][number]
type Plugin = Config['plugins'] extends Map<string, infer P> ? P : never

function builtinRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  return ['1', 'true'].includes(env[BUILTIN_ENV]?.toLowerCase() ?? '')
}

/**
 * Makes this plugin's commands answer inside the Heroku CLI, which ships commands with the same ids and, left to
 * itself, prefers its own (a core plugin wins over a user or linked one). Every other command is left as it is.
 */
const overrideBuiltins: Hook.Init = async function ({config}) {
  if (builtinRequested(process.env)) return
  const ours = config.plugins.get(PLUGIN_NAME)
  // Run on its own (bin/run.js) the plugin is the root plugin: nothing to take over.
  if (!ours || ours.isRoot) return
  try {
    const taken = takeOver(config, ours)
    if (taken.length > 0)
      this.debug(`${taken.join(', ')}: answered by ${PLUGIN_NAME} (${BUILTIN_ENV}=1 restores the built-ins)`)
  } catch (error) {
    // Fail safe: whatever went wrong, the built-in commands still answer.
    this.debug(`left the built-in commands in place: ${String(error)}`)
  }
}

export default overrideBuiltins

/** Points the ids this plugin shares with other plugins at this plugin's commands; returns those ids. */
function takeOver(config: Config, ours: Plugin): string[] {
  const mine = new Map<string, Loadable>(ours.commands.map((command) => [command.id, command]))
  const others = [...config.plugins.values()].filter(
    (plugin) =>
      plugin !== ours && Array.isArray(plugin.commands) && plugin.commands.some((command) => mine.has(command.id)),
  )
  if (others.length === 0) return []
  const taken = [
    ...new Set(
      others.flatMap((plugin) =>
        plugin.commands.filter((command) => mine.has(command.id)).map((command) => command.id),
      ),
    ),
  ]

  // Command.run, `heroku help X`, `which` and `commands` rebuild a Config from these same plugin objects: without the
  // other plugins' copies of the ids, that Config resolves them to this plugin too. All or nothing.
  const before = others.map((plugin) => plugin.commands)
  const pruned = others.every((plugin) =>
    Reflect.set(
      plugin,
      'commands',
      plugin.commands.filter((command) => !mine.has(command.id)),
    ),
  )
  if (!pruned) {
    for (const [index, plugin] of others.entries()) Reflect.set(plugin, 'commands', before[index])
    throw new Error("another plugin's command list cannot be changed")
  }

  // The Config the Heroku CLI resolves `heroku X` and `heroku X --help` with: its command map is private, so it is
  // checked before use; without it, findCommand (public) is wrapped instead.
  const registry = (config as unknown as {_commands?: unknown})._commands
  if (registry instanceof Map) {
    for (const id of taken) registry.set(id, mine.get(id))
  } else {
    const findCommand = config.findCommand.bind(config)
    config.findCommand = ((id: string, options?: {must: boolean}) =>
      (taken.includes(id) ? mine.get(id) : undefined) ??
      findCommand(id, options as {must: true})) as Config['findCommand']
  }

  return taken
}
