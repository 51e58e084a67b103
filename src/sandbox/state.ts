import {randomBytes, randomUUID} from 'node:crypto'

import type {ConnectionSeed, GenerationSeed, SpaceSeed} from './seeds.js'
import type {SandboxTiming} from './timing.js'

import {generationName, type IkeVersion, type SpaceInfo, type VpnConnection, type VpnTunnel} from '../lib/api/types.js'
import {ApiError, invalidParams} from './answers.js'
import {GENERATION_WITHOUT_VPN, SPACE_SEEDS} from './seeds.js'

export type ConnectionStatus = NonNullable<VpnConnection['status']>
export type TunnelStatus = NonNullable<VpnTunnel['status']>

/** One tunnel of a connection, each named as in the API's paths (by name or id); tunnels are numbered 1 and 2. */
export interface TunnelRef {
  readonly connection: string
  readonly space: string
  readonly tunnel: number
}

export interface SpaceJson {
  readonly cidr: string
  readonly created_at: string
  readonly data_cidr: string
  readonly generation: GenerationSeed
  readonly id: string
  readonly name: string
  readonly region: {readonly name: string}
  readonly shield: boolean
  readonly state: 'allocated'
  readonly team: {readonly name: string}
  readonly updated_at: string
}

/** A type, not an interface, so that a connection's list of them satisfies the schema's `Tunnel[]` and its index signature. */
export type TunnelJson = {
  readonly customer_ip: string
  readonly ip: string
  readonly last_status_change: string
  readonly pre_shared_key: string
  readonly status: TunnelStatus
  readonly status_message: string
}

export interface ConnectionJson {
  readonly id: string
  readonly ike_version: IkeVersion
  readonly name: string
  readonly public_ip: string
  readonly routable_cidrs: readonly string[]
  readonly space_cidr_block: string
  readonly status: ConnectionStatus
  readonly status_message: string
  readonly tunnels: readonly TunnelJson[]
}

export interface NewConnection {
  readonly name: string
  readonly publicIp: string
  readonly routableCidrs: readonly string[]
}

/** A connection as a gateway already has it: its tunnels' IPs and keys are given, not made up. */
export interface ExistingConnection extends NewConnection {
  /** Its id at Heroku, which the generated files' names derive from; a new one when absent. */
  readonly id?: string
  readonly tunnels: ReadonlyArray<{readonly ip: string; readonly preSharedKey: string}>
}

interface TunnelRecord {
  readonly ip: string
  /** Set through the control; from `at` on it overrides the automatic status. */
  manual?: TunnelState
  readonly preSharedKey: string
}

/** A connection's life as timestamps (ms), so its status is computed when read and no timer is needed. */
interface ConnectionRecord {
  readonly activeAt: number
  deletedAt?: number
  readonly deprovisioningMs: number
  failure?: {readonly at: number; readonly message: string}
  readonly id: string
  readonly name: string
  readonly provisioningAt: number
  readonly publicIp: string
  routableCidrs: readonly string[]
  readonly tunnels: readonly TunnelRecord[]
  readonly tunnelsUpAt: null | number
}

interface SpaceRecord {
  connections: ConnectionRecord[]
  readonly seed: SpaceSeed
}

const NO_SUCH_SPACE = "Couldn't find that space."
const NO_SUCH_CONNECTION = "Couldn't find that VPN connection."
const FIR_REFUSAL = 'VPN connections are not yet available for Fir-generation spaces.'

/** 64 characters, so one random byte picks one of them without bias. */
const PRE_SHARED_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._'
const PRE_SHARED_KEY_LENGTH = 32

/** Host numbers for tunnel IPs in the documentation networks 203.0.113.0/24 and 198.51.100.0/24. */
const FIRST_TUNNEL_HOST = 10
const LAST_TUNNEL_HOST = 254

/** How long ago, at start, the seeded connections came up. */
const SEEDED_CONNECTION_AGE_MS = 60 * 60 * 1000

function preSharedKey(): string {
  return Array.from(randomBytes(PRE_SHARED_KEY_LENGTH), (byte) => PRE_SHARED_KEY_ALPHABET.charAt(byte % 64)).join('')
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}

function matches(record: {readonly id: string; readonly name: string}, nameOrId: string): boolean {
  return record.name === nameOrId || record.id === nameOrId
}

/** The sandbox's spaces and VPN connections, reset to the seeds on demand. */
export class SandboxState {
  timing: SandboxTiming
  private nextConnectionFailure: string | undefined
  private nextTunnelHost = FIRST_TUNNEL_HOST
  private spaces: SpaceRecord[] = []

  constructor(
    timing: SandboxTiming,
    private readonly now: () => number,
  ) {
    this.timing = timing
    this.reset()
  }

