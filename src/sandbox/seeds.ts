import {generationName, type IkeVersion} from '../lib/api/types.js'

/** A Cedar space with the default blocks (10.0.0.0/16, data 10.1.0.0/16) and no connection; IKE v1. */
export const DEFAULT_BLOCKS_SPACE = 'cedar-space'

/** A Cedar Shield space created with other blocks (10.20.0.0/16, data 10.21.0.0/16) and no connection; IKE v2. */
export const CUSTOM_BLOCKS_SPACE = 'custom-blocks-space'

/** A Fir-generation space: VPN connections are not offered there. */
export const FIR_SPACE = 'fir-space'

/** The article's acme-space: default blocks, already holding the active connection {@link SEEDED_CONNECTION}. */
export const SPACE_WITH_CONNECTION = 'acme-space'

export const SEEDED_CONNECTION = 'office'

/** The generation whose spaces refuse VPN connections. */
export const GENERATION_WITHOUT_VPN = 'fir'

/** The API has reported a space's generation both as a plain name and as an object: the seeds use both. */
export type GenerationSeed = string | {readonly id: string; readonly name: string}

export interface ConnectionSeed {
  readonly id: string
  readonly name: string
  readonly publicIp: string
  readonly routableCidrs: readonly string[]
}

export interface SpaceSeed {
  readonly cidr: string
  /** A connection that is already active, with both tunnels UP, when the sandbox starts. */
  readonly connection?: ConnectionSeed
  readonly createdAt: string
  readonly dataCidr: string
  readonly generation: GenerationSeed
  readonly id: string
  /** The IKE version of every connection made in this space. */
  readonly ikeVersion: IkeVersion
  readonly name: string
  readonly region: string
  readonly shield: boolean
  readonly team: string
}

const CEDAR = {id: '3b5c3a2e-1c7f-4e0a-9d0c-6a1b2c3d4e01', name: 'cedar'}
const FIR = {id: '3b5c3a2e-1c7f-4e0a-9d0c-6a1b2c3d4e02', name: GENERATION_WITHOUT_VPN}

export const SPACE_SEEDS: readonly SpaceSeed[] = [
  {
    cidr: '10.0.0.0/16',
    createdAt: '2026-01-12T09:30:00Z',
    dataCidr: '10.1.0.0/16',
    generation: CEDAR.name,
    id: '0f8e7d6c-5b4a-4392-8170-000000000001',
    ikeVersion: 1,
    name: DEFAULT_BLOCKS_SPACE,
    region: 'virginia',
    shield: false,
    team: 'acme',
  },
  {
    cidr: '10.20.0.0/16',
    createdAt: '2026-02-03T14:05:00Z',
    dataCidr: '10.21.0.0/16',
    generation: CEDAR,
    id: '0f8e7d6c-5b4a-4392-8170-000000000002',
    ikeVersion: 2,
    name: CUSTOM_BLOCKS_SPACE,
    region: 'oregon',
    shield: true,
    team: 'acme',
  },
  {
    cidr: '10.0.0.0/16',
    createdAt: '2026-06-30T08:00:00Z',
    dataCidr: '10.1.0.0/16',
    generation: FIR,
    id: '0f8e7d6c-5b4a-4392-8170-000000000003',
    ikeVersion: 2,
    name: FIR_SPACE,
    region: 'virginia',
    shield: false,
    team: 'acme',
  },
  {
    cidr: '10.0.0.0/16',
    connection: {
      id: '5e1f0ba2-3c4d-4e5f-8a9b-000000000001',
      name: SEEDED_CONNECTION,
      publicIp: '52.91.173.226',
      routableCidrs: ['172.16.0.0/16'],
    },
    createdAt: '2025-11-04T16:20:00Z',
    dataCidr: '10.1.0.0/16',
    generation: CEDAR.name,
    id: '0f8e7d6c-5b4a-4392-8170-000000000004',
    ikeVersion: 1,
    name: SPACE_WITH_CONNECTION,
    region: 'virginia',
    shield: false,
    team: 'acme',
  },
]

/** One line for people: `Cedar, 10.0.0.0/16 + data 10.1.0.0/16, IKE v1, connection "office"`. */
export function describeSpaceSeed(seed: SpaceSeed): string {
  const generation = generationName(seed.generation)
  const kind = `${generation.charAt(0).toUpperCase()}${generation.slice(1)}${seed.shield ? ' Shield' : ''}`
  if (generation === GENERATION_WITHOUT_VPN) return `${kind}, VPN connections refused`
  const connection = seed.connection ? `, active connection "${seed.connection.name}"` : ''
  return `${kind}, ${seed.cidr} + data ${seed.dataCidr}, IKE v${seed.ikeVersion}${connection}`
}
