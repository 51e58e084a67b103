import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {rootCertificates} from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

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

describe('networkRoute: the certificates of SSL_CERT_FILE and SSL_CERT_DIR', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----'
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certs-'))
    await mkdir(join(dir, 'folder'))
    await writeFile(join(dir, 'folder', 'ca.pem'), `${PEM}\n`)
    await writeFile(join(dir, 'folder', 'README'), 'not a certificate')
    await mkdir(join(dir, 'folder', 'nested'))
    await symlink(join(dir, 'nowhere.pem'), join(dir, 'folder', 'dangling.0'))
  })

  afterAll(() => rm(dir, {force: true, recursive: true}))

  it("are a folder's certificate files, past other files, folders and dangling links, next to Node's own roots", async () => {
    const route = await networkRoute(API, {SSL_CERT_DIR: join(dir, 'folder')})
    expect(route.ca?.at(-1)).toBe(PEM)
    expect(route.ca?.length).toBe(rootCertificates.length + 1)
  })

  it('are not read where no TLS is spoken: an http API without a proxy, or through an http proxy', async () => {
    const missing = {SSL_CERT_FILE: join(dir, 'missing.pem')}
    const plain = new URL('http://127.0.0.1:5000')
    await expect(networkRoute(plain, missing)).resolves.toEqual({})
    expect((await networkRoute(plain, {...missing, HTTP_PROXY: 'http://proxy:3128'})).ca).toBeUndefined()
    await expect(networkRoute(plain, {...missing, HTTP_PROXY: 'https://proxy:3128'})).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`SSL_CERT_FILE "${missing.SSL_CERT_FILE}" cannot be read (ENOENT)`),
    })
    await expect(networkRoute(API, missing)).rejects.toMatchObject({exitCode: 2})
  })
})
