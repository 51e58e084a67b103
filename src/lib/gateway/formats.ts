import type {GatewayConfig, GatewayPlan} from './plan.js'

import {IPSEC_FILE_NAMES, ipsecGateway} from './strongswan/ipsec-conf.js'
import {SWANCTL_FILE_NAMES, swanctlGateway} from './strongswan/swanctl-conf.js'

export interface GatewayFormat {
  readonly build: (plan: GatewayPlan) => GatewayConfig
  /** What the format generates, as the help says it: `--format strongswan generates ipsec.conf and ipsec.secrets`. */
  readonly description: string
  /** The files' names in --output-dir, known before the connection is read so existing ones are refused first. */
  readonly fileNames: readonly string[]
}

/** The gateway configurations `spaces:vpn:config --format` generates, by format name. */
export const GATEWAY_FORMATS = {
  strongswan: {build: ipsecGateway, description: 'ipsec.conf and ipsec.secrets', fileNames: IPSEC_FILE_NAMES},
  swanctl: {build: swanctlGateway, description: 'a swanctl.conf', fileNames: SWANCTL_FILE_NAMES},
} as const satisfies Record<string, GatewayFormat>

export type GatewayFormatName = keyof typeof GATEWAY_FORMATS

export const GATEWAY_FORMAT_NAMES = Object.keys(GATEWAY_FORMATS) as GatewayFormatName[]
