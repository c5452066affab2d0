/**
 * Several collectors behind a load balancer on one PostgreSQL database give
 * exactly the numbers one collector on SQLite gives: two real `pipit serve`
 * processes share a fresh database, traffic goes to both (some batches to
 * both at once), and every stats endpoint of either must equal the SQLite
 * answer for the same traffic, before and after an erasure sent to the
 * other one; a key revoked on one stops working on the other within the
 * documented 10 s.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createSiteWithKeys } from '../src/routes/sites'
import { createPostgresStore } from '../src/store/postgres/index'
import { ADMIN_KEY, testApp } from './helpers'
import { postgresTestDatabases } from './postgres'
import { type CollectorProcess, startCollectorProcess } from './process'
import { generate } from './stats-oracle'

const databases = postgresTestDatabases()
const running: CollectorProcess[] = []
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
  await databases.dispose()
})

const SITE = 'shop'
const TIMEZONE = 'Asia/Kathmandu'
const FROM = '2026-03-02'
const TO = '2026-03-08'
const HOUR = 3_600_000

describe.skipIf(!databases.available)('two collectors on one PostgreSQL', () => {
  it('store every event once and answer every stats endpoint as SQLite does, also after an erasure sent to the other', async () => {
    const url = await databases.fresh()
    const env = {
      PIPIT_ADMIN_KEY: ADMIN_KEY,
      PIPIT_RATE_LIMIT_SITE: '0',
      PIPIT_RATE_LIMIT_CLIENT: '0',
      PIPIT_RATE_LIMIT_READ: '0',
    }
    const [a, b] = await Promise.all([
      startCollectorProcess({ db: url, env }),
      startCollectorProcess({ db: url, env }),
    ])
    running.push(a, b)
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }
    const created = await fetch(`${a.url}/v1/admin/sites`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: SITE, timezone: TIMEZONE }),
    })
    expect(created.status).toBe(201)
    const { writeKey } = (await created.json()) as { writeKey: string }

    // The same traffic into a collector on SQLite.
    const reference = await testApp()
    const ref = await createSiteWithKeys(reference.store, { id: SITE, timezone: TIMEZONE }, 0)

    const startMs = Date.parse(`${FROM}T00:00:00Z`) - 12 * HOUR
    const traffic = generate(7, startMs, 8, 40)
    const batches: unknown[][] = []
    for (let i = 0; i < traffic.length; i += 50) batches.push(traffic.slice(i, i + 50))
    const post = async (base: string, batch: unknown[], key: string) => {
      const res = await fetch(`${base}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ writeKey: key, batch }),
      })
      expect(res.status).toBe(200)
      return (await res.json()) as { accepted: number; duplicates: number }
    }
    // Every batch to one collector, every third also to the other at the same time.
    let accepted = 0
    let duplicates = 0
    await Promise.all(
      batches.map(async (batch, i) => {
        const [first, second] = i % 2 ? [a, b] : [b, a]
        const sends = [post(first.url, batch, writeKey)]
        if (i % 3 === 0) sends.push(post(second.url, batch, writeKey))
        for (const r of await Promise.all(sends)) {
          accepted += r.accepted
          duplicates += r.duplicates
        }
      }),
    )
    for (const batch of batches) {
      const res = await reference.app.request('/v1/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ writeKey: ref.writeKey, batch }),
      })
      expect(res.status).toBe(200)
    }
    expect(accepted).toBe(traffic.length)
    expect(duplicates).toBe(batches.filter((_, i) => i % 3 === 0).reduce((n, x) => n + x.length, 0))
    const direct = await createPostgresStore({ url })
    try {
      const stored = (await direct.listEvents(SITE)).map((e) => e.messageId).sort()
      const expected = (await reference.store.listEvents(SITE)).map((e) => e.messageId).sort()
      expect(stored).toEqual(expected)
    } finally {
      await direct.close()
    }

    const q = `site=${SITE}&from=${FROM}&to=${TO}`
    const paths = [
      `/v1/stats/overview?${q}`,
      `/v1/stats/overview?${q}&filter=country:is:DE`,
      ...['hour', 'day', 'week'].map((i) => `/v1/stats/timeseries?${q}&interval=${i}`),
      ...[
        'page',
        'entry_page',
        'exit_page',
        'source',
        'channel',
        'browser',
        'event',
        'prop:plan',
      ].map((d) => `/v1/stats/breakdown?${q}&dimension=${d}&limit=1000`),
      `/v1/stats/breakdown?${q}&dimension=source&goal=event:Signup`,
      `/v1/stats/breakdown?${q}&dimension=page&filter=channel:is:search&sort=visits&order=asc`,
      `/v1/stats/retention?${q}&period=day&periods=3`,
      `/v1/stats/experiments?${q}`,
      `/v1/stats/experiments/exp1?${q}&goal=event:Signup`,
    ]
    const funnel = {
      site: SITE,
      from: FROM,
      to: TO,
      steps: [{ page: '/' }, { page: '/pricing' }, { event: 'Signup' }],
    }
    const read = async (app: { request: typeof fetch } | string, path: string, key: string) => {
      const init: RequestInit = {
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(path === 'funnel'
          ? { method: 'POST', body: JSON.stringify(funnel) }
          : { method: 'GET' }),
      }
      const target = path === 'funnel' ? '/v1/stats/funnel' : path
      const res =
        typeof app === 'string'
          ? await fetch(`${app}${target}`, init)
          : await app.request(target, init)
      expect(res.status, target).toBe(200)
      return res.json() as Promise<unknown>
    }
    const sameAsReference = async () => {
      for (const path of [...paths, 'funnel']) {
        const want = await read(reference.app as never, path, ref.readKey)
        for (const server of [a, b]) {
          // Each collector aggregates on its own schedule: poll until the answer is the reference's.
          await expect
            .poll(() => read(server.url, path, ADMIN_KEY), { timeout: 60_000, interval: 500 })
            .toEqual(want)
        }
      }
    }
    const overview = (await read(reference.app as never, paths[0]!, ref.readKey)) as {
      visitors: number
    }
    expect(overview.visitors).toBeGreaterThan(20)
    await sameAsReference()

    // An erasure sent to one collector; the other answers without the subject.
    const subject = { site: SITE, anonymousId: 'visitor-7-3' }
    const erase = (base: string | { request: typeof fetch }, key: string) => {
      const init = {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(subject),
      }
      return typeof base === 'string'
        ? fetch(`${base}/v1/gdpr/delete`, init)
        : base.request('/v1/gdpr/delete', init)
    }
    const erased = await erase(b.url, ADMIN_KEY)
    expect(erased.status).toBe(200)
    const refErased = await erase(reference.app as never, ADMIN_KEY)
    const { deleted } = (await erased.clone().json()) as { deleted: number }
    expect(deleted).toBeGreaterThan(0)
    expect(await erased.json()).toMatchObject({
      deleted: ((await refErased.json()) as { deleted: number }).deleted,
    })
    await sameAsReference()

    // A key revoked through one collector stops working on the other within its 10 s cache.
    const issued = await fetch(`${a.url}/v1/admin/sites/${SITE}/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ scope: 'read' }),
    })
    const { id, key } = (await issued.json()) as { id: string; key: string }
    const overviewWith = (server: CollectorProcess) =>
      fetch(`${server.url}/v1/stats/overview?${q}`, {
        headers: { authorization: `Bearer ${key}` },
      }).then((r) => r.status)
    expect(await overviewWith(b)).toBe(200) // now cached on b
    const revoked = await fetch(`${a.url}/v1/admin/keys/${id}`, {
      method: 'DELETE',
      headers: admin,
    })
    expect(revoked.status).toBe(200)
    expect(await overviewWith(a)).toBe(401)
    // The bound is 10 s; the poll allows 5 s more for a busy machine.
    await expect.poll(() => overviewWith(b), { timeout: 15_000, interval: 250 }).toBe(401)
  }, 300_000)
})
