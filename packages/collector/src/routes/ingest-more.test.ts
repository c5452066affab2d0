import { gzipSync } from 'node:zlib'
import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, postBatch, testApp, trackMessage } from '../../test/helpers'
import { EventFlag } from '../store/types'

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

describe('Segment single-message endpoints and write key sources', () => {
  it('takes /v1/track, /v1/page, /v1/identify, /v1/group, /v1/alias with the type from the path', async () => {
    const { app, store, site } = await testApp()
    const send = (path: string, body: object) =>
      app.request(path, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { authorization: basic(site.writeKey), 'content-type': 'application/json' },
      })
    const base = { anonymousId: 'a1', timestamp: '2026-03-10T10:00:00Z' }
    expect((await send('/v1/track', { ...base, messageId: 't', event: 'Bought' })).status).toBe(200)
    expect((await send('/v1/page', { ...base, messageId: 'p', name: 'Home' })).status).toBe(200)
    expect((await send('/v1/screen', { ...base, messageId: 's', name: 'Cart' })).status).toBe(200)
    expect(
      (
        await send('/v1/identify', {
          ...base,
          messageId: 'i',
          userId: 'u1',
          traits: { plan: 'pro' },
        })
      ).status,
    ).toBe(200)
    expect((await send('/v1/group', { ...base, messageId: 'g', groupId: 'acme' })).status).toBe(200)
    expect(
      (await send('/v1/alias', { ...base, messageId: 'al', previousId: 'a1', userId: 'u1' }))
        .status,
    ).toBe(200)
    const stored = await store.listEvents('s1')
    expect(Object.fromEntries(stored.map((e) => [e.messageId, e.type]))).toEqual({
      t: 'track',
      p: 'page',
      s: 'screen',
      i: 'identify',
      g: 'group',
      al: 'alias',
    })
    expect(stored.find((e) => e.messageId === 'i')?.traits).toEqual({ plan: 'pro' })
    const bad = await send('/v1/track', { ...base, messageId: 'x' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: ErrorCode.invalidBatch } })
  })

  it('takes the write key from an X-Write-Key header', async () => {
    const { app, store, site } = await testApp()
    const res = await postBatch(app, { batch: [trackMessage()] }, { 'x-write-key': site.writeKey })
    expect(res.status).toBe(200)
    expect(await store.listEvents('s1')).toHaveLength(1)
  })
})

describe('request bodies', () => {
  it('accepts a gzip-encoded batch', async () => {
    const { app, store, site } = await testApp()
    const body = gzipSync(
      JSON.stringify({ batch: [trackMessage(), trackMessage()], writeKey: site.writeKey }),
    )
    const res = await app.request('/v1/batch', {
      method: 'POST',
      body,
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    expect(await store.listEvents('s1')).toHaveLength(2)
  })

  it('refuses a gzip bomb by its decoded size, a broken gzip body and an unknown encoding', async () => {
    const { app, site } = await testApp({ maxRequestBytes: 10_000 })
    const bomb = gzipSync(
      JSON.stringify({
        batch: [trackMessage({ properties: { x: 'a'.repeat(1_000_000) } })],
        writeKey: site.writeKey,
      }),
    )
    expect(bomb.byteLength).toBeLessThan(10_000)
    const post = (body: BodyInit, encoding: string) =>
      app.request('/v1/batch', { method: 'POST', body, headers: { 'content-encoding': encoding } })
    const tooBig = await post(bomb, 'gzip')
    expect(tooBig.status).toBe(413)
    expect(await tooBig.json()).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } })
    const broken = await post('this is not gzip', 'gzip')
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ error: { code: ErrorCode.invalidEncoding } })
    expect((await post('{}', 'br')).status).toBe(415)
  })

  it('rejects an event over the per-event limit and stores its neighbours', async () => {
    const { app, store, site } = await testApp({ config: { maxEventBytes: 2_000 } })
    const big = trackMessage({ properties: { blob: 'x'.repeat(3_000) } })
    const small = trackMessage()
    const res = await postBatch(app, { batch: [small, big], writeKey: site.writeKey })
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, code: ErrorCode.eventTooLarge }],
    })
    expect((await store.listEvents('s1')).map((e) => e.messageId)).toEqual([small.messageId])
  })
})

