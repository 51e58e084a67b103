import {describe, expect, it} from 'vitest'

import {connectionName, spaceName} from '../../src/lib/actions/target.js'
import {shortened} from '../../src/lib/errors.js'
import {MAX_LOOKUP_NAME_LENGTH} from '../../src/lib/rules/names.js'
import {checkRoutableCidrs} from '../../src/lib/rules/network.js'

describe('shortened: values in messages', () => {
  it.each([
    ['office', 'office'],
    ['x'.repeat(100), 'x'.repeat(100)],
    ['x'.repeat(101), `${'x'.repeat(100)}… (101 characters)`],
    ['é'.repeat(20_000), `${'é'.repeat(100)}… (20,000 characters)`],
  ])('%#', (value, shown) => {
    expect(shortened(value)).toBe(shown)
  })

  it('never cuts a character in two', () => {
    expect(shortened('😀'.repeat(150))).toBe(`${'😀'.repeat(100)}… (150 characters)`)
  })
})

describe('names too long to be a name or id', () => {
  it('refuse --space and NAME beyond the limit with exit code 2, shortened', () => {
    const long = 'x'.repeat(MAX_LOOKUP_NAME_LENGTH + 1)
    for (const check of [() => spaceName(long), () => connectionName(long, undefined)]) {
      expect(check).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: expect.stringContaining(`"${'x'.repeat(100)}… (256 characters)" is too long to be a name or id`),
        }),
      )
    }
  })

  it('take a name or id up to the limit', () => {
    expect(spaceName('x'.repeat(MAX_LOOKUP_NAME_LENGTH))).toHaveLength(MAX_LOOKUP_NAME_LENGTH)
  })

  it('shorten a huge CIDR in its message', () => {
    const [problem] = checkRoutableCidrs(`10.0.0.0/8${'0'.repeat(20_000)}`).problems
    expect(problem!.length).toBeLessThan(400)
  })
})
