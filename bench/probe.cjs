// Preloaded (NODE_OPTIONS=--require) into a measured process: appends its peak resident memory in kB to
// BENCH_RSS_FILE when it exits. Only used in the memory runs, never in the timed ones.
const {appendFileSync} = require('node:fs')

const file = process.env.BENCH_RSS_FILE
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`))
