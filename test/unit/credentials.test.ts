import {afterEach, describe, expect, it} from 'vitest'

import {apiEndpoint, resolveCredentials} from '../../src/lib/credentials.js'

const saved = {...process.env}
afterEach(() => {
  process.env = {...saved}
})

describe('apiEndpoint', () => {
  it.each([
    [undefined],
    [''],
    ['heroku.com'],
    ['staging.herokudev.com'],
    ['http://127.0.0.1:5000'],
    ['http://localhost:5000'],
    ['https://api.example-heroku.com'],
    ['evil.example.com'],
    ['https://attacker.test'],
  ])('resolves HEROKU_HOST=%j exactly as @heroku-cli/command does', async (host) => {
    if (host === undefined) delete process.env.HEROKU_HOST
    else process.env.HEROKU_HOST = host
    const {vars} = await import('@heroku-cli/command')
    const ours = apiEndpoint(process.env)
    expect(ours.baseUrl).toBe(vars.apiUrl)
  })

  it('warns when HEROKU_HOST is not a Heroku or loopback host, and falls back to the real API', () => {
    expect(apiEndpoint({HEROKU_HOST: 'https://attacker.test'})).toEqual({
      baseUrl: 'https://api.heroku.com',
      warning: "Invalid HEROKU_HOST 'https://attacker.test' - using default",
    })
  })
})

describe('resolveCredentials', () => {
  it('takes HEROKU_API_KEY without loading @heroku-cli/command', async () => {
    const config = {} as Parameters<typeof resolveCredentials>[1]
    await expect(resolveCredentials({HEROKU_API_KEY: 'key-1'}, config)).resolves.toEqual({fromEnv: true, token: 'key-1'})
  })
})

