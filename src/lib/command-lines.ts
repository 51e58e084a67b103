const SAFE_WORD = /^[\w@%+=:,./-]+$/

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

let programName = 'heroku'

/**
 * The program that suggested command lines start with: `heroku` inside the Heroku CLI, the program the user ran on its
 * own. Set once at start-up, because hints are built deep inside plain functions (the gateway's next steps among them).
 */
export function useProgramName(name: string): void {
  programName = name
}

/** A command line to suggest to the user, e.g. `heroku spaces:vpn:wait office --space acme`. */
export function suggestCommand(command: string, ...words: string[]): string {
  return [shellWord(programName), command, ...words.map((word) => shellWord(word))].join(' ')
}

export function connectionCommand(verb: string, name: string, space: string, ...extra: string[]): string {
  return suggestCommand(`spaces:vpn:${verb}`, name, '--space', space, ...extra)
}
