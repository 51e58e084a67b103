import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier/flat'

export default [
  {ignores: ['bin/standalone/', 'dist/', 'node_modules/', 'tmp/']},
  ...oclif,
  prettier,
]
