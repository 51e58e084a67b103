import type {VpnConnection, VpnTunnel} from '../api/types.js'
import type {Style} from './terminal.js'

import {formatDuration} from '../rules/duration.js'
import {printable, printableInline} from './printable.js'

/** Applies a style when the destination shows colour, else returns the text as it is. */
export type Stylist = (style: Style, text: string) => string

export const plain: Stylist = (_style, text) => text

const STATUS_STYLES: Readonly<Record<string, Style>> = {
  active: 'green',
  deprovisioning: 'yellow',
  DOWN: 'red',
  failed: 'red',
  pending: 'yellow',
  provisioning: 'yellow',
  UP: 'green',
}

function styleStatus(stylist: Stylist, status: string): string {
  const style = STATUS_STYLES[status]
  return style ? stylist(style, status) : status
}

function width(text: string): number {
  return [...text].length
}

export interface Column {
  readonly header: string
  /** Cells of this column are statuses, coloured by their value. */
  readonly status?: boolean
}

/** A table in the layout of the article's example: padded columns, headers underlined with ─. */
function formatTable(
  columns: readonly Column[],
  rawRows: readonly (readonly string[])[],
  stylist: Stylist = plain,
): string {
  const rows = rawRows.map((row) => row.map((cell) => printableInline(cell)))
  const widths = columns.map((column, index) =>
    Math.max(width(column.header), ...rows.map((row) => width(row[index] ?? ''))),
  )
  const line = (cells: readonly string[], styled: (index: number, cell: string) => string) =>
    cells
      .map((cell, index) => {
        const padding = index === cells.length - 1 ? '' : ' '.repeat(widths[index]! - width(cell))
        return styled(index, cell) + padding
      })
      .join('  ')
      .trimEnd()
  return [
    line(
      columns.map((column) => column.header),
      (_index, cell) => stylist('bold', cell),
    ),
    line(
      widths.map((w) => '─'.repeat(w)),
      (_index, cell) => cell,
    ),
    ...rows.map((row) => line(row, (index, cell) => (columns[index]?.status ? styleStatus(stylist, cell) : cell))),
  ].join('\n')
}

/** `Key: value` lines with the values aligned; empty values are left out. */
function formatKeyValues(
  pairs: ReadonlyArray<readonly [string, string]>,
  stylist: Stylist = plain,
  statusKeys: readonly string[] = [],
): string {
  const shown = pairs.filter(([, value]) => value !== '').map(([key, value]) => [key, printableInline(value)] as const)
  const keyWidth = Math.max(...shown.map(([key]) => width(key) + 1))
  return shown
    .map(([key, value]) => {
      const label = `${key}:`.padEnd(keyWidth)
      return `${stylist('bold', label)} ${statusKeys.includes(key) ? styleStatus(stylist, value) : value}`
    })
    .join('\n')
}

export function heading(text: string, stylist: Stylist = plain): string {
  return stylist('bold', `=== ${printableInline(text)}`)
}

function tunnelLabel(index: number): string {
  return `Tunnel ${index + 1}`
}

function tunnelsOf(connection: VpnConnection): readonly VpnTunnel[] {
  return connection.tunnels ?? []
}

/** The article's table: one row per tunnel, with what the customer's gateway needs. */
function formatTunnelTable(connection: VpnConnection, options: {withKeys: boolean}, stylist: Stylist = plain): string {
  const columns: Column[] = [
    {header: 'VPN Tunnel'},
    {header: 'Customer Gateway'},
    {header: 'VPN Gateway'},
    ...(options.withKeys ? [{header: 'Pre-shared Key'}] : []),
    {header: 'Routable Subnets'},
    {header: 'IKE Version'},
  ]
  const rows = tunnelsOf(connection).map((tunnel, index) => [
    tunnelLabel(index),
    tunnel.customer_ip ?? connection.public_ip ?? '',
    tunnel.ip ?? '',
    ...(options.withKeys ? [tunnel.pre_shared_key ?? ''] : []),
    connection.space_cidr_block ?? '',
    String(connection.ike_version ?? ''),
  ])
  return formatTable(columns, rows, stylist)
}

function formatTunnelStates(connection: VpnConnection, stylist: Stylist = plain): string {
  const rows = tunnelsOf(connection).map((tunnel, index) => [
    tunnelLabel(index),
    tunnel.status ?? '',
    tunnel.last_status_change ?? '',
    tunnel.status_message ?? '',
  ])
  return formatTable(
    [{header: 'Tunnel'}, {header: 'Status', status: true}, {header: 'Since'}, {header: 'Message'}],
    rows,
    stylist,
  )
}

