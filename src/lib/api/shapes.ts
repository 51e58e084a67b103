import type {SpaceGeneration, SpaceInfo, VpnConnection, VpnTunnel} from './types.js'

/**
 * A check, at run time, that a JSON value has the type the Platform API's schema gives it (`@heroku-cli/schema` has
 * types only). `type` ties a check to its type exactly, so a field's check must match the schema's type for it.
 */
export interface Shape<T> {
  /** What the value should be, in words, e.g. "a list of strings". */
  readonly expected: string
  /** The JSON kind it takes, which `either` chooses by. */
  readonly kind: JsonKind
  /** What is wrong with `value` found at `path` (empty for the answer itself), or undefined when nothing is. */
  problem(value: unknown, path: string): string | undefined
  readonly type?: (value: T) => T
}

/** The JSON a schema type arrives as: string literal unions are strings (a new status must not break the client). */
type JsonOf<V> = V extends string
  ? string
  : V extends number
    ? number
    : V extends boolean
      ? boolean
      : V extends ReadonlyArray<infer Item>
        ? ReadonlyArray<JsonOf<Item>>
        : V

/** A check for each field of T this plugin reads, keyed by the schema's own field names (its index signature aside). */
type FieldShapes<T> = {
  readonly [K in keyof T as string extends K ? never : K]?: Shape<JsonOf<Exclude<T[K], undefined>>>
}

type JsonKind = 'boolean' | 'list' | 'null' | 'number' | 'object' | 'string'

function kindOf(value: unknown): JsonKind {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'list'
  return typeof value as JsonKind
}

function described(value: unknown): string {
  const kind = kindOf(value)
  if (kind === 'null') return 'null'
  if (kind === 'boolean') return String(value)
  return kind === 'object' ? 'an object' : `a ${kind}`
}

/** The answer itself is named with what it should be already: only its parts say what they should be. */
function mismatch(value: unknown, path: string, expected: string): string {
  return path === '' ? `it is ${described(value)}` : `${path} is ${described(value)}, not ${expected}`
}

function primitive<T>(kind: 'boolean' | 'number' | 'string', expected: string): Shape<T> {
  return {
    expected,
    kind,
    problem: (value, path) => (kindOf(value) === kind ? undefined : mismatch(value, path, expected)),
  }
}

const STRING = primitive<string>('string', 'a string')
const NUMBER = primitive<number>('number', 'a number')
const BOOLEAN = primitive<boolean>('boolean', 'true or false')

function listOf<T>(item: Shape<T>, expected: string): Shape<readonly T[]> {
  return {
    expected,
    kind: 'list',
    problem(value, path) {
      if (!Array.isArray(value)) return mismatch(value, path, expected)
      for (const [index, element] of value.entries()) {
        const problem = item.problem(element, `${path}[${index}]`)
        if (problem !== undefined) return problem
      }

      return undefined
    },
  }
}

function objectOf<T>(expected: string, fields: FieldShapes<T>): Shape<T> {
  return {
    expected,
    kind: 'object',
    problem(value, path) {
      if (kindOf(value) !== 'object') return mismatch(value, path, expected)
      for (const [key, shape] of Object.entries(fields) as Array<[string, Shape<unknown>]>) {
        const field = (value as Record<string, unknown>)[key]
        // Absent and null alike: the code reads every field with a default, and the API may null what it has not.
        if (field === undefined || field === null) continue
        const problem = shape.problem(field, path === '' ? key : `${path}.${key}`)
        if (problem !== undefined) return problem
      }

      return undefined
    },
  }
}

/** One of two shapes of different kinds (a name or an object), chosen by the value's kind. */
function either<A, B>(first: Shape<A>, second: Shape<B>): Shape<A | B> {
  const expected = `${first.expected} or ${second.expected}`
  return {
    expected,
    kind: first.kind,
    problem(value, path) {
      const chosen = [first, second].find((shape) => shape.kind === kindOf(value))
      return chosen === undefined ? mismatch(value, path, expected) : chosen.problem(value, path)
    },
  }
}

const TUNNEL = objectOf<VpnTunnel>('a tunnel (an object)', {
  customer_ip: STRING,
  ip: STRING,
  last_status_change: STRING,
  pre_shared_key: STRING,
  status: STRING,
  status_message: STRING,
})

export const VPN_CONNECTION = objectOf<VpnConnection>('a VPN connection (an object)', {
  id: STRING,
  ike_version: NUMBER,
  name: STRING,
  public_ip: STRING,
  routable_cidrs: listOf(STRING, 'a list of strings'),
  space_cidr_block: STRING,
  status: STRING,
  status_message: STRING,
  tunnels: listOf(TUNNEL, 'a list of tunnels'),
})

export const VPN_CONNECTIONS = listOf(VPN_CONNECTION, 'a list of VPN connections')

const GENERATION_OBJECT = objectOf<Exclude<SpaceGeneration, string>>('an object', {id: STRING, name: STRING})

export const SPACE = objectOf<SpaceInfo>('a space (an object)', {
  cidr: STRING,
  data_cidr: STRING,
  generation: either(STRING, GENERATION_OBJECT),
  id: STRING,
  name: STRING,
  shield: BOOLEAN,
  state: STRING,
})
