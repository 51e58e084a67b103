/**
 * C0 and C1 control characters (line breaks aside), DEL, and the Unicode controls that reorder text: written to a
 * terminal as they are, they could move the cursor, clear the screen, set the title or hide text.
 */
const UNPRINTABLE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu

function escaped(character: string): string {
  const code = character.codePointAt(0)!
  return code <= 0xff
    ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
    : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Text for a person's terminal: every control character shown as an escape such as \x1B, line breaks kept. */
export function printable(text: string): string {
  return text.replaceAll(UNPRINTABLE, escaped)
}

/** One value inside a line (a cell, a name): line breaks are escaped too. */
export function printableInline(text: string): string {
  return printable(text).replaceAll('\n', String.raw`\n`)
}

export function hasUnprintable(text: string): boolean {
  return new RegExp(UNPRINTABLE.source, 'u').test(text) || text.includes('\n')
}
