// The last step of the build, after tsc: bundles what `bin/run.js` runs on its own into bin/standalone/ (an entry, a
// chunk per command and shared chunks), so that a cold start reads a handful of files instead of a few hundred
// modules, in the working tree as in the package. Inside the Heroku CLI nothing changes: it loads dist/commands.
import {build} from 'esbuild'
import {mkdir, readdir, rm} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// Not in dist/, which npm pack's prepare script (the build) empties after prepack. Two levels below the root, like
// every module of dist/: base-command.js reads ../../package.json.
const outdir = `${root}bin/standalone`

// oclif's ids from the compiled command files: dist/commands/spaces/vpn/info.js is spaces:vpn:info.
const commandFiles = (await readdir(`${root}dist/commands`, {recursive: true}))
  .filter((file) => file.endsWith('.js'))
  .sort()
const loaders = commandFiles.map((file) => {
  const id = file.replace(/\.js$/, '').split('/').join(':')
  return `  ${JSON.stringify(id)}: () => import(${JSON.stringify(`../../dist/commands/${file}`)}),`
})

// COMMANDS is oclif's `explicit` command registry; bin/run.js fills it with the command it is asked for. The
// command_not_found hook is loaded only for a mistyped command.
const entry = `export {execute} from '@oclif/core/execute'
export {settings} from '@oclif/core/settings'
export const COMMANDS = {}
export async function COMMAND_NOT_FOUND(options) {
  const {default: hook} = await import('../../dist/hooks/command_not_found/did-you-mean.js')
  return hook.call(this, options)
}
export const LOADERS = {
${loaders.join('\n')}
}
`

await rm(outdir, {force: true, recursive: true})
// esbuild resolves the entry's imports from here, so it has to exist.
await mkdir(outdir, {recursive: true})
const result = await build({
  // CommonJS dependencies call require() for Node's own modules, which an ES module bundle has to provide.
  banner: {
    js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  bundle: true,
  chunkNames: 'chunk-[hash]',
  entryNames: 'cli',
  // Loaded only without HEROKU_API_KEY, from node_modules as before; the TypeScript tools are never loaded here.
  external: ['@heroku-cli/command', 'typescript', 'ts-node', 'tsx'],
  format: 'esm',
  logLevel: 'warning',
  metafile: true,
  outdir,
  platform: 'node',
  splitting: true,
  stdin: {contents: entry, resolveDir: outdir, sourcefile: 'entry.js'},
  target: 'node20',
})

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
console.log(
  `bin/standalone: ${Object.keys(result.metafile.outputs).length} files, ${Math.round(bytes / 1024)} kB, ${loaders.length} commands`,
)
