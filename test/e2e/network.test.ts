import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {type Sandbox, SEEDED_CONNECTION, SPACE_WITH_CONNECTION, startSandbox} from '../../src/sandbox/index.js'
import {
  closedPort,
  type LoggingProxy,
  makeSelfSignedCertificate,
  type SelfSignedCertificate,
  startLoggingProxy,
  startTlsFront,
  type TlsFront,
} from '../support/network.js'
import {runCli} from '../support/run-cli.js'

/*
 * Where companies run it: a forward proxy on 127.0.0.1 (CONNECT for https, absolute-form for http) and the sandbox
 * behind an HTTPS front whose self-signed certificate stands in for a private certificate authority.
 */

const INFO = ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']
const API_PATH = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`

let sandbox: Sandbox
let proxy: LoggingProxy
let certificate: SelfSignedCertificate
let front: TlsFront

beforeAll(async () => {
  sandbox = await startSandbox()
  proxy = await startLoggingProxy()
  certificate = await makeSelfSignedCertificate()
  front = await startTlsFront(sandbox.env.HEROKU_HOST, certificate)
})

afterAll(async () => {
  await Promise.all([sandbox.stop(), proxy.close(), front.close()])
  await certificate.remove()
})

beforeEach(() => {
  sandbox.control.reset()
  proxy.log.length = 0
  front.connections = 0
})

const overHttps = (env: Record<string, string> = {}) =>
  runCli(INFO, {env: {...sandbox.env, HEROKU_HOST: front.url, ...env}})
const connectionName = (stdout: string) => (JSON.parse(stdout) as {name: string}).name

describe('proxies', () => {
  it('tunnels https through HTTPS_PROXY with CONNECT', async () => {
    const result = await overHttps({HTTPS_PROXY: proxy.url, SSL_CERT_FILE: certificate.certFile})
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(connectionName(result.stdout)).toBe(SEEDED_CONNECTION)
    expect(proxy.log).toEqual([`CONNECT 127.0.0.1:${front.port}`])
  })

  it('sends http through HTTP_PROXY as absolute-form requests, with the credentials of the proxy URL', async () => {
    const withCredentials = proxy.url.replace('http://', 'http://user:s3cret@')
    const result = await runCli(INFO, {env: {...sandbox.env, http_proxy: withCredentials}})
    expect(result.code).toBe(0)
    expect(proxy.log).toEqual([`GET ${sandbox.env.HEROKU_HOST}${API_PATH} (with credentials)`])
  })

  it('takes HTTP_PROXY for https when HTTPS_PROXY is not set, as the Heroku CLI does', async () => {
    const result = await overHttps({HTTP_PROXY: proxy.url, SSL_CERT_FILE: certificate.certFile})
    expect(result.code).toBe(0)
    expect(proxy.log).toEqual([`CONNECT 127.0.0.1:${front.port}`])
  })

  it('fails at once with exit code 1, naming the proxy and never its password, when the proxy cannot be reached', async () => {
    const dead = `http://user:s3cret@127.0.0.1:${await closedPort()}`
    const result = await overHttps({HTTPS_PROXY: dead, SSL_CERT_FILE: certificate.certFile})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `Could not reach the proxy http://***@127.0.0.1:${new URL(dead).port} (from HTTPS_PROXY)`,
    )
    expect(result.stderr).not.toContain('s3cret')
    expect(result.stderr).not.toContain('trying again')
    expect(front.connections).toBe(0)
  })

  it.each([['127.0.0.1'], ['localhost,127.0.0.1'], ['*']])('goes direct for hosts in NO_PROXY=%s', async (noProxy) => {
    const result = await overHttps({
      HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}`,
      NO_PROXY: noProxy,
      SSL_CERT_FILE: certificate.certFile,
    })
    expect(result.code).toBe(0)
    expect(front.connections).toBe(1)
  })

  it('refuses a proxy URL it cannot use with exit code 2, before any request', async () => {
    const result = await overHttps({HTTPS_PROXY: 'socks5://127.0.0.1:1080'})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('HTTPS_PROXY "socks5://127.0.0.1:1080" is not an HTTP proxy')
    expect(result.stderr).toContain('accepted: http://HOST[:PORT]')
    expect(front.connections).toBe(0)
  })
})

describe('certificate authorities', () => {
  it('fails at once on an untrusted certificate, naming the problem and the variables that add a CA', async () => {
    const result = await overHttps()
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `The TLS certificate of ${front.url} was not accepted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`,
    )
    for (const variable of ['SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS'])
      expect(result.stderr).toContain(variable)
    expect(result.stderr).not.toContain('trying again')
    expect(front.connections).toBe(1)
    expect(sandbox.control.requests()).toEqual([])
  })

  it('trusts SSL_CERT_FILE, SSL_CERT_DIR and NODE_EXTRA_CA_CERTS', async () => {
    const dir = join(certificate.dir, 'certs')
    await mkdir(dir, {recursive: true})
    await writeFile(join(dir, 'private-ca.pem'), certificate.cert)
    await writeFile(join(dir, 'README'), 'not a certificate')
    const variables: Array<Record<string, string>> = [
      {SSL_CERT_FILE: certificate.certFile},
      {SSL_CERT_DIR: dir},
      {NODE_EXTRA_CA_CERTS: certificate.certFile},
    ]
    for (const env of variables) {
      const result = await overHttps(env)
      expect({code: result.code, env, stderr: result.stderr}).toEqual({code: 0, env, stderr: ''})
    }
  })

  it('refuses an SSL_CERT_FILE that is missing or holds no certificate, with exit code 2', async () => {
    const missing = await overHttps({SSL_CERT_FILE: join(certificate.dir, 'missing.pem')})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`SSL_CERT_FILE "${join(certificate.dir, 'missing.pem')}" cannot be read (ENOENT)`)
    const notPem = await overHttps({SSL_CERT_FILE: join(certificate.dir, 'key.pem')})
    expect(notPem.code).toBe(2)
    expect(notPem.stderr).toContain('holds no PEM certificate')
    expect(front.connections).toBe(0)
  })
})
