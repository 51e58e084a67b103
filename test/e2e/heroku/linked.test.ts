import {beforeAll, describe, expect, it} from 'vitest'

import {PLUGIN_NAME} from '../../../src/hooks/init/override-builtins.js'
import {SEEDED_CONNECTION, SPACE_WITH_CONNECTION} from '../../../src/sandbox/index.js'
import {HEROKU_CLI_VERSION, type HerokuHome, REPO_ROOT, runHeroku} from '../../support/heroku-cli.js'
import {requireCli, skipWithoutHerokuCli, useHerokuSuite} from './suite.js'

/* The working tree linked into the real Heroku CLI (`heroku plugins:link`), as a developer runs it. */

describe.skipIf(skipWithoutHerokuCli)(`heroku@${HEROKU_CLI_VERSION} with the working tree linked (development)`, () => {
  const suite = useHerokuSuite()

  let home: HerokuHome

  beforeAll(async () => {
    home = await suite.newHome()
    const linked = await runHeroku(requireCli(), home, ['plugins:link', REPO_ROOT, '--no-install'])
    expect(linked.code, linked.stderr).toBe(0)
  }, 120_000)

  it("runs the linked plugin's commands", async () => {
    const plugins = await runHeroku(requireCli(), home, ['plugins'])
    expect(plugins.stdout).toContain(`${PLUGIN_NAME} `)
    expect(plugins.stdout).toContain('(link)')
    const which = await runHeroku(requireCli(), home, ['which', 'spaces:vpn:wait'])
    expect(which.stdout).toMatch(new RegExp(`plugin: ${PLUGIN_NAME}$`, 'm'))
    const waited = await runHeroku(
      requireCli(),
      home,
      ['spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json'],
      {
        env: suite.sandbox.env,
      },
    )
    expect(waited.code).toBe(0)
    expect(JSON.parse(waited.stdout)).toMatchObject({name: SEEDED_CONNECTION, status: 'active'})
    expect(waited.stderr).toContain('Ready after')
  })
})
