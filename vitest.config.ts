import {defineConfig} from 'vitest/config'

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
      // the only tests that need root; maxConcurrency bounds them to four kernels at a time
      {
        test: {
          hookTimeout: 120_000,
          include: ['test/e2e/gateway-lab/**/*.test.ts'],
          maxConcurrency: 4,
          name: 'gateway-lab',
          testTimeout: 120_000,
        },
      },
    ],
  },
})
