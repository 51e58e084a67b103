// The floor of the benchmark: a bare Node process that does the GET of `spaces:vpn:info NAME -s SPACE --json`
// with node:http and prints the JSON, and nothing else (no framework, no validation, no error handling). With
// HTTP_PROXY set it sends the request through that proxy (absolute-form, as to an http API), the floor of the proxy path.
const http = require('node:http')

const [space, name] = process.argv.slice(2)
const path = `/spaces/${encodeURIComponent(space)}/vpn-connections/${encodeURIComponent(name)}`
const headers = {
  Accept: 'application/vnd.heroku+json; version=3',
  Authorization: `Bearer ${process.env.HEROKU_API_KEY}`,
}
const url = new URL(path, process.env.HEROKU_HOST)
const proxy = process.env.HTTP_PROXY && new URL(process.env.HTTP_PROXY)
const via = proxy
  ? {host: proxy.hostname, path: url.href, port: proxy.port}
  : {host: url.hostname, path: url.pathname, port: url.port}
http.get({headers, ...via}, (res) => {
  let body = ''
  res.setEncoding('utf8')
  res.on('data', (chunk) => {
    body += chunk
  })
  res.on('end', () => process.stdout.write(`${JSON.stringify(JSON.parse(body), null, 2)}\n`))
})
