import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runInfo} from '../../src/lib/actions/info.js'
import {runWait} from '../../src/lib/actions/wait.js'
import {connectionCommand, shellWord} from '../../src/lib/ui/command-lines.js'
import {formatError} from '../../src/lib/ui/render.js'
import {API, pendingConnection, testContext, tunnel, vpnConnection} from '../support/fixtures.js'

const TITLE = '\u001B]0;pwned\u0007'
const CLEAR = '\u001B[2J'
const hostile = vpnConnection({
  status_message: `${TITLE}gateway ${CLEAR}ok`,
  tunnels: [tunnel({status_message: `${CLEAR}down\u009B31m`}), tunnel({ip: '34.227.70.143'})],
})
const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'
const NO_CONTROLS = /^[^\u0000-\u0009\u000B-\u001F\u007F-\u009F]*$/u

describe('control characters from the API or the user never reach the terminal raw', () => {
  it('info escapes them in the human output and keeps the JSON as the API sent it', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, hostile)
    await runInfo({json: false, name: 'office', space: 'acme-space'}, context)
    expect(context.stdout()).toMatch(NO_CONTROLS)
    expect(context.stdout()).toContain(String.raw`\x1B]0;pwned\x07gateway \x1B[2Jok`)
    expect(context.stdout()).toContain(String.raw`\x1B[2Jdown\x9B31m`)

    const json = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, hostile)
    await runInfo({json: true, name: 'office', space: 'acme-space'}, json)
    expect(JSON.parse(json.stdout())).toEqual(hostile)
  })

  it('wait escapes a hostile status in its progress lines and in the failure message', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: `pending${CLEAR}` as never}))
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'failed', status_message: `${TITLE}no`}))
    const error = await runWait(
      {intervalMs: 1000, json: false, name: 'office', space: 'acme-space', timeoutMs: 60_000, tunnelsUp: false},
      context,
    ).catch((error_: unknown) => error_ as Error)
    expect(context.stderr()).toMatch(NO_CONTROLS)
    expect(context.stderr()).toContain(String.raw`pending\x1B[2J (0s)`)
    expect(formatError((error as Error).message, [])).toMatch(NO_CONTROLS)
  })

  it('quotes names in suggested commands for the shell, spelling control characters visibly', () => {
    expect(connectionCommand('wait', "o'ffice", 'my space')).toBe(
      `heroku spaces:vpn:wait 'o'\\''ffice' --space 'my space'`,
    )
    expect(shellWord(`x${TITLE}`)).toBe(String.raw`$'x\u001b]0;pwned\u0007'`)
    expect(formatError('bad', [connectionCommand('info', `x${CLEAR}`, 'acme')])).toMatch(NO_CONTROLS)
  })
})