  createConnection(spaceRef: string, request: NewConnection): ConnectionJson {
    const space = this.spaceTaking(spaceRef, undefined)
    const connection = this.newConnection(request)
    space.connections.push(connection)
    return this.connectionJson(space, connection)
  }

  /** Starts deprovisioning; deleting a connection that is already deprovisioning changes nothing. */
  deleteConnection(spaceRef: string, connectionRef: string): ConnectionJson {
    return this.withConnection(spaceRef, connectionRef, (connection) => {
      connection.deletedAt ??= this.now()
    })
  }

  failConnection(spaceRef: string, connectionRef: string, message: string): ConnectionJson {
    return this.withConnection(spaceRef, connectionRef, (connection) => {
      connection.failure = {at: this.now(), message}
    })
  }

  /** The next connection created ends `failed` with this message when its provisioning would finish. */
  failNextConnection(message: string): void {
    this.nextConnectionFailure = message
  }

  getConnection(spaceRef: string, connectionRef: string): ConnectionJson {
    return this.withConnection(spaceRef, connectionRef, () => {})
  }

  getSpace(spaceRef: string): SpaceJson {
    return spaceJson(this.findSpace(spaceRef).seed)
  }

  listConnections(spaceRef: string): ConnectionJson[] {
    const space = this.findSpace(spaceRef)
    return this.liveConnections(space).map((connection) => this.connectionJson(space, connection))
  }

  /**
   * Puts a connection that is active at once, with the tunnels given, both DOWN until set; it replaces a live one of
   * the same name. For a gateway set up outside the sandbox (the gateway lab's), so that the API shows its keys.
   */
  putConnection(spaceRef: string, request: ExistingConnection): ConnectionJson {
    const space = this.spaceTaking(spaceRef, request.name)
    const now = this.now()
    const connection: ConnectionRecord = {
      activeAt: now,
      deprovisioningMs: this.timing.deprovisioning * 1000,
      id: request.id ?? randomUUID(),
      name: request.name,
      provisioningAt: now,
      publicIp: request.publicIp,
      routableCidrs: [...request.routableCidrs],
      tunnels: request.tunnels.map(({ip, preSharedKey}) => ({ip, preSharedKey})),
      tunnelsUpAt: null,
    }
    space.connections = [...space.connections.filter((existing) => existing.name !== request.name), connection]
    return this.connectionJson(space, connection)
  }

  reset(): void {
    this.nextTunnelHost = FIRST_TUNNEL_HOST
    this.nextConnectionFailure = undefined
    this.spaces = SPACE_SEEDS.map((seed) => ({
      connections: seed.connection ? [this.seededConnection(seed.connection)] : [],
      seed,
    }))
  }

  /** Sets a tunnel (1 or 2, as the article's table numbers them) from now on, or from activation if later. */
  setTunnelStatus(
    {connection: connectionRef, space: spaceRef, tunnel}: TunnelRef,
    status: TunnelStatus,
    message = '',
  ): ConnectionJson {
    return this.withConnection(spaceRef, connectionRef, (connection) => {
      const record = connection.tunnels[tunnel - 1]
      if (!Number.isInteger(tunnel) || record === undefined) {
        throw new ApiError(404, 'not_found', `There is no tunnel ${tunnel}: a VPN connection has tunnels 1 and 2.`)
      }

      record.manual = {at: Math.max(this.now(), connection.activeAt), message, status}
    })
  }

  updateConnection(spaceRef: string, connectionRef: string, routableCidrs: readonly string[]): ConnectionJson {
    return this.withConnection(spaceRef, connectionRef, (connection) => {
      connection.routableCidrs = [...routableCidrs]
    })
  }

  private connectionJson(space: SpaceRecord, connection: ConnectionRecord): ConnectionJson {
    const now = this.now()
    const status = statusAt(connection, now)
    return {
      id: connection.id,
      ike_version: space.seed.ikeVersion,
      name: connection.name,
      public_ip: connection.publicIp,
      routable_cidrs: [...connection.routableCidrs],
      space_cidr_block: space.seed.cidr,
      status,
      status_message: status === 'failed' ? (connection.failure?.message ?? '') : '',
      tunnels: status === 'active' ? connection.tunnels.map((tunnel) => tunnelJson(connection, tunnel, now)) : [],
    } satisfies VpnConnection
  }

  private findSpace(spaceRef: string): SpaceRecord {
    const space = this.spaces.find((candidate) => matches(candidate.seed, spaceRef))
    if (!space) throw new ApiError(404, 'not_found', NO_SUCH_SPACE)
    return space
  }

  /** The space's connections, after dropping those whose deprovisioning has ended. */
  private liveConnections(space: SpaceRecord): ConnectionRecord[] {
    const now = this.now()
    space.connections = space.connections.filter(
      (connection) => connection.deletedAt === undefined || now < connection.deletedAt + connection.deprovisioningMs,
    )
    return space.connections
  }

