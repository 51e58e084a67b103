import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

/**
 * Each folder's place, lowest first: a module imports from its own layer or from lower ones, never from higher.
 * The files directly in src/lib (errors, exit codes, env) are the floor every layer stands on.
 */
const LAYERS = [
  'lib',
  'lib/api',
  'lib/rules',
  'lib/ui',
  'lib/gateway',
  'lib/actions',
  'lib/doctor',
  'cli',
  'commands',
  'hooks',
] as const

/** The sandbox is a stand-in for Heroku's API: it shares the API's shapes and the duration grammar, not the client's rules. */
const SANDBOX_MAY_IMPORT = new Set(['lib/api/types.ts', 'lib/exit-codes.ts', 'lib/rules/duration.ts'])

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!)
  return specifiers.map((specifier) => relative(SRC, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts'))
}

/** The layer a src-relative path belongs to: the longest folder of LAYERS that holds it. */
function layerOf(path: string): number {
  let found = -1
  for (const [index, layer] of LAYERS.entries()) {
    const inside = layer === 'lib' ? dirname(path) === 'lib' : path.startsWith(`${layer}/`)
    if (inside) found = index
  }

  return found
}

describe('the layers of src/', () => {
  const files = sourceFiles(SRC).map((file) => ({file, path: relative(SRC, file)}))

  it('places every module in a layer (or the sandbox)', () => {
    const placeless = files
      .filter(({path}) => layerOf(path) === -1 && !path.startsWith('sandbox/'))
      .map(({path}) => path)
    expect(placeless).toEqual([])
  })

  it('has imports that point down or sideways only', () => {
    const upward = files.flatMap(({file, path}) => {
      const own = layerOf(path)
      if (own === -1) return []
      return importsOf(file)
        .filter((target) => target.startsWith('sandbox/') || layerOf(target) > own)
        .map((target) => `${path} -> ${target}`)
    })
    expect(upward).toEqual([])
  })

  it('keeps the sandbox to the API shapes and the duration grammar', () => {
    const borrowed = files
      .filter(({path}) => path.startsWith('sandbox/'))
      .flatMap(({file, path}) =>
        importsOf(file)
          .filter((target) => !target.startsWith('sandbox/') && !SANDBOX_MAY_IMPORT.has(target))
          .map((target) => `${path} -> ${target}`),
      )
    expect(borrowed).toEqual([])
  })
})
