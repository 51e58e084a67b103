/** The sandbox's time: what it stamps, how connections age, when held answers go out and the rate-limit budget refills. */
export interface SandboxClock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `then` once `ms` have passed; the function it returns cancels that. */
  setTimer(ms: number, then: () => void): () => void
}

export const SYSTEM_CLOCK: SandboxClock = {
  now: () => Date.now(),
  setTimer(ms, then) {
    const timer = setTimeout(then, ms)
    return () => clearTimeout(timer)
  },
}
