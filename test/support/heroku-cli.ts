import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile} from 'node:fs/promises'
import {homedir, tmpdir} from 'node:os'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {PLUGIN_NAME} from '../../src/hooks/init/override-builtins.js'

/*
 * The real Heroku CLI from npm, pinned, installed once per version and run in isolation: a home of its own, no
 * telemetry, no update checks, no auto-update. Shared by the end-to-end tests and `npm run bench`.
 */

/** The Heroku CLI the tests and the bench run: 11.x ships the spaces:vpn commands this plugin takes over. */
export const HEROKU_CLI_VERSION = '11.10.0'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Installs are kept here, one folder per version, and go when node_modules goes. */
export const HEROKU_CLI_CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'heroku-spaces-vpn')

export interface HerokuCli {
  /** The Heroku CLI's own entry point, run with this Node. */
  readonly bin: string
  /** The install prefix: node_modules/heroku is in it. */
  readonly prefix: string
  readonly version: string
}

export interface ProcessResult {
  readonly code: null | number
  readonly ms: number
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
  readonly stdout: string
}

export interface RunOptions {
  readonly cwd?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly input?: string
  readonly timeoutMs?: number
}

/**
 * Runs a program in a process group of its own, so that a timeout kills everything it started. The environment is
 * only what is given: nothing of the caller's own Heroku or npm setup leaks in unless it is passed.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {cwd: options.cwd, detached: true, env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    const timer = setTimeout(() => killGroup(child.pid), options.timeoutMs ?? 120_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, ms: performance.now() - started, signal, stderr, stdout})
    })
    child.stdin.end(options.input ?? '')
  })
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/**
 * Variables of the caller's environment that say how to reach the registry: proxies, CA certificates, where npm's
 * settings and cache are. Not the rest of npm_config_*: under `npm test` they include the project's own prefix.
 */
const NETWORK_VARIABLES =
  /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY|npm_config_(cache|userconfig|globalconfig|registry|cafile|ca|strict_ssl|proxy|https_proxy|noproxy))$/i

/** What npm needs to reach the registry as the caller does, and nothing else of the caller's environment. */
function npmEnv(): Record<string, string | undefined> {
  const home = process.env.HOME ?? homedir()
  const env: Record<string, string | undefined> = {HOME: home, PATH: process.env.PATH}
  for (const [key, value] of Object.entries(process.env)) if (NETWORK_VARIABLES.test(key)) env[key] = value
  // The caller's npm cache and settings, also for plugins:install in a Heroku CLI home of its own.
  env.npm_config_cache ??= join(home, '.npm')
  env.npm_config_userconfig ??= join(home, '.npmrc')
  env.npm_config_update_notifier = 'false'
  return env
}

async function installedVersion(prefix: string): Promise<string | undefined> {
  try {
    const pjson = JSON.parse(await readFile(join(prefix, 'node_modules', 'heroku', 'package.json'), 'utf8')) as {
      version?: string
    }
    return pjson.version
  } catch {
    return undefined
  }
}

function cliAt(prefix: string, version: string): HerokuCli {
  return {bin: join(prefix, 'node_modules', 'heroku', 'bin', 'run.js'), prefix, version}
}

/**
 * Installs `heroku@version` from npm into the cache (about 30 s and 400 MB the first time), or finds it there.
 * Install scripts are skipped: the CLI needs none of them, and nothing native is built. A concurrent install of the
 * same version (each test file asks) is harmless: each installs into a folder of its own and the first to finish is
 * kept.
 */
export async function installHerokuCli(version = HEROKU_CLI_VERSION, timeoutMs = 600_000): Promise<HerokuCli> {
  const prefix = join(HEROKU_CLI_CACHE, `heroku-cli-${version}`)
  if ((await installedVersion(prefix)) === version) return cliAt(prefix, version)
  await mkdir(HEROKU_CLI_CACHE, {recursive: true})
  console.warn(
    `Fetching heroku@${version} from npm (about 395 MB, once): the plugin is tested inside the real Heroku CLI. Cached in ${relative(process.cwd(), prefix) || prefix}; delete that folder to fetch it again.`,
  )
  // Without the registry npm retries for minutes: one quick look first tells that apart from a slow install.
  const probe = await run('npm', ['view', `heroku@${version}`, 'version', '--fetch-retries=0', '--loglevel=error'], {
    env: npmEnv(),
    timeoutMs: 60_000,
  })
  if (probe.code !== 0 || probe.stdout.trim() !== version) {
    throw new Error(
      `npm cannot get heroku@${version} from the registry (exit ${probe.code ?? probe.signal}):\n${tail(probe.stderr || probe.stdout)}`,
    )
  }

  const staging = await mkdtemp(join(HEROKU_CLI_CACHE, `.installing-${version}-`))
  try {
    await writeFile(
      join(staging, 'package.json'),
      `${JSON.stringify({description: `heroku@${version} for tests`, private: true})}\n`,
    )
    const result = await run(
      'npm',
      [
        'install',
        '--prefix',
        staging,
        `heroku@${version}`,
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--omit=dev',
        '--loglevel=error',
      ],
      {env: npmEnv(), timeoutMs},
    )
    if (result.code !== 0 || (await installedVersion(staging)) !== version) {
      throw new Error(
        `npm install heroku@${version} failed (exit ${result.code ?? result.signal}):\n${tail(result.stderr || result.stdout)}`,
      )
    }

    // another test file's install finished first, and its tests may be running it: keep that one
    if ((await installedVersion(prefix)) === version) return cliAt(prefix, version)
    await rm(prefix, {force: true, recursive: true})
    await rename(staging, prefix).catch(async (error: NodeJS.ErrnoException) => {
      if ((await installedVersion(prefix)) !== version) throw error
    })
    return cliAt(prefix, version)
  } finally {
    await rm(staging, {force: true, recursive: true})
  }
}

