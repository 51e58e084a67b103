import nock from 'nock'
import {PassThrough} from 'node:stream'
import {describe, expect, it, vi} from 'vitest'

import type {SpinnerAction} from '../../src/lib/ui/terminal.js'

import {spinnerProgress} from '../../src/lib/actions/wait-progress.js'
import {runWait} from '../../src/lib/actions/wait.js'
import {Terminal} from '../../src/lib/ui/terminal.js'
import {API, pendingConnection, testContext, vpnConnection} from '../support/fixtures.js'

const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'
const options = {
  intervalMs: 10_000,
  json: false,
  name: 'office',
  space: 'acme-space',
  timeoutMs: 60_000,
  tunnelsUp: false,
}

/** A spinner that records what it was asked to show; repeated statuses (the ticker's) are kept once. */
function recordingSpinner(): SpinnerAction & {readonly shown: string[]} {
  const shown: string[] = []
  return {
    pause(write) {
      shown.push('(paused)')
      write()
    },
    shown,
    start(title) {
      shown.push(`start: ${title}`)
    },
    get status() {
      return undefined
    },
    set status(text: string | undefined) {
      if (shown.at(-1) !== `status: ${text}`) shown.push(`status: ${text}`)
    },
    stop(message) {
      shown.push(`stop: ${message}`)
    },
  }
}

describe('wait progress at a terminal', () => {
  it('redraws the time waited every second from the clock it is given, and stops with the wait', async () => {
    const spinner = recordingSpinner()
    const context = testContext({env: {CI: undefined, NO_COLOR: '1'}, spinnerAction: async () => spinner, tty: true})
    const progress = spinnerProgress((await context.terminal.startSpinner('Waiting'))!, context.terminal, context)
    context.advance(2500)
    progress.finish(undefined, 2500)
    context.advance(5000)
    expect(spinner.shown).toEqual([
      'start: Waiting',
      'status: starting (0s)',
      'status: starting (1s)',
      'status: starting (2s)',
      'stop: destroyed after 2.5s',
    ])
  })

  it('draws a spinner with the state and the time waited, warnings above it, and the end state when it stops', async () => {
    const spinner = recordingSpinner()
    const context = testContext({env: {CI: undefined, NO_COLOR: '1'}, spinnerAction: async () => spinner, tty: true})
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection())
      .get(CONNECTION_PATH)
      .reply(503, {id: 'unavailable', message: 'Service Unavailable'})
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'provisioning'}))
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await runWait(options, context)
    expect(spinner.shown).toEqual([
      'start: Waiting until VPN connection office in space acme-space is active',
      'status: starting (0s)',
      'status: pending (0s)',
      '(paused)',
      'status: pending (10s)',
      'status: provisioning (11s)',
      'status: active, tunnels UP/UP (21s)',
      'stop: active, tunnels UP/UP after 21s',
    ])
    expect(context.stderr()).toBe(
      'Warning: The Heroku API failed with HTTP 503: Service Unavailable; trying again in 1s.\n',
    )
    expect(context.stdout()).toContain('=== acme-space VPN connection office')
  })

  it('stops the spinner as stopped when the wait fails', async () => {
    const spinner = recordingSpinner()
    const context = testContext({env: {CI: undefined, NO_COLOR: '1'}, spinnerAction: async () => spinner, tty: true})
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'failed', tunnels: []}))
    await expect(runWait(options, context)).rejects.toThrow('failed')
    expect(spinner.shown.at(-1)).toBe('stop: stopped')
  })

  it.each([
    ['stderr is not a terminal', {tty: false}],
    ['CI is set', {env: {CI: 'true'}, tty: true}],
    ['TERM is dumb', {env: {CI: undefined, TERM: 'dumb'}, tty: true}],
  ])('writes lines and loads no spinner when %s', async (_case, terminal) => {
    const spinnerAction = vi.fn(async () => recordingSpinner())
    const context = testContext({...terminal, spinnerAction})
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runWait(options, context)
    expect(spinnerAction).not.toHaveBeenCalled()
    expect(context.stderr()).toContain('Ready after 0s: active, tunnels UP/UP.')
  })

  it("uses oclif's ux.action when none is handed in, loaded when the spinner starts", async () => {
    const tty = () => Object.assign(new PassThrough(), {isTTY: true})
    const terminal = new Terminal({env: {}, stderr: tty(), stdin: () => tty(), stdout: tty()})
    let written = ''
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written += String(chunk)
      return true
    })
    try {
      const spinner = await terminal.startSpinner('Waiting until ready')
      spinner?.status('pending (0s)')
      spinner?.stop('active after 3s')
    } finally {
      spy.mockRestore()
    }

    expect(written).toContain('Waiting until ready...')
    expect(written).toContain('active after 3s')
  })
})
