import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {
  DEFAULT_WAIT_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  MIN_WAIT_INTERVAL_SECONDS,
} from '../lib/actions/polling.js'

export const spaceFlag = Flags.string({char: 's', description: 'name or id of the Private Space', required: true})

export const jsonFlag = Flags.boolean({
  description: 'print the Platform API object as JSON, and nothing else, on stdout',
})

export const nameArg = Args.string({description: 'name or id of the VPN connection (or give it with --name)'})

/** The article writes `--name office`; the Heroku CLI takes NAME as an argument. Both work. */
export const nameFlag = Flags.string({
  char: 'n',
  description: 'name of the VPN connection, as an alternative to the NAME argument',
})

export const intervalFlag = Flags.string({
  char: 'i',
  description: `seconds between polls, at least ${MIN_WAIT_INTERVAL_SECONDS} (a smaller value polls every ${MIN_WAIT_INTERVAL_SECONDS} s) [default: ${DEFAULT_WAIT_INTERVAL_SECONDS}]`,
})

export const timeoutFlag = Flags.string({
  char: 't',
  description: `seconds to wait at most before giving up with exit code 124 [default: ${DEFAULT_WAIT_TIMEOUT_SECONDS}]`,
})
