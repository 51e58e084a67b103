/** One line of the lab's events.jsonl. */
export interface LabEvent {
  /** A spaces:vpn:doctor run's exit code. */
  readonly code?: number
  readonly count?: number
  readonly counts?: Readonly<Record<string, number>>
  readonly direction?: 'download' | 'upload'
  readonly error?: string
  readonly event: string
  readonly from?: string
  /** The ids of a spaces:vpn:doctor run's findings; null when its output was not its JSON document. */
  readonly ids?: null | readonly string[]
  readonly installed?: Readonly<Record<string, number>>
  readonly ok?: boolean
  readonly reason?: string
  readonly seconds?: null | number
  readonly step?: string
  readonly t: number
  readonly tunnel?: number
  readonly tunnel1In?: number
  readonly tunnel2Out?: number
}

export interface OutageFigures {
  /** The longest time without an answered probe, from the event until the tunnel was back. */
  readonly outageSeconds: number
  /** From the far end's return until the tunnel had its SA pair again on both sides. */
  readonly recoverySeconds: null | number
}

export interface LabFigures {
  readonly bringUpSeconds: null | number
  readonly maintenance: readonly OutageFigures[]
  readonly restartBringUpSeconds: null | number
  /** After `ipsec restart` or `systemctl restart strongswan`, without a reboot. */
  readonly serviceRestartBringUpSeconds: null | number
  readonly silentLoss: readonly OutageFigures[]
  /** The slowest transfer, in seconds; null when one did not complete. */
  readonly slowestTransferSeconds: null | number
  /** The longest time without an answered probe while the shortened lifetimes rekeyed and reauthenticated. */
  readonly soakGapSeconds: null | number
}

export function parseLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T)
}

function after(events: readonly LabEvent[], time: number, names: readonly string[]): LabEvent | undefined {
  return events.find((event) => event.t >= time && names.includes(event.event))
}

/** The longest gap between answered probes over [from, to], counting from the last answer before `from`. */
export function longestGap(probes: readonly number[], from: number, to: number): number {
  const before = probes.findLast((time) => time < from) ?? from
  const points = [before, ...probes.filter((time) => time >= from && time <= to), to]
  let longest = 0
  for (let index = 1; index < points.length; index++) longest = Math.max(longest, points[index]! - points[index - 1]!)
  return longest
}

/** The measured figures of one lab run, from its events and the probe's answers (unix seconds). */
export function labFigures(events: readonly LabEvent[], probes: readonly number[]): LabFigures {
  /** From the first event of that name until both tunnels were up. */
  const upAfter = (name: string) => {
    const start = events.find((event) => event.event === name)
    const up = start && after(events, start.t, ['both-up', 'both-up-timeout'])
    return up?.event === 'both-up' ? up.t - start!.t : null
  }

  const soakStart = events.find((event) => event.event === 'soak-start')
  const soakEnd = events.find((event) => event.event === 'soak-end')
  const transfers = events.filter((event) => event.event === 'transfer')
  const outages = (startName: string) =>
    events
      .filter((event) => event.event === startName)
      .map((start) => {
        const back = after(events, start.t, ['far-end-back'])
        const up = back && after(events, back.t, ['tunnel-up', 'tunnel-up-timeout'])
        const end = up?.t ?? events.at(-1)!.t
        // the traffic must flow again after the tunnel is back: measure a little past it (the lab waits 3 s there)
        return {
          outageSeconds: longestGap(probes, start.t, end + 2),
          recoverySeconds: up?.event === 'tunnel-up' && back ? up.t - back.t : null,
        }
      })
  return {
    bringUpSeconds: upAfter('load'),
    maintenance: outages('maintenance-start'),
    restartBringUpSeconds: upAfter('restart'),
    serviceRestartBringUpSeconds: upAfter('service-restart'),
    silentLoss: outages('silent-loss-start'),
    slowestTransferSeconds: transfers.some((transfer) => !transfer.ok)
      ? null
      : Math.max(...transfers.map((transfer) => transfer.seconds ?? Number.POSITIVE_INFINITY)),
    soakGapSeconds: soakStart && soakEnd ? longestGap(probes, soakStart.t, soakEnd.t) : null,
  }
}