  private newConnection(request: NewConnection): ConnectionRecord {
    const createdAt = this.now()
    const {deprovisioning, pending, provisioning, tunnelsUpAfter} = this.timing
    const provisioningAt = createdAt + pending * 1000
    const activeAt = provisioningAt + provisioning * 1000
    const failure =
      this.nextConnectionFailure === undefined ? undefined : {at: activeAt, message: this.nextConnectionFailure}
    this.nextConnectionFailure = undefined
    return {
      activeAt,
      deprovisioningMs: deprovisioning * 1000,
      failure,
      id: randomUUID(),
      name: request.name,
      provisioningAt,
      publicIp: request.publicIp,
      routableCidrs: [...request.routableCidrs],
      tunnels: this.newTunnels(),
      tunnelsUpAt: tunnelsUpAfter === null ? null : activeAt + tunnelsUpAfter * 1000,
    }
  }

  private newTunnels(): TunnelRecord[] {
    const host = this.nextTunnelHost
    this.nextTunnelHost = host >= LAST_TUNNEL_HOST ? FIRST_TUNNEL_HOST : host + 1
    return [
      {ip: `203.0.113.${host}`, preSharedKey: preSharedKey()},
      {ip: `198.51.100.${host}`, preSharedKey: preSharedKey()},
    ]
  }

  private seededConnection(seed: ConnectionSeed): ConnectionRecord {
    const upSince = this.now() - SEEDED_CONNECTION_AGE_MS
    return {
      activeAt: upSince,
      deprovisioningMs: this.timing.deprovisioning * 1000,
      id: seed.id,
      name: seed.name,
      provisioningAt: upSince,
      publicIp: seed.publicIp,
      routableCidrs: seed.routableCidrs,
      tunnels: this.newTunnels(),
      tunnelsUpAt: upSince,
    }
  }

  /** The space, if it can take a new connection: one per space, though `replacing` names one that may be replaced. */
  private spaceTaking(spaceRef: string, replacing: string | undefined): SpaceRecord {
    const space = this.findSpace(spaceRef)
    if (generationName(space.seed.generation) === GENERATION_WITHOUT_VPN) throw invalidParams(FIR_REFUSAL)
    const existing = this.liveConnections(space).find((connection) => connection.name !== replacing)
    if (existing) {
      throw invalidParams(
        `Space ${space.seed.name} already has the VPN connection ${existing.name}: only one VPN connection is supported per space.`,
      )
    }

    return space
  }

  private withConnection(
    spaceRef: string,
    connectionRef: string,
    change: (connection: ConnectionRecord) => void,
  ): ConnectionJson {
    const space = this.findSpace(spaceRef)
    const connection = this.liveConnections(space).find((candidate) => matches(candidate, connectionRef))
    if (!connection) throw new ApiError(404, 'not_found', NO_SUCH_CONNECTION)
    change(connection)
    return this.connectionJson(space, connection)
  }
}

function statusAt(connection: ConnectionRecord, now: number): ConnectionStatus {
  if (connection.deletedAt !== undefined) return 'deprovisioning'
  if (connection.failure && now >= connection.failure.at) return 'failed'
  if (now < connection.provisioningAt) return 'pending'
  if (now < connection.activeAt) return 'provisioning'
  return 'active'
}

interface TunnelState {
  readonly at: number
  readonly message: string
  readonly status: TunnelStatus
}

/** A tunnel is DOWN from activation until the customer gateway "starts sending"; the control overrides both. */
function tunnelStateAt(connection: ConnectionRecord, tunnel: TunnelRecord, now: number): TunnelState {
  if (tunnel.manual && now >= tunnel.manual.at) return tunnel.manual
  if (connection.tunnelsUpAt !== null && now >= connection.tunnelsUpAt)
    return {at: connection.tunnelsUpAt, message: '', status: 'UP'}
  return {at: connection.activeAt, message: '', status: 'DOWN'}
}

function tunnelJson(connection: ConnectionRecord, tunnel: TunnelRecord, now: number): TunnelJson {
  const state = tunnelStateAt(connection, tunnel, now)
  return {
    customer_ip: connection.publicIp,
    ip: tunnel.ip,
    last_status_change: isoTime(state.at),
    pre_shared_key: tunnel.preSharedKey,
    status: state.status,
    status_message: state.message,
  } satisfies VpnTunnel
}

function spaceJson(seed: SpaceSeed): SpaceJson {
  return {
    cidr: seed.cidr,
    created_at: seed.createdAt,
    data_cidr: seed.dataCidr,
    generation: seed.generation,
    id: seed.id,
    name: seed.name,
    region: {name: seed.region},
    shield: seed.shield,
    state: 'allocated',
    team: {name: seed.team},
    updated_at: seed.createdAt,
  } satisfies SpaceInfo
}
