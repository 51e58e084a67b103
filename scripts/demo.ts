import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {shellWord} from '../src/lib/ui/command-lines.js'
import {processStreams, Terminal} from '../src/lib/ui/terminal.js'
import {DEFAULT_BLOCKS_SPACE, startSandbox} from '../src/sandbox/index.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SPACE = DEFAULT_BLOCKS_SPACE

interface Step {
  readonly args: readonly string[]
  readonly expectedExit?: number
  /** Why the step is there, printed as a comment before it. */
  readonly note: string
}

/** The article's flow, plus the checks that the built-in commands do not make; the gateway's files go to `gatewayDir`. */
const steps = (gatewayDir: string): readonly Step[] => [
  {
    args: ['spaces:vpn:connect', 'office', '--ip', '52.91.173.226', '--cidrs', '10.0.0.0/16', '--space', SPACE],
    expectedExit: 2,
    note: "A CIDR that is the space's own network is refused before anything is sent (exit code 2).",
  },
  {
    args: ['spaces:vpn:connect', 'office', '--ip', '52.91.173.226', '--cidrs', '172.16.0.0/16', '--space', SPACE],
    note: 'Create the VPN connection.',
  },
  {args: ['spaces:vpn:wait', 'office', '--space', SPACE, '--interval', '1'], note: 'Wait until the gateway is ready.'},
  {
    args: ['spaces:vpn:info', 'office', '--space', SPACE],
    note: "The article's table: what your side of the VPN needs. Tunnels stay DOWN until your gateway starts sending.",
  },
  {
    args: ['spaces:vpn:info', 'office', '--space', SPACE, '--json'],
    note: 'The whole Platform API object for scripts; the pre-shared keys are in .tunnels[].pre_shared_key.',
  },
  {args: ['spaces:vpn:config', 'office', '--space', SPACE], note: 'The tunnel table with the pre-shared keys.'},
  {
    args: [
      'spaces:vpn:config',
      'office',
      '--space',
      SPACE,
      '--format',
      'swanctl',
      '--local-ip',
      '172.16.0.2',
      '--output-dir',
      gatewayDir,
    ],
    note: "Your VPN host's strongSwan configuration for both tunnels, with its modes, and how to install it (on stderr).",
  },
  {args: ['spaces:vpn:destroy', 'office', '--space', SPACE, '--confirm', 'office'], note: 'Destroy it again.'},
  {
    args: ['spaces:vpn:connections', '--space', SPACE],
    note: "The space's connections: the destroyed one is on its way out.",
  },
]

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['ignore', 'inherit', 'inherit']})
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
}

async function main(): Promise<number> {
  const terminal = new Terminal(processStreams())
  const sandbox = await startSandbox()
  const env = {...process.env, ...sandbox.env}
  const workDir = await mkdtemp(join(tmpdir(), 'heroku-spaces-vpn-demo-'))
  terminal.out(
    terminal.styleOut(
      'dim',
      `# A local Platform API sandbox is listening on ${sandbox.url}; each \`heroku\` below is ./bin/run.js.`,
    ),
  )
  let failures = 0
  try {
    for (const step of steps(join(workDir, 'gateway'))) {
      const expected = step.expectedExit ?? 0
      terminal.out(`\n${terminal.styleOut('dim', `# ${step.note}`)}`)
      terminal.out(terminal.styleOut('bold', `$ heroku ${step.args.map((word) => shellWord(word)).join(' ')}`))
      const code = await run(step.args, env)
      if (code !== expected) {
        failures++
        terminal.warn(`that step exited ${code}, expected ${expected}`)
      }
    }
  } finally {
    await sandbox.stop()
    await rm(workDir, {force: true, recursive: true})
  }

  terminal.out(
    failures === 0
      ? '\nDemo complete: every step behaved as expected.'
      : `\nDemo failed: ${failures} step(s) misbehaved.`,
  )
  return failures === 0 ? 0 : 1
}

process.exitCode = await main()
