import {describe, expect, it} from 'vitest'

import {formatDuration, parseSeconds} from '../../src/lib/rules/duration.js'

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [30, '0s'],
    [500, '0.5s'],
    [2000, '2s'],
    [2040, '2s'],
    [9950, '10s'],
    [45_000, '45s'],
    [125_000, '2m 05s'],
    [3_720_000, '1h 02m'],
  ])('%s ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('parseSeconds', () => {
  it.each([
    ['10', 10],
    ['0.5', 0.5],
    ['.5', 0.5],
    [' 30 ', 30],
    ['604800', 604_800],
  ])('reads %j as %s', (text, seconds) => {
    expect(parseSeconds('--timeout', text)).toBe(seconds)
  })

  it.each([['0'], ['-1'], ['abc'], [''], ['1e3'], ['10s'], ['604801'], ['Infinity'], ['NaN']])(
    'refuses %j, naming the flag and value',
    (text) => {
      expect(parseSeconds('--timeout', text)).toBe(
        `--timeout "${text}" is not a positive number of seconds: give a number greater than 0 and at most 604800 (a week), e.g. 10 or 0.5`,
      )
    },
  )
})

describe('parseSeconds with a floor', () => {
  it.each([
    ['0', 0],
    ['0.5', 0.5],
    ['1', 1],
  ])('takes %j as %s, for the caller to raise to the floor', (text, seconds) => {
    expect(parseSeconds('--interval', text, {floor: 1})).toBe(seconds)
  })

  it.each([['-1'], ['abc'], [''], ['604801']])('refuses %j, suggesting values used as they are', (text) => {
    expect(parseSeconds('--interval', text, {floor: 1})).toBe(
      `--interval "${text}" is not a number of seconds: give a number from 1 to 604800 (a week), e.g. 10 or 1`,
    )
  })
})
