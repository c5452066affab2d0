import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, postBatch, testApp, trackMessage } from '../../test/helpers'

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } })

describe('GET /v1/stats/overview', () => {
  it('counts visitors, page views and events over the site-local days asked for', async () => {
    const { app, site } = await testApp()
    // s1 is Europe/Berlin (UTC+1 in March): 2026-03-09T23:30Z is already March 10 there.
    const batch = [
      trackMessage({
        type: 'page',
        properties: { path: '/' },
        anonymousId: 'v1',
        timestamp: '2026-03-09T23:30:00Z',
      }),
      trackMessage({
        type: 'page',
        properties: { path: '/a' },
        anonymousId: 'v1',
        timestamp: '2026-03-10T10:00:00Z',
      }),
      trackMessage({ anonymousId: 'v2', timestamp: '2026-03-10T22:59:59Z' }),
      trackMessage({
        type: 'identify',
        userId: 'u1',
        anonymousId: 'v3',
        timestamp: '2026-03-10T12:00:00Z',
      }),
      // Outside: March 9 local, and March 11 local.
      trackMessage({ type: 'page', anonymousId: 'v4', timestamp: '2026-03-09T22:59:59Z' }),
      trackMessage({ anonymousId: 'v5', timestamp: '2026-03-10T23:00:00Z' }),
    ]
    await postBatch(app, { batch, writeKey: site.writeKey })
    const res = await app.request(
      '/v1/stats/overview?site=s1&from=2026-03-10&to=2026-03-10',
      bearer(site.readKey),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      site: 's1',
      from: '2026-03-10',
      to: '2026-03-10',
      timezone: 'Europe/Berlin',
      visitors: 3,
      pageviews: 2,
      events: 1,
    })
    const wide = await app.request(
      '/v1/stats/overview?site=s1&from=2026-03-09&to=2026-03-11',
      bearer(ADMIN_KEY),
    )
    expect(await wide.json()).toMatchObject({ visitors: 5, pageviews: 3, events: 2 })
  })

  it('needs a read or admin key of that site', async () => {
    const { app, site, other } = await testApp()
    const path = '/v1/stats/overview?site=s1&from=2026-03-10&to=2026-03-10'
    const cases: [RequestInit, number, string][] = [
      [{}, 401, ErrorCode.unauthorized],
      [bearer('sk_read_unknown'), 401, ErrorCode.unauthorized],
      [bearer(site.writeKey), 403, ErrorCode.forbidden],
      [bearer(other.readKey), 403, ErrorCode.forbidden],
    ]
    for (const [init, status, code] of cases) {
      const res = await app.request(path, init)
      expect(res.status).toBe(status)
      expect(await res.json()).toMatchObject({ error: { code } })
    }
    expect((await app.request(path, bearer(site.readKey))).status).toBe(200)
  })

  it.each([
    ['no site', 'from=2026-01-01&to=2026-01-02'],
    ['a malformed date', 'site=s1&from=2026-1-1&to=2026-01-02'],
    ['an impossible date', 'site=s1&from=2026-02-30&to=2026-03-02'],
    ['from after to', 'site=s1&from=2026-03-02&to=2026-03-01'],
  ])('refuses %s with 400 invalid_query', async (_name, query) => {
    const { app } = await testApp()
    const res = await app.request(`/v1/stats/overview?${query}`, bearer(ADMIN_KEY))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: ErrorCode.invalidQuery } })
  })

  it('answers 404 site_not_found for an unknown site', async () => {
    const { app } = await testApp()
    const res = await app.request(
      '/v1/stats/overview?site=zz&from=2026-01-01&to=2026-01-01',
      bearer(ADMIN_KEY),
    )
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: ErrorCode.siteNotFound } })
  })
})
