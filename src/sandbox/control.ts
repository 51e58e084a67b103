import type {ActiveFault, FaultInjector, FaultRule} from './faults.js'
import type {RequestLog, RequestLogEntry} from './request-log.js'
import type {ConnectionJson, ExistingConnection, SandboxState, TunnelRef, TunnelStatus} from './state.js'

import {InvalidControlInput} from './answers.js'
import {checkTiming, type SandboxTiming} from './timing.js'

export const DEFAULT_FAILURE_MESSAGE = 'The VPN connection could not be provisioned.'

/** Drives the sandbox from code; every method is also reachable over HTTP under `/__sandbox` (see routes.ts). */
export interface SandboxControl {
  clearFaults(): void
  clearRequests(): void
  /** A connection as the API would show it now, without a request in the log. Throws an ApiError (404) if missing. */
  connection(space: string, connection: string): ConnectionJson
  /** Makes a connection `failed` now, with this status message. */
  failConnection(space: string, connection: string, message?: string): ConnectionJson
  /** Makes the next connection created end `failed`, with this status message, when its provisioning would finish. */
  failNextConnection(message?: string): void
  faults(): readonly ActiveFault[]
  /** Arms a fault for the next matching API requests; throws InvalidControlInput for a bad rule. */
  injectFault(rule: FaultRule): ActiveFault
  /** Puts an active connection with the tunnels given, both DOWN until set; replaces a live one of that name. */
  putConnection(space: string, connection: ExistingConnection): ConnectionJson
  /** The API requests received so far (admin requests are not logged). */
  requests(): readonly RequestLogEntry[]
  /** Back to the seeds: connections, faults, the request log, the starting timing, no pending failure. */
  reset(): void
  /** Changes the timing of connections created from now on; throws InvalidControlInput for a bad value. */
  setTiming(timing: Partial<SandboxTiming>): SandboxTiming
  /** Sets tunnel 1 or 2 UP or DOWN; the automatic "UP after tunnelsUpAfter" no longer applies to it. Another number is a 404. */
  setTunnelStatus(tunnel: TunnelRef, status: TunnelStatus, message?: string): ConnectionJson
  timing(): SandboxTiming
}

/** `dropHeld` cancels the requests a delay fault is holding, so that a reset leaves nothing to happen later. */
export function createControl(
  state: SandboxState,
  faults: FaultInjector,
  log: RequestLog,
  dropHeld: () => void,
): SandboxControl {
  const startingTiming = state.timing
  return {
    clearFaults: () => faults.clear(),
    clearRequests: () => log.clear(),
    connection: (space, connection) => state.getConnection(space, connection),
    failConnection: (space, connection, message = DEFAULT_FAILURE_MESSAGE) =>
      state.failConnection(space, connection, message),
    failNextConnection: (message = DEFAULT_FAILURE_MESSAGE) => state.failNextConnection(message),
    faults: () => faults.list(),
    injectFault: (rule) => faults.add(rule),
    putConnection: (space, connection) => state.putConnection(space, connection),
    requests: () => log.entries(),
    reset() {
      dropHeld()
      state.timing = startingTiming
      state.reset()
      faults.clear()
      log.clear()
    },
    setTiming(timing) {
      const checked = checkTiming(timing)
      if (typeof checked === 'string') throw new InvalidControlInput(checked)
      state.timing = {...state.timing, ...checked}
      return state.timing
    },
    setTunnelStatus(tunnel, status, message) {
      if (status !== 'UP' && status !== 'DOWN')
        throw new InvalidControlInput(`status must be "UP" or "DOWN", not ${JSON.stringify(status)}`)
      return state.setTunnelStatus(tunnel, status, message)
    },
    timing: () => state.timing,
  }
}
