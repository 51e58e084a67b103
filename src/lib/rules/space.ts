import {generationName, type SpaceInfo} from '../api/types.js'
import {DEFAULT_DATA_CIDR, DEFAULT_SPACE_CIDR, type SpaceBlocks} from './network.js'

/** The space generation that does not offer VPN connections yet. */
export const GENERATION_WITHOUT_VPN = 'fir'

export function spaceGeneration(space: SpaceInfo): string | undefined {
  return generationName(space.generation)?.toLowerCase()
}

/** The space's blocks as it reports them, or the article's defaults where it reports none. */
export function spaceBlocks(spaceName: string, space: SpaceInfo): SpaceBlocks {
  return {cidr: space.cidr ?? DEFAULT_SPACE_CIDR, dataCidr: space.data_cidr ?? DEFAULT_DATA_CIDR, spaceName}
}
