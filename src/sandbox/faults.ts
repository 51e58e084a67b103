import {type Answer, InvalidControlInput} from './answers.js'

export const FAULT_KINDS = ['error', 'rate-limit', 'drop', 'delay'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/**
 * Trouble to inject into API requests (never into `/__sandbox` ones).
 * - `error`: answer HTTP `status` (default 503) with an `{id, message}` body.
 * - `rate-limit`: answer 429 with `Retry-After: retryAfter` seconds (default 1).
 * - `drop`: destroy the connection without an answer.
 * - `delay`: answer normally, `delayMs` late.
 */
export interface FaultRule {
  readonly delayMs?: number
  readonly kind: FaultKind
  /** Only requests with this method. */
  readonly method?: string
  /** Only requests whose path, as sent (percent-encoded, without the query), matches this regular expression. */
  readonly path?: string
  /** The share of matching requests that get the fault, drawn from a random sequence seeded by `seed`. */
  readonly probability?: number
  readonly retryAfter?: number
  readonly seed?: number
  readonly status?: number
  /** How many matching requests get the fault: 1 by default, unlimited by default with a probability. */
  readonly times?: number
  /**
   * `instead` (default): the fault takes the place of the request. `after`: the request is carried out, then its
   * answer is replaced by the fault (or, for `delay`, held back), as when an answer is lost on the way back.
   */
  readonly when?: 'after' | 'instead'
}

export interface ActiveFault extends FaultRule {
  readonly id: string
  /** Uses left; null when unlimited. */
  readonly remaining: null | number
}

export const FAULT_RULE_KEYS = [
  'kind',
  'status',
  'retryAfter',
  'delayMs',
  'method',
  'path',
  'times',
  'probability',
  'seed',
  'when',
]
/** The fields that belong to one kind of fault. */
const KIND_OF_FIELD: Readonly<Record<string, FaultKind>> = {delayMs: 'delay', retryAfter: 'rate-limit', status: 'error'}
const DEFAULT_ERROR_STATUS = 503
const DEFAULT_RETRY_AFTER_SECONDS = 1
const DEFAULT_SEED = 1
const MAX_DELAY_MS = 10 * 60 * 1000

const isCount = (value: unknown, min: number) => typeof value === 'number' && Number.isInteger(value) && value >= min

interface FieldCheck {
  readonly key: string
  readonly problem: string
  readonly valid: (value: unknown) => boolean
  /** A field some rules must have: true when its absence from `rule` is a problem too. */
  readonly whenAbsent?: (rule: Record<string, unknown>) => boolean
}

/** The fields' checks, in the order their problems are reported. */
const FIELD_CHECKS: readonly FieldCheck[] = [
  {
    key: 'status',
    problem: 'status must be an HTTP error status from 400 to 599',
    valid: (value) => isCount(value, 400) && (value as number) <= 599,
  },
  {key: 'retryAfter', problem: 'retryAfter must be a whole number of seconds', valid: (value) => isCount(value, 0)},
  {
    key: 'delayMs',
    problem: `delayMs must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`,
    valid: (value) => isCount(value, 0) && (value as number) <= MAX_DELAY_MS,
    whenAbsent: (rule) => rule.kind === 'delay',
  },
  {key: 'method', problem: 'method must be a string', valid: (value) => typeof value === 'string'},
  {
    key: 'path',
    problem: 'path must be a regular expression',
    valid: (value) => typeof value === 'string' && isRegExp(value),
  },
  {key: 'times', problem: 'times must be a whole number from 1', valid: (value) => isCount(value, 1)},
  {
    key: 'probability',
    problem: 'probability must be a number above 0 and at most 1',
    valid: (value) => typeof value === 'number' && value > 0 && value <= 1,
  },
  {key: 'seed', problem: 'seed must be a whole number', valid: (value) => isCount(value, 0)},
  {
    key: 'when',
    problem: 'when must be "instead" or "after"',
    valid: (value) => value === 'instead' || value === 'after',
  },
]

/** The first problem with a rule from code or JSON, or undefined when it is valid. */
function faultRuleProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'a fault must be a JSON object'
  const rule = input as Record<string, unknown>
  const unknownKey = Object.keys(rule).find((key) => !FAULT_RULE_KEYS.includes(key))
  if (unknownKey !== undefined) return `unknown fault field "${unknownKey}": expected ${FAULT_RULE_KEYS.join(', ')}`
  if (!(FAULT_KINDS as readonly unknown[]).includes(rule.kind)) return `kind must be one of ${FAULT_KINDS.join(', ')}`
  const misplaced = Object.entries(KIND_OF_FIELD).find(([key, kind]) => rule[key] !== undefined && rule.kind !== kind)
  if (misplaced) return `${misplaced[0]} applies to kind ${misplaced[1]} only`
  const broken = FIELD_CHECKS.find(({key, valid, whenAbsent}) =>
    rule[key] === undefined ? whenAbsent?.(rule) === true : !valid(rule[key]),
  )
  return broken?.problem
}

