import type {SandboxClock} from './clock.js'
import type {RequestLogEntry} from './request-log.js'

import {createAdminHandler} from './admin.js'
import {InvalidControlInput} from './answers.js'
import {createApiHandler} from './api.js'
import {SYSTEM_CLOCK} from './clock.js'
import {createControl, type SandboxControl} from './control.js'
import {FaultInjector} from './faults.js'
import {RequestLog} from './request-log.js'
import {createSandboxServer, SANDBOX_HOST, type SandboxServer} from './server.js'
import {SandboxState} from './state.js'
import {checkTiming, DEMO_TIMING, type SandboxTiming} from './timing.js'

export {ApiError, InvalidControlInput} from './answers.js'
export {API_ACCEPT} from './api.js'
export type {SandboxClock} from './clock.js'
export {DEFAULT_FAILURE_MESSAGE, type SandboxControl} from './control.js'
export {type ActiveFault, FAULT_KINDS, type FaultKind, type FaultRule} from './faults.js'
export type {RequestLogEntry} from './request-log.js'
export {ADMIN_ENDPOINTS, ADMIN_PREFIX} from './routes.js'
export {
  CUSTOM_BLOCKS_SPACE,
  DEFAULT_BLOCKS_SPACE,
  FIR_SPACE,
  SEEDED_CONNECTION,
  SPACE_SEEDS,
  SPACE_WITH_CONNECTION,
  type SpaceSeed,
} from './seeds.js'
export {
  type ConnectionJson,
  type ExistingConnection,
  type SpaceJson,
  type TunnelJson,
  type TunnelStatus,
} from './state.js'
export {DEMO_TIMING, INSTANT_TIMING, REALISTIC_TIMING, type SandboxTiming} from './timing.js'

/** The key the sandbox accepts unless told otherwise: it guards nothing, it only proves the client sends one. */
export const SANDBOX_API_KEY = 'sandbox-api-key'

export interface SandboxOptions {
  readonly apiKey?: string
  /** Tests hand in a fake clock to step through connections' phases and delayed answers exactly. */
  readonly clock?: SandboxClock
  /** Called after each API request with its log entry. */
  readonly onRequest?: (entry: RequestLogEntry) => void
  /** 0 or absent: a free port. */
  readonly port?: number
  /** Fields left out keep {@link DEMO_TIMING}'s values. */
  readonly timing?: Partial<SandboxTiming>
}

export interface Sandbox {
  readonly apiKey: string
  readonly control: SandboxControl
  /** The environment that points the Heroku CLI and this plugin at the sandbox. */
  readonly env: {readonly HEROKU_API_KEY: string; readonly HEROKU_HOST: string}
  readonly port: number
  /** Closes the server and every connection and cancels pending delays; safe to call twice. */
  stop(): Promise<void>
  /** `http://127.0.0.1:PORT`, the value for HEROKU_HOST. */
  readonly url: string
}

/** Starts a local stand-in for the Platform API's space and VPN-connection endpoints on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const timing = checkTiming(options.timing ?? {})
  if (typeof timing === 'string') throw new InvalidControlInput(timing)
  const apiKey = options.apiKey ?? SANDBOX_API_KEY
  const clock = options.clock ?? SYSTEM_CLOCK
  const state = new SandboxState({...DEMO_TIMING, ...timing}, () => clock.now())
  const faults = new FaultInjector()
  const log = new RequestLog()
  const control = createControl(state, faults, log, () => server.dropHeld())
  const server: SandboxServer = createSandboxServer({
    clock,
    faults,
    handleAdmin: createAdminHandler({control, state}),
    handleApi: createApiHandler({control, state}, apiKey),
    log,
    onRequest: options.onRequest,
  })
  const port = await server.listen(options.port ?? 0)
  const url = `http://${SANDBOX_HOST}:${port}`
  let stopped: Promise<void> | undefined
  return {
    apiKey,
    control,
    env: {HEROKU_API_KEY: apiKey, HEROKU_HOST: url},
    port,
    stop() {
      stopped ??= server.close()
      return stopped
    },
    url,
  }
}
