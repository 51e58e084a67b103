#!/usr/bin/env -S node --import tsx --no-warnings
import {execute, settings} from '@oclif/core'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

// tsx is already loaded by the line above, so the commands are imported straight from src/ rather than dist/.
settings.enableAutoTranspile = false
const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif.commands = './src/commands'

await execute({development: true, loadOptions: {pjson, root}})
