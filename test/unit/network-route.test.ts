import {describe, expect, it} from 'vitest'

import {chooseProxy, networkRoute} from '../../src/lib/api/network-route.js'

const API = new URL('https://api.heroku.com')

describe('chooseProxy', () => {
  it.each([
    [{}, undefined],
    [{HTTPS_PROXY: 'http://proxy:3128'}, 'HTTPS_PROXY http://proxy:3128'],
    [{https_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://upper:3128'}, 'HTTPS_PROXY http://upper:3128'],
    [{HTTP_PROXY: 'http://proxy:3128'}, 'HTTP_PROXY http://proxy:3128'],
    [{http_proxy: 'proxy.corp'}, 'http_proxy http://proxy.corp:8080'],
    [{HTTPS_PROXY: 'http://proxy:80'}, 'HTTPS_PROXY http://proxy'],
    [{HTTPS_PROXY: 'https://user:pw@proxy:443'}, 'HTTPS_PROXY https://***@proxy'],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'heroku.com'}, undefined],
    [{HTTPS_PROXY: 'http://proxy:3128', no_proxy: '.heroku.com'}, undefined],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '*.HEROKU.com'}, undefined],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'api.heroku.com:443'}, undefined],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'api.heroku.com:8443'}, 'HTTPS_PROXY http://proxy:3128'],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'notheroku.com, localhost'}, 'HTTPS_PROXY http://proxy:3128'],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '*'}, undefined],
  ])('%j for https://api.heroku.com: %s', (env, expected) => {
    const choice = chooseProxy(API, env)
    expect(choice && `${choice.variable} ${choice.shown}`).toBe(expected)
  })

  it('never prints the password of a proxy URL it cannot parse', () => {
    expect(() => chooseProxy(API, {HTTPS_PROXY: 'http://user:s3cret@[bad'})).toThrow(
      expect.objectContaining({message: expect.not.stringContaining('s3cret')}),
    )
  })

  it.each([
    ['http://alice:pa/ss@proxy.corp:3128', 'http://***@proxy.corp:3128'],
    ['http://alice:123/abc@proxy.corp:3128', 'http://***@proxy.corp:3128'],
    ['alice:p@ss/w@proxy.corp', '***@proxy.corp'],
    ['http://alice:pass#word@proxy.corp', 'http://***@proxy.corp'],
  ])('refuses %s, a password with / or # that was not encoded, without showing it', (value, shown) => {
    const refusal = (() => {
      try {
        chooseProxy(API, {HTTPS_PROXY: value})
      } catch (error) {
        return error as Error & {exitCode: number}
      }
    })()
    expect(refusal?.exitCode).toBe(2)
    expect(refusal?.message).toContain(`HTTPS_PROXY "${shown}"`)
    expect(refusal?.message).not.toMatch(/alice|pa\/ss|123|abc|p@ss|word/)
  })

  it('names a proxy whose credentials are percent-encoded without them', () => {
    expect(chooseProxy(API, {HTTPS_PROXY: 'http://alice:pa%2Fss@proxy.corp:3128'})?.shown).toBe(
      'http://***@proxy.corp:3128',
    )
  })

  it('takes only HTTP_PROXY for http', () => {
    expect(chooseProxy(new URL('http://127.0.0.1:5000'), {HTTPS_PROXY: 'http://proxy:3128'})).toBeUndefined()
  })

  it.each(['socks5://proxy:1080', 'http://', 'http://[bad'])('refuses %s with exit code 2', (value) => {
    expect(() => chooseProxy(API, {HTTPS_PROXY: value})).toThrow(
      expect.objectContaining({exitCode: 2, message: expect.stringContaining('HTTPS_PROXY')}),
    )
  })
})

describe('networkRoute', () => {
  it('is empty, and loads nothing, when no variable applies', async () => {
    await expect(networkRoute(API, {PATH: '/usr/bin'})).resolves.toEqual({})
  })
})
