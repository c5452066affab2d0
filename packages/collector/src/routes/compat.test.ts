import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, testApp } from '../../test/helpers'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0'

async function appWithDomain(now?: () => number) {
  const t = await testApp({ config: { trustProxy: true }, ...(now ? { now } : {}) })
  await t.app.request('/v1/admin/sites/s1', {
    method: 'PATCH',
    body: JSON.stringify({ domain: 'www.Shop.example' }),
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
  })
  return t
}

const post = (
  app: Awaited<ReturnType<typeof testApp>>['app'],
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  app.request(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: {
      'content-type': 'text/plain',
      'user-agent': FIREFOX,
      'x-forwarded-for': '203.0.113.9',
      ...headers,
    },
  })

describe('Plausible POST /api/event', () => {
  it('stores page views and custom events of the site named by domain', async () => {
    const { app, store } = await appWithDomain()
    const view = await post(app, '/api/event', {
      name: 'pageview',
      domain: 'shop.example',
      url: 'https://shop.example/pricing?utm_source=twitter',
      referrer: 'https://t.co/abc',
    })
    expect(view.status).toBe(202)
    expect(await view.text()).toBe('ok')
    await post(app, '/api/event', {
      name: 'Signup',
      domain: 'other.example,shop.example',
      url: 'https://shop.example/signup',
      props: { plan: 'pro' },
    })
    const [page, track] = await store.listEvents('s1')
    expect(page).toMatchObject({
      type: 'page',
      path: '/pricing',
      utmSource: 'twitter',
      browser: 'Firefox',
      anonymousId: null,
    })
    expect(track).toMatchObject({ type: 'track', name: 'Signup', properties: { plan: 'pro' } })
    // No client id: both are counted as one visitor by the daily-salted hash.
    expect(page!.visitorId).toMatch(/^v_/)
    expect(track!.visitorId).toBe(page!.visitorId)
  })

  it('answers 404 for an unknown domain and 400 for a malformed event', async () => {
    const { app } = await appWithDomain()
    const unknown = await post(app, '/api/event', {
      name: 'pageview',
      domain: 'nope.example',
      url: 'https://nope.example/',
    })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: ErrorCode.siteNotFound } })
    const bad = await post(app, '/api/event', { name: 'pageview', domain: 'shop.example' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: ErrorCode.invalidBody } })
  })
})

describe('Umami POST /api/send', () => {
  it('stores page views and events of the site named by website id or host name', async () => {
    const { app, store } = await appWithDomain()
    const payload = {
      hostname: 'shop.example',
      url: '/docs?x=1',
      title: 'Docs',
      language: 'de-DE',
      screen: '1920x1080',
      referrer: '',
    }
    const byId = await post(app, '/api/send', {
      type: 'event',
      payload: { ...payload, website: 's1' },
    })
    expect(byId.status).toBe(200)
    await post(app, '/api/send', {
      type: 'event',
      payload: { ...payload, website: 'a-umami-uuid', name: 'Download', data: { file: 'a.pdf' } },
    })
    const [page, track] = await store.listEvents('s1')
    expect(page).toMatchObject({
      type: 'page',
      path: '/docs',
      url: 'https://shop.example/docs?x=1',
      channel: 'direct',
    })
    expect(page!.context).toMatchObject({ locale: 'de-DE', screen: { width: 1920, height: 1080 } })
    expect(track).toMatchObject({ type: 'track', name: 'Download', properties: { file: 'a.pdf' } })
  })

  it('takes an identify call without storing anything', async () => {
    const { app, store } = await appWithDomain()
    const res = await post(app, '/api/send', {
      type: 'identify',
      payload: { website: 's1', data: { a: 1 } },
    })
    expect(res.status).toBe(200)
    expect(await store.listEvents('s1')).toHaveLength(0)
  })
})

describe('cookieless visitor ids', () => {
  it('differ by client and by day, but a visit spanning midnight keeps its visitor', async () => {
    let now = Date.parse('2026-03-10T23:50:00Z')
    const { app, store } = await appWithDomain(() => now)
    const view = (ip: string, ua = FIREFOX) =>
      post(
        app,
        '/api/event',
        { name: 'pageview', domain: 'shop.example', url: 'https://shop.example/' },
        { 'x-forwarded-for': ip, 'user-agent': ua },
      )
    await view('203.0.113.9')
    await view('203.0.113.200') // same /24: the anonymised address is the same
    await view('198.51.100.1')
    await view('203.0.113.9', 'curl/8.0')
    now = Date.parse('2026-03-11T00:10:00Z') // 20 minutes later, after midnight
    await view('203.0.113.9')
    now = Date.parse('2026-03-11T09:00:00Z') // the next morning, a new visit
    await view('203.0.113.9')
    const ids = (await store.listEvents('s1')).map((e) => e.visitorId)
    expect(ids[1]).toBe(ids[0])
    expect(ids[2]).not.toBe(ids[0])
    expect(ids[3]).not.toBe(ids[0])
    expect(ids[4]).toBe(ids[0])
    expect(ids[5]).not.toBe(ids[0])
    expect(JSON.stringify(await store.listEvents('s1'))).not.toContain('203.0.113')
  })
})
