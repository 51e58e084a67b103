#!/usr/bin/env node
import {accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {basename, dirname, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Script} from 'node:vm'

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// Usage and hints name the program the user ran: heroku-spaces-vpn through the package's bin link, the path in a checkout.
const invoked = process.argv[1] ?? ''
const fromHere = relative(process.cwd(), invoked)
const program =
  basename(invoked) === 'run.js' ? (fromHere.startsWith('..') ? invoked : `./${fromHere}`) : basename(invoked)

let args = process.argv.slice(2)
// `help COMMAND` is `COMMAND --help`, as in the Heroku CLI.
if (args[0] === 'help') args = [...args.slice(1), '--help']

/** What the bundle imports instead of import(), which a script compiled from a code cache cannot do (esm-externals). */
const importEsm = (specifier) => import(specifier)

// oclif and the commands, bundled by the build (scripts/bundle-standalone.mjs): a checkout runs it on `npm install`,
// the package ships its output.
const bundle = fileURLToPath(new URL('standalone/cli.cjs', import.meta.url))
let source
try {
  source = readFileSync(bundle, 'utf8')
} catch (error) {
  if (error.code !== 'ENOENT') throw error
  process.stderr.write(`${bundle} is missing: build it with \`npm run build\`.\n`)
  // eslint-disable-next-line n/no-process-exit -- nothing else of this program can run without the bundle
  process.exit(1)
}

const oclif = loadBundle(bundle, source)

/**
 * Runs the bundle as CommonJS from V8's code cache beside it (compiling it costs more than the rest of the start),
 * and registers it as a loaded module: oclif requires it again by path for the command registry. The first run, and
 * the first after Node changes, writes the cache when the folder is writable.
 */
function loadBundle(file, text) {
  const cacheFile = `${file}.v8-cache`
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {}

  const wrapper = `(function (exports, require, module, __filename, __dirname, importEsm) {${text}\n})`
  const script = new Script(wrapper, {cachedData, filename: file})
  const module = new Module(file)
  module.filename = file
  module.paths = Module._nodeModulePaths(dirname(file))
  Module._cache[file] = module
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(file), module, file, dirname(file), importEsm)
  module.loaded = true
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(script, cacheFile))
  return module.exports
}

/** After the run, so that the functions it compiled are in the cache; written whole or not at all. */
function writeCache(script, cacheFile) {
  const partial = `${cacheFile}.${process.pid}`
  try {
    accessSync(dirname(cacheFile), constants.W_OK)
    writeFileSync(partial, script.createCachedData())
    renameSync(partial, cacheFile)
  } catch {
    rmSync(partial, {force: true})
  }
}

const wanted = args[0]
// Only the command asked for is loaded; for anything else (help, a typo) all of them, as oclif would.
for (const id of Object.hasOwn(oclif.LOADERS, wanted ?? '') ? [wanted] : Object.keys(oclif.LOADERS)) {
  oclif.COMMANDS[id] = (await oclif.LOADERS[id]()).default
}

const commands = {identifier: 'COMMANDS', strategy: 'explicit', target: './cli.cjs'}
// Not the init hook: it takes over the Heroku CLI's built-in commands, and there is no Heroku CLI here.
const hooks = {command_not_found: {identifier: 'COMMAND_NOT_FOUND', target: './cli.cjs'}}
const loadOptions = {
  // The data directory is the Heroku CLI's (oclif.dirname): its plugins are not this program's to load.
  devPlugins: false,
  pjson: {...pjson, oclif: {...pjson.oclif, bin: program, commands, hooks}},
  // The bundle's folder as oclif's root (package.json is given above): the manifest at the package root describes
  // dist/commands for the Heroku CLI, and reading it here, where the bundle answers, costs about 6 ms of file I/O.
  root: fileURLToPath(new URL('standalone/', import.meta.url)),
  userPlugins: false,
}

// dist/ is what runs here: never look for TypeScript sources (NODE_ENV=test or development would load typescript).
oclif.settings.enableAutoTranspile = false
await oclif.execute({args, loadOptions})
