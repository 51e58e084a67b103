// The last step of the build, after tsc: bundles what `bin/run.js` runs on its own into one CommonJS file,
// bin/standalone/cli.cjs, that bin/run.js compiles with V8's code cache (Node 20 has no compile cache for ES modules):
// a cold start reads two files instead of a few hundred modules and skips most of the parsing and compiling, in the
// working tree as in the package. Inside the Heroku CLI nothing changes: it loads dist/commands.
import {build} from 'esbuild'
import {readdir, rm} from 'node:fs/promises'
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
  return `  ${JSON.stringify(id)}: () => import(${JSON.stringify(`../dist/commands/${file}`)}),`
})

// COMMANDS is oclif's `explicit` command registry; bin/run.js fills it with the command it is asked for. The
// command_not_found hook is loaded only for a mistyped command. Paths are relative to bin/, the entry's resolveDir.
const entry = `export {execute} from '@oclif/core/execute'
export {settings} from '@oclif/core/settings'
export const COMMANDS = {}
export async function COMMAND_NOT_FOUND(options) {
  const {default: hook} = await import('../dist/hooks/command_not_found/did-you-mean.js')
  return hook.call(this, options)
}
export const LOADERS = {
${loaders.join('\n')}
}
`

/**
 * The ES modules the bundle cannot require (Node 20 has no require() of ES modules) are imported by bin/run.js's
 * `importEsm`: a script compiled from a code cache has no callback for import(). A thenable, so that esbuild's
 * `await Promise.resolve().then(() => require(...))` waits for the module.
 */
const esmExternals = {
  name: 'esm-externals',
  setup(build) {
    build.onResolve({filter: /^@heroku-cli\/command$/}, (args) => ({namespace: 'esm-external', path: args.path}))
    build.onLoad({filter: /.*/, namespace: 'esm-external'}, (args) => ({
      contents: `module.exports = {then: (ok, fail) => importEsm(${JSON.stringify(args.path)}).then(ok, fail)}`,
      loader: 'js',
    }))
  },
}

await rm(outdir, {force: true, recursive: true})
const result = await build({
  // The ES module sources ask for their own URL; in the bundle that is the bundle's.
  banner: {js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
  bundle: true,
  define: {'import.meta.url': '__importMetaUrl'},
  // The TypeScript tools are never loaded here.
  external: ['typescript', 'ts-node', 'tsx'],
  format: 'cjs',
  logLevel: 'warning',
  metafile: true,
  outfile: `${outdir}/cli.cjs`,
  platform: 'node',
  plugins: [esmExternals],
  stdin: {contents: entry, resolveDir: `${root}bin`, sourcefile: 'entry.js'},
  // Every import() becomes a require(): a script compiled from a code cache cannot import().
  supported: {'dynamic-import': false},
  target: 'node20',
})

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
console.log(
  `bin/standalone: ${Object.keys(result.metafile.outputs).length} files, ${Math.round(bytes / 1024)} kB, ${loaders.length} commands`,
)
