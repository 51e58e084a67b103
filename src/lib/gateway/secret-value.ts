/** Characters a pre-shared key may have to be written in double quotes; anything else is written in base64. */
const QUOTABLE_SECRET = /^[A-Za-z0-9._+/=:@-]+$/

/**
 * A pre-shared key as ipsec.secrets (strongSwan's) and swanctl.conf read it back unchanged. None of
 * them can escape a double quote, and swanctl.conf reads a value starting with 0x or 0s as hex or base64 even in
 * quotes, so such keys are written in the `0s` base64 form, which all of them read as the exact bytes.
 */
export function secretValue(preSharedKey: string): string {
  if (QUOTABLE_SECRET.test(preSharedKey) && !/^0[sx]/i.test(preSharedKey)) return `"${preSharedKey}"`
  return `0s${Buffer.from(preSharedKey, 'utf8').toString('base64')}`
}