describe('site policies', () => {
  const patch = (app: Awaited<ReturnType<typeof testApp>>['app'], body: object) =>
    app.request('/v1/admin/sites/s1', {
      method: 'PATCH',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    })

  it('takes browser events only from allowed origins once a site lists them', async () => {
    const { app, store, site } = await testApp()
    expect(
      (await patch(app, { settings: { allowedOrigins: ['https://shop.example/'] } })).status,
    ).toBe(200)
    const from = (origin?: string) =>
      postBatch(app, { batch: [trackMessage()], writeKey: site.writeKey }, origin ? { origin } : {})
    const denied = await from('https://evil.example')
    expect(denied.status).toBe(403)
    expect(await denied.json()).toMatchObject({ error: { code: ErrorCode.originNotAllowed } })
    expect((await from('https://shop.example')).status).toBe(200)
    expect((await from()).status).toBe(200) // server-side senders send no Origin
    expect(await store.listEvents('s1')).toHaveLength(2)
  })

  it('drops the events of a suppressed subject, whatever the client sends', async () => {
    const { app, store, site } = await testApp()
    await store.addSuppression({ siteId: 's1', kind: 'userId', value: 'gone', createdAt: 0 })
    await store.addSuppression({
      siteId: 's1',
      kind: 'anonymousId',
      value: 'anon-gone',
      createdAt: 0,
    })
    const keep = trackMessage({ anonymousId: 'stays' })
    const res = await postBatch(app, {
      batch: [trackMessage({ userId: 'gone' }), trackMessage({ anonymousId: 'anon-gone' }), keep],
      writeKey: site.writeKey,
    })
    expect(await res.json()).toMatchObject({ accepted: 1, dropped: 2, rejected: [] })
    expect((await store.listEvents('s1')).map((e) => e.messageId)).toEqual([keep.messageId])
  })

  it('flags bots (left out of stats) or drops them, as the site says', async () => {
    const { app, store, site } = await testApp()
    const page = (ua: string) =>
      trackMessage({
        type: 'page',
        properties: { path: '/' },
        context: { userAgent: ua },
        timestamp: '2026-03-10T10:00:00Z',
      })
    await postBatch(app, { batch: [page(GOOGLEBOT), page(CHROME)], writeKey: site.writeKey })
    const stored = await store.listEvents('s1')
    expect(stored.map((e) => (e.flags & EventFlag.bot) !== 0).sort()).toEqual([false, true])
    const stats = await app.request('/v1/stats/overview?site=s1&from=2026-03-10&to=2026-03-10', {
      headers: { authorization: `Bearer ${site.readKey}` },
    })
    expect(await stats.json()).toMatchObject({ pageviews: 1 })

    await patch(app, { settings: { botPolicy: 'drop' } })
    const res = await postBatch(app, { batch: [page(GOOGLEBOT)], writeKey: site.writeKey })
    expect(await res.json()).toMatchObject({ accepted: 0, dropped: 1 })
    expect(await store.listEvents('s1')).toHaveLength(2)
    const metrics = await (
      await app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text()
    expect(metrics).toMatch(/pipit_bot_events_total\{action="flagged",reason="google"\} 1/)
    expect(metrics).toMatch(/pipit_bot_events_total\{action="dropped",reason="google"\} 1/)
  })

  it('answers 429 with Retry-After past the per-client rate', async () => {
    const { app, site } = await testApp({ config: { rateLimitClient: 1, trustProxy: true } })
    const send = (ip: string) =>
      postBatch(
        app,
        { batch: [trackMessage()], writeKey: site.writeKey },
        { 'x-forwarded-for': ip },
      )
    expect((await send('203.0.113.5')).status).toBe(200)
    expect((await send('203.0.113.5')).status).toBe(200) // the burst is twice the rate
    const limited = await send('203.0.113.5')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await limited.json()).toMatchObject({ error: { code: ErrorCode.rateLimited } })
    expect((await send('198.51.100.7')).status).toBe(200) // another client is not held back
  })

  // Regression: ingest read and parsed the whole body before it rate-limited.
  it('refuses a limited client before reading or parsing its body, on every ingest route', async () => {
    const { app, site } = await testApp({ config: { rateLimitClient: 1, trustProxy: true } })
    const ip = { 'x-forwarded-for': '203.0.113.5' }
    for (let i = 0; i < 2; i++) {
      expect(
        (await postBatch(app, { batch: [trackMessage()], writeKey: site.writeKey }, ip)).status,
      ).toBe(200)
    }
    // Not JSON: a 400 if it were parsed. The client is over its rate, so it is never read.
    for (const path of ['/v1/batch', '/v1/track', '/api/event', '/api/send']) {
      const res = await app.request(path, {
        method: 'POST',
        body: '{ not json',
        headers: { 'content-type': 'application/json', ...ip },
      })
      expect([path, res.status]).toEqual([path, 429])
      expect(await res.json()).toMatchObject({ error: { code: ErrorCode.rateLimited } })
    }
  })
})

