/** How long each phase of a connection's life lasts in the sandbox, in seconds (fractions allowed, 0 is instant). */
export interface SandboxTiming {
  /** From deletion until the connection is gone. */
  readonly deprovisioning: number
  /** From creation until provisioning starts. */
  readonly pending: number
  /** From the start of provisioning until the connection is active. */
  readonly provisioning: number
  /**
   * From becoming active until both tunnels report UP, standing in for the customer gateway starting to send:
   * tunnels are DOWN until then. `null`: never, until a tunnel is set UP through the control.
   */
  readonly tunnelsUpAfter: null | number
}

/** Quick enough to watch a connection come up in a demo. */
export const DEMO_TIMING: SandboxTiming = {deprovisioning: 1, pending: 1, provisioning: 1, tunnelsUpAfter: 1}

/** The article's "a few minutes" to set up a gateway. */
export const REALISTIC_TIMING: SandboxTiming = {deprovisioning: 120, pending: 30, provisioning: 270, tunnelsUpAfter: 60}

export const INSTANT_TIMING: SandboxTiming = {deprovisioning: 0, pending: 0, provisioning: 0, tunnelsUpAfter: 0}

export const TIMING_KEYS = ['pending', 'provisioning', 'tunnelsUpAfter', 'deprovisioning'] as const

/** A week: no demo or test needs a longer phase, so a longer one is a mistake. */
const MAX_PHASE_SECONDS = 7 * 24 * 60 * 60

/** Checks a partial timing from code or JSON; the message names the first bad field. */
export function checkTiming(input: unknown): Partial<SandboxTiming> | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'timing must be an object'
  const fields = input as Record<string, unknown>
  const unknownKey = Object.keys(fields).find((key) => !(TIMING_KEYS as readonly string[]).includes(key))
  if (unknownKey !== undefined) return `unknown timing field "${unknownKey}": expected ${TIMING_KEYS.join(', ')}`
  for (const key of TIMING_KEYS) {
    const value = fields[key]
    if (value === undefined || (value === null && key === 'tunnelsUpAfter')) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_PHASE_SECONDS) {
      const never = key === 'tunnelsUpAfter' ? ' (or null for never)' : ''
      return `timing.${key} must be a number of seconds from 0 to ${MAX_PHASE_SECONDS}${never}`
    }
  }

  return fields as Partial<SandboxTiming>
}
