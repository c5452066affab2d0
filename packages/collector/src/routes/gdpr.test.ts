import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, postBatch, testApp, trackMessage } from '../../test/helpers'

type T = Awaited<ReturnType<typeof testApp>>
const auth = (key: string) => ({
  authorization: `Bearer ${key}`,
  'content-type': 'application/json',
})
const post = (t: T, path: string, body: unknown, key = ADMIN_KEY) =>
  t.app.request(path, { method: 'POST', body: JSON.stringify(body), headers: auth(key) })
const get = (t: T, path: string, key = ADMIN_KEY) => t.app.request(path, { headers: auth(key) })

const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T10:00:00.000Z`
/** The subject (a1 → identify u1 → a2) and two other visitors. */
const subjectEvents = [
  trackMessage({
    messageId: 's1',
    type: 'page',
    anonymousId: 'a1',
    properties: { path: '/' },
    timestamp: at(10),
  }),
  trackMessage({ messageId: 's2', anonymousId: 'a1', timestamp: at(10) }),
  trackMessage({
    messageId: 's3',
    type: 'identify',
    anonymousId: 'a1',
    userId: 'u1',
    traits: { email: 'jo@example.com' },
    timestamp: at(11),
  }),
  trackMessage({
    messageId: 's4',
    type: 'page',
    anonymousId: 'a2',
    userId: 'u1',
    properties: { path: '/p' },
    timestamp: at(12),
  }),
]
const otherEvents = [
  trackMessage({
    messageId: 'o1',
    type: 'page',
    anonymousId: 'b1',
    properties: { path: '/' },
    timestamp: at(10),
  }),
  trackMessage({ messageId: 'o2', anonymousId: 'b2', timestamp: at(12) }),
]
const overviewPath = '/v1/stats/overview?site=s1&from=2026-03-01&to=2026-03-31'

async function seeded() {
  const t = await testApp()
  await postBatch(t.app, { batch: [...subjectEvents, ...otherEvents], writeKey: t.site.writeKey })
  return t
}

describe('GDPR export', () => {
  it('exports every linked event and identity as JSON, NDJSON and CSV', async () => {
    const t = await seeded()
    const json = (await (await get(t, '/v1/gdpr/export?site=s1&anonymousId=a1')).json()) as {
      identities: { userIds: string[]; anonymousIds: string[] }
      events: { messageId: string; traits: unknown }[]
    }
    expect(json.identities).toEqual({ userIds: ['u1'], anonymousIds: ['a1', 'a2'] })
    expect(json.events.map((e) => e.messageId)).toEqual(['s1', 's2', 's3', 's4'])
    expect(json.events[2]!.traits).toEqual({ email: 'jo@example.com' })

    const ndjson = await (await get(t, '/v1/gdpr/export?site=s1&userId=u1&format=ndjson')).text()
    const records = ndjson
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { record: string; messageId?: string })
    expect(records.filter((r) => r.record === 'identity')).toHaveLength(3)
    expect(records.filter((r) => r.record === 'event').map((r) => r.messageId)).toEqual([
      's1',
      's2',
      's3',
      's4',
    ])

    const res = await get(t, '/v1/gdpr/export?site=s1&userId=u1&format=csv')
    expect(res.headers.get('content-type')).toContain('text/csv')
    const rows = (await res.text()).trim().split('\n')
    expect(rows[0]).toMatch(/^record,kind,id,since,messageId,type/)
    expect(rows.filter((r) => r.startsWith('event,')).map((r) => r.split(',')[4])).toEqual([
      's1',
      's2',
      's3',
      's4',
    ])
  })

  it('streams a large subject in pages', async () => {
    const t = await testApp()
    const batch = Array.from({ length: 2_500 }, (_, i) =>
      trackMessage({ messageId: `m${i}`, anonymousId: 'big' }),
    )
    for (let i = 0; i < batch.length; i += 500) {
      await postBatch(t.app, { batch: batch.slice(i, i + 500), writeKey: t.site.writeKey })
    }
    const lines = (
      await (await get(t, '/v1/gdpr/export?site=s1&anonymousId=big&format=ndjson')).text()
    )
      .trim()
      .split('\n')
    expect(lines.filter((l) => l.includes('"record":"event"'))).toHaveLength(2_500)
  })

  it('needs exactly one subject id', async () => {
    const t = await testApp()
    for (const q of ['site=s1', 'site=s1&userId=u&anonymousId=a', 'userId=u']) {
      const res = await get(t, `/v1/gdpr/export?${q}`)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: ErrorCode.invalidQuery } })
    }
  })
})

describe('GDPR erasure', () => {
  it('deletes every linked event, and stats equal a fresh computation without the subject', async () => {
    const t = await seeded()
    const res = await post(t, '/v1/gdpr/delete', { site: 's1', userId: 'u1' })
    expect(await res.json()).toMatchObject({
      deleted: 4,
      subject: { userIds: ['u1'], anonymousIds: ['a1', 'a2'] },
    })
    expect((await t.store.listEvents('s1')).map((e) => e.messageId)).toEqual(['o1', 'o2'])

    const fresh = await testApp()
    await postBatch(fresh.app, { batch: otherEvents, writeKey: fresh.site.writeKey })
    const after = await (await get(t, overviewPath)).json()
    expect(after).toEqual(await (await get(fresh, overviewPath)).json())
    expect(after).toMatchObject({ visitors: 2, pageviews: 1, events: 1 })
  })

  it('anonymises instead when asked: counts stay, identity and traits go', async () => {
    const t = await seeded()
    const before = await (await get(t, overviewPath)).json()
    const res = await post(t, '/v1/gdpr/delete', {
      site: 's1',
      anonymousId: 'a2',
      mode: 'anonymize',
    })
    expect(await res.json()).toMatchObject({ anonymized: 4 })
    const events = await t.store.listEvents('s1')
    const anonymised = events.filter((e) => e.messageId.startsWith('s'))
    expect(new Set(anonymised.map((e) => e.visitorId)).size).toBe(1)
    expect(anonymised.every((e) => !e.userId && !e.anonymousId && !e.traits)).toBe(true)
    expect(JSON.stringify(events)).not.toContain('jo@example.com')
    // One anonymous visitor instead of the subject's ids: a1 and a2 were counted as 2 before.
    expect(await (await get(t, overviewPath)).json()).toEqual({
      ...(before as object),
      visitors: 3,
    })
  })
})

describe('opt-out, audit, purge and privacy switches', () => {
  it('drops later events of an opted-out subject, lists it in the export, and can opt back in', async () => {
    const t = await testApp()
    expect(
      await (await post(t, '/v1/gdpr/opt-out', { site: 's1', userId: 'u9' })).json(),
    ).toMatchObject({ suppressed: true, changed: true })
    const sent = await postBatch(t.app, {
      batch: [trackMessage({ userId: 'u9' })],
      writeKey: t.site.writeKey,
    })
    expect(await sent.json()).toMatchObject({ accepted: 0, dropped: 1 })
    expect(await t.store.listEvents('s1')).toHaveLength(0)
    const exported = (await (await get(t, '/v1/gdpr/export?site=s1&userId=u9')).json()) as {
      suppressed: { kind: string; id: string }[]
    }
    expect(exported.suppressed).toMatchObject([{ kind: 'userId', id: 'u9' }])

    const optIn = await t.app.request('/v1/gdpr/opt-out?site=s1&userId=u9', {
      method: 'DELETE',
      headers: auth(ADMIN_KEY),
    })
    expect(await optIn.json()).toMatchObject({ suppressed: false, changed: true })
    await postBatch(t.app, { batch: [trackMessage({ userId: 'u9' })], writeKey: t.site.writeKey })
    expect(await t.store.listEvents('s1')).toHaveLength(1)
  })

  it('writes every action to the audit log with the acting key and the subject id only', async () => {
    const t = await seeded()
    const keyRes = await post(t, '/v1/admin/sites/s1/keys', { scope: 'admin' })
    const siteAdmin = (await keyRes.json()) as { id: string; key: string }
    await (await get(t, '/v1/gdpr/export?site=s1&userId=u1', siteAdmin.key)).text()
    await post(t, '/v1/gdpr/opt-out', { site: 's1', anonymousId: 'b1' }, siteAdmin.key)
    await post(t, '/v1/gdpr/delete', { site: 's1', userId: 'u1' }, siteAdmin.key)
    const { entries } = (await (await get(t, '/v1/gdpr/audit?site=s1', siteAdmin.key)).json()) as {
      entries: {
        action: string
        actor: string
        subjectKind: string
        subjectId: string
        rows: number
      }[]
    }
    expect(entries.map((e) => [e.action, e.subjectKind, e.subjectId, e.rows])).toEqual([
      ['delete', 'userId', 'u1', 4],
      ['opt-out', 'anonymousId', 'b1', 1],
      ['export', 'userId', 'u1', 4],
    ])
    expect(entries.every((e) => e.actor === siteAdmin.id)).toBe(true)
    expect(JSON.stringify(entries)).not.toMatch(/jo@example|a1|a2/)
  })

  it('purges exactly the raw events past the retention period, with a dry run first', async () => {
    let now = Date.parse('2026-03-20T00:00:00Z')
    const t = await testApp({ now: () => now })
    await t.app.request('/v1/admin/sites/s1', {
      method: 'PATCH',
      body: JSON.stringify({ settings: { retentionDays: 7 } }),
      headers: auth(ADMIN_KEY),
    })
    const batch = [1, 5, 12, 13, 14, 19].map((d) =>
      trackMessage({ messageId: `d${d}`, timestamp: at(d) }),
    )
    await postBatch(t.app, { batch, writeKey: t.site.writeKey })
    now = Date.parse('2026-03-21T00:00:00Z') // cut-off: March 14, 00:00
    const dry = await (await post(t, '/v1/gdpr/purge', { site: 's1', dryRun: true })).json()
    expect(dry).toMatchObject({ rows: 4, dryRun: true, before: '2026-03-14T00:00:00.000Z' })
    expect(await t.store.listEvents('s1')).toHaveLength(6)
    expect(await (await post(t, '/v1/gdpr/purge', { site: 's1' })).json()).toMatchObject({
      rows: 4,
    })
    expect((await t.store.listEvents('s1')).map((e) => e.messageId)).toEqual(['d14', 'd19'])
  })

  it('honours DNT and GPC headers when the site asks for it', async () => {
    const t = await testApp()
    const send = (headers: Record<string, string>) =>
      postBatch(t.app, { batch: [trackMessage()], writeKey: t.site.writeKey }, headers)
    expect(await (await send({ dnt: '1' })).json()).toMatchObject({ accepted: 1 })
    await t.app.request('/v1/admin/sites/s1', {
      method: 'PATCH',
      body: JSON.stringify({ settings: { honorDoNotTrack: true } }),
      headers: auth(ADMIN_KEY),
    })
    expect(await (await send({ dnt: '1' })).json()).toMatchObject({ accepted: 0, dropped: 1 })
    expect(await (await send({ 'sec-gpc': '1' })).json()).toMatchObject({ accepted: 0, dropped: 1 })
    expect(await (await send({})).json()).toMatchObject({ accepted: 1 })
    expect(await t.store.listEvents('s1')).toHaveLength(2)
  })

  it('stores no client ids in cookieless mode', async () => {
    const t = await testApp({ config: { trustProxy: true } })
    await t.app.request('/v1/admin/sites/s1', {
      method: 'PATCH',
      body: JSON.stringify({ settings: { cookieless: true } }),
      headers: auth(ADMIN_KEY),
    })
    await postBatch(
      t.app,
      {
        batch: [trackMessage({ anonymousId: 'device-1', userId: 'user-1' })],
        writeKey: t.site.writeKey,
      },
      { 'x-forwarded-for': '203.0.113.1' },
    )
    const [e] = await t.store.listEvents('s1')
    expect(e).toMatchObject({ anonymousId: null, userId: null })
    expect(e!.visitorId).toMatch(/^v_/)
    expect(JSON.stringify(e)).not.toMatch(/device-1|user-1/)
  })
})
