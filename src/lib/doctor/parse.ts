/** Parsers for what the gateway host's tools print: each is tested on captured output (test/unit/doctor-parse.test.ts). */

/** A strongSwan settings block (swanctl.conf, and swanctl's --raw output once flattened): values and sub-blocks. */
export interface SettingsBlock {
  readonly blocks: ReadonlyMap<string, SettingsBlock>
  readonly values: ReadonlyMap<string, string>
}

interface MutableBlock {
  blocks: Map<string, MutableBlock>
  values: Map<string, string>
}

function emptyBlock(): MutableBlock {
  return {blocks: new Map(), values: new Map()}
}

/** swanctl.conf's syntax: `name {`, `key = value` and `}` on lines of their own; `#` comments. */
export function parseSwanctlConf(text: string): SettingsBlock {
  const root = emptyBlock()
  const stack: MutableBlock[] = [root]
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') continue
    const current = stack.at(-1)!
    const opening = /^([^\s={}]+)\s*\{$/.exec(line)
    if (opening) {
      const child = current.blocks.get(opening[1]!) ?? emptyBlock()
      current.blocks.set(opening[1]!, child)
      stack.push(child)
    } else if (line === '}') {
      if (stack.length > 1) stack.pop()
    } else {
      const setting = /^([^\s=]+)\s*=\s*(.*)$/.exec(line)
      if (setting) current.values.set(setting[1]!, setting[2]!.trim())
    }
  }

  return root
}

/**
 * swanctl's `--raw` output: one vici message per line, `event-name {name {key=value list=[a b] sub {…}}}`. Lists
 * are kept as their items joined by a space.
 */
export function parseViciRaw(text: string): SettingsBlock[] {
  const messages: SettingsBlock[] = []
  for (const line of text.split('\n')) {
    const tokens = line.match(/[^\s{}[\]=]+=\[[^\]]*\]|[^\s{}=]+=[^\s{}]*|[^\s{}]+(?=\s*\{)|[{}]/g)
    if (!tokens || !tokens.includes('{')) continue
    const root = emptyBlock()
    const stack: MutableBlock[] = [root]
    let pendingName: string | undefined
    for (const token of tokens) {
      const current = stack.at(-1)!
      if (token === '{') {
        const child = emptyBlock()
        current.blocks.set(pendingName ?? '', child)
        stack.push(child)
        pendingName = undefined
      } else if (token === '}') {
        if (stack.length > 1) stack.pop()
      } else if (token.includes('=')) {
        const at = token.indexOf('=')
        const value = token.slice(at + 1)
        current.values.set(token.slice(0, at), value.startsWith('[') ? value.slice(1, -1).trim() : value)
      } else {
        pendingName = token
      }
    }

    // the event's name ("list-sa event") holds the message itself
    for (const message of root.blocks.values()) messages.push(message)
  }

  return messages
}

/** One IKE SA as charon holds it, with its CHILD_SAs (IPsec SAs). */
export interface CharonSa {
  readonly children: ReadonlyArray<{readonly name: string; readonly state: string}>
  /** The IKE connection's name: a tunnel's name in the generated files. */
  readonly name: string
  readonly remoteHost?: string
  /** ESTABLISHED, CONNECTING, DELETING… */
  readonly state: string
}

/** `swanctl --list-sas --raw`. */
export function parseSwanctlSas(text: string): CharonSa[] {
  return parseViciRaw(text).flatMap((message) =>
    [...message.blocks].map(([name, sa]) => ({
      children: [...(sa.blocks.get('child-sas')?.blocks.values() ?? [])].map((child) => ({
        name: child.values.get('name') ?? '',
        state: child.values.get('state') ?? '',
      })),
      name,
      remoteHost: sa.values.get('remote-host'),
      state: sa.values.get('state') ?? '',
    })),
  )
}

/** `swanctl --list-conns --raw`: the names of the connections charon has loaded. */
export function parseSwanctlConns(text: string): string[] {
  return parseViciRaw(text).flatMap((message) => [...message.blocks.keys()])
}

/** What `ipsec statusall` says: the connections loaded and the SAs, read from its prose. */
export interface StarterStatus {
  readonly loaded: readonly string[]
  readonly sas: readonly CharonSa[]
}

/** charon's IKE_SA and CHILD_SA states, as statusall prints them (other lines start the same way). */
const IKE_STATES = 'CREATED|CONNECTING|ESTABLISHED|PASSIVE|REKEYING|REKEYED|DELETING|DESTROYING'
const CHILD_STATES =
  'CREATED|ROUTED|INSTALLING|INSTALLED|UPDATING|REKEYING|REKEYED|RETRYING|DELETING|DELETED|DESTROYING'

