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
  run,
  runHeroku,
} from '../test/support/heroku-cli.js'
import {startLoggingProxy} from '../test/support/network.js'

/*
 * npm run bench: the cold start of `spaces:vpn:info NAME -s SPACE --json` against the sandbox on loopback, side by
 * side in one run, alternating the order each round, after one unrecorded warm-up round. Each path is compared with
 * its yardstick round by round (paired), and the median of those ratios is what counts: a machine that slows down
 * for a while slows both sides of a pair. `--check` exits 1 when a ratio is over its budget by more than the margin;
 * CI runs it as a step of its own before npm test (never inside vitest, whose parallel suites would make it flaky).
 */

/**
 * Issue 20's goals: every standalone path under 1.5x the floor; inside the Heroku CLI, no slower than its own
 * command plus 10 %. Each is judged on CPU time (user + system), which another program's load moves far less than
 * wall time. The standalone paths do not meet their goal yet (1.80-1.96 in CPU, 1.38-1.83 in wall time, on the
 * loaded 2-core machine): their budget is what they reach now, so that the check catches the next regression; lower
 * it to the goal when they get there.
 */
const BUDGETS = [
  {base: 'floor', budget: 1.9, goal: 1.5, key: 'ours', label: 'standalone, HEROKU_API_KEY / floor'},
  {base: 'floor', budget: 1.9, goal: 1.5, key: 'oursNetrc', label: 'standalone, token from ~/.netrc / floor'},
  {
    base: 'floorProxy',
    budget: 2,
    goal: 1.5,
    key: 'oursProxy',
    label: 'standalone, through HTTP_PROXY / floor through it',
  },
  {base: 'builtin', budget: 1.1, goal: 1.1, key: 'herokuInstalled', label: 'heroku + this plugin / heroku built-in'},
] as const

/**
 * How far over its budget a ratio may read before --check fails. On the 2-core machine with QEMU VMs beside it
 * (load 4-10), the CPU ratios of 15 paired rounds moved by up to 0.08 between runs of the same build (about 5 %), and
 * wall-time ratios by several times that: 15 % keeps a loaded CI machine green, while a return to the old start-up
 * (2.7x the floor in CPU) or any regression of a fifth fails.
 */
const CHECK_MARGIN = 0.15

const {values: options} = parseArgs({
  options: {
    check: {default: false, type: 'boolean'},
    'inherit-env': {default: false, type: 'boolean'},
    runs: {default: '15', type: 'string'},
  },
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
  /** CPU time (user + system) of every process of a run, ms, one entry per round. */
  readonly cpu: number[]
  /** Wall time, ms, one entry per round. */
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

interface Measured {
  readonly cpuMs: number
  readonly ms: number
  readonly rssKb: number
  readonly stdout: string
}

/** One cold run; bench/probe.cjs, preloaded into every Node process it starts, reports their CPU time and memory. */
async function runOnce(item: Case, probeFile: string): Promise<Measured> {
  await rm(probeFile, {force: true})
  const nodeOptions = `--require ${JSON.stringify(join(REPO_ROOT, 'bench', 'probe.cjs'))}`
  const env = {...BASE_ENV, ...item.env, BENCH_PROBE_FILE: probeFile, NODE_OPTIONS: nodeOptions}
  const result = await run(item.argv[0]!, item.argv.slice(1), {env})
  if (result.code !== 0) throw new Error(`${item.label} exited ${result.code ?? result.signal}:\n${result.stderr}`)
  if (item.json && (JSON.parse(result.stdout) as {name?: string}).name !== SEEDED_CONNECTION) {
    throw new Error(`${item.label} printed something else than the connection:\n${result.stdout.slice(0, 400)}`)
  }

  const probes = (await readFile(probeFile, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => line.split(' ').map(Number))
  return {
    cpuMs: probes.reduce((sum, [cpu]) => sum + cpu!, 0),
    ms: result.ms,
    rssKb: Math.max(...probes.map(([, rss]) => rss!)),
    stdout: result.stdout,
  }
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

/** The median of the paired ratios a[i] / b[i]. */
function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, index) => value / b[index]!))
}

