import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, postBatch, testApp, trackMessage } from '../../test/helpers'

const post = (body: unknown, key?: string) => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: {
    'content-type': 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  },
})

describe('sites API', () => {
  it('creates a site whose keys ingest and read at once', async () => {
    const { app } = await testApp()
    const res = await app.request(
      '/v1/admin/sites',
      post({ id: 'shop', timezone: 'Asia/Kolkata' }, ADMIN_KEY),
    )
    expect(res.status).toBe(201)
    const site = (await res.json()) as { siteId: string; writeKey: string; readKey: string }
    expect(site).toMatchObject({ siteId: 'shop', timezone: 'Asia/Kolkata' })
    expect(site.writeKey).toMatch(/^pk_/)
    expect(site.readKey).toMatch(/^sk_read_/)

    await postBatch(app, {
      batch: [trackMessage({ timestamp: '2026-03-10T10:00:00Z' })],
      writeKey: site.writeKey,
    })
    const stats = await app.request('/v1/stats/overview?site=shop&from=2026-03-10&to=2026-03-10', {
      headers: { authorization: `Bearer ${site.readKey}` },
    })
    expect(await stats.json()).toMatchObject({ events: 1, visitors: 1 })
  })

  it('refuses a taken id, a bad time zone and keys that are not the instance admin', async () => {
    const { app, site } = await testApp()
    const taken = await app.request('/v1/admin/sites', post({ id: 's1' }, ADMIN_KEY))
    expect(taken.status).toBe(409)
    expect(await taken.json()).toMatchObject({ error: { code: ErrorCode.siteExists } })
    const badTz = await app.request(
      '/v1/admin/sites',
      post({ timezone: 'Mars/Olympus' }, ADMIN_KEY),
    )
    expect(badTz.status).toBe(400)
    expect(await badTz.json()).toMatchObject({ error: { code: ErrorCode.invalidBody } })
    expect((await app.request('/v1/admin/sites', post({}, site.readKey))).status).toBe(403)
    expect((await app.request('/v1/admin/sites', post({}))).status).toBe(401)
  })

  it('lists only the sites a key reaches', async () => {
    const { app, site } = await testApp()
    const list = async (key: string) =>
      (
        (await (
          await app.request('/v1/sites', { headers: { authorization: `Bearer ${key}` } })
        ).json()) as {
          sites: { id: string }[]
        }
      ).sites.map((s) => s.id)
    expect(await list(site.readKey)).toEqual(['s1'])
    expect(await list(ADMIN_KEY)).toEqual(['s1', 's2'])
  })
})

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    const { app } = await testApp()
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' })
    expect(await (await app.request('/readyz')).json()).toEqual({
      status: 'ready',
      store: 'sqlite',
    })
  })

  it('answers unknown routes with a JSON 404', async () => {
    const { app } = await testApp()
    const res = await app.request('/nope')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: ErrorCode.notFound } })
  })
})