export function parseIpsecStatusAll(text: string): StarterStatus {
  const loaded = new Set<string>()
  const sas = new Map<
    string,
    {children: Array<{name: string; state: string}>; name: string; remoteHost?: string; state: string}
  >()
  let section: 'connections' | 'other' | 'sas' = 'other'
  for (const line of text.split('\n')) {
    if (line.startsWith('Connections:')) section = 'connections'
    else if (line.startsWith('Security Associations')) section = 'sas'
    else if (!line.startsWith(' ') && line.endsWith(':')) section = 'other'
    if (section === 'connections') {
      const conn = /^(\S+?):\s+\S+\.\.\.\S+/.exec(line)
      if (conn) loaded.add(conn[1]!)
    } else if (section === 'sas') {
      const ike = new RegExp(String.raw`^(\S+?)\[(\d+)\]: (${IKE_STATES})\b(?:.*\.\.\.([\d.]+)\[)?`).exec(line)
      if (ike) {
        const key = `${ike[1]}[${ike[2]}]`
        sas.set(key, {children: sas.get(key)?.children ?? [], name: ike[1]!, remoteHost: ike[4], state: ike[3]!})
        continue
      }

      const child = new RegExp(String.raw`^(\S+?)\{(\d+)\}:\s+(${CHILD_STATES}),`).exec(line)
      if (child) {
        const parent = [...sas.values()].findLast((sa) => sa.name === child[1])
        parent?.children.push({name: child[1]!, state: child[3]!})
      }
    }
  }

  return {loaded: [...loaded], sas: [...sas.values()]}
}

/** An entry of `ip xfrm state` or `ip xfrm policy` (which have no JSON form): the fields doctor uses, never the keys. */
export interface XfrmEntry {
  readonly dir?: string
  readonly dst: string
  readonly mark?: string
  readonly spi?: string
  readonly src: string
  /** The policy's template's tunnel addresses, `src A dst B`. */
  readonly tmpl?: {readonly dst: string; readonly src: string}
}

/** `ip xfrm state` / `ip xfrm policy`: entries start at a line without indentation. */
export function parseXfrm(text: string): XfrmEntry[] {
  const entries: XfrmEntry[] = []
  let current: undefined | {-readonly [K in keyof XfrmEntry]: XfrmEntry[K]}
  for (const line of text.split('\n')) {
    const head = /^src (\S+) dst (\S+)/.exec(line)
    if (head) {
      current = {dst: head[2]!.replace(/\/32$/, ''), src: head[1]!.replace(/\/32$/, '')}
      entries.push(current)
      continue
    }

    if (!current) continue
    const spi = /\bspi (0x[0-9a-f]+)/.exec(line)
    if (spi && current.spi === undefined) current.spi = spi[1]
    const mark = /^\s+mark (0x[0-9a-f]+)/.exec(line)
    if (mark) current.mark = mark[1]
    const dir = /^\s+dir (\S+)/.exec(line)
    if (dir) current.dir = dir[1]
    const tmpl = /^\s+tmpl src (\S+) dst (\S+)/.exec(line)
    if (tmpl) current.tmpl = {dst: tmpl[2]!, src: tmpl[1]!}
  }

  return entries
}

/** /proc/net/xfrm_stat: counter name and value per line. */
export function parseXfrmStat(text: string): Map<string, number> {
  const counters = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^(\w+)\s+(\d+)\s*$/.exec(line)
    if (match) counters.set(match[1]!, Number(match[2]))
  }

  return counters
}

/** ipsec.conf: `conn NAME` sections of indented `key=value` lines, with `also=` resolved. */
export function parseIpsecConf(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '')
    const conn = /^conn\s+(\S+)/.exec(line)
    if (conn) {
      current = new Map()
      sections.set(conn[1]!, current)
      continue
    }

    if (/^\S/.test(line)) current = undefined
    const setting = /^\s+([\w-]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (setting && current) current.set(setting[1]!, setting[2]!.replace(/^"(.*)"$/, '$1'))
  }

  const resolved = new Map<string, Map<string, string>>()
  const resolve = (name: string, depth: number): Map<string, string> => {
    const own = sections.get(name) ?? new Map<string, string>()
    const also = own.get('also')
    const inherited = also && depth < 10 ? resolve(also, depth + 1) : new Map<string, string>()
    return new Map([...inherited, ...own])
  }

  for (const name of sections.keys()) resolved.set(name, resolve(name, 0))
  return resolved
}

/** A secret as ipsec.secrets and swanctl.conf write it ("quoted", 0s base64, 0x hex or bare), as its bytes. */
export function decodeSecret(written: string): string {
  const value = written.trim()
  if (/^".*"$/.test(value)) return value.slice(1, -1)
  if (/^0s/i.test(value)) return Buffer.from(value.slice(2), 'base64').toString('utf8')
  if (/^0x[0-9a-f]+$/i.test(value)) return Buffer.from(value.slice(2), 'hex').toString('utf8')
  return value
}

