import {afterAll, beforeAll, beforeEach, expect} from 'vitest'

import {type Sandbox, startSandbox} from '../../../src/sandbox/index.js'
import {
  createHerokuHome,
  HEROKU_CLI_VERSION,
  type HerokuCli,
  type HerokuHome,
  installHerokuCli,
  killProcesses,
  leftoverProcesses,
} from '../../support/heroku-cli.js'

/*
 * What the tests through the real Heroku CLI share: the pinned CLI from npm (or why it could not be installed), the
 * sandbox they run against, and Heroku homes that nothing the CLI started may outlive.
 */

const FAST = {deprovisioning: 0.2, pending: 0.2, provisioning: 0.3, tunnelsUpAfter: 0.2}

const required = process.env.REQUIRE_HEROKU_CLI === '1'
let cli: HerokuCli | undefined
let unavailable = ''
try {
  cli = await installHerokuCli()
} catch (error) {
  unavailable = error instanceof Error ? error.message : String(error)
  if (!required) {
    console.warn(
      `Skipping the tests through the real Heroku CLI: heroku@${HEROKU_CLI_VERSION} could not be installed from npm.\n${unavailable}\n(REQUIRE_HEROKU_CLI=1 turns this into a failure.)`,
    )
  }
}

/** Skip a file's tests: the Heroku CLI could not be installed, and CI did not require it. */
export const skipWithoutHerokuCli = !cli && !required

export function requireCli(): HerokuCli {
  if (!cli)
    throw new Error(
      `REQUIRE_HEROKU_CLI=1, but heroku@${HEROKU_CLI_VERSION} could not be installed from npm:\n${unavailable}`,
    )
  return cli
}

export interface HerokuSuite {
  /** A Heroku home of its own, removed after the file's tests, which fail if a process it started is left. */
  newHome(): Promise<HerokuHome>
  /** The sandbox of the file's tests, reset before each. */
  readonly sandbox: Sandbox
}

/** Registers the file's hooks: the sandbox, started once and reset before each test, and the homes' clean-up. */
export function useHerokuSuite(): HerokuSuite {
  let sandbox: Sandbox | undefined
  const homes: HerokuHome[] = []

  beforeAll(async () => {
    requireCli()
    sandbox = await startSandbox({timing: FAST})
  })

  afterAll(async () => {
    await sandbox?.stop()
    // Nothing the Heroku CLI started may outlive the tests: no auto-update, telemetry or version-check process.
    const leftovers = (await Promise.all(homes.map((home) => leftoverProcesses(home)))).flat()
    killProcesses(leftovers)
    await Promise.all(homes.map((home) => home.remove()))
    expect(leftovers).toEqual([])
  })

  beforeEach(() => {
    sandbox!.control.reset()
  })

  return {
    async newHome() {
      const home = await createHerokuHome()
      homes.push(home)
      return home
    },
    get sandbox() {
      return sandbox!
    },
  }
}
