import type {GatewayConfig, GatewayFileTarget, GatewayPlan} from './gateway-plan.js'

import {ipsecGateway, IPSEC_CONF, IPSEC_SECRETS} from './ipsec-conf.js'
import {SWANCTL_CONF, swanctlGateway} from './swanctl-conf.js'

export interface GatewayFormat {
  /** The files the format writes, known before the connection is read so existing ones are refused first. */
  readonly files: readonly GatewayFileTarget[]
  readonly build: (plan: GatewayPlan) => GatewayConfig
}

/** The gateway configurations `spaces:vpn:config --format` generates, by format name. */
export const GATEWAY_FORMATS = {
  strongswan: {build: ipsecGateway, files: [IPSEC_CONF, IPSEC_SECRETS]},
  swanctl: {build: swanctlGateway, files: [SWANCTL_CONF]},
} as const satisfies Record<string, GatewayFormat>

export type GatewayFormatName = keyof typeof GATEWAY_FORMATS
