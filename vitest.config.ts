import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {test: {include: ['test/unit/**/*.test.ts'], name: 'unit', setupFiles: ['test/unit/setup-nock.ts']}},
      {test: {include: ['test/sandbox/**/*.test.ts'], name: 'sandbox'}},
      // maxConcurrency bounds the gateway lab, the only concurrent tests: four kernels at a time
      {test: {hookTimeout: 120_000, include: ['test/e2e/**/*.test.ts'], maxConcurrency: 4, name: 'e2e', testTimeout: 120_000}},
    ],
  },
})
