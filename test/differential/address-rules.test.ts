import {execFileSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {checkGatewayIp, checkRoutableCidrs} from '../../src/lib/rules/network.js'

interface Cases {
  readonly cidrs: ReadonlyArray<{
    hostBits: boolean
    network: null | string
    networkIsPrivate: boolean
    private: boolean
    text: string
    valid: boolean
  }>
  readonly gateways: ReadonlyArray<{public: boolean; text: string; valid: boolean}>
  readonly lists: ReadonlyArray<{items: string[]; overlapping: string[]; repeated: string[]}>
}

const SEED = Number(process.env.PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31))
const COUNT = 2000
const script = fileURLToPath(new URL('address-cases.py', import.meta.url))
// Generated now, by Python's ipaddress, so every run tries new cases; PROPERTY_SEED=N repeats a run.
const cases = JSON.parse(execFileSync('python3', [script, String(SEED), String(COUNT)], {encoding: 'utf8'})) as Cases
const seedNote = `PROPERTY_SEED=${SEED}`

const quoted = (problem: string) => [...problem.matchAll(/"([^"]+)"/g)].map((match) => match[1]!)

describe(`the address rules agree with Python's ipaddress on random cases (${seedNote})`, () => {
  it('public unicast gateway IPs', () => {
    for (const {public: isPublic, text, valid} of cases.gateways) {
      const problem = checkGatewayIp(text)
      expect(problem === undefined, `${text} (${seedNote}): ${problem}`).toBe(isPublic)
      if (!valid) expect(problem, `${text} (${seedNote})`).toMatch(/not an IPv4 address|leading zero/)
    }
  })

  it('RFC 1918 containment and host bits', () => {
    for (const c of cases.cidrs) {
      const {problems} = checkRoutableCidrs(c.text)
      const context = `${c.text} (${seedNote}): ${problems.join(' | ')}`
      expect(problems.length === 0, context).toBe(c.private)
      expect(
        problems.some((problem) => problem.includes('has host bits set')),
        context,
      ).toBe(c.hostBits)
      if (c.hostBits && c.networkIsPrivate) expect(problems[0], context).toContain(`did you mean ${c.network}?`)
      if (c.hostBits && !c.networkIsPrivate) expect(problems[0], context).not.toContain('did you mean')
      // a suggested network must itself pass
      const suggestion = /e\.g\. (\S+)$/.exec(problems[0] ?? '')?.[1]
      if (c.hostBits && suggestion) expect(checkRoutableCidrs(suggestion).problems, context).toEqual([])
    }
  })

  it('overlaps and repeats: each repeated network named once, every overlapping network named', () => {
    for (const list of cases.lists) {
      const {problems} = checkRoutableCidrs(list.items.join(','))
      const context = `${list.items.join(',')} (${seedNote})`
      const repeats = problems
        .filter((problem) => problem.includes('is listed more than once'))
        .map((problem) => quoted(problem)[0])
      expect(repeats.sort(), context).toEqual(list.repeated)
      const named = new Set(
        problems.filter((problem) => problem.includes(' overlaps ')).flatMap((problem) => quoted(problem)),
      )
      expect([...named].sort(), context).toEqual(list.overlapping)
    }
  })
})
