import type {Proposal} from '../plan.js'

/** A proposal as ipsec.conf and swanctl.conf write it: `aes256-sha256-modp2048`. */
export function strongswanProposal(proposal: Proposal): string {
  return `${proposal.encryption}-${proposal.integrity}-${proposal.dhGroup}`
}