describe('enrichment', () => {
  it('parses the user agent, campaign, source and channel, and strips sensitive query parameters', async () => {
    const { app, store, site } = await testApp({ config: { countryHeader: 'cf-ipcountry' } })
    const url =
      'https://shop.example/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&email=jo%40x.io&ref=1'
    await postBatch(
      app,
      {
        batch: [
          trackMessage({
            type: 'page',
            properties: { url, path: '/pricing', referrer: 'https://mail.google.com/' },
            context: { userAgent: CHROME, page: { url } },
          }),
        ],
        writeKey: site.writeKey,
      },
      { 'cf-ipcountry': 'de' },
    )
    const [e] = await store.listEvents('s1')
    expect(e).toMatchObject({
      browser: 'Chrome',
      os: 'Windows',
      deviceType: 'desktop',
      country: 'DE',
      utmSource: 'newsletter',
      utmMedium: 'email',
      utmCampaign: 'spring',
      channel: 'email',
      path: '/pricing',
    })
    expect(e!.url).not.toContain('jo%40x.io')
    expect(e!.url).toContain('ref=1')
    expect(JSON.stringify(e)).not.toMatch(/jo%40x\.io|jo@x\.io/)
  })

  it('keeps the real time of an event sent days later from an offline queue', async () => {
    const received = Date.parse('2026-03-10T12:00:00Z')
    const { app, store, site } = await testApp({ now: () => received })
    // Tracked three days ago on a device whose clock is 10 minutes slow, sent just now.
    const slow = 10 * 60_000
    const tracked = received - 3 * 86_400_000
    await postBatch(app, {
      batch: [trackMessage({ timestamp: new Date(tracked - slow).toISOString() })],
      sentAt: new Date(received - slow).toISOString(),
      writeKey: site.writeKey,
    })
    const [e] = await store.listEvents('s1')
    expect(e!.timestamp).toBe(tracked)
    expect(e!.flags).toBe(0)
  })

  it('flags a timestamp from the future and stores it at the receive time', async () => {
    const received = Date.parse('2026-03-10T12:00:00Z')
    const { app, store, site } = await testApp({ now: () => received })
    await postBatch(app, {
      batch: [trackMessage({ timestamp: '2026-03-11T12:00:00Z' })],
      writeKey: site.writeKey,
    })
    const [e] = await store.listEvents('s1')
    expect(e!.timestamp).toBe(received)
    expect(e!.flags & EventFlag.clampedTimestamp).toBeTruthy()
  })
})

describe('GET /metrics', () => {
  it('counts events by outcome for the instance admin only', async () => {
    const { app, site } = await testApp()
    const m = trackMessage()
    await postBatch(app, { batch: [m, { type: 'nope' }], writeKey: site.writeKey })
    await postBatch(app, { batch: [m], writeKey: site.writeKey })
    expect((await app.request('/metrics')).status).toBe(401)
    expect(
      (await app.request('/metrics', { headers: { authorization: `Bearer ${site.readKey}` } }))
        .status,
    ).toBe(403)
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    const text = await res.text()
    expect(text).toMatch(/pipit_events_total\{outcome="accepted",reason=""\} 1/)
    expect(text).toMatch(/pipit_events_total\{outcome="duplicate",reason=""\} 1/)
    expect(text).toMatch(/pipit_events_total\{outcome="rejected",reason="invalid_event"\} 1/)
    expect(text).toMatch(
      /pipit_request_duration_seconds_count\{route="\/v1\/batch",status="2xx"\} 2/,
    )
    expect(text).toMatch(/pipit_commit_events_count 2/)
  })
})