function isRegExp(source: string): boolean {
  try {
    return new RegExp(source).source !== ''
  } catch {
    return false
  }
}

/** A small linear congruential generator: the same seed gives the same sequence, so a share of faults is repeatable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32
  }
}

interface ArmedFault {
  readonly id: string
  readonly path: RegExp | undefined
  readonly random: () => number
  remaining: number
  readonly rule: FaultRule
}

export class FaultInjector {
  private armed: ArmedFault[] = []
  private lastId = 0

  /** Arms a fault; throws with the problem when the rule is not valid. */
  add(rule: FaultRule): ActiveFault {
    const problem = faultRuleProblem(rule)
    if (problem !== undefined) throw new InvalidControlInput(problem)
    const normalized = {...rule, ...(rule.method === undefined ? {} : {method: rule.method.toUpperCase()})}
    const armed: ArmedFault = {
      id: String(++this.lastId),
      path: rule.path === undefined ? undefined : new RegExp(rule.path),
      random: seededRandom(rule.seed ?? DEFAULT_SEED),
      remaining: rule.times ?? (rule.probability === undefined ? 1 : Number.POSITIVE_INFINITY),
      rule: normalized,
    }
    this.armed.push(armed)
    return activeFault(armed)
  }

  clear(): void {
    this.armed = []
  }

  list(): ActiveFault[] {
    return this.armed.map((armed) => activeFault(armed))
  }

  /** The fault this request gets, if any: the first armed rule that matches and, for a share, is drawn. */
  take(method: string, path: string): FaultRule | undefined {
    const chosen = this.armed.find(
      (armed) =>
        (armed.rule.method === undefined || armed.rule.method === method) &&
        (armed.path === undefined || armed.path.test(path)) &&
        (armed.rule.probability === undefined || armed.random() < armed.rule.probability),
    )
    if (!chosen) return undefined
    chosen.remaining -= 1
    if (chosen.remaining <= 0) this.armed = this.armed.filter((armed) => armed !== chosen)
    return chosen.rule
  }
}

function activeFault(armed: ArmedFault): ActiveFault {
  return {...armed.rule, id: armed.id, remaining: Number.isFinite(armed.remaining) ? armed.remaining : null}
}

/** A few words for the request log: `error 503`, `drop after handling`, ... */
export function describeFault(rule: FaultRule): string {
  const what = {
    delay: `delay ${rule.delayMs} ms`,
    drop: 'drop',
    error: `error ${rule.status ?? DEFAULT_ERROR_STATUS}`,
    'rate-limit': `rate-limit ${rule.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS} s`,
  }[rule.kind]
  return rule.when === 'after' ? `${what} after handling` : what
}

/** The answer an `error` or `rate-limit` fault gives. */
export function faultAnswer(rule: FaultRule): Answer {
  if (rule.kind === 'rate-limit') {
    return {
      body: {
        id: 'rate_limit',
        message: 'Your account reached the API rate limit. Please wait a few minutes before making new requests.',
      },
      headers: {'RateLimit-Remaining': '0', 'Retry-After': String(rule.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS)},
      status: 429,
    }
  }

  const status = rule.status ?? DEFAULT_ERROR_STATUS
  const id = status === 503 ? 'service_unavailable' : status >= 500 ? 'internal_server_error' : 'sandbox_fault'
  return {body: {id, message: `HTTP ${status} injected by the sandbox.`}, status}
}