function formatConnectionSummary(connection: VpnConnection, stylist: Stylist = plain): string {
  return formatKeyValues(
    [
      ['Name', connection.name ?? ''],
      ['ID', connection.id ?? ''],
      ['Public IP', connection.public_ip ?? ''],
      ['Routable CIDRs', (connection.routable_cidrs ?? []).join(', ')],
      ['Status', connection.status ?? ''],
      ['Status Message', connection.status_message ?? ''],
    ],
    stylist,
    ['Status'],
  )
}

export interface ConnectionAdvice {
  readonly config: string
  /** What to do about a connection that failed. */
  readonly replaceFailed: string
  /** `heroku spaces:vpn:wait office --space acme` and the like, for the connection in view. */
  readonly wait: string
  /** The same with --tunnels-up: a plain wait returns at once for an active connection. */
  readonly waitForTunnels: string
}

function noTunnelsAdvice(connection: VpnConnection, advice: ConnectionAdvice): string {
  if (connection.status === 'failed') return `No tunnels: the connection failed. ${advice.replaceFailed}`
  if (connection.status === 'deprovisioning') return 'No tunnels: the connection is being destroyed.'
  const wait = connection.status === 'active' ? advice.waitForTunnels : advice.wait
  return `No tunnels yet (status ${connection.status ?? 'unknown'}): run \`${wait}\` to wait for them.`
}

/** What `info` and `wait` print for a person: the connection, the article's tunnel table, each tunnel's state. */
export function formatConnectionInfo(
  space: string,
  connection: VpnConnection,
  advice: ConnectionAdvice,
  stylist: Stylist = plain,
): string {
  const sections = [
    heading(`${space} VPN connection ${connection.name ?? ''}`, stylist),
    formatConnectionSummary(connection, stylist),
  ]
  if (tunnelsOf(connection).length === 0) {
    sections.push(noTunnelsAdvice(connection, advice))
  } else {
    sections.push(
      formatTunnelTable(connection, {withKeys: false}, stylist),
      formatTunnelStates(connection, stylist),
      `Pre-shared keys are not shown here: run \`${advice.config}\`, or add --json.`,
    )
  }

  return sections.join('\n\n')
}

/** The tunnels' statuses in order, e.g. `UP/DOWN`; undefined when there are no tunnels. */
function tunnelStatuses(connection: VpnConnection): string | undefined {
  const statuses = tunnelsOf(connection).map((tunnel) => tunnel.status ?? '?')
  return statuses.length === 0 ? undefined : statuses.join('/')
}

/** The connection's state in a few words, e.g. `active, tunnels UP/DOWN`: a wait reports each change of it. */
export function describeState(connection: VpnConnection): string {
  const tunnels = tunnelStatuses(connection)
  return printableInline(tunnels === undefined ? `${connection.status}` : `${connection.status}, tunnels ${tunnels}`)
}

export function formatConnectionList(
  space: string,
  connections: readonly VpnConnection[],
  stylist: Stylist = plain,
): string {
  if (connections.length === 0) return `Space ${space} has no VPN connections.`
  const columns: Column[] = [
    {header: 'Name'},
    {header: 'ID'},
    {header: 'Public IP'},
    {header: 'Routable CIDRs'},
    {header: 'Status', status: true},
    {header: 'Tunnels'},
  ]
  const rows = connections.map((connection) => [
    connection.name ?? '',
    connection.id ?? '',
    connection.public_ip ?? '',
    (connection.routable_cidrs ?? []).join(', '),
    connection.status ?? '',
    tunnelStatuses(connection) ?? '-',
  ])
  return [heading(`${space} VPN connections`, stylist), formatTable(columns, rows, stylist)].join('\n\n')
}

/** The tunnel table with the pre-shared keys, for configuring the customer's gateway by hand. */
export function formatTunnelConfiguration(space: string, connection: VpnConnection, stylist: Stylist = plain): string {
  return [
    heading(`${space} VPN connection ${connection.name ?? ''}: tunnel configuration`, stylist),
    formatTunnelTable(connection, {withKeys: true}, stylist),
  ].join('\n\n')
}

/**
 * An error in the Heroku CLI's layout (` ›   Error: ...`, then `Try this:`), but never hard-wrapped, so scripts
 * and CI logs can match its lines.
 */
export function formatError(message: string, advice: readonly string[], stylist: Stylist = plain): string {
  const adviceLines =
    advice.length === 0
      ? []
      : advice.length === 1
        ? [`Try this: ${advice[0]}`]
        : ['Try this:', ...advice.map((line) => `  * ${line}`)]
  const lines = [`Error: ${message}`, ...adviceLines].flatMap((line) => printable(line).split('\n'))
  const bang = stylist('red', '›')
  return lines.map((line) => ` ${bang}   ${line}`).join('\n') + '\n'
}

/** The warning shown before a retry: the first line of what went wrong, and when the next try comes. */
export function retryNotice(error: unknown, delayMs: number): string {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/\.$/, '')
  return `${reason}; trying again in ${formatDuration(delayMs)}.`
}
