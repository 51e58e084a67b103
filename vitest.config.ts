import {availableParallelism} from 'node:os'
import {defineConfig} from 'vitest/config'

const LAB_MACHINES_AT_ONCE = availableParallelism()

export default defineConfig({
  test: {
    projects: [
      {test: {include: ['test/unit/**/*.test.ts'], name: 'unit', setupFiles: ['test/unit/setup-nock.ts']}},
      // our rules held against another implementation: @heroku-cli/command's credential lookup, Python's ipaddress
      {test: {include: ['test/differential/**/*.test.ts'], name: 'differential'}},
      {test: {include: ['test/sandbox/**/*.test.ts'], name: 'sandbox'}},
      {
        test: {
          exclude: ['test/e2e/gateway-lab/**'],
          hookTimeout: 120_000,
          include: ['test/e2e/**/*.test.ts'],
          name: 'e2e',
          testTimeout: 120_000,
        },
      },
      // the only tests that need root. They run after every other project, alone, with one virtual machine per core:
      // their bars measure a gateway, not how busy the test machine is
      {
        test: {
          hookTimeout: 120_000,
          include: ['test/e2e/gateway-lab/**/*.test.ts'],
          maxConcurrency: LAB_MACHINES_AT_ONCE,
          name: 'gateway-lab',
          sequence: {groupOrder: 1},
          testTimeout: 120_000,
        },
      },
    ],
  },
})
