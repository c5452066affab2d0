import { statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { createTracker } from '@pipit/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { type CollectorProcess, firstStartKeys, startCollectorProcess } from './process'

const ADMIN = 'e2e-admin-key-0123456789abcdef'
const running: { stop(): unknown }[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()))
})

/**
 * A proxy in front of the collector that forwards every request but cuts the
 * connection instead of relaying the first answer: the collector has stored
 * the batch, the client sees a network error and must send it again.
 */
async function flakyProxy(
  target: string,
): Promise<{ url: string; requests: number; stop(): Promise<void> }> {
  let requests = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests++
      const first = requests === 1
      void fetch(target + req.url, {
        method: req.method ?? 'POST',
        body: Buffer.concat(chunks),
        headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
      }).then(async (answer) => {
        if (first) return req.socket.destroy()
        res.writeHead(answer.status, { 'content-type': 'application/json' })
        res.end(await answer.text())
      })
    })
  })
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests
    },
    stop: () => new Promise<void>((done) => server.close(() => done())),
  }
  running.push(proxy)
  return proxy
}

async function start(db: string): Promise<CollectorProcess> {
  const collector = await startCollectorProcess({ db, env: { PIPIT_ADMIN_KEY: ADMIN } })
  running.push(collector)
  return collector
}

// A window around now, so a run across midnight UTC still finds its events.
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

describe('collector process end to end', () => {
  it('stores SDK events exactly once through a lost answer and a retry', async () => {
    const db = tmpDb()
    const collector = await start(db)
    const created = await fetch(`${collector.url}/v1/admin/sites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'e2e', timezone: 'UTC' }),
    })
    const site = (await created.json()) as { writeKey: string; readKey: string }
    const proxy = await flakyProxy(collector.url)

    const tracker = createTracker({
      writeKey: site.writeKey,
      host: proxy.url,
      flushInterval: 60_000,
      maxBatchSize: 20,
      consent: 'granted',
    })
    for (let i = 0; i < 25; i++) tracker.track('Item Viewed', { i })
    tracker.page('Home', { path: '/', url: 'https://shop.example/' })
    // The first batch is stored, but its answer is lost: the SDK must send it again on its own
    // (after its retry backoff) and the collector must store it once.
    await tracker.flush()
    await expect
      .poll(() => proxy.requests, { timeout: 20_000, interval: 200 })
      .toBeGreaterThanOrEqual(3)
    await tracker.flush()
    tracker.shutdown()

    const overview = await fetch(
      `${collector.url}/v1/stats/overview?site=e2e&from=${day(-1)}&to=${day(1)}`,
      {
        headers: { authorization: `Bearer ${site.readKey}` },
      },
    )
    expect(await overview.json()).toMatchObject({ visitors: 1, pageviews: 1, events: 25 })

    await collector.stop()
    const file = new Database(db, { readonly: true })
    const rows = file
      .prepare(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT message_id) AS ids FROM events WHERE site_id = 'e2e'",
      )
      .get()
    file.close()
    expect(rows).toEqual({ n: 26, ids: 26 })
  })

  // Regression: secret keys were printed to stdout, and so into service logs.
  it('creates the demo site on a first start, writes its secret keys to an owner-only file, never to the log, and serves the dashboard', async () => {
    const db = tmpDb()
    const first = await startCollectorProcess({ db })
    running.push(first)
    const { file, readKey, writeKey, adminKey } = firstStartKeys(db)
    expect(readKey).toMatch(/^sk_read_/)
    expect(adminKey).toMatch(/^sk_admin_/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    // stdout is not a terminal here: the log names the file, never a secret.
    expect(first.output()).not.toMatch(/sk_read_|sk_admin_/)
    expect(first.output()).toContain(file)
    expect(first.output()).toContain(writeKey) // the write key is public

    const sites = await fetch(`${first.url}/v1/sites`, {
      headers: { authorization: `Bearer ${readKey}` },
    })
    expect(await sites.json()).toMatchObject({ sites: [{ id: 'demo' }] })
    const dashboard = await fetch(`${first.url}/`)
    expect(dashboard.status).toBe(200)
    // The built dashboard: its page and the script it names (content-hashed) are served.
    const html = await dashboard.text()
    expect(html).toContain('<div id="root"></div>')
    const script = /src="(\/assets\/app-[\w-]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const asset = await fetch(`${first.url}${script!}`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toContain('javascript')
    expect((await asset.text()).length).toBeGreaterThan(10_000)
    expect(await (await fetch(`${first.url}/healthz`)).json()).toEqual({ status: 'ok' })
    await first.stop()

    const second = await start(db)
    expect(second.output()).not.toMatch(/sk_read_|sk_admin_|First start/)
    const admin = await fetch(`${second.url}/v1/sites`, {
      headers: { authorization: `Bearer ${adminKey}` },
    })
    expect(admin.status).toBe(200)
  })

  it('fails fast naming every bad setting', async () => {
    await expect(
      startCollectorProcess({
        db: tmpDb(),
        env: {
          PIPIT_ADMIN_KEY: 'short',
          PIPIT_SQLITE_SYNCHRONOUS: 'sometimes',
          PIPIT_TRUST_PROXY: '10.0.0.0/8,proxy.internal',
        },
      }),
    ).rejects.toThrow(
      /PIPIT_ADMIN_KEY: must be at least 16 characters.*PIPIT_SQLITE_SYNCHRONOUS.*PIPIT_TRUST_PROXY: "proxy\.internal" is not/s,
    )
  })
})
