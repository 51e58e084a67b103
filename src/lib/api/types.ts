import type {PrivateSpacesVPN, Space, Tunnel} from '@heroku-cli/schema'

export type VpnConnection = Readonly<PrivateSpacesVPN>
export type VpnTunnel = Readonly<Tunnel>

/** The schema says only `number`; a connection's IKE version is one of these. */
export type IkeVersion = 1 | 2

/** The API has reported a space's generation both as a plain name and as an object. */
export type SpaceGeneration = string | {readonly id?: string; readonly name?: string}

/** The generation's name, whichever of the two shapes the API used. */
export function generationName(generation: string | {readonly name: string}): string
export function generationName(generation: SpaceGeneration | undefined): string | undefined
export function generationName(generation: SpaceGeneration | undefined): string | undefined {
  return typeof generation === 'string' ? generation : generation?.name
}

export type SpaceInfo = Readonly<Space & {generation?: SpaceGeneration}>

export interface CreateVpnConnectionBody {
  readonly name: string
  readonly public_ip: string
  readonly routable_cidrs: readonly string[]
}

export interface UpdateVpnConnectionBody {
  readonly routable_cidrs: readonly string[]
}

/** A VPN connection as the user names it: the space and the connection, each by name or id. */
export interface ConnectionTarget {
  readonly name: string
  readonly space: string
}