export interface HerokuHome {
  readonly dataDir: string
  /** HOME of every run: config, data (installed and linked plugins), cache and git config all live in it. */
  readonly dir: string
  readonly env: Readonly<Record<string, string | undefined>>
  remove(): Promise<void>
}

/** A fresh home for the Heroku CLI, so that nothing of the user's Heroku setup is read or written. */
export async function createHerokuHome(): Promise<HerokuHome> {
  const dir = await mkdtemp(join(tmpdir(), 'heroku-home-'))
  const config = join(dir, '.config')
  const data = join(dir, '.local', 'share')
  const cache = join(dir, '.cache')
  // The terms-of-service notice is printed on stderr until this file exists.
  await mkdir(join(cache, 'heroku'), {recursive: true})
  await writeFile(join(cache, 'heroku', 'terms-of-service'), '')
  const env = {
    // No traffic but to the local API: no telemetry, no analytics, no version check, no background auto-update.
    DISABLE_TELEMETRY: 'true',
    // heroku's init hook configure-git-credential-manager writes the global git config on every command.
    GIT_CONFIG_GLOBAL: join(dir, '.gitconfig'),
    HEROKU_DISABLE_AUTOUPDATE: '1',
    HEROKU_SKIP_ANALYTICS: '1',
    HEROKU_SKIP_NEW_VERSION_CHECK: '1',
    HOME: dir,
    PATH: process.env.PATH,
    XDG_CACHE_HOME: cache,
    XDG_CONFIG_HOME: config,
    XDG_DATA_HOME: data,
  }
  return {
    dataDir: join(data, 'heroku'),
    dir,
    env,
    remove: () => rm(dir, {force: true, recursive: true}),
  }
}

/** `heroku ARGS` in the given home. */
export function runHeroku(
  cli: HerokuCli,
  home: HerokuHome,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  return run(process.execPath, [cli.bin, ...args], {...options, env: {...home.env, ...options.env}})
}

/** Installs a packed plugin the way a user does: a bare path would be read as a GitHub repository, file: is not. */
export async function installPlugin(cli: HerokuCli, home: HerokuHome, tarball: string): Promise<void> {
  // npm, run by plugins:install, reaches the registry as the caller's npm does and shares its cache.
  const result = await runHeroku(cli, home, ['plugins:install', `file:${tarball}`], {
    env: {...npmEnv(), HOME: home.dir},
    timeoutMs: 300_000,
  })
  if (result.code !== 0) throw new Error(`heroku plugins:install failed (exit ${result.code}):\n${tail(result.stderr)}`)
}

/** The installed plugin's own bin/run.js: the same files `npm install -g heroku-spaces-vpn` gives. */
export function installedPluginBin(home: HerokuHome): string {
  return join(home.dataDir, 'node_modules', PLUGIN_NAME, 'bin', 'run.js')
}

/** Paths of the working tree that are not copied to pack it: what the build and the pack scripts make, and .git. */
const NOT_COPIED = new Set(['.git', 'bin/standalone', 'coverage', 'dist', 'node_modules', 'oclif.manifest.json'])

export interface PackedPlugin {
  /** The paths inside it, as npm lists them. */
  readonly files: readonly string[]
  /** The tarball's absolute path. */
  readonly tarball: string
}

/**
 * `npm pack` of the working tree, run in a copy of it so that its lifecycle scripts (prepack, prepare, postpack)
 * never touch the dist/ that other tests are running. The tarball is written into `destination`.
 */
export async function packPlugin(destination: string): Promise<PackedPlugin> {
  const copy = await mkdtemp(join(tmpdir(), 'heroku-spaces-vpn-pack-'))
  try {
    await cp(REPO_ROOT, copy, {
      filter: (source) => !NOT_COPIED.has(relative(REPO_ROOT, source).split(sep).join('/')) && !source.endsWith('.tgz'),
      recursive: true,
    })
    await symlink(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
    const result = await run('npm', ['pack', '--json', '--pack-destination', destination, '--loglevel=error'], {
      cwd: copy,
      env: npmEnv(),
      timeoutMs: 180_000,
    })
    if (result.code !== 0)
      throw new Error(`npm pack failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`)
    const [packed] = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as Array<{
      filename: string
      files: Array<{path: string}>
    }>
    if (existsSync(join(copy, 'oclif.manifest.json'))) throw new Error('postpack left oclif.manifest.json behind')
    return {files: packed!.files.map((file) => file.path), tarball: join(destination, packed!.filename)}
  } finally {
    await rm(copy, {force: true, recursive: true})
  }
}

/** Processes still running with HOME set to this home: anything the Heroku CLI left behind (Linux only). */
export async function leftoverProcesses(home: HerokuHome): Promise<string[]> {
  if (process.platform !== 'linux') return []
  const marker = `HOME=${home.dir}\0`
  const found: string[] = []
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue
    try {
      if (!(await readFile(`/proc/${pid}/environ`, 'latin1')).includes(marker)) continue
      found.push(`${pid} ${(await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim()}`)
    } catch {
      // gone, or not ours to read
    }
  }

  return found
}

/** Ends processes found by {@link leftoverProcesses}, by their ids. */
export function killProcesses(lines: readonly string[]): void {
  for (const line of lines) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

function tail(text: string, lines = 30): string {
  return text.trim().split('\n').slice(-lines).join('\n')
}
