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
    // v3 only identified itself: visitors are people with a page view, screen or event.
    // v1's two page views lie 9.5 hours apart: two visits.
    expect(await res.json()).toMatchObject({
      site: 's1',
      from: '2026-03-10',
      to: '2026-03-10',
      timezone: 'Europe/Berlin',
      uniques: 'exact',
      visitors: 2,
      visits: 3,
      pageviews: 2,
      events: 1,
      bounceRate: 0.6667,
      previous: { from: '2026-03-09', to: '2026-03-09', visitors: 1, pageviews: 1 },
    })
    const wide = await app.request(
      '/v1/stats/overview?site=s1&from=2026-03-09&to=2026-03-11',
      bearer(ADMIN_KEY),
    )
    expect(await wide.json()).toMatchObject({ visitors: 4, pageviews: 3, events: 2 })
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

describe('the other stats routes', () => {
  const q = 'site=s1&from=2026-03-01&to=2026-03-31'
  const routes = [
    `/v1/stats/timeseries?${q}`,
    `/v1/stats/breakdown?${q}&dimension=source`,
    `/v1/stats/retention?${q}`,
    `/v1/stats/experiments/e1?${q}&goal=event:Signup`,
    `/v1/stats/realtime?site=s1`,
    `/v1/stats/goals?site=s1`,
  ]

  it.each(routes)('%s needs a read key of the site', async (path) => {
    const { app, site, other } = await testApp()
    expect((await app.request(path)).status).toBe(401)
    expect((await app.request(path, bearer(site.writeKey))).status).toBe(403)
    expect((await app.request(path, bearer(other.readKey))).status).toBe(403)
    expect((await app.request(path, bearer(site.readKey))).status).toBe(200)
  })

  it('needs a read key of the site for funnels, and an admin key to save goals', async () => {
    const { app, site, other } = await testApp()
    const funnel = (key: string) =>
      app.request('/v1/stats/funnel', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          site: 's1',
          from: '2026-03-01',
          to: '2026-03-02',
          steps: [{ page: '/' }, { event: 'Buy' }],
        }),
      })
    expect((await funnel(other.readKey)).status).toBe(403)
    expect((await funnel(site.readKey)).status).toBe(200)
    const save = (key: string) =>
      app.request('/v1/stats/goals?site=s1', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Buy', event: 'Buy' }),
      })
    expect((await save(site.readKey)).status).toBe(403)
    const created = await save(ADMIN_KEY)
    expect(created.status).toBe(201)
    const goal = (await created.json()) as { id: string }
    const list = await app.request('/v1/stats/goals?site=s1', bearer(site.readKey))
    expect(await list.json()).toMatchObject({
      goals: [{ id: goal.id, name: 'Buy', kind: 'event', value: 'Buy' }],
    })
    const del = await app.request(`/v1/stats/goals/${goal.id}?site=s1`, {
      method: 'DELETE',
      ...bearer(ADMIN_KEY),
    })
    expect(del.status).toBe(204)
  })

  it.each([
    ['an unknown dimension', `/v1/stats/breakdown?${q}&dimension=shoe_size`],
    ['a malformed filter', `/v1/stats/overview?${q}&filter=source`],
    ['an unknown filter operator', `/v1/stats/overview?${q}&filter=source:like:x`],
    ['an unknown interval', `/v1/stats/timeseries?${q}&interval=fortnight`],
    ['a limit too large', `/v1/stats/breakdown?${q}&dimension=page&limit=100000`],
    ['too many retention periods', `/v1/stats/retention?${q}&periods=1000`],
    ['an experiment without a goal', `/v1/stats/experiments/e1?${q}`],
  ])('refuses %s with 400 invalid_query', async (_name, path) => {
    const { app, site } = await testApp()
    const res = await app.request(path, bearer(site.readKey))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: ErrorCode.invalidQuery } })
  })

  it('refuses a funnel with one step with 400 invalid_body', async () => {
    const { app, site } = await testApp()
    const res = await app.request('/v1/stats/funnel', {
      method: 'POST',
      headers: { authorization: `Bearer ${site.readKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        site: 's1',
        from: '2026-03-01',
        to: '2026-03-02',
        steps: [{ page: '/' }],
      }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: ErrorCode.invalidBody } })
  })

  it('orders events of one visitor at the same millisecond by message id, whatever their arrival', async () => {
    const { app, site } = await testApp()
    const at = '2026-03-10T10:00:00.000Z'
    const view = (messageId: string, path: string) =>
      trackMessage({
        type: 'page',
        messageId,
        anonymousId: 'tie',
        timestamp: at,
        properties: { path },
      })
    // Stored last-first: message id 'tie-c' arrives first, 'tie-a' last.
    await postBatch(app, { writeKey: site.writeKey, batch: [view('tie-c', '/c')] })
    await postBatch(app, { writeKey: site.writeKey, batch: [view('tie-b', '/b')] })
    await postBatch(app, { writeKey: site.writeKey, batch: [view('tie-a', '/a')] })
    const page = async (dimension: string) =>
      (
        (await (
          await app.request(`/v1/stats/breakdown?${q}&dimension=${dimension}`, bearer(site.readKey))
        ).json()) as { results: { value: string }[] }
      ).results.map((r) => r.value)
    expect(await page('entry_page')).toEqual(['/a'])
    expect(await page('exit_page')).toEqual(['/c'])
  })

  it('keeps page and event names that contain the control characters the aggregation joins with', async () => {
    const { app, site } = await testApp()
    const odd = 'Sign\u001fup\u001e now'
    await postBatch(app, {
      writeKey: site.writeKey,
      batch: [
        trackMessage({
          type: 'page',
          anonymousId: 'odd',
          properties: { path: '/x\u001fy' },
          timestamp: '2026-03-10T10:00:00Z',
        }),
        trackMessage({
          anonymousId: 'odd',
          event: odd,
          properties: { plan: 'a\u001eb' },
          timestamp: '2026-03-10T10:01:00Z',
        }),
        trackMessage({
          type: 'page',
          anonymousId: 'other',
          properties: { path: '/' },
          timestamp: '2026-03-10T11:00:00Z',
        }),
      ],
    })
    const breakdown = async (dimension: string) =>
      (
        (await (
          await app.request(`/v1/stats/breakdown?${q}&dimension=${dimension}`, bearer(site.readKey))
        ).json()) as { results: { value: string; visits: number }[] }
      ).results.map((r) => [r.value, r.visits])
    expect(await breakdown('page')).toEqual([
      ['/', 1],
      ['/x\u001fy', 1],
    ])
    expect(await breakdown('event')).toEqual([[odd, 1]])
    expect(await breakdown('prop:plan')).toEqual([['a\u001eb', 1]])
    const overview = await (
      await app.request(`/v1/stats/overview?${q}`, bearer(site.readKey))
    ).json()
    expect(overview).toMatchObject({ visitors: 2, visits: 2, pageviews: 2, events: 1 })
  })

  it('answers CSV for every table, with a header row', async () => {
    const { app, site } = await testApp()
    await postBatch(app, {
      writeKey: site.writeKey,
      batch: [
        trackMessage({
          type: 'page',
          properties: { path: '/a,b' },
          timestamp: '2026-03-10T10:00:00Z',
        }),
        trackMessage({ timestamp: '2026-03-10T10:01:00Z' }),
      ],
    })
    const csv = async (path: string) => {
      const res = await app.request(`${path}&format=csv`, bearer(site.readKey))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/csv')
      return (await res.text()).trim().split('\n')
    }
    expect(await csv(`/v1/stats/breakdown?${q}&dimension=page`)).toEqual([
      'value,visitors,visits,pageviews,events,bounceRate,visitDuration,viewsPerVisit',
      '"/a,b",1,1,1,0,,,1',
    ])
    const series = await csv(`/v1/stats/timeseries?${q}`)
    expect(series).toHaveLength(32)
    expect(series[10]).toBe('2026-03-10,1,1,1,1,0,60,1')
    expect((await csv(`/v1/stats/overview?${q}`))[1]).toBe('2026-03-01,2026-03-31,1,1,1,1,0,60,1')
    expect((await csv(`/v1/stats/retention?${q}&period=month&periods=1`))[0]).toBe(
      'cohort,visitors,period_0,period_1',
    )
  })

  it('analyses an experiment: counts, statistics, CSV rows, and 400 for a bad control or weight', async () => {
    const { app, site } = await testApp()
    const exposure = (anonymousId: string, variant: string, at: string) =>
      trackMessage({
        anonymousId,
        event: 'Experiment Viewed',
        properties: { experiment_id: 'e1', variant },
        timestamp: at,
      })
    await postBatch(app, {
      writeKey: site.writeKey,
      batch: [
        exposure('a', 'control', '2026-03-10T10:00:00Z'),
        exposure('b', 'control', '2026-03-10T10:00:00Z'),
        exposure('c', 'treatment', '2026-03-10T10:00:00Z'),
        exposure('d', 'treatment', '2026-03-10T10:00:00Z'),
        // c converts after its exposure; a's signup came before it and does not count.
        trackMessage({ anonymousId: 'c', event: 'Signup', timestamp: '2026-03-10T10:05:00Z' }),
        trackMessage({ anonymousId: 'a', event: 'Signup', timestamp: '2026-03-10T09:55:00Z' }),
      ],
    })
    const path = `/v1/stats/experiments/e1?${q}&goal=event:Signup`
    const res = await app.request(path, bearer(site.readKey))
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ control: 'control', verdict: 'inconclusive', winner: null })
    expect(body.variants).toMatchObject([
      { name: 'control', exposed: 2, conversions: 0, conversionRate: 0, liftVsControl: null },
      { name: 'treatment', exposed: 2, conversions: 1, conversionRate: 0.5 },
    ])
    expect(body.variants[1].interval.low).toBeGreaterThan(0)
    expect(body.variants[1].pValue).toBeGreaterThan(0.05)
    const csv = (
      await (await app.request(`${path}&format=csv`, bearer(site.readKey))).text()
    ).split('\n')
    expect(csv[0]).toContain('intervalLow,intervalHigh')
    expect(csv[0]).not.toContain('[object')
    expect(csv).toHaveLength(4) // header, two variants, final newline
    // The experiment list, as JSON and as CSV (variants joined by |).
    const list = await app.request(`/v1/stats/experiments?${q}`, bearer(site.readKey))
    expect(await list.json()).toMatchObject({
      experiments: [{ id: 'e1', variants: ['control', 'treatment'], exposed: 4 }],
    })
    const listCsv = await app.request(`/v1/stats/experiments?${q}&format=csv`, bearer(site.readKey))
    expect((await listCsv.text()).trim().split('\n')).toEqual([
      'id,variants,exposed',
      'e1,control|treatment,4',
    ])
    for (const bad of ['&control=nobody', '&weights=0,1', '&weights=50']) {
      const r = await app.request(path + bad, bearer(site.readKey))
      expect(r.status, bad).toBe(400)
      expect(await r.json()).toMatchObject({ error: { code: ErrorCode.invalidQuery } })
    }
  })
})
