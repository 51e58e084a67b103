import type {GatewayConfig, GatewayPlan} from './plan.js'

import {ipsecGateway, IPSEC_FILE_NAMES} from './strongswan/ipsec-conf.js'
import {SWANCTL_FILE_NAMES, swanctlGateway} from './strongswan/swanctl-conf.js'

export interface GatewayFormat {
  /** The files' names in --output-dir, known before the connection is read so existing ones are refused first. */
  readonly fileNames: readonly string[]
  readonly build: (plan: GatewayPlan) => GatewayConfig
}

/** The gateway configurations `spaces:vpn:config --format` generates, by format name. */
export const GATEWAY_FORMATS = {
  strongswan: {build: ipsecGateway, fileNames: IPSEC_FILE_NAMES},
  swanctl: {build: swanctlGateway, fileNames: SWANCTL_FILE_NAMES},
} as const satisfies Record<string, GatewayFormat>

export type GatewayFormatName = keyof typeof GATEWAY_FORMATS
