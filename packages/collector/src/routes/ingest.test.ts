import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { postBatch, testApp, trackMessage } from '../../test/helpers'

describe('POST /v1/batch', () => {
  it('stores a batch and answers per-event counts', async () => {
    const { app, store, site } = await testApp()
    const batch = [
      trackMessage(),
      trackMessage({ type: 'page', name: 'Home', properties: { path: '/' } }),
    ]
    const res = await postBatch(app, { batch, writeKey: site.writeKey })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      success: true,
      accepted: 2,
      duplicates: 0,
      dropped: 0,
      rejected: [],
    })
    const stored = await store.listEvents('s1')
    expect(stored.map((e) => e.messageId).sort()).toEqual(batch.map((m) => m.messageId).sort())
    expect(stored.find((e) => e.type === 'page')?.path).toBe('/')
  })

  it('stores a resent batch once and reports the duplicates', async () => {
    const { app, store, site } = await testApp()
    const body = { batch: [trackMessage(), trackMessage()], writeKey: site.writeKey }
    await postBatch(app, body)
    const again = await postBatch(app, body)
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 2 })
    expect(await store.listEvents('s1')).toHaveLength(2)
  })

  it('takes the write key from Basic auth as Segment clients send it', async () => {
    const { app, store, site } = await testApp()
    const auth = `Basic ${Buffer.from(`${site.writeKey}:`).toString('base64')}`
    const res = await postBatch(app, { batch: [trackMessage()] }, { authorization: auth })
    expect(res.status).toBe(200)
    expect(await store.listEvents('s1')).toHaveLength(1)
  })

  it('accepts a text/plain body, as sendBeacon and the SDK send it', async () => {
    const { app, site } = await testApp()
    const res = await app.request('/v1/batch', {
      method: 'POST',
      body: JSON.stringify({ batch: [trackMessage()], writeKey: site.writeKey }),
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example')
  })

  it('stores the good events of a mixed batch and names the bad ones by index', async () => {
    const { app, store, site } = await testApp()
    const good = trackMessage()
    const batch = [
      { ...trackMessage(), messageId: undefined },
      good,
      'not an object',
      trackMessage({ event: 42 }),
    ]
    const res = await postBatch(app, { batch, writeKey: site.writeKey })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      accepted: number
      rejected: { index: number; code: string }[]
    }
    expect(body.accepted).toBe(1)
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, ErrorCode.invalidEvent],
      [2, ErrorCode.invalidEvent],
      [3, ErrorCode.invalidEvent],
    ])
    expect((await store.listEvents('s1')).map((e) => e.messageId)).toEqual([good.messageId])
  })

  it('merges batch-level context and corrects client clock skew with sentAt', async () => {
    const received = Date.parse('2026-03-10T12:00:00.000Z')
    const { app, store, site } = await testApp({ now: () => received })
    // The client clock is 2 h fast: it thinks it is 14:00 and the event was 5 s earlier.
    const message = trackMessage({
      timestamp: '2026-03-10T13:59:55.000Z',
      context: { locale: 'de' },
    })
    await postBatch(app, {
      batch: [message],
      sentAt: '2026-03-10T14:00:00.000Z',
      context: { app: { name: 'shop' }, locale: 'en' },
      writeKey: site.writeKey,
    })
    const [stored] = await store.listEvents('s1')
    expect(stored!.timestamp).toBe(received - 5_000)
    expect(stored!.receivedAt).toBe(received)
    expect(stored!.context).toEqual({ app: { name: 'shop' }, locale: 'de' })
  })

  it('never stores an IP address a client put in context.ip', async () => {
    const { app, store, site } = await testApp()
    const message = trackMessage({ context: { ip: '203.0.113.77', locale: 'fr' } })
    await postBatch(app, {
      batch: [message],
      context: { ip: '198.51.100.9' },
      writeKey: site.writeKey,
    })
    const [stored] = await store.listEvents('s1')
    expect(stored!.context).toEqual({ locale: 'fr' })
    expect(JSON.stringify(stored)).not.toMatch(/203\.0\.113\.77|198\.51\.100\.9/)
  })

  describe('bad input answers 4xx with a JSON error code, never 5xx', () => {
    const cases: [string, string | object, number, string][] = [
      ['a body that is not JSON', '{"batch": [', 400, ErrorCode.invalidJson],
      ['no batch array', { events: [] }, 400, ErrorCode.invalidBody],
      ['batch of the wrong type', { batch: { a: 1 } }, 400, ErrorCode.invalidBody],
      ['an empty batch', { batch: [] }, 400, ErrorCode.invalidBody],
      ['JSON null', 'null', 400, ErrorCode.invalidBody],
      [
        'only invalid events',
        { batch: [{ type: 'track', anonymousId: 'a' }] },
        400,
        ErrorCode.invalidBatch,
      ],
      [
        'a missing messageId',
        { batch: [{ type: 'track', event: 'x', anonymousId: 'a' }] },
        400,
        ErrorCode.invalidBatch,
      ],
    ]
    it.each(cases)('%s', async (_name, body, status, code) => {
      const { app, site } = await testApp()
      const withKey = typeof body === 'string' ? body : { ...body, writeKey: site.writeKey }
      const res = await postBatch(app, withKey)
      expect(res.status).toBe(status)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    })

    it('an unknown or missing write key', async () => {
      const { app } = await testApp()
      for (const writeKey of ['pk_nope', undefined]) {
        const res = await postBatch(app, { batch: [trackMessage()], writeKey })
        expect(res.status).toBe(401)
        expect(await res.json()).toMatchObject({ error: { code: ErrorCode.unauthorized } })
      }
    })

    it('a secret key used as write key', async () => {
      const { app, site } = await testApp()
      const res = await postBatch(app, { batch: [trackMessage()], writeKey: site.readKey })
      expect(res.status).toBe(401)
    })

    it('a body over the size limit', async () => {
      const { app, site } = await testApp({ maxRequestBytes: 1_000 })
      const batch = [trackMessage({ properties: { blob: 'x'.repeat(2_000) } })]
      const res = await postBatch(app, { batch, writeKey: site.writeKey })
      expect(res.status).toBe(413)
      expect(await res.json()).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } })
    })

    it('lists the invalid events of a fully rejected batch', async () => {
      const { app, site } = await testApp()
      const res = await postBatch(app, { batch: [{ type: 'nope' }, {}], writeKey: site.writeKey })
      const body = (await res.json()) as { error: { issues: { index: number }[] } }
      expect(body.error.issues.map((i) => i.index)).toEqual([0, 1])
    })
  })
})
