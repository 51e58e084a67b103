/** One line of the lab's events.jsonl. */
export interface LabEvent {
  readonly counts?: Readonly<Record<string, number>>
  readonly event: string
  readonly from?: string
  readonly ok?: boolean
  readonly reason?: string
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
  readonly silentLoss: readonly OutageFigures[]
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
  const load = events.find((event) => event.event === 'load')
  const firstUp = load && after(events, load.t, ['both-up', 'both-up-timeout'])
  const restart = events.find((event) => event.event === 'restart')
  const restartUp = restart && after(events, restart.t, ['both-up', 'both-up-timeout'])
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
    bringUpSeconds: firstUp?.event === 'both-up' ? firstUp.t - load!.t : null,
    maintenance: outages('maintenance-start'),
    restartBringUpSeconds: restartUp?.event === 'both-up' ? restartUp.t - restart!.t : null,
    silentLoss: outages('silent-loss-start'),
  }
}
