import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {availableParallelism, cpus, release, tmpdir, totalmem, type} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {SEEDED_CONNECTION, SPACE_WITH_CONNECTION} from '../src/sandbox/index.js'
import {
  createHerokuHome,
  HEROKU_CLI_VERSION,
  type HerokuHome,
  installedPluginBin,
  installHerokuCli,
  installPlugin,
  killProcesses,
  leftoverProcesses,
  packPlugin,
  REPO_ROOT,
  runHeroku,
} from '../test/support/heroku-cli.js'

/*
 * npm run bench: the cold start of `spaces:vpn:info NAME -s SPACE --json` against the sandbox on loopback, side by
 * side in one run, alternating the order each round, medians of --runs rounds after one unrecorded warm-up round.
 * Exits 1 when a goal is missed, so that it can gate a performance job; it is not part of npm test, where timing on
 * a shared runner would make a flaky test.
 */

const GOALS = {netrcVsApiKey: 1.2, vsBuiltin: 0.25, vsFloor: 2.5}

const {values: options} = parseArgs({
  options: {'inherit-env': {default: false, type: 'boolean'}, runs: {default: '15', type: 'string'}},
})
const RUNS = Number(options.runs)
if (!Number.isInteger(RUNS) || RUNS < 3)
  throw new Error(`--runs must be a whole number of at least 3, not ${options.runs}`)

const INFO_ARGS = ['spaces:vpn:info', SEEDED_CONNECTION, '-s', SPACE_WITH_CONNECTION, '--json']

interface Case {
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether stdout must be the connection's JSON. */
  readonly json: boolean
  readonly key: string
  readonly label: string
}

interface Sample {
  readonly ms: number[]
  rssKb: number
}

const log = (line: string) => process.stderr.write(`${line}\n`)

async function startSandboxProcess(): Promise<{env: Record<string, string>; stop: () => void}> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'sandbox', 'cli.js'), '--quiet'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  let output = ''
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)))
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const host = /^HEROKU_HOST=(.+)$/m.exec(output)?.[1]
      const key = /^HEROKU_API_KEY=(.+)$/m.exec(output)?.[1]
      if (host && key) resolve({HEROKU_API_KEY: key, HEROKU_HOST: host})
    })
  })
  child.removeAllListeners('exit')
  return {env, stop: () => child.kill('SIGTERM')}
}

/**
 * Every measured process gets the same base: nothing but its own variables by default, or, with --inherit-env, the
 * caller's environment under them. Variables Node reads at start-up count: NODE_EXTRA_CA_CERTS alone adds about
 * 30 ms to every process on a machine behind a TLS proxy, the floor's as much as the others'.
 */
const BASE_ENV: Record<string, string | undefined> = options['inherit-env'] ? {...process.env} : {}

function runOnce(item: Case, extraEnv: Record<string, string> = {}): {ms: number; stdout: string} {
  const started = performance.now()
  const env = {...BASE_ENV, ...item.env, ...extraEnv}
  const result = spawnSync(item.argv[0]!, item.argv.slice(1), {encoding: 'utf8', env, maxBuffer: 16 << 20})
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`${item.label} exited ${result.status ?? result.signal}:\n${result.stderr}`)
  if (item.json && (JSON.parse(result.stdout) as {name?: string}).name !== SEEDED_CONNECTION) {
    throw new Error(`${item.label} printed something else than the connection:\n${result.stdout.slice(0, 400)}`)
  }

  return {ms, stdout: result.stdout}
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const fixed = (value: number, digits = 0) => value.toFixed(digits)

function machine(): string {
  const lsb = spawnSync('sh', ['-c', '. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"'], {
    encoding: 'utf8',
  }).stdout.trim()
  return [
    `${availableParallelism()} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}, ${fixed(totalmem() / 2 ** 30, 1)} GiB`,
    `${lsb || type()} (${type()} ${release()}), Node ${process.version}, heroku ${HEROKU_CLI_VERSION}`,
  ].join('\n')
}

