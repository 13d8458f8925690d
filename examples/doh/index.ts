// DNS over HTTPS (RFC 8484) as a kind: /doh and /dns-query on DOH_PORT (plain and TLS on one port),
// forwarded to the DNS server DOH_UPSTREAM; the webmgmt page on WEBMGMT_PORT counts its requests.
import Fastify from 'fastify'
import kindRouter, { formatAddress } from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { dohEndpoints } from '@kinds/endpoint-table/doh'

const host = process.env.HOST ?? 'localhost'
const dohPort = Number(process.env.DOH_PORT ?? 8443)
const webmgmtPort = Number(process.env.WEBMGMT_PORT ?? 8453)
const upstream = process.env.DOH_UPSTREAM ?? '127.0.0.1:53'

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
await app.register(kindRouter)
await app.register(snippetsUi, { name: 'doh' })
const { http, net } = app

// The one line that enables DoH: a kind whose table is the DoH endpoints.
await http.config({ endpoints: dohEndpoints({ upstream }) }, 'doh')

await net.listen(host, webmgmtPort, { kind: 'webmgmt' })
await net.listen(host, dohPort, { kind: 'doh' })

for (const l of net.list()) {
  const where = formatAddress(l)
  const urls = l.tls === 'auto' ? [`http://${where}`, `https://${where}`] : [`${l.tls ? 'https' : 'http'}://${where}`]
  app.log.info(`${l.kind} on ${urls.join(' and ')} (${l.protocols.join(', ')})`)
}
app.log.info(`DoH queries go to ${upstream}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'closing')
    app.close().then(() => process.exit(0), () => process.exit(1))
  })
}
