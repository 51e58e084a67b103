import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runDestroy} from '../../src/lib/actions/destroy.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {API, rejection, socketError, space, testContext, vpnConnection} from '../support/fixtures.js'

const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'
const exists = () => nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())

describe('destroy', () => {
  const options = {json: false, name: 'office', space: 'acme-space'}

  it('destroys with a matching --confirm', async () => {
    const context = testContext()
    exists()
      .delete(CONNECTION_PATH)
      .reply(202, vpnConnection({status: 'deprovisioning'}))
    await runDestroy({...options, confirm: 'office'}, context)
    expect(context.stdout()).toBe(
      'Destroying VPN connection office in space acme-space: its tunnels are being torn down.\n',
    )
  })

  it('prints the destroyed object with --json', async () => {
    const context = testContext()
    exists()
      .delete(CONNECTION_PATH)
      .reply(202, vpnConnection({status: 'deprovisioning'}))
    await runDestroy({...options, confirm: 'office', json: true}, context)
    expect(JSON.parse(context.stdout())).toMatchObject({status: 'deprovisioning'})
  })

  it.each([
    [
      'with a --confirm for another name',
      {confirm: 'offices'},
      {},
      '--confirm "offices" does not match the connection name "office"',
    ],
    ['off a terminal without --confirm', {}, {tty: false}, 'there is no terminal to ask at: pass --confirm office'],
    [
      'at a terminal when the typed name differs',
      {},
      {stdinText: 'ofice\n', tty: true},
      '"ofice" does not match the connection name "office"',
    ],
    ['at a terminal when an empty line is typed', {}, {stdinText: '\n', tty: true}, '"" does not match'],
    [
      'at a terminal at the end of input (Ctrl-D)',
      {},
      {stdinText: '', tty: true},
      'The destroy was cancelled: input ended before a name was typed.',
    ],
  ])('refuses %s, with exit code 2, deleting nothing', async (_case, change, terminal, words) => {
    const context = testContext(terminal)
    if ('tty' in terminal && terminal.tty) exists()
    const error = await rejection(runDestroy({...options, ...change}, context))
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(words)
    expect((error as Error).message).toContain('Nothing was destroyed.')
  })

  it('asks at a terminal and destroys when the name is typed', async () => {
    const context = testContext({stdinText: 'office\n', tty: true})
    exists()
      .delete(CONNECTION_PATH)
      .reply(202, vpnConnection({status: 'deprovisioning'}))
    await runDestroy(options, context)
    expect(context.stderr()).toContain('To proceed, type office: ')
    expect(context.stderr()).toContain('both tunnels go down')
  })

  it('ends the prompt line at the end of input (Ctrl-D), so the error starts on a line of its own', async () => {
    const context = testContext({stdinText: '', tty: true})
    exists()
    await runDestroy(options, context).catch(() => {})
    expect(context.stderr()).toMatch(/To proceed, type office: \n$/)
  })

  it('checks that the connection exists before asking, and says which of space and connection is missing', async () => {
    const context = testContext({stdinText: 'office\n', tty: true})
    nock(API)
      .get(CONNECTION_PATH)
      .reply(404, {id: 'not_found', message: 'Not found.'})
      .get('/spaces/acme-space')
      .reply(404, {id: 'not_found', message: 'Not found.'})
    await expect(runDestroy(options, context)).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: 'Space "acme-space" was not found, or you have no access to it.',
    })
    expect(context.stderr()).not.toContain('To proceed')
  })

  it.each([
    [
      'is being torn down',
      () =>
        nock(API)
          .get(CONNECTION_PATH)
          .reply(200, vpnConnection({status: 'deprovisioning'})),
    ],
    ['is gone', () => nock(API).get(CONNECTION_PATH).reply(404, {id: 'not_found', message: 'Not found.'})],
  ])('after a DELETE whose answer was lost, succeeds when the connection %s', async (_case, after) => {
    const context = testContext()
    exists().delete(CONNECTION_PATH).replyWithError(socketError('ECONNRESET', 'socket hang up'))
    after()
    await runDestroy({...options, confirm: 'office'}, context)
    expect(context.stdout()).toBe(
      'Destroying VPN connection office in space acme-space: its tunnels are being torn down.\n',
    )
    expect(context.stderr()).toContain('checking whether it went through')
  })

  it('after a DELETE whose answer was lost, reports the failure when the connection is still there, and never sends it twice', async () => {
    const context = testContext()
    exists()
      .delete(CONNECTION_PATH)
      .reply(503, {id: 'unavailable', message: 'busy'})
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await expect(runDestroy({...options, confirm: 'office'}, context)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
    })
  })

  it('says a connection already being destroyed is, without asking or deleting again', async () => {
    const context = testContext({tty: true})
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'deprovisioning'}))
    await runDestroy(options, context)
    expect(context.stderr()).toContain('is already being destroyed')
    expect(context.stderr()).not.toContain('To proceed')
  })
})

describe('destroy --wait', () => {
  const options = {
    confirm: 'office',
    json: false,
    name: 'office',
    space: 'acme-space',
    waitUntilGone: {intervalMs: 1000, timeoutMs: 60_000},
  }
  const gone = {id: 'not_found', message: 'Not found.'}

  it('after a DELETE whose answer was lost, checks that it went through, then waits until the connection is gone', async () => {
    const context = testContext()
    exists()
      .delete(CONNECTION_PATH)
      .replyWithError(socketError('ECONNRESET', 'socket hang up'))
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'deprovisioning'}))
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'deprovisioning'}))
      .get(CONNECTION_PATH)
      .reply(404, gone)
    await runDestroy(options, context)
    expect(context.stderr()).toContain('checking whether it went through')
    expect(context.stdout()).toBe('Destroyed VPN connection office in space acme-space.\n')
    expect(nock.isDone()).toBe(true)
  })

  it('waits for a connection already being destroyed, without deleting again', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'deprovisioning'}))
      .get(CONNECTION_PATH)
      .reply(404, gone)
    await runDestroy(options, context)
    expect(context.stderr()).toContain('is already being destroyed')
    expect(context.stdout()).toBe('Destroyed VPN connection office in space acme-space.\n')
  })

  it('says which of space and connection is missing, with exit code 2, before deleting or waiting', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(404, gone).get('/spaces/acme-space').reply(200, space())
    await expect(runDestroy(options, context)).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: 'VPN connection "office" was not found in space "acme-space".',
    })
  })

  it('rides out passing trouble while waiting, with the one retry policy', async () => {
    const context = testContext()
    exists()
      .delete(CONNECTION_PATH)
      .reply(202, vpnConnection({status: 'deprovisioning'}))
      .get(CONNECTION_PATH)
      .reply(503, {id: 'unavailable', message: 'busy'})
      .get(CONNECTION_PATH)
      .reply(404, gone)
    await runDestroy(options, context)
    expect(context.stderr()).toContain('trying again in 1s')
    expect(context.sleeps).toEqual([1000])
  })
})
