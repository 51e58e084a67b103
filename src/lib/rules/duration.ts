import {shortened} from '../errors.js'

/** A duration for people: `0.5s`, `45s`, `2m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const tenths = Math.round(ms / 100)
  if (tenths > 0 && tenths < 100 && tenths % 10 !== 0) return `${(tenths / 10).toFixed(1)}s`
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`
}

/** The number in a duration as people type it: digits with an optional decimal part, or the decimal part alone ("10", "0.5", ".5"). */
export function secondsFromText(text: string): number | undefined {
  return /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : undefined
}

/** A week: longer waits are surely a typo, and timers cannot count much further anyway. */
const MAX_SECONDS = 7 * 24 * 60 * 60

export interface SecondsRange {
  /** The smallest value used as it is: values from 0 up to it are accepted too, and the caller raises them to it. */
  readonly floor?: number
}

/**
 * Parses a flag that takes seconds: a positive number, decimals allowed; with a floor, 0 and up. The message for a
 * value that is not accepted suggests values that are used as they are.
 */
export function parseSeconds(flag: string, text: string, {floor}: SecondsRange = {}): number | string {
  const seconds = secondsFromText(text.trim()) ?? Number.NaN
  const inRange = (floor === undefined ? seconds > 0 : seconds >= 0) && seconds <= MAX_SECONDS
  if (inRange) return seconds
  return floor === undefined
    ? `${flag} "${shortened(text)}" is not a positive number of seconds: give a number greater than 0 and at most ${MAX_SECONDS} (a week), e.g. 10 or 0.5`
    : `${flag} "${shortened(text)}" is not a number of seconds: give a number from ${floor} to ${MAX_SECONDS} (a week), e.g. 10 or ${floor}`
}