/** ipsec.secrets: `IDS : PSK secret` lines, by each id on the left. */
export function parseIpsecSecrets(text: string): Map<string, string> {
  const secrets = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^\s*([^#:]*?)\s*:\s*PSK\s+(.+?)\s*$/.exec(line)
    if (!match) continue
    for (const id of match[1]!.split(/\s+/).filter(Boolean)) secrets.set(id, decodeSecret(match[2]!))
  }

  return secrets
}

/** `iptables -S`: the rules as command-line arguments, one per line. */
export function parseIptablesRules(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('-A '))
}

/** A number from the text of a /proc/sys file, undefined when it holds none. */
export function parseSysctl(text: string | undefined): number | undefined {
  const value = text?.trim()
  return value === undefined || !/^\d+$/.test(value) ? undefined : Number(value)
}

/** What an nftables rule matches on, as far as doctor reads it: one `match` of `nft -j list ruleset`. */
export interface NftCondition {
  /** `ip daddr`, `udp dport`, `meta l4proto`…: what nft prints before the value. */
  readonly field: string
  readonly op: string
  /** A number, an address, `ADDRESS/LEN`, or the members of a set. */
  readonly value: number | ReadonlyArray<number | string> | string
}

/** A rule that drops or rejects, with where it is and what it matches. */
export interface NftDropRule {
  readonly chain: string
  readonly conditions: readonly NftCondition[]
  readonly family: string
  readonly handle: number
  /** The chain's hook (`input`, `output`…); absent for a chain that is only jumped to. */
  readonly hook?: string
  readonly table: string
  readonly verdict: 'drop' | 'reject'
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

type NftValue = number | string | {prefix?: {addr?: unknown; len?: unknown}; set?: unknown[]}

function nftValue(right: NftValue): NftCondition['value'] | undefined {
  if (typeof right === 'string' || typeof right === 'number') return right
  if (right?.prefix && typeof right.prefix.addr === 'string') return `${right.prefix.addr}/${String(right.prefix.len)}`
  if (Array.isArray(right?.set) && right.set.every((item) => typeof item === 'string' || typeof item === 'number'))
    return right.set as Array<number | string>
  return undefined
}

function nftField(left: Record<string, {field?: unknown; key?: unknown; protocol?: unknown}>): string | undefined {
  if (left.payload) return `${String(left.payload.protocol)} ${String(left.payload.field)}`
  if (left.meta) return `meta ${String(left.meta.key)}`
  if (left.ct) return `ct ${String(left.ct.key)}`
  return undefined
}

/**
 * The rules that drop or reject, from `nft -j list ruleset`. A rule with a statement other than a match, a counter, a
 * log or its verdict (a limit, a quota) is left out: what it drops is not read from its matches alone.
 */
export function parseNftDrops(json: string): NftDropRule[] {
  let document: {nftables?: unknown}
  try {
    document = JSON.parse(json) as {nftables?: unknown}
  } catch {
    return []
  }

  const items = Array.isArray(document.nftables)
    ? (document.nftables.filter((item) => isObject(item)) as Array<Record<string, Record<string, unknown>>>)
    : []
  const hooks = new Map<string, string>()
  for (const {chain} of items) {
    if (chain && typeof chain.hook === 'string')
      hooks.set(`${String(chain.family)} ${String(chain.table)} ${String(chain.name)}`, chain.hook)
  }

  const drops: NftDropRule[] = []
  for (const {rule} of items) {
    if (!rule || !Array.isArray(rule.expr)) continue
    if (!rule.expr.every((statement) => isObject(statement))) continue
    const statements = rule.expr as Array<Record<string, unknown>>
    const last = statements.at(-1)
    const verdict = last && 'drop' in last ? 'drop' : last && 'reject' in last ? 'reject' : undefined
    if (verdict === undefined) continue
    const conditions: NftCondition[] = []
    const readable = statements.slice(0, -1).every((statement) => {
      if ('counter' in statement || 'log' in statement) return true
      const match = statement.match as undefined | {left?: Record<string, never>; op?: unknown; right?: NftValue}
      if (!match?.left || typeof match.op !== 'string') return false
      const field = nftField(match.left)
      const value = match.right === undefined ? undefined : nftValue(match.right)
      if (field === undefined || value === undefined) return false
      conditions.push({field, op: match.op, value})
      return true
    })
    if (!readable) continue
    const where = {chain: String(rule.chain), family: String(rule.family), table: String(rule.table)}
    drops.push({
      ...where,
      conditions,
      handle: Number(rule.handle),
      hook: hooks.get(`${where.family} ${where.table} ${where.chain}`),
      verdict,
    })
  }

  return drops
}
