import nock from 'nock'
import {describe, expect, it, vi} from 'vitest'

import Config from '../../src/commands/spaces/vpn/config.js'
import Connect from '../../src/commands/spaces/vpn/connect.js'
import Connections from '../../src/commands/spaces/vpn/connections.js'
import Destroy from '../../src/commands/spaces/vpn/destroy.js'
import Doctor from '../../src/commands/spaces/vpn/doctor.js'
import Info from '../../src/commands/spaces/vpn/info.js'
import Update from '../../src/commands/spaces/vpn/update.js'
import Wait from '../../src/commands/spaces/vpn/wait.js'
import {exitCodesHelp} from '../../src/lib/exit-codes.js'
import {API, vpnConnection} from '../support/fixtures.js'

/** The codes listed at the end of a command's help. */
function listedCodes(description: string | undefined): number[] {
  const paragraph = description?.split('\n\n').at(-1) ?? ''
  expect(paragraph.split('\n')[0]).toBe('Exit codes:')
  return paragraph
    .split('\n')
    .slice(1)
    .map((line) => Number(line.trim().split(' ')[0]))
}

describe("each command's help lists the exit codes it can end with", () => {
  it.each([
    ['config', Config],
    ['connect', Connect],
    ['connections', Connections],
    ['info', Info],
    ['update', Update],
  ])('%s: 0, 1 and 2, and no timeout: it never waits', (_name, command) => {
    expect(listedCodes(command.description)).toEqual([0, 1, 2])
  })

  it.each([
    ['wait', Wait],
    ['destroy', Destroy],
  ])('%s: 124 besides, for a wait that ran out of time', (_name, command) => {
    expect(listedCodes(command.description)).toEqual([0, 1, 2, 124])
  })

  it('doctor: 3 for problems found and 4 for a host it cannot check, and no timeout', () => {
    expect(listedCodes(Doctor.description)).toEqual([0, 1, 2, 3, 4])
  })

  it('lists codes in order, once each, with their meaning', () => {
    expect(exitCodesHelp([124, 0, 2, 1])).toBe(
      [
        'Exit codes:',
        '  0   done',
        '  1   the operation failed (API error, failed connection, network, unreachable proxy, untrusted certificate)',
        '  2   the input was wrong, or names a space or connection that does not exist; nothing was changed',
        '  124 a wait ran out of time',
      ].join('\n'),
    )
  })
})

describe('the exit code of a command that succeeded', () => {
  it('is 0 even when the API answers with an object that has an exitCode field (wait resolves to that object)', async () => {
    vi.stubEnv('HEROKU_API_KEY', 'test-token')
    vi.stubEnv('HEROKU_HOST', undefined)
    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    nock(API)
      .get('/spaces/acme-space/vpn-connections/office')
      .reply(200, {...vpnConnection(), exitCode: 7})
    try {
      await expect(
        Wait.run(['office', '--space', 'acme-space', '--json'], new URL('../..', import.meta.url).pathname),
      ).resolves.toBeUndefined()
      expect(written.mock.calls.join('')).toContain('"exitCode": 7')
    } finally {
      written.mockRestore()
      vi.unstubAllEnvs()
    }
  })
})
