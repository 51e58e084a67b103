import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const GUEST_INIT = fileURLToPath(new URL('guest/init.sh', import.meta.url))
const UML_KERNEL = '/usr/bin/linux.uml'
const UML_MODULES = '/usr/lib/uml/modules'

/** What the lab runs inside the UML kernel, all from the host's own root filesystem, with the Debian package of each. */
const REQUIRED: ReadonlyArray<readonly [path: string, debianPackage: string]> = [
  [UML_KERNEL, 'user-mode-linux'],
  ['/usr/sbin/modprobe', 'kmod'],
  ['/usr/sbin/iptables-legacy', 'iptables'],
  ['/usr/sbin/ip', 'iproute2'],
  ['/usr/bin/nsenter', 'util-linux'],
  ['/usr/bin/python3', 'python3'],
  ['/usr/sbin/ipsec', 'strongswan-starter'],
  ['/usr/sbin/swanctl', 'strongswan-swanctl'],
  ['/usr/sbin/charon-systemd', 'charon-systemd'],
  ['/lib/systemd/system/strongswan.service', 'charon-systemd'],
  ['/usr/lib/ipsec/charon', 'strongswan-charon'],
]

/** What is missing to run the lab here, as lines for a skip message; empty when it can run. */
export function missingForLab(): string[] {
  const missing = REQUIRED.filter(([path]) => !existsSync(path))
  const lines = missing.map(([path, debianPackage]) => `missing: ${path} (Debian package ${debianPackage})`)
  // the kernel runs as this user, and each side of the lab starts from a copy of /etc, which only root can read whole
  if (process.getuid?.() !== 0) lines.push('missing: root (run the tests as root)')
  if (existsSync(UML_MODULES) && readdirSync(UML_MODULES).length === 0)
    lines.push(`missing: kernel modules in ${UML_MODULES}`)
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, debianPackage]) => debianPackage))].join(' ')
    lines.push(`install: apt-get install --no-install-recommends ${packages}`)
  }

  return lines
}

export interface GuestRun {
  /** What lab.sh exited with inside the kernel, or null when it never said (the kernel died or was killed). */
  readonly labExitCode: null | number
  readonly timedOut: boolean
}

/**
 * Boots a User-Mode Linux kernel on the host's root (read-only) whose init runs one lab scenario with `runDir`
 * mounted read-write. The kernel and everything in it is gone when this returns, also on a time-out.
 */
export async function bootLab(runDir: string, timeoutMs: number): Promise<GuestRun> {
  const umid = `heroku-vpn-lab-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const args = [
    'mem=384M',
    `umid=${umid}`,
    'root=/dev/root',
    'rootfstype=hostfs',
    'rootflags=/',
    'ro',
    `init=${GUEST_INIT}`,
    'con=null',
    'con0=null,fd:1',
    `LAB_RUN=${runDir}`,
  ]
  const child = spawn(UML_KERNEL, args, {detached: true, stdio: ['ignore', 'ignore', 'ignore']})
  let timedOut = false
  const killAll = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {}
  }

  const timer = setTimeout(() => {
    timedOut = true
    killAll()
  }, timeoutMs)
  await new Promise<void>((resolve) => {
    child.on('error', () => resolve())
    child.on('close', () => resolve())
  })
  clearTimeout(timer)
  // the kernel's helper processes share its process group: none may outlive it
  killAll()
  await rm(join(homedir(), '.uml', umid), {force: true, recursive: true})
  const exitFile = join(runDir, 'exit-code')
  const labExitCode = existsSync(exitFile) ? Number((await readFile(exitFile, 'utf8')).trim()) : null
  return {labExitCode, timedOut}
}

/** True when no process of this lab's kernels is left on the host. */
export function noLabKernelsLeft(): boolean {
  const result = spawnSync('pgrep', ['-f', `umid=heroku-vpn-lab-${process.pid}-`], {encoding: 'utf8'})
  return result.stdout.trim() === ''
}
