import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier/flat'
import globals from 'globals'

export default [
  {ignores: ['bin/standalone/', 'dist/', 'node_modules/', 'oclif.manifest.json']},
  ...oclif,
  prettier,
  {
    rules: {
      // the Platform API's fields are snake_case (public_ip, routable_cidrs), and so are oclif's hook names
      camelcase: ['error', {properties: 'never'}],
      // styleText (Node 20.12) and cp (16.7) are only marked experimental in Node 20; tests run them there
      'n/no-unsupported-features/node-builtins': ['error', {ignores: ['util.styleText', 'fs/promises.cp']}],
      // polling, retries and the steps of a test happen one after another on purpose
      'no-await-in-loop': 'off',
      // `void promise` marks one that is deliberately not awaited
      'no-void': ['error', {allowAsStatement: true}],
      // TypeScript wants the undefined that this rule would remove (`return undefined` from a function typed `T | undefined`)
      'unicorn/no-useless-undefined': 'off',
    },
  },
  {
    // the tests run on vitest, not mocha
    files: ['test/**/*.ts'],
    rules: {
      // a helper stays next to the tests that use it
      'unicorn/consistent-function-scoping': 'off',
      ...Object.fromEntries(
        Object.keys(oclif.find((config) => config.plugins?.mocha)?.plugins.mocha.rules ?? {}).map((rule) => [
          `mocha/${rule}`,
          'off',
        ]),
      ),
    },
  },
  {
    // fwmarks, file modes and a seeded random sequence are bit fields
    files: ['bench/**', 'src/lib/gateway/**/*.ts', 'src/sandbox/faults.ts', 'test/**/*.ts'],
    rules: {'no-bitwise': 'off'},
  },
  {
    // escaping control characters is what these modules are for
    files: ['src/lib/ui/printable.ts', 'test/**/*.ts'],
    rules: {'no-control-regex': 'off'},
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {globals: globals.node, sourceType: 'commonjs'},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
]
