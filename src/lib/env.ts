/** Environment variables as a command reads them: handed in, so that tests can give any. */
export type Env = Readonly<Record<string, string | undefined>>
