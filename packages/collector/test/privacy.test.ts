import { readFileSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { startCollectorProcess } from './process'

const ADMIN = 'privacy-admin-key-0123456789abc'

describe('privacy', () => {
  it('writes no sending IP address to the database files or the logs after a load', async () => {
    const db = tmpDb()
    const collector = await startCollectorProcess({
      db,
      // Two trusted hops (the socket, then 10.0.0.1): the client is each request's own address.
      env: { PIPIT_ADMIN_KEY: ADMIN, PIPIT_TRUST_PROXY: '2', PIPIT_RATE_LIMIT_CLIENT: '0' },
    })
    const created = await fetch(`${collector.url}/v1/admin/sites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ id: 'p', domain: 'shop.example' }),
    })
    const { writeKey } = (await created.json()) as { writeKey: string }
    const ips = Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? `203.0.${113 + (i % 3)}.${10 + (i % 200)}`
        : `2001:db8:${(i * 7).toString(16)}::${(i * 13).toString(16)}`,
    )
    for (const [i, ip] of ips.entries()) {
      const headers = { 'x-forwarded-for': `${ip}, 10.0.0.1`, 'user-agent': `Browser/${i % 5}` }
      await fetch(`${collector.url}/v1/batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          writeKey,
          context: { ip },
          batch: [
            {
              type: 'page',
              messageId: `m${i}`,
              anonymousId: `a${i}`,
              properties: { path: '/' },
              context: { ip },
            },
            {
              type: 'track',
              messageId: `t${i}`,
              userId: `u${i}`,
              event: 'x',
              properties: { ip_note: 'none' },
            },
          ],
        }),
      })
      await fetch(`${collector.url}/api/event`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          name: 'pageview',
          domain: 'shop.example',
          url: 'https://shop.example/',
        }),
      })
    }
    // Bad requests too: errors must not log what was sent.
    await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'x-forwarded-for': ips[0]! },
      body: '{',
    })
    await collector.stop()

    const dir = dirname(db)
    const files = readdirSync(dir).filter((f) => f.startsWith(basename(db)))
    const contents = files.map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n')
    const logs = collector.output()
    expect(contents.length).toBeGreaterThan(0)
    const leaked = ips.filter((ip) => contents.includes(ip) || logs.includes(ip))
    expect(leaked).toEqual([])
    expect(contents).not.toContain('127.0.0.1')
    // Nor the anonymised forms: the network part is hashed, never stored.
    expect(contents).not.toMatch(/203\.0\.11[345]\.0/)
  }, 60_000)
})
