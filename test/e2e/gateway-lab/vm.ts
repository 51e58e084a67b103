import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import {chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const GUEST_INIT = fileURLToPath(new URL('guest/init.sh', import.meta.url))
const QEMU = '/usr/bin/qemu-system-x86_64'
const BUSYBOX = '/bin/busybox'
/** What the initramfs loads to mount the host's root over virtio 9p; Debian's kernel has them as modules. */
const ROOT_MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_legacy_dev',
  'virtio_pci_modern_dev',
  'virtio_pci',
  '9pnet',
  '9pnet_virtio',
  'netfs',
  'fscache',
  '9p',
]

/** What the lab runs inside the kernel, all from the host's own root filesystem, with the Debian package of each. */
const REQUIRED: ReadonlyArray<readonly [path: string, debianPackage: string]> = [
  [QEMU, 'qemu-system-x86'],
  [BUSYBOX, 'busybox-static'],
  ['/usr/sbin/modprobe', 'kmod'],
  ['/usr/sbin/iptables-legacy', 'iptables'],
  ['/usr/sbin/ip', 'iproute2'],
  ['/usr/bin/nsenter', 'util-linux'],
  ['/usr/bin/python3', 'python3'],
  ['/usr/bin/curl', 'curl'],
  ['/usr/sbin/ipsec', 'strongswan-starter'],
  ['/usr/sbin/swanctl', 'strongswan-swanctl'],
  ['/usr/sbin/charon-systemd', 'charon-systemd'],
  ['/lib/systemd/system/strongswan.service', 'charon-systemd'],
  ['/usr/lib/ipsec/charon', 'strongswan-charon'],
]

/** The Debian kernel the lab boots: the newest in /boot whose modules are installed, as linux-image-amd64 leaves it. */
function labKernel(): string | undefined {
  if (!existsSync('/boot')) return undefined
  const versions = readdirSync('/boot')
    .filter((name) => name.startsWith('vmlinuz-'))
    .map((name) => name.slice('vmlinuz-'.length))
    .filter((version) => existsSync(join('/lib/modules', version, 'kernel/fs/9p')))
  return versions.sort((a, b) => a.localeCompare(b, undefined, {numeric: true})).at(-1)
}

/** What is missing to run the lab here, as lines for a skip message; empty when it can run. */
export function missingForLab(): string[] {
  const missing: Array<readonly [string, string]> = REQUIRED.filter(([path]) => !existsSync(path))
  if (labKernel() === undefined) missing.push(['/boot/vmlinuz-* with its modules', 'linux-image-amd64'])
  const lines = missing.map(([path, debianPackage]) => `missing: ${path} (Debian package ${debianPackage})`)
  // Debian's kernel images are readable by root only, and each side of the lab starts from a copy of /etc
  if (process.getuid?.() !== 0) lines.push('missing: root (run the tests as root)')
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, debianPackage]) => debianPackage))].join(' ')
    lines.push(`install: apt-get install --no-install-recommends ${packages}`)
  }

  return lines
}

/**
 * A minimal initramfs: busybox loads the virtio and 9p modules, mounts the host's root read-only, and hands over to
 * the init named on the kernel command line. Built once per test process.
 */
let initramfs: Promise<string> | undefined
function buildInitramfs(kernel: string): Promise<string> {
  initramfs ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-initramfs-'))
    const root = join(dir, 'root')
    for (const folder of ['bin', 'dev', 'modules', 'newroot', 'proc'])
      await mkdir(join(root, folder), {recursive: true})
    await copyFile(BUSYBOX, join(root, 'bin/busybox'))
    for (const module of ROOT_MODULES) {
      const found = spawnSync('modinfo', ['-k', kernel, '-n', module], {encoding: 'utf8'}).stdout.trim()
      if (found === '') throw new Error(`kernel ${kernel} has no module ${module}`)
      await copyFile(found, join(root, 'modules', `${module}.ko${found.slice(found.lastIndexOf('.ko') + 3)}`))
    }

    await writeFile(
      join(root, 'init'),
      `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for module in ${ROOT_MODULES.join(' ')}; do /bin/busybox insmod /modules/$module.ko* || echo "insmod $module failed"; done
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /newroot || /bin/busybox poweroff -f
/bin/busybox mount --move /dev /newroot/dev
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot "$lab_init"
`,
    )
    await chmod(join(root, 'init'), 0o755)
    const image = join(dir, 'initramfs.cpio')
    const packed = spawnSync('sh', ['-c', `cd '${root}' && find . | '${BUSYBOX}' cpio -o -H newc > '${image}'`])
    if (packed.status !== 0) throw new Error(`could not pack the initramfs: ${packed.stderr}`)
    return image
  })()
  return initramfs
}

export interface GuestRun {
  /** What lab.sh exited with inside the kernel, or null when it never said (the kernel died or was killed). */
  readonly labExitCode: null | number
  readonly timedOut: boolean
}

const children = new Set<number>()

/**
 * Boots Debian's own kernel (the one a Debian 12 gateway runs) in a QEMU virtual machine, emulated in software so it
 * runs on any host, on the host's root (read-only, over 9p), whose init runs one lab scenario with `runDir` mounted
 * read-write. The machine and everything in it is gone when this returns, also on a time-out.
 */
export async function bootLab(runDir: string, timeoutMs: number): Promise<GuestRun> {
  const kernel = labKernel()!
  const args = [
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-m',
    '512',
    '-smp',
    '1',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${join(runDir, 'console.log')}`,
    '-no-reboot',
    '-nodefaults',
    '-kernel',
    `/boot/vmlinuz-${kernel}`,
    '-initrd',
    await buildInitramfs(kernel),
    '-append',
    `console=ttyS0 quiet panic=-1 lab_init=${GUEST_INIT} LAB_RUN=/mnt`,
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs',
    `local,path=${runDir},mount_tag=labrun,security_model=none`,
  ]
  const child = spawn(QEMU, args, {stdio: ['ignore', 'ignore', 'pipe']})
  children.add(child.pid!)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutMs)
  await new Promise<void>((resolve) => {
    child.on('error', () => resolve())
    child.on('close', () => resolve())
  })
  clearTimeout(timer)
  children.delete(child.pid!)
  if (stderr.trim() !== '') await writeFile(join(runDir, 'qemu.log'), stderr)
  const exitFile = join(runDir, 'exit-code')
  const labExitCode = existsSync(exitFile) ? Number((await readFile(exitFile, 'utf8')).trim()) : null
  return {labExitCode, timedOut}
}

/** True when no virtual machine of this lab is left on the host. */
export function noLabKernelsLeft(): boolean {
  return [...children].every((pid) => spawnSync('kill', ['-0', String(pid)]).status !== 0)
}

export async function removeInitramfs(): Promise<void> {
  if (initramfs) await rm(join(await initramfs, '..'), {force: true, recursive: true})
}