async function main(): Promise<void> {
  log(`Installing heroku@${HEROKU_CLI_VERSION} (cached under node_modules/.cache) and packing the plugin...`)
  const cli = await installHerokuCli()
  const packDir = await mkdtemp(join(tmpdir(), 'heroku-spaces-vpn-bench-'))
  const homes: HerokuHome[] = []
  const sandbox = await startSandboxProcess()
  try {
    const {tarball} = await packPlugin(packDir)
    const [plain, installed, linked] = await Promise.all([createHerokuHome(), createHerokuHome(), createHerokuHome()])
    homes.push(plain!, installed!, linked!)
    await installPlugin(cli, installed!, tarball)
    const link = await runHeroku(cli, linked!, ['plugins:link', REPO_ROOT, '--no-install'])
    if (link.code !== 0) throw new Error(`heroku plugins:link failed:\n${link.stderr}`)

    const heroku = (home: HerokuHome, args: readonly string[]) => ({
      argv: [process.execPath, cli.bin, ...args],
      env: {...home.env, ...sandbox.env},
    })
    // Where `heroku login` leaves the token (no secret-tool on the PATH here): the sandbox's machine in ~/.netrc.
    const machineName = new URL(sandbox.env.HEROKU_HOST!).host
    await writeFile(
      join(installed!.dir, '.netrc'),
      `machine ${machineName}\n  login bench@example.com\n  password ${sandbox.env.HEROKU_API_KEY}\n`,
      {mode: 0o600},
    )
    const netrcEnv = {
      HEROKU_API_KEY: undefined,
      HEROKU_HOST: sandbox.env.HEROKU_HOST,
      HOME: installed!.dir,
      PATH: process.env.PATH,
    }
    const cases: Case[] = [
      {
        argv: [process.execPath, join(REPO_ROOT, 'bench', 'floor.cjs'), SPACE_WITH_CONNECTION, SEEDED_CONNECTION],
        env: {PATH: process.env.PATH, ...sandbox.env},
        json: true,
        key: 'floor',
        label: 'floor: bare node, node:http GET + print',
      },
      {
        argv: [process.execPath, installedPluginBin(installed!), ...INFO_ARGS],
        env: {HOME: installed!.dir, PATH: process.env.PATH, ...sandbox.env},
        json: true,
        key: 'ours',
        label: 'heroku-spaces-vpn (packed, standalone bin/run.js)',
      },
      {
        argv: [process.execPath, installedPluginBin(installed!), ...INFO_ARGS],
        env: netrcEnv,
        json: true,
        key: 'oursNetrc',
        label: 'heroku-spaces-vpn (packed, standalone), token from ~/.netrc',
      },
      {
        argv: [process.execPath, join(REPO_ROOT, 'bin', 'run.js'), ...INFO_ARGS],
        env: {HOME: installed!.dir, PATH: process.env.PATH, ...sandbox.env},
        json: true,
        key: 'oursModules',
        label: 'heroku-spaces-vpn (working tree ./bin/run.js)',
      },
      {
        ...heroku(plain!, INFO_ARGS),
        json: true,
        key: 'builtin',
        label: `heroku ${HEROKU_CLI_VERSION} built-in command`,
      },
      {
        ...heroku(installed!, INFO_ARGS),
        json: true,
        key: 'herokuInstalled',
        label: 'heroku + this plugin (plugins:install)',
      },
      {
        ...heroku(installed!, INFO_ARGS),
        env: {...installed!.env, ...netrcEnv},
        json: true,
        key: 'herokuInstalledNetrc',
        label: 'heroku + this plugin (plugins:install), token from ~/.netrc',
      },
      {...heroku(linked!, INFO_ARGS), json: true, key: 'herokuLinked', label: 'heroku + this plugin (plugins:link)'},
      {...heroku(plain!, ['--version']), json: false, key: 'versionPlain', label: 'heroku --version, no plugin'},
      {
        ...heroku(installed!, ['--version']),
        json: false,
        key: 'versionInstalled',
        label: 'heroku --version, plugin installed',
      },
    ]

    const outputs = cases.filter((item) => item.json).map((item) => JSON.parse(runOnce(item).stdout) as unknown)
    if (new Set(outputs.map((value) => JSON.stringify(value))).size !== 1)
      throw new Error('the commands printed different JSON')

    const samples = new Map<string, Sample>(cases.map((item) => [item.key, {ms: [], rssKb: 0}]))
    log(`Timing ${cases.length} commands, ${RUNS} rounds, alternating order...`)
    for (let round = 0; round < RUNS; round++) {
      for (const item of round % 2 === 0 ? cases : [...cases].reverse())
        samples.get(item.key)!.ms.push(runOnce(item).ms)
    }

    log('Measuring peak memory (separate runs, with a preloaded probe)...')
    const rssFile = join(packDir, 'rss.txt')
    for (const item of cases) {
      for (let run = 0; run < 3; run++) {
        await rm(rssFile, {force: true})
        runOnce(item, {
          BENCH_RSS_FILE: rssFile,
          NODE_OPTIONS: `--require ${JSON.stringify(join(REPO_ROOT, 'bench', 'max-rss.cjs'))}`,
        })
        const kb = Math.max(...(await readFile(rssFile, 'utf8')).trim().split('\n').map(Number))
        samples.get(item.key)!.rssKb = Math.max(samples.get(item.key)!.rssKb, kb)
      }
    }

    const med = (key: string) => median(samples.get(key)!.ms)
    const rows = cases.map((item) => {
      const sample = samples.get(item.key)!
      return `| ${item.label} | ${fixed(med(item.key))} | ${fixed(Math.min(...sample.ms))}–${fixed(Math.max(...sample.ms))} | ${fixed(sample.rssKb / 1024)} |`
    })
    const vsBuiltin = med('ours') / med('builtin')
    const vsFloor = med('ours') / med('floor')
    const netrcVsApiKey = med('oursNetrc') / med('ours')
    const netrcVsFloor = med('oursNetrc') / med('floor')
    const verdict = (ratio: number, goal: number) =>
      `${fixed(ratio, 2)} (goal ≤ ${goal}: ${ratio <= goal ? 'met' : 'MISSED'})`
    process.stdout.write(
      [
        `spaces:vpn:info ${SEEDED_CONNECTION} -s ${SPACE_WITH_CONNECTION} --json against the sandbox on 127.0.0.1, cold processes, ${RUNS} rounds`,
        options['inherit-env']
          ? "environment: the caller's, the same for every process"
          : `environment: clean, the same for every process (PATH, HOME, HEROKU_HOST, HEROKU_API_KEY; heroku's isolation)${process.env.NODE_EXTRA_CA_CERTS ? '; NODE_EXTRA_CA_CERTS is set here, --inherit-env measures with it' : ''}`,
        '',
        '| command | median ms | min–max ms | peak RSS MB |',
        '| --- | ---: | ---: | ---: |',
        ...rows,
        '',
        `ours / built-in: ${verdict(vsBuiltin, GOALS.vsBuiltin)}`,
        `ours / floor:    ${verdict(vsFloor, GOALS.vsFloor)}`,
        `ours with ~/.netrc / with HEROKU_API_KEY: ${verdict(netrcVsApiKey, GOALS.netrcVsApiKey)}`,
        `ours with ~/.netrc / floor: ${verdict(netrcVsFloor, GOALS.vsFloor)}`,
        `working tree / floor: ${fixed(med('oursModules') / med('floor'), 2)}; / built-in: ${fixed(med('oursModules') / med('builtin'), 2)}`,
        `through heroku, installed / built-in: ${fixed(med('herokuInstalled') / med('builtin'), 2)}; linked / built-in: ${fixed(med('herokuLinked') / med('builtin'), 2)}`,
        `heroku --version with the plugin installed / without: ${fixed(med('versionInstalled') / med('versionPlain'), 2)}`,
        '',
        machine(),
        '',
      ].join('\n'),
    )
    const missed =
      vsBuiltin > GOALS.vsBuiltin ||
      Math.max(vsFloor, netrcVsFloor) > GOALS.vsFloor ||
      netrcVsApiKey > GOALS.netrcVsApiKey
    if (missed) process.exitCode = 1
  } finally {
    sandbox.stop()
    const leftovers = (await Promise.all(homes.map((home) => leftoverProcesses(home)))).flat()
    killProcesses(leftovers)
    if (leftovers.length > 0) log(`Ended processes the Heroku CLI left running:\n${leftovers.join('\n')}`)
    await Promise.all([...homes.map((home) => home.remove()), rm(packDir, {force: true, recursive: true})])
  }
}

await main()
