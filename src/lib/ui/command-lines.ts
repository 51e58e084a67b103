import {hasUnprintable} from './printable.js'

const SAFE_WORD = /^[\w@%+=:,./-]+$/

/** ANSI-C quoting ($'...', bash, zsh and ksh): the only quoting that can spell a control character visibly. */
function ansiCQuoted(word: string): string {
  const body = [...word]
    .map((character) => {
      const code = character.codePointAt(0)!
      if (character === "'" || character === '\\') return `\\${character}`
      return hasUnprintable(character) ? `\\u${code.toString(16).padStart(4, '0')}` : character
    })
    .join('')
  return `$'${body}'`
}

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellWord(word: string): string {
  if (SAFE_WORD.test(word)) return word
  if (hasUnprintable(word)) return ansiCQuoted(word)
  return `'${word.replaceAll("'", `'\\''`)}'`
}

let programName = 'heroku'

/**
 * The program that suggested command lines start with: `heroku` inside the Heroku CLI, the program the user ran on its
 * own. Set once at start-up, because advice is built deep inside plain functions (the gateway's next steps among them).
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

/** The suggestion for a connection that failed: it cannot recover, so it is replaced (--wait: a connect can follow). */
export function replaceFailedAdvice(target: {readonly name: string; readonly space: string}): string {
  return `Destroy it with \`${connectionCommand('destroy', target.name, target.space, '--confirm', target.name, '--wait')}\` and connect again once the cause is fixed.`
}
