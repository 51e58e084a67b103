#!/usr/bin/env node
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const bundle = new URL('standalone/cli.js', import.meta.url)
// The data directory is the Heroku CLI's (oclif.dirname): its plugins are not this program's to load.
const loadOptions = {devPlugins: false, root: fileURLToPath(new URL('..', import.meta.url)), userPlugins: false}

let oclif
if (existsSync(bundle)) {
  // oclif and the commands, bundled by the build (scripts/bundle-standalone.mjs).
  oclif = await import(bundle.href)
  const wanted = process.argv[2]
  // Only the command asked for is loaded; for anything else (help, a typo) all of them, as oclif would.
  for (const id of Object.hasOwn(oclif.LOADERS, wanted ?? '') ? [wanted] : Object.keys(oclif.LOADERS)) {
    oclif.COMMANDS[id] = (await oclif.LOADERS[id]()).default
  }

  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  // No hooks: the only one takes over the Heroku CLI's built-in commands, and there is no Heroku CLI here.
  const commands = {identifier: 'COMMANDS', strategy: 'explicit', target: './cli.js'}
  loadOptions.pjson = {...pjson, oclif: {...pjson.oclif, commands, hooks: {}}}
  // The bundle's folder as oclif's root (package.json is given above): the manifest at the package root describes
  // dist/commands for the Heroku CLI, and reading it here, where the bundle answers, costs about 6 ms of file I/O.
  loadOptions.root = fileURLToPath(new URL('standalone/', import.meta.url))
} else {
  // Compiled by tsc alone, without the bundle: the modules of dist/, through subpath imports (the package index also loads semver).
  const [{execute}, {settings}] = await Promise.all([import('@oclif/core/execute'), import('@oclif/core/settings')])
  oclif = {execute, settings}
}

// dist/ is what runs here: never look for TypeScript sources (NODE_ENV=test or development would load typescript).
oclif.settings.enableAutoTranspile = false
await oclif.execute({loadOptions})
