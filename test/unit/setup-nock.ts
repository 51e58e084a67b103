import nock from 'nock'
import {afterEach, beforeAll, expect} from 'vitest'

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/)
})

/** Every stub a test registered must have been called: a test proves its requests, not only its output. */
afterEach(() => {
  const pending = nock.pendingMocks()
  nock.cleanAll()
  expect(pending, 'HTTP stubs registered but never called').toEqual([])
})
