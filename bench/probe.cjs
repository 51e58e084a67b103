// Preloaded (NODE_OPTIONS=--require) into every measured process, the floor's included: appends the CPU time it used
// (user + system, ms, every thread) and its peak resident memory (kB) to BENCH_PROBE_FILE when it exits.
const {appendFileSync} = require('node:fs')

const file = process.env.BENCH_PROBE_FILE
if (file) {
  process.on('exit', () => {
    const {system, user} = process.cpuUsage()
    appendFileSync(file, `${(user + system) / 1000} ${process.resourceUsage().maxRSS}\n`)
  })
}
