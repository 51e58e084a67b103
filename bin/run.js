#!/usr/bin/env node
import {readFileSync} from 'node:fs'
import {basename, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// Usage and hints name the program the user ran: heroku-spaces-vpn through the package's bin link, the path in a checkout.
const invoked = process.argv[1] ?? ''
const fromHere = relative(process.cwd(), invoked)
const program =
  basename(invoked) === 'run.js' ? (fromHere.startsWith('..') ? invoked : `./${fromHere}`) : basename(invoked)

let args = process.argv.slice(2)
// `help COMMAND` is `COMMAND --help`, as in the Heroku CLI.
if (args[0] === 'help') args = [...args.slice(1), '--help']

// oclif and the commands, bundled by the build (scripts/bundle-standalone.mjs): a checkout runs it on `npm install`,
// the package ships its output.
const bundle = new URL('standalone/cli.js', import.meta.url)
const oclif = await import(bundle.href).catch((error) => {
  if (error.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(fileURLToPath(bundle))) throw error
  process.stderr.write(`${fileURLToPath(bundle)} is missing: build it with \`npm run build\`.\n`)
  // eslint-disable-next-line n/no-process-exit -- nothing else of this program can run without the bundle
  process.exit(1)
})
const wanted = args[0]
// Only the command asked for is loaded; for anything else (help, a typo) all of them, as oclif would.
for (const id of Object.hasOwn(oclif.LOADERS, wanted ?? '') ? [wanted] : Object.keys(oclif.LOADERS)) {
  oclif.COMMANDS[id] = (await oclif.LOADERS[id]()).default
}

const commands = {identifier: 'COMMANDS', strategy: 'explicit', target: './cli.js'}
// Not the init hook: it takes over the Heroku CLI's built-in commands, and there is no Heroku CLI here.
const hooks = {command_not_found: {identifier: 'COMMAND_NOT_FOUND', target: './cli.js'}}
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
