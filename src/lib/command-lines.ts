const SAFE_WORD = /^[\w@%+=:,./-]+$/

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** A command line to suggest to the user, e.g. `heroku spaces:vpn:wait office --space acme`. */
export function suggestCommand(command: string, ...words: string[]): string {
  return ['heroku', command, ...words.map((word) => shellWord(word))].join(' ')
}

export function connectionCommand(verb: string, name: string, space: string, ...extra: string[]): string {
  return suggestCommand(`spaces:vpn:${verb}`, name, '--space', space, ...extra)
}

/** The suggestion for a connection that failed: it cannot recover, so it is replaced. */
export function replaceFailedHint(target: {readonly name: string; readonly space: string}): string {
  return `Destroy it with \`${connectionCommand('destroy', target.name, target.space, '--confirm', target.name)}\` and connect again once the cause is fixed.`
}
