import type {ConnectionTarget} from '../api/types.js'

import {plain, type Stylist} from '../ui/render.js'

/** The version of the --json document; raised when a field changes meaning or goes away. */
export const DOCTOR_REPORT_VERSION = 1

/** How bad a finding is: critical stops both tunnels or all traffic, error one tunnel or some traffic, warning is a risk. */
export const SEVERITIES = ['critical', 'error', 'warning'] as const
export type Severity = (typeof SEVERITIES)[number]

/** The view a finding comes from: Heroku's API, the files installed on the host, or what is running. */
export type View = 'files' | 'heroku' | 'running'

export interface Finding {
  /** Short evidence: a line of state, never a secret. */
  readonly evidence: string
  /** A command line that fixes it. */
  readonly fix: string
  /** Stable name of the check, for monitoring: `wrong-key`, `mss-clamp-missing`… */
  readonly id: string
  readonly problem: string
  readonly severity: Severity
  /** The tunnel it concerns (1 or 2), absent when it concerns both or neither. */
  readonly tunnel?: number
  readonly view: View
}

/** A check that was not made, and why (no token, not root, a tool missing). */
export interface Skipped {
  readonly check: string
  readonly reason: string
}

export interface TunnelSummary {
  /** The tunnel as charon holds it: up (IKE SA established and its IPsec SA installed), connecting, down; unknown when not read. */
  readonly charon: 'connecting' | 'down' | 'unknown' | 'up'
  /** Status at Heroku (UP, DOWN), unknown without a token. */
  readonly heroku: string
  readonly ip?: string
  readonly name: string
  readonly number: number
}

/** The --json document: one object, its schema named by `version`. */
export interface DoctorReport {
  readonly connection: ConnectionTarget
  readonly findings: readonly Finding[]
  /** The installed files' format: swanctl or ipsec-conf; absent when none were found. */
  readonly format?: string
  readonly ok: boolean
  readonly skipped: readonly Skipped[]
  readonly tunnels: readonly TunnelSummary[]
  readonly version: typeof DOCTOR_REPORT_VERSION
}

/** Worst first; within a severity, by tunnel, the findings about both tunnels first. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.tunnel ?? 0) - (b.tunnel ?? 0),
  )
}

const MARKS: Record<Severity, {readonly style: 'red' | 'yellow'; readonly word: string}> = {
  critical: {style: 'red', word: 'CRITICAL'},
  error: {style: 'red', word: 'ERROR'},
  warning: {style: 'yellow', word: 'WARNING'},
}

/** The human checklist: what was checked, the findings worst first, each with evidence and fix, then what was skipped. */
export function formatReport(report: DoctorReport, style: Stylist = plain): string {
  const {connection} = report
  const lines = [
    `VPN connection ${connection.name} in space ${connection.space}${report.format ? ` (${report.format} files)` : ''}`,
  ]
  for (const tunnel of report.tunnels) {
    lines.push(
      `  Tunnel ${tunnel.number}${tunnel.ip ? ` ${tunnel.ip}` : ''}: Heroku ${tunnel.heroku === 'unknown' ? 'not asked' : tunnel.heroku}, charon ${tunnel.charon === 'unknown' ? 'not read' : tunnel.charon}`,
    )
  }

  if (report.findings.length === 0) {
    lines.push('', style('green', 'No problems found.'))
  } else {
    for (const finding of report.findings) {
      const mark = MARKS[finding.severity]
      const tunnel = finding.tunnel === undefined ? '' : `tunnel ${finding.tunnel}: `
      lines.push(
        '',
        `${style(mark.style, mark.word)} ${tunnel}${finding.problem}`,
        `  evidence: ${finding.evidence}`,
        `  fix:      ${finding.fix}`,
      )
    }
  }

  if (report.skipped.length > 0) {
    lines.push('', 'Not checked:', ...report.skipped.map((skipped) => `  - ${skipped.check}: ${skipped.reason}`))
  }

  const count = report.findings.length
  if (count > 0) lines.push('', `${count} problem${count === 1 ? '' : 's'} found.`)
  return lines.join('\n')
}