async function main(): Promise<void> {
  log(`Installing heroku@${HEROKU_CLI_VERSION} (cached under node_modules/.cache) and packing the plugin...`)
  const cli = await installHerokuCli()
  const packDir = await mkdtemp(join(tmpdir(), 'heroku-spaces-vpn-bench-'))
  const probeFile = join(packDir, 'probe.txt')
  const homes: HerokuHome[] = []
  const sandbox = await startSandboxProcess()
  const proxy = await startLoggingProxy()
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
    const floor = [process.execPath, join(REPO_ROOT, 'bench', 'floor.cjs'), SPACE_WITH_CONNECTION, SEEDED_CONNECTION]
    const packed = [process.execPath, installedPluginBin(installed!), ...INFO_ARGS]
    const packedEnv = {HOME: installed!.dir, PATH: process.env.PATH, ...sandbox.env}
    const allCases: Case[] = [
      {
        argv: floor,
        env: {PATH: process.env.PATH, ...sandbox.env},
        json: true,
        key: 'floor',
        label: 'floor: bare node, node:http GET + print',
      },
      {
        argv: floor,
        env: {HTTP_PROXY: proxy.url, PATH: process.env.PATH, ...sandbox.env},
        json: true,
        key: 'floorProxy',
        label: 'floor through HTTP_PROXY',
      },
      {
        argv: packed,
        env: packedEnv,
        json: true,
        key: 'ours',
        label: 'heroku-spaces-vpn (packed, standalone bin/run.js)',
      },
      {
        argv: packed,
        env: netrcEnv,
        json: true,
        key: 'oursNetrc',
        label: 'heroku-spaces-vpn (packed, standalone), token from ~/.netrc',
      },
      {
        argv: packed,
        env: {...packedEnv, HTTP_PROXY: proxy.url},
        json: true,
        key: 'oursProxy',
        label: 'heroku-spaces-vpn (packed, standalone), through HTTP_PROXY',
      },
      {
        argv: [process.execPath, join(REPO_ROOT, 'bin', 'run.js'), ...INFO_ARGS],
        env: packedEnv,
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
    // --check times only what the budgets compare, so that CI spends a few minutes on it, not ten.
    const budgeted = new Set<string>(BUDGETS.flatMap(({base, key}) => [base, key]))
    const cases = options.check ? allCases.filter((item) => budgeted.has(item.key)) : allCases

    // The warm-up round: every output compared, and the code cache of the packed program written.
    const outputs: unknown[] = []
    for (const item of cases) {
      const {stdout} = await runOnce(item, probeFile)
      if (item.json) outputs.push(JSON.parse(stdout))
    }

    if (new Set(outputs.map((value) => JSON.stringify(value))).size !== 1)
      throw new Error('the commands printed different JSON')
    const proxied = proxy.log.length
    if (proxied < 2) throw new Error(`the proxy saw ${proxied} requests in the warm-up round, not 2`)

    const samples = new Map<string, Sample>(cases.map((item) => [item.key, {cpu: [], ms: [], rssKb: 0}]))
    log(`Timing ${cases.length} commands, ${RUNS} rounds, alternating order...`)
    for (let round = 0; round < RUNS; round++) {
      for (const item of round % 2 === 0 ? cases : [...cases].reverse()) {
        const measured = await runOnce(item, probeFile)
        const sample = samples.get(item.key)!
        sample.ms.push(measured.ms)
        sample.cpu.push(measured.cpuMs)
        sample.rssKb = Math.max(sample.rssKb, measured.rssKb)
      }
    }

    const of = (key: string) => samples.get(key)!
    const med = (key: string) => median(of(key).ms)
    const wallRatio = (key: string, base: string) => pairedRatio(of(key).ms, of(base).ms)
    const cpuRatio = (key: string, base: string) => pairedRatio(of(key).cpu, of(base).cpu)
    const rows = cases.map((item) => {
      const sample = of(item.key)
      return `| ${item.label} | ${fixed(med(item.key))} | ${fixed(Math.min(...sample.ms))}–${fixed(Math.max(...sample.ms))} | ${fixed(median(sample.cpu))} | ${fixed(sample.rssKb / 1024)} |`
    })
    const verdicts = BUDGETS.map(({base, budget, goal, key, label}) => {
      const cpu = cpuRatio(key, base)
      const limit = budget * (1 + CHECK_MARGIN)
      const state =
        cpu <= goal ? 'goal met' : cpu <= budget ? 'within budget' : cpu <= limit ? 'within margin' : 'FAILED'
      return {
        failed: cpu > limit,
        line: `| ${label} | ${fixed(cpu, 2)} | ${fixed(wallRatio(key, base), 2)} | ${goal} | ${budget} | ${fixed(limit, 2)} | ${state} |`,
      }
    })
    const load = (await readFile('/proc/loadavg', 'utf8').catch(() => 'unknown')).split(' ').slice(0, 3).join(' ')
    process.stdout.write(
      [
        `spaces:vpn:info ${SEEDED_CONNECTION} -s ${SPACE_WITH_CONNECTION} --json against the sandbox on 127.0.0.1, cold processes, ${RUNS} rounds`,
        options['inherit-env']
          ? "environment: the caller's, the same for every process"
          : `environment: clean, the same for every process (PATH, HOME, HEROKU_HOST, HEROKU_API_KEY; heroku's isolation)${process.env.NODE_EXTRA_CA_CERTS ? '; NODE_EXTRA_CA_CERTS is set here, --inherit-env measures with it' : ''}`,
        '',
        '| command | median ms | min–max ms | median CPU ms | peak RSS MB |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
        `Paired ratios (median of ${RUNS} rounds), judged on CPU time; fails above budget × ${1 + CHECK_MARGIN}:`,
        '',
        '| path | CPU ratio | wall ratio | goal | budget | fails above | verdict |',
        '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
        ...verdicts.map(({line}) => line),
        '',
        ...(options.check
          ? []
          : [
              `working tree / floor: ${fixed(cpuRatio('oursModules', 'floor'), 2)} CPU, ${fixed(wallRatio('oursModules', 'floor'), 2)} wall`,
              `standalone / heroku built-in: ${fixed(wallRatio('ours', 'builtin'), 2)} wall`,
              `heroku + this plugin, token from ~/.netrc / built-in: ${fixed(cpuRatio('herokuInstalledNetrc', 'builtin'), 2)} CPU; linked / built-in: ${fixed(cpuRatio('herokuLinked', 'builtin'), 2)} CPU`,
              `heroku --version with the plugin installed / without: ${fixed(cpuRatio('versionInstalled', 'versionPlain'), 2)} CPU`,
            ]),
        '',
        machine(),
        `load average (1, 5, 15 min) at the end: ${load}`,
        '',
      ].join('\n'),
    )
    if (options.check && verdicts.some(({failed}) => failed)) process.exitCode = 1
  } finally {
    sandbox.stop()
    await proxy.close()
    const leftovers = (await Promise.all(homes.map((home) => leftoverProcesses(home)))).flat()
    killProcesses(leftovers)
    if (leftovers.length > 0) log(`Ended processes the Heroku CLI left running:\n${leftovers.join('\n')}`)
    await Promise.all([...homes.map((home) => home.remove()), rm(packDir, {force: true, recursive: true})])
  }
}

await main()
